"""Small modal screens: the error modal, a yes/no question, a choice, a text viewer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.syntax import Syntax
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, OptionList, Static
from textual.widgets.option_list import Option

from regoose_tui.app.paths import styles_path
from regoose_tui.widgets.live_log import LiveLog

_CLOSE = Binding("escape", "close", "Close", id="modal.close", tooltip="Close this dialog")


class ErrorModal(ModalScreen[None]):
    """The one place errors are shown: a RegooseError's title and its one-line message."""

    CSS_PATH = styles_path("modals.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [_CLOSE]

    def __init__(self, title: str, message: str) -> None:
        super().__init__(classes="modal -error")
        self.error_title = title
        """The error's title (its kind, e.g. 'Sandbox error')."""
        self.message = message
        """What went wrong, in one line."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            dialog.border_title = f"✗ {self.error_title}"
            yield Static(self.message, id="message", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("OK", id="ok", variant="error")

    def on_mount(self) -> None:
        self.query_one("#ok", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_close(self) -> None:
        """Close the modal."""
        self.dismiss(None)


class ConfirmModal(ModalScreen[bool]):
    """A yes/no question; Escape answers no."""

    CSS_PATH = styles_path("modals.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        _CLOSE,
        Binding("y", "answer(True)", "Yes", id="confirm.yes", tooltip="Answer yes"),
        Binding("n", "answer(False)", "No", id="confirm.no", tooltip="Answer no"),
    ]

    def __init__(self, title: str, question: str, *, yes: str = "Yes", danger: bool = True) -> None:
        super().__init__(classes="modal")
        self._title = title
        self._question = question
        self._yes = yes
        self._danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            dialog.border_title = self._title
            yield Static(self._question, id="message", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(self._yes, id="yes", variant="error" if self._danger else "primary")
                yield Button("Cancel", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        """Answer the question."""
        self.dismiss(answer)

    def action_close(self) -> None:
        """Escape means no."""
        self.dismiss(False)


class ChoiceModal(ModalScreen[str | None]):
    """Pick one of a few options (e.g. an export format); Escape picks nothing."""

    CSS_PATH = styles_path("modals.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [_CLOSE]

    def __init__(self, title: str, choices: Sequence[tuple[str, str]]) -> None:
        """``choices`` are (value, label) pairs."""
        super().__init__(classes="modal")
        self._title = title
        self._choices = tuple(choices)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            dialog.border_title = self._title
            yield OptionList(
                *(Option(label, id=value) for value, label in self._choices), id="choices"
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_close(self) -> None:
        """Close without choosing."""
        self.dismiss(None)


class CodeViewer(ModalScreen[None]):
    """A generated test file in full, highlighted, scrollable."""

    CSS_PATH = styles_path("modals.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [_CLOSE]

    def __init__(self, title: str, code: str) -> None:
        super().__init__(classes="modal -wide")
        self._title = title
        self.code = code
        """The source shown."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            dialog.border_title = self._title
            dialog.border_subtitle = "Esc closes"
            with VerticalScroll(id="code-scroll"):
                yield Static(
                    Syntax(self.code, "python", theme="ansi_dark", line_numbers=True), id="code"
                )

    def action_close(self) -> None:
        """Close the viewer."""
        self.dismiss(None)


class NodeDetail(ModalScreen[None]):
    """One plan node's events and sandbox output, in a log view with search."""

    CSS_PATH = styles_path("modals.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [_CLOSE]

    def __init__(self, title: str, lines: Sequence[str]) -> None:
        super().__init__(classes="modal -wide")
        self._title = title
        self.lines = tuple(lines)
        """The lines shown (ANSI colours kept)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog") as dialog:
            dialog.border_title = self._title
            dialog.border_subtitle = "/ search · Esc closes"
            if not self.lines:
                yield Label("Nothing recorded for this agent yet.", id="empty")
            yield LiveLog(id="node-log")

    def on_mount(self) -> None:
        log = self.query_one("#node-log", LiveLog)
        log.write_lines(list(self.lines))
        log.focus()

    def action_close(self) -> None:
        """Close the detail view."""
        self.dismiss(None)
