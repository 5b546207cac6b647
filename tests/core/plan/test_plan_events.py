"""The plan's status events: the right kinds, in a sane order, stamped with the session."""

from __future__ import annotations

import asyncio

from regoose_tui.bus.events import (
    EVENT_ADAPTER,
    Event,
    PlanCreated,
    PlanFinished,
    PlanNodeStatus,
)
from regoose_tui.plan import ExecutionPlan, NodeContext, PlanNode

ORDER = {"pending": 0, "running": 1, "done": 2, "failed": 2, "skipped": 2, "cancelled": 2}


async def test_events_are_created_then_node_statuses_then_finished() -> None:
    events: list[Event] = []

    async def work(ctx: NodeContext) -> str:
        await asyncio.sleep(0.02)
        return ctx.node_id

    async def broken(ctx: NodeContext) -> None:
        raise OSError("no space left")

    plan = ExecutionPlan.graph(
        [
            PlanNode("analyze", work, label="Analyzer"),
            PlanNode("generate", work, label="Generator", deps=("analyze",)),
            PlanNode("lint", broken, deps=("analyze",)),
            PlanNode("report", work, deps=("generate", "lint")),
        ],
        publish=events.append,
        session_id="session-7",
        plan_id="plan-1",
    )
    result = await plan.run()

    assert isinstance(events[0], PlanCreated)
    assert isinstance(events[-1], PlanFinished)
    assert sum(isinstance(e, (PlanCreated, PlanFinished)) for e in events) == 2
    created = events[0]
    assert created.strategy == "graph" and created.plan_id == "plan-1"
    assert [(i.id, i.label, i.deps) for i in created.nodes] == [
        ("analyze", "Analyzer", ()),
        ("generate", "Generator", ("analyze",)),
        ("lint", "lint", ("analyze",)),
        ("report", "report", ("generate", "lint")),
    ]
    assert all(e.session_id == "session-7" for e in events)

    statuses = [e for e in events if isinstance(e, PlanNodeStatus)]
    assert all(e.plan_id == "plan-1" for e in statuses)
    # Every node: pending first, then forward only, ending in exactly one final state.
    for node_id in ("analyze", "generate", "lint", "report"):
        seq = [e.status for e in statuses if e.node_id == node_id]
        assert seq[0] == "pending"
        assert [ORDER[s] for s in seq] == sorted(ORDER[s] for s in seq)
        assert ORDER[seq[-1]] == 2 and sum(ORDER[s] == 2 for s in seq) == 1
    by_node = {e.node_id: e for e in statuses}
    assert by_node["analyze"].status == "done" and by_node["analyze"].elapsed >= 0.019
    assert by_node["lint"].status == "failed" and by_node["lint"].detail == "OSError: no space left"
    assert by_node["report"].status == "skipped"
    assert by_node["report"].detail == "dependency 'lint' failed"

    # Dependencies finish before their dependents start.
    def index(node_id: str, status: str) -> int:
        return next(
            i
            for i, e in enumerate(events)
            if isinstance(e, PlanNodeStatus) and (e.node_id, e.status) == (node_id, status)
        )

    assert index("analyze", "done") < index("generate", "running")
    assert index("analyze", "done") < index("lint", "running")

    finished = events[-1]
    assert finished.status == "failed" == result.status
    assert finished.elapsed >= 0.04

    # They round-trip through the store's adapter.
    for event in events:
        assert EVENT_ADAPTER.validate_json(event.model_dump_json()) == event


async def test_a_broken_publisher_does_not_break_the_plan() -> None:
    def explode(event: Event) -> None:
        raise RuntimeError("subscriber bug")

    async def work(ctx: NodeContext) -> int:
        return 4

    result = await ExecutionPlan.graph([PlanNode("a", work)], publish=explode).run()
    assert result.result("a") == 4


async def test_sequential_and_parallel_events_name_their_strategy() -> None:
    async def work(ctx: NodeContext) -> None:
        return None

    for plan, strategy in (
        (ExecutionPlan.sequential, "sequential"),
        (ExecutionPlan.parallel, "parallel"),
    ):
        events: list[Event] = []
        await plan([PlanNode("x", work), PlanNode("y", work)], publish=events.append).run()
        assert isinstance(events[0], PlanCreated) and events[0].strategy == strategy
