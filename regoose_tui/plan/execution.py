"""ExecutionPlan: run a plan's nodes as asyncio tasks, with status events and cancellation.

One scheduler runs every strategy (``graph.py`` turns each into a dependency
graph): it starts each node as soon as its dependencies are done, up to
``max_concurrency`` at once, skips the dependents of a failed node, repeats
loops, and on cancellation cancels every running node task and waits for it,
so a node's own cleanup (killing its container or subprocess) has finished
before ``run`` returns or re-raises.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from regoose_tui.bus.events import (
    Event,
    NodeStatus,
    PlanCreated,
    PlanFinished,
    PlanNodeInfo,
    PlanNodeStatus,
)
from regoose_tui.errors import PlanError
from regoose_tui.plan.graph import CompiledNode, compile_plan
from regoose_tui.plan.model import (
    Loop,
    NodeContext,
    NodeFailure,
    NodeOutcome,
    PlanNode,
    PlanResult,
    PlanStatus,
    Publish,
    Strategy,
    describe_error,
)

log = logging.getLogger(__name__)

_UNFINISHED: frozenset[str] = frozenset({"pending", "running"})


class _NodeTimedOut(Exception):
    """A node ran past its own timeout (told apart from a TimeoutError it raised)."""


@dataclass
class _NodeState:
    compiled: CompiledNode
    status: NodeStatus = "pending"
    iteration: int = 1
    result: Any = None
    error: BaseException | None = None
    detail: str | None = None
    started: float = 0.0
    elapsed: float = 0.0


@dataclass
class _LoopState:
    loop: Loop
    iteration: int = 1
    previous: dict[str, Any] = field(default_factory=dict)
    settled: bool = False


class ExecutionPlan:
    """A set of nodes run by a strategy; ``await plan.run()`` returns a PlanResult.

    Events (PlanCreated, PlanNodeStatus, PlanFinished) go to ``publish``.
    ``plan.cancel()`` stops every running node and makes ``run`` return a
    result with status "cancelled"; cancelling the task awaiting ``run`` does
    the same cleanup and then re-raises CancelledError. A plan runs once.
    """

    def __init__(
        self,
        nodes: Sequence[PlanNode],
        strategy: Strategy = Strategy.GRAPH,
        *,
        join: PlanNode | None = None,
        loops: Sequence[Loop] = (),
        publish: Publish | None = None,
        session_id: str | None = None,
        max_concurrency: int | None = None,
        plan_id: str | None = None,
    ) -> None:
        if max_concurrency is not None and max_concurrency < 1:
            raise PlanError(f"max_concurrency must be at least 1, got {max_concurrency}")
        self.strategy = Strategy(strategy)
        self.plan_id = plan_id or uuid.uuid4().hex[:12]
        self.session_id = session_id
        self.max_concurrency = max_concurrency
        self._publish = publish
        self._compiled = compile_plan(self.strategy, nodes, join, loops)
        self._states = {node_id: _NodeState(c) for node_id, c in self._compiled.items()}
        self._order = {node_id: index for index, node_id in enumerate(self._states)}
        self._loops = [_LoopState(loop) for loop in loops]
        self._running: dict[asyncio.Task[Any], str] = {}
        self._cancel_requested = False
        self._ran = False
        self._t0 = 0.0

    # --- builders -----------------------------------------------------------

    @classmethod
    def sequential(cls, nodes: Sequence[PlanNode], **options: Any) -> ExecutionPlan:
        """Nodes one after the other; each sees the results of all earlier ones."""
        return cls(nodes, Strategy.SEQUENTIAL, **options)

    @classmethod
    def graph(cls, nodes: Sequence[PlanNode], **options: Any) -> ExecutionPlan:
        """Nodes by their ``deps``; independent ones run at the same time."""
        return cls(nodes, Strategy.GRAPH, **options)

    @classmethod
    def parallel(
        cls, branches: Sequence[PlanNode], join: PlanNode | None = None, **options: Any
    ) -> ExecutionPlan:
        """Branches at the same time, then ``join`` with every branch's result or failure."""
        return cls(branches, Strategy.PARALLEL, join=join, **options)

    # --- public state ---------------------------------------------------------

    @property
    def nodes(self) -> tuple[PlanNodeInfo, ...]:
        """The nodes as the UI draws them, with their effective dependencies."""
        return tuple(
            PlanNodeInfo(id=node_id, label=c.node.display_label, deps=c.deps)
            for node_id, c in self._compiled.items()
        )

    @property
    def cancel_requested(self) -> bool:
        """True once ``cancel()`` was called (or the awaiting task was cancelled)."""
        return self._cancel_requested

    def cancel(self) -> None:
        """Stop the plan: cancel every running node; nothing new starts."""
        if self._cancel_requested:
            return
        self._cancel_requested = True
        for task in self._running:
            task.cancel()

    def report(self, node_id: str, detail: str) -> None:
        """Re-announce a running node with a progress ``detail`` (NodeContext.report)."""
        state = self._states.get(node_id)
        if state is not None and state.status == "running":
            state.detail = detail
            self._announce(node_id)

    # --- running --------------------------------------------------------------

    async def run(self) -> PlanResult:
        """Run the plan to the end (or its cancellation) and say how each node ended."""
        if self._ran:
            raise PlanError(f"plan {self.plan_id} already ran; build a new plan to run again")
        self._ran = True
        self._t0 = time.monotonic()
        self._emit(
            PlanCreated(
                plan_id=self.plan_id,
                strategy=self.strategy.value,
                nodes=self.nodes,
                session_id=self.session_id,
            )
        )
        for node_id in self._states:
            self._announce(node_id)
        try:
            await self._schedule()
        except BaseException:
            # The awaiting task was cancelled (or worse): stop every node first.
            self._cancel_requested = True
            await self._stop_running()
            self._finish()
            raise
        return self._finish()

    async def _schedule(self) -> None:
        while True:
            if not self._cancel_requested:
                self._start_ready()
            if not self._running:
                break
            done, _ = await asyncio.wait(self._running, return_when=asyncio.FIRST_COMPLETED)
            for task in sorted(done, key=lambda t: self._order[self._running[t]]):
                self._settle(self._running.pop(task), task)

    async def _stop_running(self) -> None:
        tasks = list(self._running)
        for task in tasks:
            task.cancel()
        while not all(task.done() for task in tasks):
            try:
                await asyncio.wait(tasks)
            except asyncio.CancelledError:
                # A second cancel must not leave node tasks (and their subprocesses) behind;
                # the caller re-raises anyway.
                continue
        for task in tasks:
            self._settle(self._running.pop(task), task)

    def _start_ready(self) -> None:
        changed = True
        while changed:
            changed = False
            for node_id, state in self._states.items():
                if state.status != "pending":
                    continue
                verdict, blocker = self._readiness(state)
                if verdict == "skip":
                    state.status = "skipped"
                    state.detail = f"dependency '{blocker}' {self._states[blocker].status}"
                    self._announce(node_id)
                    self._after_node(state)
                    changed = True
                elif verdict == "ready" and self._has_slot():
                    self._start(node_id, state)
                    changed = True

    def _has_slot(self) -> bool:
        return self.max_concurrency is None or len(self._running) < self.max_concurrency

    def _readiness(self, state: _NodeState) -> tuple[Literal["wait", "ready", "skip"], str]:
        compiled = state.compiled
        first_missing = ""
        for dep in compiled.deps:
            dep_state = self._states[dep]
            if dep_state.status in _UNFINISHED:
                return "wait", dep
            if dep_state.status == "done":
                dep_loop = dep_state.compiled.loop
                if dep_loop is not None and dep_loop != compiled.loop:
                    if not self._loops[dep_loop].settled:
                        return "wait", dep
            elif not first_missing:
                first_missing = dep
                if not compiled.node.tolerate_failed_deps:
                    return "skip", dep
        return "ready", first_missing

    def _start(self, node_id: str, state: _NodeState) -> None:
        compiled = state.compiled
        results: dict[str, Any] = {}
        failures: dict[str, NodeFailure] = {}
        for visible_id in compiled.visible:
            seen = self._states[visible_id]
            if seen.status == "done":
                results[visible_id] = seen.result
            elif seen.status in ("failed", "skipped", "cancelled"):
                failures[visible_id] = NodeFailure(visible_id, seen.status, seen.detail or "")
        loop = self._loops[compiled.loop] if compiled.loop is not None else None
        ctx = NodeContext(
            node_id=node_id,
            iteration=state.iteration,
            results=results,
            failures=failures,
            previous=dict(loop.previous) if loop is not None else {},
            _plan=self,
        )
        state.status = "running"
        state.detail = None
        state.started = time.monotonic()
        task = asyncio.create_task(self._invoke(compiled.node, ctx), name=f"plan-node:{node_id}")
        self._running[task] = node_id
        self._announce(node_id)

    @staticmethod
    async def _invoke(node: PlanNode, ctx: NodeContext) -> Any:
        if node.timeout is None:
            return await node.run(ctx)
        scope = asyncio.timeout(node.timeout)
        try:
            async with scope:
                return await node.run(ctx)
        except TimeoutError as exc:
            if scope.expired():
                raise _NodeTimedOut(f"timed out after {node.timeout:g}s") from exc
            raise

    def _settle(self, node_id: str, task: asyncio.Task[Any]) -> None:
        state = self._states[node_id]
        state.elapsed = time.monotonic() - state.started
        if task.cancelled():
            state.status = "cancelled"
            state.detail = "cancelled" if self._cancel_requested else "cancelled by the node"
        elif (exc := task.exception()) is not None:
            state.status = "failed"
            state.error = exc
            state.detail = describe_error(exc) if not isinstance(exc, _NodeTimedOut) else str(exc)
        else:
            state.status = "done"
            state.result = task.result()
            state.detail = None
        self._announce(node_id)
        self._after_node(state)

    def _after_node(self, state: _NodeState) -> None:
        """Close or repeat the node's loop once all its nodes ended an iteration."""
        if state.compiled.loop is None:
            return
        loop_state = self._loops[state.compiled.loop]
        body = [self._states[node_id] for node_id in loop_state.loop.nodes]
        if any(s.status in _UNFINISHED for s in body):
            return
        repeat = False
        if all(s.status == "done" for s in body) and not self._cancel_requested:
            if loop_state.iteration < loop_state.loop.max_iterations:
                results = {s.compiled.node.id: s.result for s in body}
                try:
                    repeat = bool(loop_state.loop.repeat_if(results, loop_state.iteration))
                except Exception as exc:
                    # The check belongs to the loop's last node: fail it, skip what follows.
                    last = body[-1]
                    last.status, last.error = "failed", exc
                    last.detail = f"loop check failed: {describe_error(exc)}"
                    self._announce(last.compiled.node.id)
        if not repeat:
            loop_state.settled = True
            return
        loop_state.previous = {s.compiled.node.id: s.result for s in body}
        loop_state.iteration += 1
        for s in body:
            s.status, s.result, s.error = "pending", None, None
            s.iteration = loop_state.iteration
            s.detail = f"iteration {s.iteration} of at most {loop_state.loop.max_iterations}"
            s.elapsed = 0.0
            self._announce(s.compiled.node.id)

    def _finish(self) -> PlanResult:
        for node_id, state in self._states.items():
            if state.status in _UNFINISHED:
                state.status = "cancelled"
                state.detail = "plan cancelled before the node ran"
                self._announce(node_id)
        statuses = {s.status for s in self._states.values()}
        status: PlanStatus
        if self._cancel_requested or "cancelled" in statuses:
            status = "cancelled"
        elif statuses & {"failed", "skipped"}:
            status = "failed"
        else:
            status = "done"
        elapsed = time.monotonic() - self._t0
        self._emit(
            PlanFinished(
                plan_id=self.plan_id, status=status, elapsed=elapsed, session_id=self.session_id
            )
        )
        return PlanResult(
            plan_id=self.plan_id,
            status=status,
            outcomes=self._outcomes(),
            elapsed=elapsed,
        )

    def _outcomes(self) -> Mapping[str, NodeOutcome]:
        return {
            node_id: NodeOutcome(
                node_id=node_id,
                label=s.compiled.node.display_label,
                status=s.status,
                result=s.result,
                detail=s.detail,
                error=s.error,
                elapsed=s.elapsed,
                iteration=s.iteration,
            )
            for node_id, s in self._states.items()
        }

    # --- events -----------------------------------------------------------------

    def _announce(self, node_id: str) -> None:
        state = self._states[node_id]
        if state.status == "running":
            elapsed = time.monotonic() - state.started
        else:
            elapsed = state.elapsed
        self._emit(
            PlanNodeStatus(
                plan_id=self.plan_id,
                node_id=node_id,
                status=state.status,
                elapsed=elapsed,
                iteration=state.iteration,
                detail=state.detail,
                session_id=self.session_id,
            )
        )

    def _emit(self, event: Event) -> None:
        if self._publish is None:
            return
        try:
            self._publish(event)
        except Exception:
            # A broken subscriber must not leave node tasks running.
            log.exception("plan %s: publishing %s failed", self.plan_id, event.kind)
