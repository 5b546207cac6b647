"""History screen: list, search, preview, replay, resume, export and delete stored sessions."""

from __future__ import annotations

from pathlib import Path

from app_harness import AppFactory, active_screen, seed_session, wait_for
from textual.pilot import Pilot
from textual.widgets import Input, Markdown

from regoose_tui.app.app import RegooseApp
from regoose_tui.app.screens.history import HistoryScreen, short_target
from regoose_tui.app.screens.modals import ChoiceModal, ConfirmModal
from regoose_tui.app.screens.replay import ReplayScreen
from regoose_tui.errors import SessionNotFound
from regoose_tui.store.records import SessionRecord
from regoose_tui.widgets.chat_input import ChatInput
from regoose_tui.widgets.chat_view import ChatView
from regoose_tui.widgets.live_log import LiveLog
from regoose_tui.widgets.plan_graph import PlanGraph
from regoose_tui.widgets.session_table import SessionTable
from regoose_tui.widgets.status_bar import StatusBar
from regoose_tui.widgets.test_file_block import TestFileBlock
from regoose_tui.widgets.user_message import UserMessage


async def _seeded(app: RegooseApp, project: Path) -> tuple[str, str]:
    store = await app.get_store()
    older = await seed_session(store, project, target="shop/pricing.py", started=1_700_000_000)
    newer = await seed_session(
        store,
        project,
        target="shop/cart.py",
        status="failed",
        failing_node="validator",
        started=1_700_100_000,
    )
    return older, newer


async def _open_history(pilot: Pilot[int], app: RegooseApp) -> HistoryScreen:
    await pilot.press("f2")
    screen = active_screen(app, HistoryScreen)
    await wait_for(pilot, lambda: screen.loaded, within=5)
    await pilot.pause()
    return screen


async def test_history_lists_newest_first_and_fuzzy_search_filters(
    make_app: AppFactory, project: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        older, newer = await _seeded(app, project)
        screen = await _open_history(pilot, app)
        table = screen.query_one(SessionTable)
        assert table.visible_ids == [newer, older]
        assert screen.query_one("#history").border_subtitle == "2 sessions"
        await pilot.press("slash")
        assert app.focused is screen.query_one("#search", Input)
        await pilot.press(*"pricng")  # fuzzy: a missing letter still matches
        assert table.visible_ids == [older]
        await pilot.press("enter")
        assert app.focused is table


async def test_preview_shows_the_highlighted_session(make_app: AppFactory, project: Path) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        _older, _newer = await _seeded(app, project)
        screen = await _open_history(pilot, app)
        preview = screen.query_one("#preview-body", Markdown)
        await wait_for(pilot, lambda: "shop/cart.py" in preview.source, within=5)
        assert "failed" in preview.source and "no generated test passed" in preview.source
        assert "tests/test_shop_cart.py" in preview.source
        await pilot.press("down")
        await wait_for(pilot, lambda: "shop/pricing.py" in preview.source, within=5)
        assert "**passed**" in preview.source


async def test_enter_replays_a_session_read_only_through_the_bridge(
    make_app: AppFactory, project: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        older, _newer = await _seeded(app, project)
        screen = await _open_history(pilot, app)
        await pilot.press("down", "enter")
        replay = active_screen(app, ReplayScreen)
        assert replay.session_id == older
        await wait_for(pilot, lambda: replay.loaded, within=5)
        assert not replay.query(ChatInput)
        nodes = replay.query_one(PlanGraph).nodes
        assert [n.state for n in nodes] == ["done"] * 5
        log = replay.query_one(LiveLog)
        lines = [log.line_text(log.first_line_number + i) for i in range(log.line_count)]
        assert any("12 passed in 0.08s" in line for line in lines)
        assert [m.text for m in replay.query(UserMessage)] == ["/generate shop/pricing.py"]
        block = replay.query_one(TestFileBlock)
        assert block.decision == "accepted" and block.test_file.path == "tests/test_shop_cart.py"
        status = replay.query_one(StatusBar).info
        assert (status.passed, status.failed, status.elapsed) == (12, 0, 6.2)
        await pilot.press("escape")
        assert app.screen is screen


async def test_resume_returns_to_the_chat_with_the_session(
    make_app: AppFactory, project: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        _older, newer = await _seeded(app, project)
        await _open_history(pilot, app)
        await pilot.press("r")
        await pilot.pause()
        main = app.main_screen
        assert app.screen is main
        assert main.runner is not None and main.runner.last_session_id == newer
        assert main.query_one(ChatInput).value == "/generate shop/cart.py"
        texts = [m.text for m in main.query_one(ChatView).query(UserMessage)]
        assert texts == ["/generate shop/cart.py"]


async def test_export_writes_the_chosen_report_into_the_project(
    make_app: AppFactory, project: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        _older, newer = await _seeded(app, project)
        await _open_history(pilot, app)
        await pilot.press("e")
        active_screen(app, ChoiceModal)
        await pilot.press("down", "down", "enter")  # the third choice: JUnit XML
        report = project / f"regoose-report-{newer}.xml"
        await wait_for(pilot, report.exists, within=5)
        assert "<testsuite" in report.read_text(encoding="utf-8")


async def test_delete_asks_first_and_then_removes_the_session(
    make_app: AppFactory, project: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        older, newer = await _seeded(app, project)
        screen = await _open_history(pilot, app)
        await pilot.press("d")
        active_screen(app, ConfirmModal)
        await pilot.press("escape")  # no: nothing deleted
        assert screen.query_one(SessionTable).visible_ids == [newer, older]
        await pilot.press("d")
        await pilot.press("y")
        table = screen.query_one(SessionTable)
        await wait_for(pilot, lambda: table.visible_ids == [older], within=5)
        store = await app.get_store()
        try:
            await store.get_session(newer)
        except SessionNotFound:
            pass
        else:
            raise AssertionError("the deleted session is still in the store")
        await pilot.press("escape")
        assert app.screen is app.main_screen


def test_targets_are_shown_relative_to_their_project_or_shortened(tmp_path: Path) -> None:
    def record(target: str, project: str) -> SessionRecord:
        return SessionRecord(
            id="s",
            created_at=0.0,
            updated_at=0.0,
            target=target,
            project=project,
            provider="offline",
            runtime="local",
            status="passed",
        )

    project = tmp_path / "shop-project"
    inside = str(project / "shop" / "cart.py")
    assert short_target(record(inside, str(project))) == "shop/cart.py"
    # Sessions recorded without a project fall back to the app's project.
    assert short_target(record(inside, ""), project) == "shop/cart.py"
    # Elsewhere: the last parts only, never a long absolute temp path.
    elsewhere = "/tmp/regoose-shots-x/other/pkg/sub/mod.py"
    assert short_target(record(elsewhere, ""), project) == "…/pkg/sub/mod.py"
    several = f"{project}/tests/test_a.py {project}/tests/test_b.py"
    assert short_target(record(several, str(project))) == "tests/test_a.py (+1)"
