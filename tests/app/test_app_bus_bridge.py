"""The bus bridge batches: thousands of lines and tokens become a few widget calls per frame."""

from __future__ import annotations

import time
from collections.abc import Sequence

from app_harness import FixedClock
from regoose_tui.widgets.chat_view import ChatView
from regoose_tui.widgets.live_log import LiveLog
from regoose_tui.widgets.plan_graph import PlanGraph
from regoose_tui.widgets.status_bar import StatusBar
from textual.app import App, ComposeResult

from regoose_tui.app.bus_bridge import BridgeTargets, BusBridge
from regoose_tui.bus.bus import MessageBus
from regoose_tui.bus.events import (
    ChatToken,
    PlanCreated,
    PlanNodeInfo,
    PlanNodeStatus,
    RunOutput,
    SessionFinished,
    SessionStarted,
)


class CountingLog(LiveLog):
    """A LiveLog that counts the batches it is given (the real widget underneath)."""

    write_calls = 0

    def write_lines(self, lines: Sequence[str], run_id: str | None = None) -> None:
        self.write_calls += 1
        super().write_lines(lines, run_id)


class CountingPlan(PlanGraph):
    """A PlanGraph that counts node assignments."""

    assignments = 0

    def watch_nodes(self, old: tuple[PlanGraph.Node, ...], new: tuple[PlanGraph.Node, ...]) -> None:
        self.assignments += 1
        super().watch_nodes(old, new)


class BridgeHarness(App[None]):
    """The bridge's widgets, and nothing else."""

    def __init__(self) -> None:
        super().__init__()
        self.bus = MessageBus()
        self.clock = FixedClock()

    def compose(self) -> ComposeResult:
        yield ChatView()
        yield CountingPlan()
        yield CountingLog()
        yield StatusBar()

    def on_mount(self) -> None:
        targets = BridgeTargets(
            plan=self.query_one(CountingPlan),
            log=self.query_one(CountingLog),
            status=self.query_one(StatusBar),
        )
        self.bridge = BusBridge(targets, clock=self.clock)
        self.bridge.start(self.screen, self.bus)


async def test_a_flood_of_lines_arrives_whole_in_a_few_batches() -> None:
    app = BridgeHarness()
    async with app.run_test() as pilot:
        log = app.query_one(CountingLog)
        started = time.perf_counter()
        for batch in range(400):
            lines = tuple(f"run line {batch * 50 + n}" for n in range(50))
            app.bus.publish_nowait(RunOutput(run_id="r", lines=lines))
        await app.bridge.drain()
        took = time.perf_counter() - started
        await pilot.pause()
        assert log.line_count == 20_000
        assert log.line_text(log.first_line_number + 19_999).endswith("run line 19999")
        # One write per flush, not per event (400) or per line (20,000).
        assert log.write_calls <= 10
        assert took < 5


async def test_tokens_stream_into_one_reply_in_order() -> None:
    app = BridgeHarness()
    async with app.run_test() as pilot:
        turn = await app.query_one(ChatView).start_assistant_message()
        app.bridge.open_stream("m1", turn)
        words = [f"word{n} " for n in range(1_000)]
        for word in words:
            app.bus.publish_nowait(ChatToken(message_id="m1", delta=word))
        await app.bridge.drain()
        await turn.finish()
        await pilot.pause()
        assert turn.text == "".join(words)
        assert app.bridge.flushes < 20


async def test_plan_states_coalesce_latest_wins_and_status_follows_the_session() -> None:
    app = BridgeHarness()
    async with app.run_test() as pilot:
        plan = app.query_one(CountingPlan)
        nodes = (PlanNodeInfo(id="a", label="A"), PlanNodeInfo(id="b", label="B", deps=("a",)))
        app.bus.publish_nowait(
            SessionStarted(
                target="t.py", project="", provider="offline", runtime="local", isolated=False
            )
        )
        app.bus.publish_nowait(PlanCreated(plan_id="p", strategy="graph", nodes=nodes))
        await app.bridge.drain()
        before = plan.assignments
        for status in ("running", "done"):
            for node_id in ("a", "b"):
                app.bus.publish_nowait(PlanNodeStatus(plan_id="p", node_id=node_id, status=status))
        await app.bridge.drain()
        await pilot.pause()
        assert [n.state for n in plan.nodes] == ["done", "done"]
        assert plan.assignments - before == 1  # four updates, one assignment
        status = app.query_one(StatusBar).info
        assert (status.provider, status.runtime, status.isolated) == ("offline", "local", False)
        app.clock.now += 12.5
        await app.bridge.flush()
        assert app.query_one(StatusBar).info.elapsed == 12.5
        app.bus.publish_nowait(SessionFinished(status="passed", wall_seconds=13.0))
        await app.bridge.drain()
        assert not app.bridge.running
        assert app.query_one(StatusBar).info.elapsed == 13.0
