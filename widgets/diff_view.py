"""DiffView: one file's diff, syntax highlighted, with old/new line numbers and +/- marks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, Literal

from rich.syntax import Syntax
from rich.text import Text
from textual.widgets import Static

RowKind = Literal["context", "added", "removed", "gap"]

#: Row background by kind (dark tints: the syntax colours stay readable on them).
_BACKGROUND: dict[RowKind, str] = {
    "added": "on #15351f",
    "removed": "on #3d1a1d",
    "context": "",
    "gap": "",
}
#: Columns of code a tinted row spans at least.
MIN_WIDTH = 88
_MARK: dict[RowKind, str] = {"added": "+", "removed": "-", "context": " ", "gap": " "}
_MARK_STYLE: dict[RowKind, str] = {
    "added": "bold green",
    "removed": "bold red",
    "context": "dim",
    "gap": "dim",
}


@dataclass(frozen=True)
class DiffRow:
    """One diff line as plain data: its kind, numbers in the old and new file, its text."""

    kind: RowKind
    old: int | None
    new: int | None
    text: str


class DiffView(Static):
    """A Python diff drawn as numbered rows; ``show`` replaces what it displays."""

    DEFAULT_CSS = """
    DiffView {
        width: auto;
        min-width: 100%;
        height: auto;
    }
    """

    #: The Pygments theme of the highlighted code.
    THEME: ClassVar[str] = "ansi_dark"

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes)
        self.rows: tuple[DiffRow, ...] = ()
        """What is shown (tests read it)."""

    def show(self, rows: Iterable[DiffRow], empty: str = "No changes.") -> None:
        """Display ``rows``; ``empty`` is said when there are none."""
        self.rows = tuple(rows)
        self.update(render_rows(self.rows, self.THEME) if self.rows else Text(empty, style="dim"))


def render_rows(rows: tuple[DiffRow, ...], theme: str = DiffView.THEME) -> Text:
    """The rows as one rich Text: gutter, mark, highlighted code, tinted by kind."""
    # One highlight pass over all rows keeps multi-line tokens (docstrings) right.
    code = Syntax("", "python", theme=theme).highlight("\n".join(row.text for row in rows))
    lines = code.split("\n", allow_blank=True)
    digits = max((len(str(n)) for row in rows for n in (row.old, row.new) if n), default=1)
    # Tinted rows as wide as a ruff line at least, so the bands read as one block.
    width = max(MIN_WIDTH, max((len(row.text) for row in rows), default=0) + 1)
    out = Text(no_wrap=True, overflow="crop", end="")
    for index, row in enumerate(rows):
        if index:
            out.append("\n")
        if row.kind == "gap":
            out.append(" " * (2 * digits + 3) + "⋯", style="dim")
            continue
        old = str(row.old) if row.old else ""
        new = str(row.new) if row.new else ""
        out.append(f"{old:>{digits}} {new:>{digits}} ", style="dim")
        line = Text(_MARK[row.kind] + " ", style=_MARK_STYLE[row.kind])
        body = lines[index].copy() if index < len(lines) else Text(row.text)
        body.rstrip()
        body.pad_right(width - len(body))
        line.append_text(body)
        if _BACKGROUND[row.kind]:
            line.stylize(_BACKGROUND[row.kind])
        out.append_text(line)
    return out
