"""SEQUENTIAL, GRAPH and PARALLEL plans: order, results, real concurrency, failures."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from regoose_tui.plan import ExecutionPlan, NodeContext, PlanNode, Strategy


def recorder(log: list[str], name: str, value: Any = None, delay: float = 0.0):
    """A node function that logs its start and end and returns ``value`` (or its name)."""

    async def run(ctx: NodeContext) -> Any:
        log.append(f"start:{name}")
        if delay:
            await asyncio.sleep(delay)
        log.append(f"end:{name}")
        return name if value is None else value

    return run


def rendezvous(count: int):
    """Node functions that only finish if all ``count`` of them run at the same time."""
    arrived = 0
    everyone = asyncio.Event()

    async def run(ctx: NodeContext) -> str:
        nonlocal arrived
        arrived += 1
        if arrived == count:
            everyone.set()
        # A serial scheduler would wait here forever: the timeout turns that into a failure.
        await asyncio.wait_for(everyone.wait(), timeout=2.0)
        return ctx.node_id

    return run


async def test_sequential_runs_in_order_and_passes_all_earlier_results() -> None:
    log: list[str] = []
    seen: dict[str, dict[str, Any]] = {}

    def node(name: str, value: int) -> PlanNode:
        async def run(ctx: NodeContext) -> int:
            seen[name] = dict(ctx.results)
            await recorder(log, name, delay=0.01)(ctx)
            return value

        return PlanNode(name, run)

    plan = ExecutionPlan.sequential([node("c", 3), node("a", 1), node("b", 2)])
    result = await plan.run()

    assert result.ok and result.status == "done"
    # Declared order, never overlapping: each ends before the next starts.
    assert log == ["start:c", "end:c", "start:a", "end:a", "start:b", "end:b"]
    assert seen == {"c": {}, "a": {"c": 3}, "b": {"c": 3, "a": 1}}
    assert result.results == {"c": 3, "a": 1, "b": 2}
    assert [info.deps for info in plan.nodes] == [(), ("c",), ("a",)]


async def test_sequential_failure_skips_everything_after_it() -> None:
    log: list[str] = []

    async def explode(ctx: NodeContext) -> None:
        raise ValueError("disk on fire")

    plan = ExecutionPlan.sequential(
        [
            PlanNode("one", recorder(log, "one")),
            PlanNode("two", explode),
            PlanNode("three", recorder(log, "three")),
            PlanNode("four", recorder(log, "four")),
        ]
    )
    result = await plan.run()

    assert result.status == "failed"
    assert log == ["start:one", "end:one"]
    assert [o.node_id for o in result.failed] == ["two"]
    assert result.outcomes["two"].detail == "ValueError: disk on fire"
    assert isinstance(result.outcomes["two"].error, ValueError)
    assert [o.node_id for o in result.skipped] == ["three", "four"]
    assert result.outcomes["three"].detail == "dependency 'two' failed"
    assert result.outcomes["four"].detail == "dependency 'three' skipped"
    assert "two failed: ValueError: disk on fire" in result.summary()


async def test_graph_respects_dependencies_and_passes_dep_results() -> None:
    log: list[str] = []
    got: dict[str, Any] = {}

    async def combine(ctx: NodeContext) -> int:
        got.update(ctx.results)
        return ctx.result("left") + ctx.result("right")

    plan = ExecutionPlan.graph(
        [
            PlanNode("sink", combine, deps=("left", "right")),
            PlanNode("left", recorder(log, "left", 10, delay=0.02), deps=("root",)),
            PlanNode("right", recorder(log, "right", 5, delay=0.01), deps=("root",)),
            PlanNode("root", recorder(log, "root", 1)),
            PlanNode("bystander", recorder(log, "bystander", 0), deps=("root",)),
        ]
    )
    result = await plan.run()

    assert result.ok
    assert result.result("sink") == 15
    # The sink sees everything upstream, direct or not, but nothing else.
    assert got == {"left": 10, "right": 5, "root": 1}
    assert list(got) == ["left", "right", "root"]  # plan order
    assert log[:2] == ["start:root", "end:root"]
    # left and right start before either ends: they overlap.
    assert max(log.index("start:left"), log.index("start:right")) < min(
        log.index("end:left"), log.index("end:right")
    )


async def test_graph_independent_nodes_really_run_concurrently() -> None:
    meet = rendezvous(3)
    plan = ExecutionPlan.graph([PlanNode(name, meet) for name in ("a", "b", "c")])
    result = await plan.run()
    assert result.ok, result.summary()


async def test_graph_concurrency_saves_wall_time() -> None:
    async def nap(ctx: NodeContext) -> None:
        await asyncio.sleep(0.3)

    plan = ExecutionPlan.graph([PlanNode(f"n{i}", nap) for i in range(4)])
    started = time.monotonic()
    result = await plan.run()
    wall = time.monotonic() - started
    assert result.ok
    # Serial would take 1.2 s; concurrent about 0.3 s. The margin absorbs a slow CI box.
    assert wall < 0.8
    assert all(o.elapsed >= 0.29 for o in result.outcomes.values())


async def test_graph_max_concurrency_bounds_running_nodes() -> None:
    running = 0
    peak = 0

    async def counted(ctx: NodeContext) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.03)
        running -= 1

    plan = ExecutionPlan.graph([PlanNode(f"n{i}", counted) for i in range(7)], max_concurrency=2)
    result = await plan.run()
    assert result.ok
    assert peak == 2


async def test_graph_failure_skips_dependents_but_not_independent_nodes() -> None:
    async def broken(ctx: NodeContext) -> None:
        raise RuntimeError("compiler crashed")

    log: list[str] = []
    plan = ExecutionPlan.graph(
        [
            PlanNode("bad", broken),
            PlanNode("child", recorder(log, "child"), deps=("bad",)),
            PlanNode("grandchild", recorder(log, "grandchild"), deps=("child", "fine")),
            PlanNode("fine", recorder(log, "fine", delay=0.01)),
        ]
    )
    result = await plan.run()

    assert result.status == "failed"
    assert result.outcomes["bad"].status == "failed"
    assert result.outcomes["child"].status == "skipped"
    assert result.outcomes["grandchild"].status == "skipped"
    assert result.outcomes["fine"].status == "done"
    assert log == ["start:fine", "end:fine"]
    with pytest.raises(Exception, match="bad failed: RuntimeError: compiler crashed"):
        result.raise_for_status()
    with pytest.raises(Exception, match="no result: skipped"):
        result.result("child")


async def test_node_timeout_fails_the_node_and_cancels_its_work() -> None:
    cleaned_up = asyncio.Event()

    async def stuck(ctx: NodeContext) -> None:
        try:
            await asyncio.sleep(30)
        finally:
            cleaned_up.set()

    async def own_timeout(ctx: NodeContext) -> None:
        raise TimeoutError("the API was slow")

    plan = ExecutionPlan.graph(
        [PlanNode("stuck", stuck, timeout=0.1), PlanNode("own", own_timeout, timeout=5)]
    )
    started = time.monotonic()
    result = await plan.run()

    assert time.monotonic() - started < 2
    assert cleaned_up.is_set()
    assert result.outcomes["stuck"].status == "failed"
    assert result.outcomes["stuck"].detail == "timed out after 0.1s"
    # A TimeoutError the node raised itself is not mistaken for the node's timeout.
    assert result.outcomes["own"].detail == "TimeoutError: the API was slow"


async def test_parallel_branches_run_together_and_join_sees_every_branch() -> None:
    meet = rendezvous(3)
    joined: dict[str, Any] = {}

    async def broken_branch(ctx: NodeContext) -> None:
        await asyncio.sleep(0.01)
        raise ValueError("module does not import")

    async def join(ctx: NodeContext) -> dict[str, Any]:
        joined["results"] = dict(ctx.results)
        joined["failures"] = {k: (f.status, f.detail) for k, f in ctx.failures.items()}
        return {"passed": sorted(ctx.results), "failed": sorted(ctx.failures)}

    plan = ExecutionPlan.parallel(
        [
            PlanNode("mod_a", meet),
            PlanNode("mod_b", broken_branch),
            PlanNode("mod_c", meet),
            PlanNode("mod_d", meet),
        ],
        join=PlanNode("report", join),
    )
    assert plan.strategy is Strategy.PARALLEL
    result = await plan.run()

    # A failed branch makes the plan fail, but hides neither the others nor the join.
    assert result.status == "failed"
    assert joined["results"] == {"mod_a": "mod_a", "mod_c": "mod_c", "mod_d": "mod_d"}
    assert joined["failures"] == {"mod_b": ("failed", "ValueError: module does not import")}
    assert result.result("report") == {"passed": ["mod_a", "mod_c", "mod_d"], "failed": ["mod_b"]}
    assert plan.nodes[-1].deps == ("mod_a", "mod_b", "mod_c", "mod_d")


async def test_parallel_without_join_and_all_ok() -> None:
    meet = rendezvous(2)
    plan = ExecutionPlan.parallel([PlanNode(f"b{i}", meet) for i in range(2)])
    result = await plan.run()
    assert result.ok
    assert result.results == {"b0": "b0", "b1": "b1"}


async def test_empty_plan_is_done() -> None:
    result = await ExecutionPlan.graph([]).run()
    assert result.ok and result.outcomes == {}


async def test_tolerant_graph_node_runs_after_failed_dependency() -> None:
    async def broken(ctx: NodeContext) -> None:
        raise KeyError("x")

    async def cleanup(ctx: NodeContext) -> str:
        return f"cleaned after {sorted(ctx.failures)}"

    plan = ExecutionPlan.graph(
        [
            PlanNode("work", broken),
            PlanNode("cleanup", cleanup, deps=("work",), tolerate_failed_deps=True),
        ]
    )
    result = await plan.run()
    assert result.result("cleanup") == "cleaned after ['work']"
    assert result.status == "failed"


async def test_node_can_report_progress_and_read_cancellation() -> None:
    events: list[Any] = []

    async def chatty(ctx: NodeContext) -> bool:
        ctx.report("halfway there")
        return ctx.cancelled

    result = await ExecutionPlan.graph([PlanNode("n", chatty)], publish=events.append).run()
    assert result.result("n") is False
    details = [(e.status, e.detail) for e in events if e.kind == "plan.node"]
    assert ("running", "halfway there") in details


async def test_missing_dependency_result_names_what_is_available() -> None:
    async def first(ctx: NodeContext) -> int:
        return 1

    async def wrong(ctx: NodeContext) -> int:
        return ctx.result("nope")

    plan = ExecutionPlan.graph([PlanNode("first", first), PlanNode("w", wrong, deps=("first",))])
    result = await plan.run()
    assert result.outcomes["w"].detail == "node 'w' has no result from 'nope' (available: first)"
