"""UserMessage: one message the user typed, shown as a bubble."""

from __future__ import annotations

from textual.widgets import Static


class UserMessage(Static):
    """The user's text in a right-leaning bubble (no markup is interpreted)."""

    DEFAULT_CSS = """
    UserMessage {
        width: 1fr;
        height: auto;
        margin: 1 1 0 6;
        padding: 1 2;
        background: $primary 15%;
        border-right: outer $primary 60%;
        color: $text;
    }
    """

    def __init__(self, text: str, *, id: str | None = None, classes: str | None = None) -> None:
        """Show `text` literally."""
        super().__init__(text, markup=False, id=id, classes=classes)
        self.text = text
        """The message as typed."""
