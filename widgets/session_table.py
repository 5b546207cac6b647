"""SessionTable: past sessions in a table, fuzzy-filtered by a query."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.fuzzy import Matcher
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable

from .formatting import format_percent


@dataclass(frozen=True)
class SessionRow:
    """One stored session, as plain data."""

    id: str
    date: str
    """Already formatted for display (e.g. '2025-01-31 14:02')."""
    target: str
    provider: str
    status: str
    """'passed', 'failed', 'running', 'cancelled'… (coloured when known)."""
    line_percent: float | None = None
    branch_percent: float | None = None

    @property
    def haystack(self) -> str:
        """The text a query is matched against."""
        return f"{self.target} {self.provider} {self.status} {self.date} {self.id}"


def shorten_start(text: str, width: int) -> str:
    """`text` cut to at most `width` cells from the left ('…/shop/cart.py').

    A path's end says most; the cut falls on a '/' when the kept tail has one.
    """
    if len(text) <= width:
        return text
    tail = text[len(text) - width + 1 :]
    slash = tail.find("/")
    if 0 <= slash < len(tail) - 1:
        tail = tail[slash:]
    return "…" + tail


def shorten_end(text: str, width: int) -> str:
    """`text` cut to `width` cells from the right ('openai/gpt-4…')."""
    return text if len(text) <= width else text[: width - 1] + "…"


class SessionTable(DataTable[str | Text]):
    """Sessions as rows (newest first as given); `filter_text` keeps the best fuzzy matches.

    Long targets and provider names are shortened so that the status and the
    coverage columns stay in view in a table of 90 columns.
    """

    DEFAULT_CSS = """
    SessionTable {
        height: 1fr;
        & > .session-table--passed { color: $success; text-style: bold; }
        & > .session-table--failed { color: $error; text-style: bold; }
        & > .session-table--error { color: $error; }
        & > .session-table--interrupted { color: $warning; }
        & > .session-table--cancelled { color: $text-muted; }
        & > .session-table--running { color: $warning; text-style: bold; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "session-table--passed",
        "session-table--failed",
        "session-table--error",
        "session-table--interrupted",
        "session-table--cancelled",
        "session-table--running",
    }

    COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("date", "Date"),
        ("target", "Target"),
        ("provider", "Provider"),
        ("status", "Status"),
        ("lines", "Lines"),
        ("branches", "Branch"),
    )

    TARGET_WIDTH: ClassVar[int] = 26
    """Most cells a target takes (longer ones keep their end)."""
    PROVIDER_WIDTH: ClassVar[int] = 14
    """Most cells a provider name takes."""

    @dataclass
    class Highlighted(Message):
        """The cursor moved onto a session."""

        session_table: SessionTable
        session_id: str

        @property
        def control(self) -> SessionTable:
            """The table that sent the message."""
            return self.session_table

    @dataclass
    class Selected(Message):
        """The user chose a session (Enter or click)."""

        session_table: SessionTable
        session_id: str

        @property
        def control(self) -> SessionTable:
            """The table that sent the message."""
            return self.session_table

    # Not `query`: that would shadow DOMNode.query(), which Textual and callers rely on.
    filter_text: reactive[str] = reactive("")
    """Fuzzy filter; '' shows every session in the given order."""

    def __init__(
        self,
        rows: Iterable[SessionRow] = (),
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Create the table with its first rows."""
        super().__init__(cursor_type="row", zebra_stripes=True, name=name, id=id, classes=classes)
        self._sessions: tuple[SessionRow, ...] = tuple(rows)

    def on_mount(self) -> None:
        """Add the columns and the rows."""
        for key, label in self.COLUMNS:
            self.add_column(label, key=key)
        self._rebuild()

    @property
    def sessions(self) -> tuple[SessionRow, ...]:
        """Every session given (filtered or not)."""
        return self._sessions

    @property
    def visible_ids(self) -> list[str]:
        """Ids of the shown rows, top to bottom."""
        return [str(row_key.value) for row_key in self.rows]

    def set_rows(self, rows: Iterable[SessionRow]) -> None:
        """Replace the sessions, keeping the query."""
        self._sessions = tuple(rows)
        self._rebuild()

    def watch_filter_text(self) -> None:
        """Re-filter when the query changes."""
        if self.is_mounted:
            self._rebuild()

    def _matching(self) -> list[SessionRow]:
        """Sessions matching the query, best score first (ties keep the given order)."""
        if not self.filter_text.strip():
            return list(self._sessions)
        matcher = Matcher(self.filter_text.strip())
        scored = [
            (matcher.match(row.haystack), index, row) for index, row in enumerate(self._sessions)
        ]
        return [
            row
            for score, _, row in sorted(
                (s for s in scored if s[0] > 0), key=lambda s: (-s[0], s[1])
            )
        ]

    def _rebuild(self) -> None:
        """Refill the table from the matching sessions."""
        self.clear()
        for row in self._matching():
            self.add_row(
                row.date,
                shorten_start(row.target, self.TARGET_WIDTH),
                shorten_end(row.provider, self.PROVIDER_WIDTH),
                self._status_cell(row.status),
                format_percent(row.line_percent),
                format_percent(row.branch_percent),
                key=row.id,
            )

    def _status_cell(self, status: str) -> str | Text:
        """The status, coloured when it is one the theme styles."""
        component = f"session-table--{status}"
        if component not in self.COMPONENT_CLASSES:
            return status
        # The full style blends translucent theme colours ($text-muted); keep only
        # its foreground so the row's zebra and cursor backgrounds still show.
        full = self.get_component_rich_style(component)
        return Text(status, style=Style(color=full.color, bold=full.bold))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Announce the highlighted session by id."""
        if event.row_key.value is not None:
            self.post_message(self.Highlighted(self, str(event.row_key.value)))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Announce the chosen session by id."""
        if event.row_key.value is not None:
            self.post_message(self.Selected(self, str(event.row_key.value)))
