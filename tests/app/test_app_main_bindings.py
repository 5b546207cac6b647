"""Every binding of the main screen and the app, driven by keys through the pilot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

from app_harness import AppFactory, active_screen, wait_for

from regoose_tui.app.screens.help import HelpScreen
from regoose_tui.app.screens.history import HistoryScreen
from regoose_tui.app.screens.modals import ConfirmModal, NodeDetail
from regoose_tui.app.screens.settings import SettingsScreen
from regoose_tui.bus.events import (
    AgentProgress,
    PlanCreated,
    PlanNodeInfo,
    PlanNodeStatus,
    RunOutput,
    RunStarted,
)
from regoose_tui.providers.base import ChatTurn
from regoose_tui.providers.scripted import ScriptedProvider
from regoose_tui.widgets.chat_input import ChatInput
from regoose_tui.widgets.chat_notice import ChatNotice
from regoose_tui.widgets.live_log import LiveLog
from regoose_tui.widgets.plan_graph import PlanGraph


class SlowToStopProvider(ScriptedProvider):
    """Chats forever and, once cancelled, takes a while to stop (like a stuck sandbox)."""

    def __init__(self) -> None:
        super().__init__(lambda request: "", name="slow")
        self.stopping = False

    async def chat(self, turns: list[ChatTurn]) -> AsyncIterator[str]:
        yield "thinking"
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            self.stopping = True
            await asyncio.sleep(1.5)
            raise


async def test_focus_keys_move_between_chat_plan_and_log(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        main = app.main_screen
        await pilot.press("ctrl+g")
        assert app.focused is main.query_one(PlanGraph)
        await pilot.press("ctrl+o")
        assert app.focused is main.query_one(LiveLog)
        await pilot.press("ctrl+t")
        assert app.focused is main.query_one(ChatInput)


async def test_ctrl_l_clears_the_log(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        log = app.main_screen.query_one(LiveLog)
        log.write_lines([f"line {n}" for n in range(50)])
        assert log.line_count == 50
        await pilot.press("ctrl+l")
        assert log.line_count == 0


async def test_f_on_the_log_filters_by_run_and_the_subtitle_says_which(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        log = app.main_screen.query_one(LiveLog)
        for run_id, label, text in (("r1", "candidate #1", "first"), ("r2", "validate", "second")):
            app.bus.publish_nowait(
                RunStarted(run_id=run_id, runtime="local", argv=("pytest",), label=label)
            )
            app.bus.publish_nowait(RunOutput(run_id=run_id, lines=(f"{text} output",)))
        await wait_for(pilot, lambda: log.run_ids() == ["r1", "r2"])
        assert log.border_subtitle == "following"
        await pilot.press("ctrl+o", "f")
        await wait_for(pilot, lambda: "run 1: candidate #1" in str(log.border_subtitle))
        shown = [log.line_text(number) for number in log.visible_line_numbers()]
        assert "first output" in shown and "second output" not in shown
        await pilot.press("f")
        await wait_for(pilot, lambda: "run 2: validate" in str(log.border_subtitle))
        await pilot.press("f")
        await wait_for(pilot, lambda: log.border_subtitle == "following")
        assert log.log_filter is None


async def test_f1_lists_the_keys_of_the_focused_widget_first(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("ctrl+o", "f1")
        help_screen = active_screen(app, HelpScreen)
        owners = [group.owner for group in help_screen.groups]
        assert owners[0] == "LiveLog #log"
        assert owners[-1] == "RegooseApp"
        log_ids = {row.binding_id for row in help_screen.groups[0].rows}
        assert {"live_log.search", "live_log.follow", "live_log.copy"} <= log_ids
        screen_ids = {row.binding_id for group in help_screen.groups for row in group.rows}
        assert {"main.cancel", "main.clear_log", "app.history", "app.settings"} <= screen_ids
        await pilot.press("escape")
        assert app.screen is app.main_screen


async def test_f2_and_f3_open_history_and_settings_and_escape_returns(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("f2")
        active_screen(app, HistoryScreen)
        await pilot.press("f2")  # already there: not stacked twice
        assert len(app.screen_stack) == 2
        await pilot.press("escape")
        await pilot.press("f3")
        active_screen(app, SettingsScreen)
        await pilot.press("escape")
        assert app.screen is app.main_screen


async def test_ctrl_q_quits(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running or app._exit_renderables is not None  # exiting
    assert app.return_code in (0, None)


async def test_user_keymap_rebinds_a_binding_by_id(make_app: AppFactory, project: Path) -> None:
    toml = project / "regoose.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8") + '\n[ui.keymap]\n"app.history" = "f9"\n',
        encoding="utf-8",
    )
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("f2")
        assert app.screen is app.main_screen
        await pilot.press("f9")
        active_screen(app, HistoryScreen)


async def test_enter_on_a_plan_node_opens_its_events(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        main = app.main_screen
        nodes = (PlanNodeInfo(id="analyzer", label="Analyzer"),)
        app.bus.publish_nowait(PlanCreated(plan_id="p", strategy="graph", nodes=nodes))
        app.bus.publish_nowait(PlanNodeStatus(plan_id="p", node_id="analyzer", status="running"))
        app.bus.publish_nowait(
            AgentProgress(agent="analyzer", node_id="analyzer", message="read 3 functions")
        )
        plan = main.query_one(PlanGraph)
        await wait_for(pilot, lambda: bool(plan.nodes) and plan.nodes[0].state == "running")
        await pilot.press("ctrl+g", "right", "enter")
        detail = active_screen(app, NodeDetail)
        assert "analyzer: read 3 functions" in detail.lines
        await pilot.press("escape")
        assert app.screen is main


async def test_escape_cancels_a_turn_and_a_second_escape_offers_to_force(
    make_app: AppFactory,
) -> None:
    provider = SlowToStopProvider()
    app = make_app(provider_factory=lambda name: provider)
    async with app.run_test(size=(140, 40)) as pilot:
        main = app.main_screen
        main.query_one(ChatInput).insert_text_at_cursor("hello there")
        await pilot.press("enter")
        await wait_for(pilot, lambda: main.turn_running, within=5)
        await pilot.pause(0.2)
        # A second message while the turn runs is refused, not queued over it.
        main.query_one(ChatInput).insert_text_at_cursor("again")
        await pilot.press("enter")
        assert main.turn_running
        await pilot.press("escape")
        await wait_for(pilot, lambda: provider.stopping, within=5)
        assert main.turn_running  # still stopping
        await pilot.press("escape")
        active_screen(app, ConfirmModal)
        await pilot.press("y")
        assert not main.turn_running
        await wait_for(
            pilot,
            lambda: any(n.text == "Turn stopped (forced)." for n in main.query(ChatNotice)),
            within=5,
        )


async def test_escape_cancels_a_generation_and_the_session_is_recorded_cancelled(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        main = app.main_screen
        plan = main.query_one(PlanGraph)
        main.query_one(ChatInput).insert_text_at_cursor("/generate shop/cart.py")
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: any(n.id == "generator" and n.state == "running" for n in plan.nodes)
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: not main.turn_running, within=15)
        await pilot.pause(0.2)
        assert main.runner is not None and main.runner.last_session_id is not None
        store = await app.get_store()
        record = await store.get_session(main.runner.last_session_id)
        assert record.status == "cancelled"
        states = {n.id: n.state for n in plan.nodes}
        assert states["analyzer"] == "done"
        assert states["generator"] == "cancelled"
        assert plan.border_subtitle == "cancelled"
