"""Rejecting some of the tests Regoose added to the project's own test file.

A suite joined into the project's file (domain.class_insert) is reviewed as a
diff against that file: only the added classes and tests are asked about. When
some are rejected, what is written must still be the project's file with a
subset of the join's changes, never a change of its own: the project's imports,
helpers and constants stay even when only a rejected test used them, an import
line the join extended goes back to the project's own text once the added names
fall away, and the ``# Added by Regoose`` line stays above what is left of the
block (it goes only with the last test under it). Pure text in, text out.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Mapping

from regoose_tui.domain.class_insert import ADDED_MARK
from regoose_tui.engine.suite_parts import bound_names, prune_suite

_MARK_HEAD = ADDED_MARK.split("{", 1)[0]


def is_joined(current: str | None, proposed: str) -> bool:
    """Whether ``proposed`` is the project's file ``current`` with Regoose's classes added."""
    return current is not None and any(
        line.startswith(_MARK_HEAD) for line in proposed.splitlines()
    )


def prune_joined(
    current: str,
    proposed: str,
    rejected: Collection[str],
    restore: Mapping[str, str] | None = None,
) -> str:
    """``proposed`` without the ``rejected`` added tests, the project's own text kept."""
    if not rejected:
        return proposed
    try:
        keep = bound_names(current)
    except SyntaxError:
        keep = set()
    pruned = prune_suite(proposed, rejected, restore, keep)
    if not pruned:
        return ""
    return _own_imports(current, _without_empty_marks(pruned))


def _without_empty_marks(source: str) -> str:
    """``source`` without a mark line that no code follows before the next mark or the end.

    A mark that stays sits right above the code under it, as the join wrote it.
    """
    lines = source.splitlines(keepends=True)
    out: list[str] = []
    for index, line in enumerate(lines):
        if not line.strip() and out and out[-1].startswith(_MARK_HEAD):
            continue
        if line.startswith(_MARK_HEAD):
            rest = lines[index + 1 :]
            upto = next((i for i, n in enumerate(rest) if n.startswith(_MARK_HEAD)), len(rest))
            if not any(n.strip() for n in rest[:upto]):
                while out and not out[-1].strip():
                    out.pop()  # the blank lines that set the mark apart go with it
                continue
        out.append(line)
    text = "".join(out).rstrip("\n")
    return text + "\n" if text else ""


def _key(node: ast.stmt) -> tuple[object, ...] | None:
    names = frozenset((a.name, a.asname) for a in getattr(node, "names", ()))
    if isinstance(node, ast.Import):
        return ("import", names)
    if isinstance(node, ast.ImportFrom):
        return ("from", node.module, node.level, names)
    return None


def _segments(source: str) -> tuple[list[str], list[tuple[tuple[object, ...], int, int]]]:
    lines = source.splitlines(keepends=True)
    found = []
    for node in ast.parse(source).body:
        key = _key(node)
        if key is not None:
            found.append((key, node.lineno - 1, node.end_lineno or node.lineno))
    return lines, found


def _own_imports(current: str, pruned: str) -> str:
    """Import statements that bind exactly what one of ``current``'s does, in its text."""
    try:
        own_lines, own = _segments(current)
        lines, found = _segments(pruned)
    except SyntaxError:
        return pruned
    texts = {key: "".join(own_lines[start:end]) for key, start, end in own}
    for key, start, end in reversed(found):
        text = texts.get(key)
        if text is not None and "".join(lines[start:end]) != text:
            lines[start:end] = [text if text.endswith("\n") else text + "\n"]
    return "".join(lines)
