"""Fold bus events into view state: plan nodes, status figures, log batches, histories, tokens.

The reducer only records; whoever shows the state decides when to look. The
Textual bridge takes what changed since its last flush (``take_*``) about 20
times a second, a replay folds a stored session in one ``apply_all``, and the
CLI reads the figures after each event. ``apply`` answers whether the event
deserves to be shown at once (lifecycle and failures) rather than on the next
tick.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from regoose_tui.bus.events import (
    AgentFailed,
    AgentFinished,
    AgentProgress,
    AgentStarted,
    ChatToken,
    CoverageUpdated,
    Event,
    PlanCreated,
    PlanFinished,
    PlanNodeStatus,
    ProviderUsage,
    RunFinished,
    RunOutput,
    RunStarted,
    SessionFinished,
    SessionStarted,
    TestOutcome,
    TestsWritten,
)
from regoose_tui.viewstate import log_lines
from regoose_tui.viewstate.log_lines import RUN_PROVIDER
from regoose_tui.viewstate.state import LogBatch, LogPerSession, PlanNode, ViewStatus

#: Lines of events and output kept per plan node for its detail view.
NODE_HISTORY_LINES = 2_000

#: Events the view shows at once rather than on its next tick.
_URGENT = (SessionStarted, SessionFinished, PlanCreated, PlanFinished, AgentFailed)

AgentEvent = AgentStarted | AgentProgress | AgentFinished | AgentFailed


class ViewReducer:
    """Folds events, in order, into the state one view shows."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        project_dir: Path | None = None,
        log_per_session: LogPerSession = "keep",
        status: ViewStatus | None = None,
        history_lines: int = NODE_HISTORY_LINES,
    ) -> None:
        self._clock = clock
        self._project_dir = project_dir
        self.log_per_session: LogPerSession = log_per_session
        """'clear' drops the log (and the run numbering) when a new session starts."""
        self._history_lines = history_lines
        self.session_id: str | None = None
        """The session of the latest SessionStarted seen."""
        self._status = status or ViewStatus()
        self._status_dirty = False
        self._results: dict[str, str] = {}
        self._started_at: float | None = None
        self._nodes: dict[str, PlanNode] = {}
        self._node_started: dict[str, float] = {}
        self._plan_dirty = False
        self._plan_label: str | None = None
        self._history: dict[str, deque[str]] = {}
        self._run_owner: dict[str, str] = {}
        self._runs_seen = 0
        self._pending_labels: dict[str, str] = {}
        self._pending_log: list[LogBatch] = []
        self._pending_tokens: dict[str, list[str]] = {}

    # --- events in ------------------------------------------------------------------

    def apply(self, event: Event) -> bool:
        """Fold one event; True when it should be shown at once (lifecycle, failure)."""
        match event:
            case RunOutput():
                self._on_output(event)
            case ChatToken():
                self._pending_tokens.setdefault(event.message_id, []).append(event.delta)
            case PlanNodeStatus():
                self._on_node(event)
                return event.status == "failed"
            case TestOutcome():
                self._results[event.nodeid] = event.outcome
                outcomes = list(self._results.values())
                self._update_status(
                    passed=outcomes.count("passed"),
                    failed=outcomes.count("failed") + outcomes.count("error"),
                )
            case CoverageUpdated():
                self._update_status(
                    line_percent=event.line_percent, branch_percent=event.branch_percent
                )
            case ProviderUsage():
                tokens = (self._status.tokens or 0) + event.prompt_tokens + event.completion_tokens
                cost = (self._status.cost or 0.0) + event.cost_usd
                self._update_status(tokens=tokens, cost=cost)
            case SessionStarted():
                self._on_session_started(event)
            case SessionFinished():
                self._started_at = None
                self._update_status(elapsed=event.wall_seconds, running=False)
                self._log(None, log_lines.session_verdict(event))
            case PlanCreated():
                self._plan_label = "running"
                self._nodes = {
                    info.id: PlanNode(info.id, info.label, deps=info.deps) for info in event.nodes
                }
                self._node_started = {}
                self._plan_dirty = True
            case PlanFinished():
                self._plan_label = event.status
            case RunStarted():
                self._on_run_started(event)
            case RunFinished():
                line = log_lines.run_finished(event)
                self._log(event.run_id, line)
                self._remember(self._run_owner.get(event.run_id), line)
            case AgentStarted() | AgentProgress() | AgentFinished() | AgentFailed():
                self._on_agent(event)
            case TestsWritten():
                self._remember("reporter", f"tests: {event.tests} for {event.path}")
            case _:
                pass
        return isinstance(event, _URGENT)

    def apply_all(self, events: Iterable[Event]) -> bool:
        """Fold events in order (a replay); True when any of them was urgent."""
        urgent = False
        for event in events:
            urgent = self.apply(event) or urgent
        return urgent

    def _on_session_started(self, event: SessionStarted) -> None:
        self.session_id = event.session_id
        self._started_at = self._clock()
        self._results = {}
        self._update_status(
            # A run of existing tests has no provider ("-"): the status bar keeps
            # showing the conversation's, which the next generation will use.
            provider=self._status.provider
            if event.provider == RUN_PROVIDER and self._status.provider
            else event.provider,
            runtime=event.runtime,
            isolated=event.isolated,
            elapsed=0.0,
            passed=0,
            failed=0,
            line_percent=None,
            branch_percent=None,
            running=True,
        )
        if self.log_per_session == "clear":
            # Lines of the old session not shown yet go too: the log restarts here.
            self._pending_log = [LogBatch(None, clear=True)]
            self._runs_seen = 0
        self._log(None, log_lines.session_header(event, self._project_dir))

    def _on_node(self, event: PlanNodeStatus) -> None:
        node = self._nodes.get(event.node_id) or PlanNode(event.node_id, event.node_id)
        if event.status == "running":
            # Backdated by what the node already spent, so the live time continues from it.
            self._node_started[event.node_id] = self._clock() - event.elapsed
        else:
            self._node_started.pop(event.node_id, None)
        self._nodes[event.node_id] = replace(
            node,
            status=event.status,
            elapsed=event.elapsed,
            iteration=max(1, event.iteration),
            detail=event.detail,
        )
        self._plan_dirty = True
        detail = f" — {event.detail}" if event.detail else ""
        self._remember(event.node_id, f"[{event.status}] iteration {event.iteration}{detail}")

    def _on_run_started(self, event: RunStarted) -> None:
        # A run belongs to the newest running node: its output joins that node's history.
        running = [node.id for node in self._nodes.values() if node.status == "running"]
        if running:
            self._run_owner[event.run_id] = running[-1]
        self._runs_seen += 1
        self._pending_labels[event.run_id] = f"run {self._runs_seen}: {event.label or 'run'}"
        line = log_lines.run_started(event)
        self._log(event.run_id, line)
        self._remember(self._run_owner.get(event.run_id), line)

    def _on_output(self, event: RunOutput) -> None:
        # Lines are kept raw; stderr without colours of its own goes red.
        lines = log_lines.stderr_lines(event.lines) if event.stream == "stderr" else event.lines
        self._log(event.run_id, *lines)
        owner = self._run_owner.get(event.run_id)
        if owner is not None:
            self._history_of(owner).extend(lines)

    def _on_agent(self, event: AgentEvent) -> None:
        match event:
            case AgentStarted():
                text = f"started (iteration {event.iteration})"
            case AgentProgress():
                text = event.message
            case AgentFinished():
                text = f"finished in {event.elapsed:.1f}s" + (
                    f": {event.summary}" if event.summary else ""
                )
            case AgentFailed():
                cancelled = event.error_type == "CancelledError"
                text = "cancelled" if cancelled else f"failed: {event.error_type}: {event.error}"
                self._log(None, log_lines.agent_failed(event))
        self._remember(event.node_id or event.agent, f"{event.agent}: {text}")

    def _history_of(self, node_id: str) -> deque[str]:
        history = self._history.get(node_id)
        if history is None:
            history = self._history[node_id] = deque(maxlen=self._history_lines)
        return history

    def _remember(self, node_id: str | None, line: str) -> None:
        if node_id is not None:
            self._history_of(node_id).append(line)

    def _log(self, run_id: str | None, *lines: str) -> None:
        last = self._pending_log[-1] if self._pending_log else None
        if last is not None and not last.clear and last.run_id == run_id:
            last.lines.extend(lines)
        else:
            self._pending_log.append(LogBatch(run_id, list(lines)))

    def _update_status(self, **changes: object) -> None:
        self._status = replace(self._status, **changes)  # type: ignore[arg-type]  # field names checked by replace at run time
        self._status_dirty = True

    # --- changes from outside the bus -------------------------------------------------

    def set_status(self, **changes: object) -> None:
        """Change status figures the bus does not carry (settings, final results)."""
        self._update_status(**changes)

    def settle(self) -> None:
        """The session is over for this view: the elapsed time stays where the events left it."""
        self._started_at = None
        if self._status.running:
            self._update_status(running=False)

    def reset_plan(self) -> None:
        """Forget the plan (a new turn starts)."""
        self._nodes = {}
        self._node_started = {}
        self._plan_dirty = True

    def drop_tokens(self, message_id: str) -> None:
        """Forget token text of ``message_id`` not taken yet (its stream was closed)."""
        self._pending_tokens.pop(message_id, None)

    # --- state out ------------------------------------------------------------------

    @property
    def status(self) -> ViewStatus:
        """The status figures as of the last event (elapsed as of the last tick)."""
        return self._status

    @property
    def nodes(self) -> tuple[PlanNode, ...]:
        """The plan's nodes, in plan order."""
        return tuple(self._nodes.values())

    @property
    def running(self) -> bool:
        """True between a SessionStarted and its SessionFinished (or a settle)."""
        return self._started_at is not None

    def node_history(self, node_id: str) -> list[str]:
        """The events and output lines seen for one plan node, oldest first (bounded)."""
        return list(self._history.get(node_id, ()))

    def latest_history(self, node_id: str) -> str | None:
        """The newest line of one node's history, or None before it has any."""
        history = self._history.get(node_id)
        return history[-1] if history else None

    def tick(self) -> None:
        """Advance live times to now: the session's elapsed, and each running node's (tenths)."""
        if self._started_at is None:
            return
        now = self._clock()
        for node_id, since in self._node_started.items():
            node = self._nodes.get(node_id)
            elapsed = round(now - since, 1)
            if node is not None and node.status == "running" and elapsed != node.elapsed:
                self._nodes[node_id] = replace(node, elapsed=elapsed)
                self._plan_dirty = True
        elapsed = round(now - self._started_at, 1)
        if elapsed != self._status.elapsed:
            self._update_status(elapsed=elapsed)

    def take_log(self) -> list[LogBatch]:
        """Log batches since the last take, in order (runs interleave as they printed)."""
        pending, self._pending_log = self._pending_log, []
        return pending

    def take_run_labels(self) -> dict[str, str]:
        """Names of the runs started since the last take ('run 2: candidate #1'), by run id."""
        labels, self._pending_labels = self._pending_labels, {}
        return labels

    def take_tokens(self) -> dict[str, str]:
        """Chat text per message id streamed since the last take."""
        pending, self._pending_tokens = self._pending_tokens, {}
        return {message_id: "".join(parts) for message_id, parts in pending.items()}

    def take_nodes(self) -> tuple[PlanNode, ...] | None:
        """The plan's nodes if they changed since the last take, else None."""
        if not self._plan_dirty:
            return None
        self._plan_dirty = False
        return self.nodes

    def take_plan_label(self) -> str | None:
        """The plan's state ('running', then done/failed/cancelled) if it changed, else None."""
        label, self._plan_label = self._plan_label, None
        return label

    def take_status(self) -> ViewStatus | None:
        """The status figures if they changed since the last take, else None."""
        if not self._status_dirty:
            return None
        self._status_dirty = False
        return self._status
