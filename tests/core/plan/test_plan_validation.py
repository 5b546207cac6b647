"""Malformed plans are refused at build time with a message naming the problem."""

from __future__ import annotations

import pytest

from regoose_tui.errors import PlanCycleError, PlanError
from regoose_tui.plan import ExecutionPlan, Loop, NodeContext, PlanNode, find_cycle


async def noop(ctx: NodeContext) -> None:
    return None


def n(node_id: str, *deps: str) -> PlanNode:
    return PlanNode(node_id, noop, deps=deps)


def test_three_node_cycle_is_named_in_run_order() -> None:
    # a waits for c, b waits for a, c waits for b: a -> b -> c -> a in run order.
    with pytest.raises(PlanCycleError) as info:
        ExecutionPlan.graph([n("a", "c"), n("b", "a"), n("c", "b")])
    assert str(info.value) == "plan has a cycle: a -> b -> c -> a"
    assert info.value.title == "Plan error"


def test_cycle_message_starts_at_first_declared_node_whatever_the_entry() -> None:
    with pytest.raises(PlanCycleError, match=r"^plan has a cycle: b -> c -> d -> b$"):
        ExecutionPlan.graph([n("entry"), n("b", "d", "entry"), n("c", "b"), n("d", "c")])


def test_self_dependency_is_a_cycle() -> None:
    with pytest.raises(PlanCycleError, match=r"^plan has a cycle: solo -> solo$"):
        ExecutionPlan.graph([n("ok"), n("solo", "solo")])


def test_find_cycle_returns_none_for_a_dag_and_the_cycle_otherwise() -> None:
    assert find_cycle({"a": [], "b": ["a"], "c": ["a", "b"]}) is None
    assert find_cycle({"x": ["y"], "y": ["x"]}) == ["x", "y", "x"]


def test_unknown_dependency_is_a_plan_error_not_a_cycle() -> None:
    with pytest.raises(PlanError, match="node 'b' depends on unknown node 'ghost'") as info:
        ExecutionPlan.graph([n("a"), n("b", "a", "ghost")])
    assert not isinstance(info.value, PlanCycleError)


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(PlanError, match="two nodes with id 'a'"):
        ExecutionPlan.graph([n("a"), n("a")])


def test_sequential_refuses_a_dependency_on_a_later_node() -> None:
    with pytest.raises(PlanError, match="'first' depends on 'second', which does not come before"):
        ExecutionPlan.sequential([n("first", "second"), n("second")])
    # A dependency on an earlier node is already implied and accepted.
    ExecutionPlan.sequential([n("first"), n("second", "first")])


def test_parallel_branches_cannot_depend_on_each_other() -> None:
    with pytest.raises(PlanError, match="branch 'b' of a PARALLEL plan cannot have dependencies"):
        ExecutionPlan.parallel([n("a"), n("b", "a")], join=n("j"))


def test_join_only_for_parallel_plans() -> None:
    with pytest.raises(PlanError, match="only a PARALLEL plan has a join node"):
        ExecutionPlan([n("a")], join=n("j"))


def test_bad_options_are_refused() -> None:
    with pytest.raises(PlanError, match="max_concurrency must be at least 1"):
        ExecutionPlan.graph([n("a")], max_concurrency=0)
    with pytest.raises(PlanError, match="timeout must be positive"):
        PlanNode("t", noop, timeout=0)
    with pytest.raises(PlanError, match="non-empty id"):
        PlanNode("", noop)
    with pytest.raises(PlanError, match="max_iterations >= 1"):
        Loop(("a",), max_iterations=0, repeat_if=lambda r, i: False)


def test_loops_must_name_known_nodes_once_and_be_closed() -> None:
    never = lambda results, iteration: False  # noqa: E731
    with pytest.raises(PlanError, match="loop 1 names unknown node 'zz'"):
        ExecutionPlan.graph([n("a")], loops=[Loop(("a", "zz"), 2, never)])
    with pytest.raises(PlanError, match="node 'a' is in two loops"):
        ExecutionPlan.graph(
            [n("a"), n("b")], loops=[Loop(("a",), 2, never), Loop(("a",), 2, never)]
        )
    # "mid" sits between two loop nodes but is not in the loop.
    with pytest.raises(PlanError, match=r"loop \(start, end\) is not closed: mid runs after"):
        ExecutionPlan.graph(
            [n("start"), n("mid", "start"), n("end", "mid")],
            loops=[Loop(("start", "end"), 2, never)],
        )


async def test_a_plan_runs_once() -> None:
    plan = ExecutionPlan.graph([n("a")])
    assert (await plan.run()).ok
    with pytest.raises(PlanError, match="already ran"):
        await plan.run()
