"""Loops: a group of nodes repeated with a bumped iteration number, as the generate loop does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from regoose_tui.bus.events import Event, PlanNodeStatus
from regoose_tui.plan import ExecutionPlan, Loop, NodeContext, PlanNode


def generate_loop_plan(
    max_iterations: int, fail_on: tuple[str, int] | None = None
) -> tuple[ExecutionPlan, list[Event], list[tuple[str, int, dict[str, Any]]]]:
    """analyzer -> (generator -> executor -> validator) x N -> reporter, coverage grows by 30."""
    calls: list[tuple[str, int, dict[str, Any]]] = []

    def step(name: str):
        async def run(ctx: NodeContext) -> Any:
            calls.append((name, ctx.iteration, dict(ctx.previous)))
            if fail_on == (name, ctx.iteration):
                raise RuntimeError(f"{name} broke")
            if name == "analyzer":
                return {"gaps": 5}
            # Upstream results reach past the direct dependency, from this iteration.
            assert ctx.result("analyzer") == {"gaps": 5}
            if name == "validator":
                assert ctx.result("generator") == f"generator#{ctx.iteration}"
            if name == "validator":
                return {"coverage": 30 * ctx.iteration}
            return f"{name}#{ctx.iteration}"

        return run

    def again(results: Mapping[str, Any], iteration: int) -> bool:
        return bool(results["validator"]["coverage"] < 80)

    events: list[Event] = []
    plan = ExecutionPlan.graph(
        [
            PlanNode("analyzer", step("analyzer")),
            PlanNode("generator", step("generator"), deps=("analyzer",)),
            PlanNode("executor", step("executor"), deps=("generator",)),
            PlanNode("validator", step("validator"), deps=("executor",)),
            PlanNode("reporter", step("reporter"), deps=("validator",)),
        ],
        loops=[Loop(("generator", "executor", "validator"), max_iterations, again)],
        publish=events.append,
        session_id="s1",
    )
    return plan, events, calls


async def test_loop_repeats_until_condition_with_bumped_iterations() -> None:
    plan, events, calls = generate_loop_plan(max_iterations=5)
    result = await plan.run()

    assert result.ok
    # coverage 30, 60, 90: the third iteration satisfies the loop.
    assert [(name, it) for name, it, _ in calls] == [
        ("analyzer", 1),
        ("generator", 1),
        ("executor", 1),
        ("validator", 1),
        ("generator", 2),
        ("executor", 2),
        ("validator", 2),
        ("generator", 3),
        ("executor", 3),
        ("validator", 3),
        ("reporter", 1),
    ]
    # Each iteration sees the loop's results from the one before.
    assert calls[4][2] == {
        "generator": "generator#1",
        "executor": "executor#1",
        "validator": {"coverage": 30},
    }
    assert calls[1][2] == {}
    assert result.result("validator") == {"coverage": 90}
    assert result.outcomes["generator"].iteration == 3
    assert result.outcomes["reporter"].iteration == 1

    running = [
        (e.node_id, e.iteration)
        for e in events
        if isinstance(e, PlanNodeStatus) and e.status == "running"
    ]
    assert ("generator", 2) in running and ("validator", 3) in running
    # The reporter starts only after the last iteration.
    assert running.index(("reporter", 1)) > running.index(("validator", 3))
    repeats = [
        e
        for e in events
        if isinstance(e, PlanNodeStatus) and e.status == "pending" and e.iteration == 2
    ]
    assert {e.node_id for e in repeats} == {"generator", "executor", "validator"}
    assert repeats[0].detail == "iteration 2 of at most 5"


async def test_loop_stops_at_max_iterations() -> None:
    plan, _, calls = generate_loop_plan(max_iterations=2)
    result = await plan.run()
    assert result.ok
    assert [it for name, it, _ in calls if name == "validator"] == [1, 2]
    assert result.result("validator") == {"coverage": 60}


async def test_failure_inside_a_loop_ends_it_and_skips_what_follows() -> None:
    plan, _, calls = generate_loop_plan(max_iterations=5, fail_on=("executor", 2))
    result = await plan.run()
    assert result.status == "failed"
    assert result.outcomes["executor"].iteration == 2
    assert result.outcomes["executor"].detail == "RuntimeError: executor broke"
    assert result.outcomes["validator"].status == "skipped"
    assert result.outcomes["reporter"].status == "skipped"
    assert ("reporter", 1, {}) not in calls


async def test_a_loop_check_that_raises_fails_the_loop() -> None:
    async def work(ctx: NodeContext) -> int:
        return ctx.iteration

    def broken_check(results: Mapping[str, Any], iteration: int) -> bool:
        raise ZeroDivisionError("division by zero")

    plan = ExecutionPlan.graph(
        [PlanNode("w", work), PlanNode("after", work, deps=("w",))],
        loops=[Loop(("w",), 3, broken_check)],
    )
    result = await plan.run()
    assert result.outcomes["w"].status == "failed"
    assert result.outcomes["w"].detail == "loop check failed: ZeroDivisionError: division by zero"
    assert result.outcomes["after"].status == "skipped"
