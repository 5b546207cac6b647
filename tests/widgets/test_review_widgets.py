"""ReviewTree (entries, marks, Toggled on Enter and click) and DiffView (rows, tints, numbers)."""

from __future__ import annotations

from textual.app import App, ComposeResult

from regoose_tui.widgets.diff_view import DiffRow, DiffView, render_rows
from regoose_tui.widgets.review_tree import ReviewEntry, ReviewTree, entry_label

ENTRIES = [
    ReviewEntry(
        "f",
        "tests/test_cart.py",
        "file",
        True,
        "1/2 · new",
        (
            ReviewEntry("f:test_a", "test_a", "test", True),
            ReviewEntry("f:test_b", "test_b", "test", False),
        ),
    ),
    ReviewEntry("g", "tests/test_x.py", "file", False, "0/1 · new"),
]


class TreeApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.toggled: list[str] = []
        self.highlighted: list[str] = []

    def compose(self) -> ComposeResult:
        yield ReviewTree(id="tree")

    def on_mount(self) -> None:
        self.query_one(ReviewTree).set_entries(ENTRIES)

    def on_review_tree_toggled(self, message: ReviewTree.Toggled) -> None:
        self.toggled.append(message.key)

    def on_review_tree_entry_highlighted(self, message: ReviewTree.EntryHighlighted) -> None:
        self.highlighted.append(message.key)


def test_labels_mark_accepted_and_rejected_entries() -> None:
    accepted = entry_label(ENTRIES[0])
    rejected = entry_label(ENTRIES[0].children[1])
    assert accepted.plain == "✓ tests/test_cart.py  1/2 · new"
    assert rejected.plain == "✗ test_b"
    assert any("strike" in str(span.style) for span in rejected.spans)


async def test_tree_lists_entries_in_order_and_posts_toggled_on_enter_and_click() -> None:
    app = TreeApp()
    async with app.run_test(size=(60, 12)) as pilot:
        tree = app.query_one(ReviewTree)
        await pilot.pause()
        assert tree.entry_keys == ["f", "f:test_a", "f:test_b", "g"]
        tree.focus()
        tree.select_key("f:test_b")
        await pilot.pause()
        assert tree.highlighted_key == "f:test_b" and app.highlighted[-1] == "f:test_b"
        await pilot.press("enter")
        await pilot.pause()
        assert app.toggled == ["f:test_b"]
        # New marks for the same keys relabel in place: the cursor stays put.
        relabelled = [ENTRIES[0], ReviewEntry("g", "tests/test_x.py", "file", True, "1/1")]
        tree.set_entries(relabelled)
        await pilot.pause()
        assert tree.highlighted_key == "f:test_b"
        region = tree.region
        await pilot.click(ReviewTree, offset=(8, 0))  # the first row: the file
        await pilot.pause()
        assert app.toggled[-1] == "f", region


def test_diff_rows_render_numbered_marked_and_tinted() -> None:
    rows = (
        DiffRow("context", 9, 9, "import pytest"),
        DiffRow("removed", 10, None, "x = 1"),
        DiffRow("added", None, 10, "x = 2"),
        DiffRow("gap", None, None, ""),
        DiffRow("added", None, 40, "def test_a():"),
    )
    text = render_rows(rows)
    lines = text.plain.split("\n")
    assert lines[0].startswith(" 9  9   import pytest")
    assert lines[1].startswith("10    - x = 1")
    assert lines[2].startswith("   10 + x = 2")
    assert lines[3].strip() == "⋯"
    assert lines[4].startswith("   40 + def test_a():")
    styles = {str(span.style) for span in text.spans}
    assert "on #15351f" in styles and "on #3d1a1d" in styles


async def test_diff_view_shows_rows_or_says_it_is_empty() -> None:
    class DiffApp(App[None]):
        def compose(self) -> ComposeResult:
            yield DiffView(id="diff")

    async with DiffApp().run_test(size=(100, 10)) as pilot:
        view = pilot.app.query_one(DiffView)
        view.show([DiffRow("added", None, 1, "a = 1")])
        assert view.rows == (DiffRow("added", None, 1, "a = 1"),)
        view.show([], "Rejected: nothing of this file is written.")
        await pilot.pause()
        assert view.rows == ()
        assert "Rejected" in str(view.render())
