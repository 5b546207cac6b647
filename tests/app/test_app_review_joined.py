"""The review screen on a suite joined into the project's own test file.

Only the added class and its tests are entries; the diff is against the
project's file; applying part of it writes that part through the checked write
(the project's file was not Regoose's, so only its base hash allows it), the
staged copy then holds what was written, and undo restores the file exactly.
"""

from __future__ import annotations

from pathlib import Path

from app_harness import AppFactory, active_screen, wait_for
from textual.widgets import Static

from regoose_tui.app.screens.review import KEY_SEPARATOR, ReviewScreen
from regoose_tui.domain.class_insert import insert_suite
from regoose_tui.engine.review import stage_suite
from regoose_tui.engine.undo import undo_session
from regoose_tui.store.safe_write import sha256_text
from regoose_tui.store.store import SessionStore
from regoose_tui.widgets.diff_view import DiffView
from regoose_tui.widgets.review_tree import ReviewTree

HOST = """\
from shop.textutil import slugify


def test_mine():
    assert slugify("Hello, World!") == "hello-world"
"""

SUITE = """\
from shop.textutil import slugify, truncate


def test_slugify_cuts_at_a_word():
    assert slugify("A very long product name", max_length=10) == "a-very"


def test_truncate_keeps_short_text():
    assert truncate("short", 10) == "short"
"""


async def test_a_joined_file_is_reviewed_against_the_projects_file_and_applied_in_part(
    make_app: AppFactory, project: Path, isolated_env: Path
) -> None:
    host = project / "tests" / "test_textutil.py"
    host.parent.mkdir()
    host.write_text(HOST, encoding="utf-8")
    joined = insert_suite(HOST, SUITE, "shop.textutil")
    assert joined is not None
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        store = await app.get_store()
        session = await store.create_session(
            target=str(project / "shop" / "textutil.py"),
            project=str(project),
            provider="offline",
            runtime="local",
        )
        staged = await stage_suite(
            store,
            session,
            destination=host,
            root=project,
            content=joined.text,
            tests=2,
            base_sha256=sha256_text(HOST),
        )
        app.open_review(session)
        await wait_for(pilot, lambda: bool(app.screen.query(ReviewTree)), within=10)
        screen = active_screen(app, ReviewScreen)
        tree = screen.query_one(ReviewTree)
        shown = "tests/test_textutil.py"
        await wait_for(pilot, lambda: len(tree.entry_keys) == 4, within=10)
        added = f"{shown}{KEY_SEPARATOR}TestTextutilAdded"
        assert tree.entry_keys == [
            shown,
            added,
            f"{added}::test_slugify_cuts_at_a_word",
            f"{added}::test_truncate_keeps_short_text",
        ]  # the project's own test_mine is not asked about
        heading = screen.query_one("#review-heading", Static)
        assert "adds to the project's file" in str(heading.render())
        diff = screen.query_one(DiffView)
        await wait_for(pilot, lambda: bool(diff.rows), within=5)
        removed = [row.text for row in diff.rows if row.kind == "removed"]
        assert removed == ["from shop.textutil import slugify"]
        assert not any(row.kind == "added" and "test_mine" in row.text for row in diff.rows)

        tree.focus()
        tree.select_key(f"{added}::test_truncate_keeps_short_text")
        await pilot.pause()
        await pilot.press("r")
        await wait_for(pilot, lambda: "1 of 2 accepted" in str(tree.border_subtitle), within=5)
        # Without the rejected test, nothing of the project's from line changes.
        await wait_for(pilot, lambda: not any(r.kind == "removed" for r in diff.rows), within=5)
        await pilot.press("w")
        await wait_for(pilot, lambda: not isinstance(app.screen, ReviewScreen), within=20)

    written = host.read_text(encoding="utf-8")
    assert written.startswith(HOST)
    assert "def test_slugify_cuts_at_a_word(self):" in written
    assert "truncate" not in written
    assert staged.read_text(encoding="utf-8") == written
    async with SessionStore.open(isolated_env / "sessions.db") as store:
        assert (await undo_session(store, session)).complete
    assert host.read_text(encoding="utf-8") == HOST
