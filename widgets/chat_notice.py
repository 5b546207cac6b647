"""ChatNotice: a one-line system notice in the chat (info, warning or error)."""

from __future__ import annotations

from typing import Literal

from textual.widgets import Static

NoticeSeverity = Literal["info", "warning", "error"]


class ChatNotice(Static):
    """A muted system line; warnings and errors get their theme colour."""

    DEFAULT_CSS = """
    ChatNotice {
        width: 1fr;
        height: auto;
        margin: 1 1 0 1;
        padding: 0 1;
        color: $text-muted;
        text-style: italic;
        &.-warning { color: $warning; border-left: outer $warning; }
        &.-error { color: $error; border-left: outer $error; text-style: bold; }
    }
    """

    def __init__(
        self, text: str, severity: NoticeSeverity = "info", *, id: str | None = None
    ) -> None:
        """Show `text` literally with the look of `severity`."""
        super().__init__(text, markup=False, id=id, classes=f"-{severity}")
        self.text = text
        """The notice text."""
        self.severity: NoticeSeverity = severity
        """How loud the notice is."""
