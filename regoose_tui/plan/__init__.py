"""Execution plans: nodes run SEQUENTIAL, as a GRAPH or PARALLEL, with events and cancellation."""

from regoose_tui.plan.execution import ExecutionPlan
from regoose_tui.plan.graph import find_cycle
from regoose_tui.plan.model import (
    Loop,
    NodeContext,
    NodeFailure,
    NodeFn,
    NodeOutcome,
    PlanNode,
    PlanResult,
    PlanStatus,
    Publish,
    Strategy,
    describe_error,
)

__all__ = [
    "ExecutionPlan",
    "Loop",
    "NodeContext",
    "NodeFailure",
    "NodeFn",
    "NodeOutcome",
    "PlanNode",
    "PlanResult",
    "PlanStatus",
    "Publish",
    "Strategy",
    "describe_error",
    "find_cycle",
]
