"""The diff of a proposed test file against what the project holds now, as plain lines.

A new file is all additions; an existing one shows its changed hunks with a
few lines of context and a gap line between hunks. The review screen draws
these lines (syntax highlighted, numbered); nothing here knows how.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

DiffKind = Literal["context", "added", "removed", "gap"]

#: Unchanged lines shown around each change.
CONTEXT_LINES = 3


@dataclass(frozen=True)
class DiffLine:
    """One line of a diff: its kind, its numbers in the old and new file, its text."""

    kind: DiffKind
    old: int | None
    """1-based line number in the project's file (None: added, or a gap)."""
    new: int | None
    """1-based line number in the proposed file (None: removed, or a gap)."""
    text: str
    """The line without its newline ('' for a gap)."""


@dataclass(frozen=True)
class SuiteDiff:
    """The lines of one file's diff and how many were added and removed."""

    lines: tuple[DiffLine, ...]
    added: int
    removed: int

    @property
    def unchanged(self) -> bool:
        """True when the proposal is what the project already holds."""
        return not self.added and not self.removed


def suite_diff(current: str | None, proposed: str, context: int = CONTEXT_LINES) -> SuiteDiff:
    """The diff from ``current`` (None: no such file yet) to ``proposed``."""
    old = (current or "").splitlines()
    new = proposed.splitlines()
    lines: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for index, group in enumerate(matcher.get_grouped_opcodes(context)):
        if index:
            lines.append(DiffLine("gap", None, None, ""))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [
                    DiffLine("context", i + 1, j + 1, old[i])
                    for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
                ]
                continue
            if tag in ("replace", "delete"):
                lines += [DiffLine("removed", i + 1, None, old[i]) for i in range(i1, i2)]
            if tag in ("replace", "insert"):
                lines += [DiffLine("added", None, j + 1, new[j]) for j in range(j1, j2)]
    added = sum(1 for line in lines if line.kind == "added")
    removed = sum(1 for line in lines if line.kind == "removed")
    return SuiteDiff(tuple(lines), added, removed)
