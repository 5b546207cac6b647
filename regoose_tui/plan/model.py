"""The data of an execution plan: nodes, loops, the context a node runs with, results.

Everything here is plain data; ``execution.py`` runs it. A node is an async
callable plus its place in the graph; the plan knows nothing of agents.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from regoose_tui.bus.events import Event, NodeStatus
from regoose_tui.errors import PlanError, RegooseError

#: Where plan events go (the bus's publish_nowait, or a list's append in tests).
#: Where events go; what it returns (the bus: how many subscribers got it) is ignored.
Publish = Callable[[Event], object]

PlanStatus = Literal["done", "failed", "cancelled"]


def describe_error(exc: BaseException) -> str:
    """One line saying what went wrong: our own errors by message, others with their type."""
    if isinstance(exc, RegooseError):
        text = exc.msg
    else:
        text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return " ".join(text.split())


class Strategy(enum.StrEnum):
    """How the nodes of a plan are ordered."""

    #: One after the other, in the given order; each sees every earlier result.
    SEQUENTIAL = "sequential"
    #: By dependencies; independent nodes run at the same time.
    GRAPH = "graph"
    #: Branches at the same time, then one join node that sees them all.
    PARALLEL = "parallel"


@dataclass(frozen=True)
class PlanNode:
    """One step of a plan.

    ``run`` is awaited with a ``NodeContext``; what it returns is the node's
    result. ``deps`` only matter for GRAPH plans. ``timeout`` (seconds) fails
    the node when it runs longer. A node with ``tolerate_failed_deps`` still
    runs when a dependency failed or was skipped (it finds them in
    ``ctx.failures``): the join of a PARALLEL plan is one.
    """

    id: str
    run: NodeFn
    label: str = ""
    deps: tuple[str, ...] = ()
    timeout: float | None = None
    tolerate_failed_deps: bool = False

    def __post_init__(self) -> None:
        if not self.id:
            raise PlanError("a plan node needs a non-empty id")
        if self.timeout is not None and self.timeout <= 0:
            raise PlanError(f"node '{self.id}': timeout must be positive, got {self.timeout}")
        # Accept any iterable of ids (a list is the natural thing to write).
        object.__setattr__(self, "deps", tuple(self.deps))

    @property
    def display_label(self) -> str:
        """The label, or the id when no label was given."""
        return self.label or self.id


@dataclass(frozen=True)
class Loop:
    """Nodes that run again, as a group, while ``repeat_if`` says so.

    After every node of ``nodes`` finished an iteration, ``repeat_if`` gets
    their results (by node id) and the iteration number (1 for the first);
    True runs them all again with the next number, up to ``max_iterations``
    in all. Nodes outside the loop that depend on a loop node wait for the
    last iteration and see its results. A failure inside the loop ends it.
    """

    nodes: tuple[str, ...]
    max_iterations: int
    repeat_if: Callable[[Mapping[str, Any], int], bool]

    def __post_init__(self) -> None:
        object.__setattr__(self, "nodes", tuple(self.nodes))
        if not self.nodes:
            raise PlanError("a plan loop needs at least one node")
        if self.max_iterations < 1:
            raise PlanError(f"a plan loop needs max_iterations >= 1, got {self.max_iterations}")


@dataclass(frozen=True)
class NodeFailure:
    """Why a dependency did not produce a result (seen by tolerant nodes)."""

    node_id: str
    status: NodeStatus
    detail: str


@dataclass
class NodeContext:
    """What a running node can see and do.

    ``results`` holds the results of the node's upstream nodes, direct and
    indirect dependencies (for SEQUENTIAL, every earlier node), by node id;
    ``failures`` the upstream nodes that failed or were skipped (only a
    tolerant node ever sees any). ``previous``
    holds the results of the node's loop from the previous iteration.
    """

    node_id: str
    iteration: int
    results: Mapping[str, Any]
    failures: Mapping[str, NodeFailure]
    previous: Mapping[str, Any]
    _plan: _PlanHandle = field(repr=False)

    def result(self, node_id: str) -> Any:
        """The result of upstream node ``node_id``; PlanError names what is available."""
        try:
            return self.results[node_id]
        except KeyError:
            available = ", ".join(self.results) or "none"
            raise PlanError(
                f"node '{self.node_id}' has no result from '{node_id}' (available: {available})"
            ) from None

    @property
    def cancelled(self) -> bool:
        """True once the plan was asked to stop."""
        return self._plan.cancel_requested

    def cancel_plan(self) -> None:
        """Stop the whole plan (this node included)."""
        self._plan.cancel()

    def report(self, detail: str) -> None:
        """Re-announce this node as running with a progress ``detail``."""
        self._plan.report(self.node_id, detail)


class _PlanHandle(Protocol):
    """The part of a running plan a node context may reach (kept narrow on purpose)."""

    @property
    def cancel_requested(self) -> bool:
        """True once the plan was asked to stop."""
        ...

    def cancel(self) -> None:
        """Stop the plan."""
        ...

    def report(self, node_id: str, detail: str) -> None:
        """Publish a progress detail for a running node."""
        ...


#: What a node does: an async function of its context.
NodeFn = Callable[[NodeContext], Awaitable[Any]]


@dataclass(frozen=True)
class NodeOutcome:
    """How one node ended."""

    node_id: str
    label: str
    status: NodeStatus
    result: Any = None
    detail: str | None = None
    error: BaseException | None = None
    elapsed: float = 0.0
    iteration: int = 1


@dataclass(frozen=True)
class PlanResult:
    """How a whole plan ended, node by node (in plan order)."""

    plan_id: str
    status: PlanStatus
    outcomes: Mapping[str, NodeOutcome]
    elapsed: float

    @property
    def ok(self) -> bool:
        """True when every node is done."""
        return self.status == "done"

    def with_status(self, status: NodeStatus) -> list[NodeOutcome]:
        """The outcomes of the nodes that ended with ``status``."""
        return [o for o in self.outcomes.values() if o.status == status]

    @property
    def failed(self) -> list[NodeOutcome]:
        """Nodes that raised or timed out."""
        return self.with_status("failed")

    @property
    def skipped(self) -> list[NodeOutcome]:
        """Nodes not run because a dependency failed."""
        return self.with_status("skipped")

    @property
    def cancelled(self) -> list[NodeOutcome]:
        """Nodes stopped or never started because the plan was cancelled."""
        return self.with_status("cancelled")

    @property
    def results(self) -> dict[str, Any]:
        """Results of the nodes that are done, by node id."""
        return {o.node_id: o.result for o in self.outcomes.values() if o.status == "done"}

    def result(self, node_id: str) -> Any:
        """The result of a done node; PlanError says why there is none."""
        outcome = self.outcomes.get(node_id)
        if outcome is None:
            raise PlanError(f"plan has no node '{node_id}'")
        if outcome.status != "done":
            raise PlanError(f"node '{node_id}' has no result: {outcome.status} ({outcome.detail})")
        return outcome.result

    def summary(self) -> str:
        """One line: the plan status and what went wrong, if anything."""
        if self.ok:
            return f"plan done: {len(self.outcomes)} nodes in {self.elapsed:.2f}s"
        parts = [f"{o.node_id} failed: {o.detail}" for o in self.failed]
        if self.skipped:
            parts.append("skipped: " + ", ".join(o.node_id for o in self.skipped))
        if self.cancelled:
            parts.append("cancelled: " + ", ".join(o.node_id for o in self.cancelled))
        return f"plan {self.status}: " + "; ".join(parts)

    def raise_for_status(self) -> None:
        """Raise PlanError with ``summary()`` unless every node is done."""
        if not self.ok:
            raise PlanError(self.summary())
