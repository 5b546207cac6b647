"""Blank lines between what is left of a module after tests were cut out of it.

Cutting a test's lines leaves the blank lines around it, two runs of them in a
row. ``ruff format`` wants at most one blank line between the members of a
class, none right after a ``class`` or ``def`` header and at most two at the
top level; a file that reads as written keeps that, so the edit does it
itself. Lines inside a multi-line string are text, not layout, and stay as
they are.
"""

from __future__ import annotations

import io
import tokenize


def _string_lines(text: str) -> set[int]:
    """0-based lines that lie inside a multi-line string (after its first line)."""
    inside: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            # FSTRING_MIDDLE and friends (3.12) span lines like STRING does.
            if token.start[0] != token.end[0] and token.type != tokenize.NL:
                inside.update(range(token.start[0], token.end[0]))
    except (tokenize.TokenError, SyntaxError):
        # Not tokenizable: protect nothing more than a plain squeeze would.
        return set()
    return inside


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _opens_block(line: str) -> bool:
    stripped = line.strip()
    return stripped.endswith(":") and stripped.split(None, 1)[0] in {"class", "def", "async"}


def tidy_blank_lines(text: str) -> str:
    """``text`` with each run of blank lines cut to what ``ruff format`` keeps there."""
    lines = text.splitlines()
    protected = _string_lines(text)
    out: list[str] = []
    previous = ""  # the last non-blank line kept
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.strip() or index in protected:
            out.append(line)
            previous = line
            index += 1
            continue
        end = index
        while end < len(lines) and not lines[end].strip() and end not in protected:
            end += 1
        following = lines[end] if end < len(lines) else ""
        run = end - index
        if not previous or not following:
            allowed = 0  # leading and trailing blank lines of the file
        elif _indent(following) > _indent(previous) and _opens_block(previous):
            allowed = 0
        elif _indent(following) > 0:
            allowed = 1
        else:
            allowed = 2
        out.extend([""] * min(run, allowed))
        index = end
    return "\n".join(out).strip("\n") + "\n"
