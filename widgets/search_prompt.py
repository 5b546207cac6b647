"""A one-line modal prompt that asks for a search query."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen
from textual.widgets import Input


class SearchPrompt(ModalScreen[str | None]):
    """Ask for a search query; dismiss with the text on Enter, or None on Escape.

    The log widgets are Line API views that cannot hold children, so they push
    this small screen to read the query and receive it in a callback.
    """

    DEFAULT_CSS = """
    SearchPrompt {
        align: center bottom;
        background: $background 30%;
        & > Input {
            width: 100%;
            margin: 0 1 1 1;
            border: round $accent;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "cancel",
            "Cancel",
            id="search_prompt.cancel",
            tooltip="Close the search prompt without searching",
        ),
    ]

    def __init__(self, initial: str = "", placeholder: str = "Search…") -> None:
        """Create the prompt, pre-filled with `initial` (the previous query)."""
        super().__init__()
        self._initial = initial
        self._placeholder = placeholder

    def compose(self) -> ComposeResult:
        """Compose the single input line."""
        yield Input(self._initial, placeholder=self._placeholder, id="search-query")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Return the typed query to whoever pushed the prompt."""
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        """Close without a query."""
        self.dismiss(None)
