"""The bus bridge batches: thousands of lines and tokens become a few widget calls per frame."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from app_harness import FixedClock
from textual.app import App, ComposeResult

from regoose_tui.app.bus_bridge import BridgeTargets, BusBridge
from regoose_tui.bus.bus import MessageBus
from regoose_tui.bus.events import (
    ChatToken,
    NodeStatus,
    PlanCreated,
    PlanNodeInfo,
    PlanNodeStatus,
    RunOutput,
    RunStarted,
    SessionFinished,
    SessionStarted,
    event_from_json,
)
from regoose_tui.widgets.chat_view import ChatView
from regoose_tui.widgets.live_log import LiveLog
from regoose_tui.widgets.plan_graph import PlanGraph
from regoose_tui.widgets.status_bar import StatusBar

RECORDED = Path(__file__).resolve().parents[1] / "core" / "viewstate" / "recorded"


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
        states: tuple[NodeStatus, ...] = ("running", "done")
        for state in states:
            for node_id in ("a", "b"):
                app.bus.publish_nowait(PlanNodeStatus(plan_id="p", node_id=node_id, status=state))
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


def _session(target: str) -> SessionStarted:
    return SessionStarted(
        target=target, project="", provider="offline", runtime="local", isolated=False
    )


async def test_output_is_kept_raw_and_runs_get_labels_for_the_filter() -> None:
    app = BridgeHarness()
    async with app.run_test() as pilot:
        log = app.query_one(CountingLog)
        app.bus.publish_nowait(_session("a.py"))
        app.bus.publish_nowait(
            RunStarted(run_id="r1", runtime="local", argv=("pytest",), label="candidate #1")
        )
        app.bus.publish_nowait(RunOutput(run_id="r1", lines=("plain stdout",)))
        app.bus.publish_nowait(RunOutput(run_id="r1", lines=("oops",), stream="stderr"))
        app.bus.publish_nowait(RunStarted(run_id="r2", runtime="local", argv=("pytest",)))
        await app.bridge.drain()
        await pilot.pause()
        lines = [log.line_text(n) for n in range(log.first_line_number, log.total_written)]
        assert "plain stdout" in lines  # exactly as the run printed it
        assert "\x1b[31moops" in lines  # stderr without colours of its own goes red
        assert log.run_ids() == ["r1", "r2"]
        assert log.run_labels == {"r1": "run 1: candidate #1", "r2": "run 2: run"}


async def test_log_is_kept_across_sessions_or_cleared_per_session() -> None:
    app = BridgeHarness()
    async with app.run_test() as pilot:
        log = app.query_one(CountingLog)
        app.bus.publish_nowait(_session("first.py"))
        app.bus.publish_nowait(RunOutput(run_id="r1", lines=("first run",)))
        await app.bridge.drain()
        app.bus.publish_nowait(_session("second.py"))
        await app.bridge.drain()
        await pilot.pause()
        kept = [log.line_text(n) for n in range(log.first_line_number, log.total_written)]
        assert "first run" in kept and any("second.py" in line for line in kept)

        app.bridge.log_per_session = "clear"
        log.set_filter(run_id="r1")
        app.bus.publish_nowait(RunOutput(run_id="r1", lines=("late first-session line",)))
        app.bus.publish_nowait(_session("third.py"))
        app.bus.publish_nowait(RunOutput(run_id="r9", lines=("third run",)))
        await app.bridge.drain()
        await pilot.pause()
        cleared = [log.line_text(n) for n in range(log.first_line_number, log.total_written)]
        assert len(cleared) == 2
        assert "third.py" in cleared[0] and cleared[1] == "third run"
        assert log.log_filter is None  # the old run's filter went with its lines


async def test_a_recorded_session_fed_at_once_lands_in_every_widget() -> None:
    """A replay's path: a real session's events in one feed_all, then one flush."""
    lines = (RECORDED / "cancelled.jsonl").read_text().splitlines()
    events = [event_from_json(line) for line in lines]
    app = BridgeHarness()
    async with app.run_test() as pilot:
        plan, log = app.query_one(CountingPlan), app.query_one(CountingLog)
        app.bridge.feed_all(events)
        app.bridge.settle()
        await app.bridge.flush()
        await pilot.pause()
        assert [(n.id, n.state) for n in plan.nodes] == [
            ("analyzer", "done"),
            ("generator", "done"),
            ("executor", "cancelled"),
            ("validator", "cancelled"),
            ("reporter", "cancelled"),
        ]
        assert plan.border_subtitle == "cancelled"
        assert plan.assignments == 1 and log.write_calls == 3  # header, run, failure+verdict
        shown = [log.line_text(n) for n in range(log.first_line_number, log.total_written)]
        assert "■ session cancelled: cancelled by the user" in shown[-1]
        run_id = next(e.run_id for e in events if isinstance(e, RunStarted))
        assert log.run_labels == {run_id: "run 1: candidate #1"}
        info = app.query_one(StatusBar).info
        assert (info.runtime, info.isolated, round(info.elapsed, 1)) == ("local", False, 16.3)
        assert app.bridge.status == info and not app.bridge.running
        assert app.bridge.node_history("executor")[-1] == "[cancelled] iteration 1 — cancelled"
