"""Cancellation reaches every running node (and the subprocesses they hold); nothing is left."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from regoose_tui.bus.events import Event, PlanFinished, PlanNodeStatus
from regoose_tui.plan import ExecutionPlan, NodeContext, PlanNode
from regoose_tui.tools import ShellTool


def pid_alive(pid: int) -> bool:
    """Whether ``pid`` still runs: a killed process its parent has not reaped yet (a zombie,
    which a loaded machine can leave for a moment) runs no more."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return False
    return fields[0] != "Z"


class Holders:
    """Nodes that hold a long asyncio.sleep and a real `sleep 30` subprocess."""

    def __init__(self) -> None:
        self.pids: list[int] = []
        self.procs: list[asyncio.subprocess.Process] = []
        self.sleep_cancelled = False
        self.both_running = asyncio.Event()
        self._started = 0

    def _arrived(self) -> None:
        self._started += 1
        if self._started == 2:
            self.both_running.set()

    async def long_sleep(self, ctx: NodeContext) -> None:
        self._arrived()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            self.sleep_cancelled = True
            raise

    async def subprocess(self, ctx: NodeContext) -> int:
        # What a runtime does: hold a child process and kill it when cancelled.
        proc = await asyncio.create_subprocess_exec("sleep", "30")
        self.procs.append(proc)
        self.pids.append(proc.pid)
        self._arrived()
        try:
            return await proc.wait()
        except asyncio.CancelledError:
            proc.kill()
            await proc.wait()
            raise

    def plan(self, events: list[Event]) -> ExecutionPlan:
        async def after(ctx: NodeContext) -> str:
            return "should never run"

        return ExecutionPlan.graph(
            [
                PlanNode("sleeper", self.long_sleep),
                PlanNode("proc", self.subprocess),
                PlanNode("after", after, deps=("sleeper", "proc")),
            ],
            publish=events.append,
            session_id="sess",
        )


def assert_all_stopped(holders: Holders, events: list[Event]) -> None:
    assert holders.sleep_cancelled
    assert holders.procs and all(p.returncode is not None for p in holders.procs)
    assert not any(pid_alive(pid) for pid in holders.pids)
    final = {e.node_id: e for e in events if isinstance(e, PlanNodeStatus)}
    assert {k: e.status for k, e in final.items()} == {
        "sleeper": "cancelled",
        "proc": "cancelled",
        "after": "cancelled",
    }
    finished = [e for e in events if isinstance(e, PlanFinished)]
    assert len(finished) == 1 and finished[0].status == "cancelled"
    assert events[-1] is finished[0]


async def test_plan_cancel_stops_sleep_and_kills_subprocess() -> None:
    holders = Holders()
    events: list[Event] = []
    plan = holders.plan(events)
    task = asyncio.create_task(plan.run())
    await asyncio.wait_for(holders.both_running.wait(), timeout=5)

    plan.cancel()
    result = await asyncio.wait_for(task, timeout=5)

    assert result.status == "cancelled"
    assert [o.node_id for o in result.cancelled] == ["sleeper", "proc", "after"]
    assert result.outcomes["after"].detail == "plan cancelled before the node ran"
    assert result.outcomes["proc"].detail == "cancelled"
    assert_all_stopped(holders, events)
    assert "cancelled: sleeper, proc, after" in result.summary()


async def test_cancelling_the_awaiting_task_cleans_up_then_reraises() -> None:
    holders = Holders()
    events: list[Event] = []
    plan = holders.plan(events)
    task = asyncio.create_task(plan.run())
    await asyncio.wait_for(holders.both_running.wait(), timeout=5)

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert plan.cancel_requested
    assert_all_stopped(holders, events)
    # No node task survives the plan.
    leftovers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert leftovers == []


async def test_node_can_cancel_the_whole_plan() -> None:
    holders = Holders()

    async def quitter(ctx: NodeContext) -> None:
        await holders.both_running.wait()
        ctx.cancel_plan()
        await asyncio.sleep(10)  # cancelled right away

    plan = ExecutionPlan.graph(
        [
            PlanNode("sleeper", holders.long_sleep),
            PlanNode("proc", holders.subprocess),
            PlanNode("quitter", quitter),
        ]
    )
    result = await asyncio.wait_for(plan.run(), timeout=5)
    assert result.status == "cancelled"
    assert {o.status for o in result.outcomes.values()} == {"cancelled"}
    assert not any(pid_alive(pid) for pid in holders.pids)


async def test_cancel_before_run_runs_nothing() -> None:
    ran: list[str] = []

    async def node(ctx: NodeContext) -> None:
        ran.append(ctx.node_id)

    plan = ExecutionPlan.sequential([PlanNode("a", node), PlanNode("b", node)])
    plan.cancel()
    result = await plan.run()
    assert ran == []
    assert result.status == "cancelled"
    assert [o.status for o in result.outcomes.values()] == ["cancelled", "cancelled"]


async def test_node_finishing_during_cancel_keeps_its_result() -> None:
    gate = asyncio.Event()

    async def quick(ctx: NodeContext) -> str:
        gate.set()
        return "kept"

    async def slow(ctx: NodeContext) -> Any:
        await gate.wait()
        await asyncio.sleep(0.05)
        ctx.cancel_plan()
        await asyncio.sleep(10)

    plan = ExecutionPlan.graph([PlanNode("quick", quick), PlanNode("slow", slow)])
    result = await plan.run()
    assert result.outcomes["quick"].status == "done"
    assert result.outcomes["quick"].result == "kept"
    assert result.outcomes["slow"].status == "cancelled"
    assert result.status == "cancelled"


async def test_cancel_reaches_a_shell_tool_subprocess_held_by_a_node(tmp_path: Path) -> None:
    shell = ShellTool(tmp_path)
    pid_file = tmp_path / "pid"

    async def run_tests(ctx: NodeContext) -> Any:
        return await shell.execute("run", argv=["sh", "-c", "echo $$ > pid; exec sleep 30"])

    plan = ExecutionPlan.graph([PlanNode("executor", run_tests)])
    task = asyncio.create_task(plan.run())
    for _ in range(250):
        if pid_file.exists() and pid_file.read_text().strip():
            break
        await asyncio.sleep(0.02)
    pid = int(pid_file.read_text())
    assert pid_alive(pid)

    plan.cancel()
    result = await asyncio.wait_for(task, timeout=5)
    assert result.outcomes["executor"].status == "cancelled"
    # The tool reaped it before the plan returned: no waiting needed.
    assert not pid_alive(pid)
