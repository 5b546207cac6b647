"""The review screen: reject a test and a file, apply, and undo takes exactly that back."""

from __future__ import annotations

import ast
from pathlib import Path

from app_harness import AppFactory, active_screen, stage_two, wait_for
from textual.pilot import Pilot

from regoose_tui.app.app import RegooseApp
from regoose_tui.app.screens.review import KEY_SEPARATOR, ReviewScreen
from regoose_tui.engine.undo import undo_session
from regoose_tui.store.store import SessionStore
from regoose_tui.widgets.chat_notice import ChatNotice
from regoose_tui.widgets.diff_view import DiffView
from regoose_tui.widgets.review_tree import ReviewTree


async def open_review(
    pilot: Pilot[int], app: RegooseApp, session: str
) -> tuple[ReviewScreen, ReviewTree]:
    """Open the review of ``session`` and wait until its tree is on screen."""
    app.open_review(session)
    await wait_for(pilot, lambda: bool(app.screen.query(ReviewTree)))
    screen = active_screen(app, ReviewScreen)
    return screen, screen.query_one(ReviewTree)


def _tree_snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def _test_names(source: str) -> list[str]:
    names = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
            names.append(node.name)
        elif isinstance(node, ast.ClassDef):
            names += [f"{node.name}::{m.name}" for m in node.body if isinstance(m, ast.FunctionDef)]
    return names


async def test_reject_one_test_and_one_file_then_apply_writes_exactly_the_accepted_tests(
    make_app: AppFactory, project: Path, isolated_env: Path
) -> None:
    before = _tree_snapshot(project)
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        store = await app.get_store()
        session = await stage_two(store, project)
        screen, tree = await open_review(pilot, app, session)
        await wait_for(pilot, lambda: len(tree.entry_keys) == 7, within=10)
        cart = "tests/test_shop_cart.py"
        assert tree.entry_keys == [
            cart,
            f"{cart}{KEY_SEPARATOR}test_empty_cart_total_is_zero",
            f"{cart}{KEY_SEPARATOR}TestAdd",
            f"{cart}{KEY_SEPARATOR}TestAdd::test_one_item",
            f"{cart}{KEY_SEPARATOR}TestAdd::test_two_items",
            "tests/test_shop_textutil.py",
            f"tests/test_shop_textutil.py{KEY_SEPARATOR}test_slugify_lowercases",
        ]
        # The first file's diff is shown: a new file, all added, syntax highlighted.
        diff = screen.query_one(DiffView)
        assert diff.rows and all(row.kind == "added" for row in diff.rows)
        assert any("def test_two_items" in row.text for row in diff.rows)

        # Reject one test by key, one file by its key with shift+r.
        tree.focus()
        tree.select_key(f"{cart}{KEY_SEPARATOR}TestAdd::test_two_items")
        await pilot.pause()
        await pilot.press("r")
        await wait_for(pilot, lambda: not any("test_two_items" in r.text for r in diff.rows))
        tree.select_key("tests/test_shop_textutil.py")
        await pilot.pause()
        await pilot.press("R")
        await wait_for(pilot, lambda: "2 of 4 accepted" in str(tree.border_subtitle), within=5)
        assert diff.rows == ()  # the rejected file: nothing of it is written

        # Enter flips a test and flips it back (the keyboard twin of a click).
        tree.select_key(f"{cart}{KEY_SEPARATOR}test_empty_cart_total_is_zero")
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: "1 of 4 accepted" in str(tree.border_subtitle), within=5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "2 of 4 accepted" in str(tree.border_subtitle), within=5)

        await pilot.press("w")
        written = project / "tests" / "test_shop_cart.py"
        await wait_for(pilot, written.exists, within=20)
        await wait_for(pilot, lambda: not isinstance(app.screen, ReviewScreen), within=10)
        expected = "Wrote tests/test_shop_cart.py (2 tests, 1 rejected)."
        await wait_for(
            pilot,
            lambda: any(expected in n.text for n in app.main_screen.query(ChatNotice)),
            within=10,
        )
        notice = next(n.text for n in app.main_screen.query(ChatNotice) if "Wrote" in n.text)
        assert "Left out: tests/test_shop_textutil.py" in notice
        assert f"regoose undo {session}" in notice

    content = written.read_text(encoding="utf-8")
    assert _test_names(content) == ["test_empty_cart_total_is_zero", "TestAdd::test_one_item"]
    assert "def cart():" in content and "import pytest" in content
    assert not (project / "tests" / "test_shop_textutil.py").exists()
    compile(content, str(written), "exec")

    async with SessionStore.open(isolated_env / "sessions.db") as store:
        result = await undo_session(store, session)
    assert result.complete
    assert _tree_snapshot(project) == before
    assert not (project / "tests").exists()


async def test_rejecting_everything_writes_nothing_and_says_so(
    make_app: AppFactory, project: Path
) -> None:
    before = _tree_snapshot(project)
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        store = await app.get_store()
        session = await stage_two(store, project)
        _screen, tree = await open_review(pilot, app, session)
        await wait_for(pilot, lambda: len(tree.entry_keys) == 7, within=10)
        tree.focus()
        for key in ("tests/test_shop_cart.py", "tests/test_shop_textutil.py"):
            tree.select_key(key)
            await pilot.pause()
            await pilot.press("R")
        await wait_for(pilot, lambda: "0 of 4 accepted" in str(tree.border_subtitle), within=5)
        await pilot.click("#apply")
        await wait_for(pilot, lambda: not isinstance(app.screen, ReviewScreen), within=10)
        await wait_for(
            pilot,
            lambda: any(
                n.text.startswith("Wrote nothing") for n in app.main_screen.query(ChatNotice)
            ),
            within=10,
        )
    assert _tree_snapshot(project) == before


async def test_the_history_says_a_session_staged_tests_and_v_opens_their_review(
    make_app: AppFactory, project: Path
) -> None:
    from textual.widgets import Markdown

    from regoose_tui.app.screens.history import HistoryScreen

    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        store = await app.get_store()
        session = await stage_two(store, project)
        await pilot.press("f2")
        history = active_screen(app, HistoryScreen)
        await wait_for(pilot, lambda: history.loaded, within=5)
        preview = history.query_one("#preview-body", Markdown)
        await wait_for(pilot, lambda: "Staged for review" in preview.source, within=5)
        assert "tests/test_shop_cart.py" in preview.source
        await pilot.press("v")
        await wait_for(pilot, lambda: bool(app.screen.query(ReviewTree)), within=10)
        review = active_screen(app, ReviewScreen)
        assert review.session_id == session
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is history, within=5)
