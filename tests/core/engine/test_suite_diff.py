"""The diff of a proposed file against the project's: new, changed, unchanged."""

from __future__ import annotations

from regoose_tui.engine.suite_diff import suite_diff


def test_a_new_file_is_all_additions_numbered_from_one() -> None:
    diff = suite_diff(None, "a = 1\nb = 2\n")
    assert [(line.kind, line.old, line.new, line.text) for line in diff.lines] == [
        ("added", None, 1, "a = 1"),
        ("added", None, 2, "b = 2"),
    ]
    assert (diff.added, diff.removed, diff.unchanged) == (2, 0, False)


def test_an_unchanged_file_has_no_lines() -> None:
    diff = suite_diff("a = 1\n", "a = 1\n")
    assert diff.lines == () and diff.unchanged


def test_changes_far_apart_are_two_hunks_with_context_and_a_gap() -> None:
    old = "".join(f"line{i}\n" for i in range(1, 21))
    new = old.replace("line2\n", "line2\nadded\n").replace("line18\n", "")
    diff = suite_diff(old, new, context=1)
    kinds = [line.kind for line in diff.lines]
    assert kinds == ["context", "added", "context", "gap", "context", "removed", "context"]
    added = diff.lines[1]
    assert (added.old, added.new, added.text) == (None, 3, "added")
    removed = diff.lines[5]
    assert (removed.old, removed.new, removed.text) == (18, None, "line18")
    assert (diff.added, diff.removed) == (1, 1)
