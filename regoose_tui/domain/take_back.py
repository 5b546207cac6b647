"""Take one write back out of a file the user has edited since: a reverse three-way merge.

When Regoose added a class (and a few import names) to the project's own test
file, and the user then edited another test in that file, restoring the old
bytes would lose the user's edit. Instead each change the session made
(``previous`` -> ``written``, line by line) is reverted in ``current`` where it
still stands exactly as written; when any of it was edited too, the answer is
None and the file is left alone. Pure text in, text out.
"""

from __future__ import annotations

from difflib import SequenceMatcher


def take_back(previous: str, written: str, current: str) -> str | None:
    """``current`` without the session's change ``previous`` -> ``written``, or None."""
    before = previous.splitlines(keepends=True)
    ours = written.splitlines(keepends=True)
    now = current.splitlines(keepends=True)
    # Where each line the session wrote sits in the file today (None: edited or gone).
    where: list[int | None] = [None] * len(ours)
    for block in SequenceMatcher(None, ours, now, autojunk=False).get_matching_blocks():
        for offset in range(block.size):
            where[block.a + offset] = block.b + offset
    edits: list[tuple[int, int, list[str]]] = []
    changes = SequenceMatcher(None, before, ours, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in changes:
        if tag == "equal":
            continue
        span = where[j1:j2]
        if any(spot is None for spot in span):
            return None  # a line the session wrote was edited since: not ours alone
        if span:
            start = span[0]
            assert start is not None
            if span != list(range(start, start + len(span))):
                return None  # the user put lines inside what the session added
            end = start + len(span)
        else:
            # The session only removed lines here: put them back after the line above.
            above = where[j1 - 1] if j1 > 0 else -1
            if above is None:
                return None
            start = end = above + 1
        edits.append((start, end, before[i1:i2]))
    for start, end, lines in sorted(edits, key=lambda edit: edit[0], reverse=True):
        now[start:end] = lines
    return "".join(now)
