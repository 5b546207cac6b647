"""The one bus-to-widget adapter: events in, batched widget updates out (~20 Hz).

The bridge subscribes once to every topic and only buffers: log lines (in
order, with their run), chat token text per message, plan node states
(latest wins) and the status figures. A timer flushes each buffer with one
call per widget (``LiveLog.write_lines``, ``AssistantTurn.append``,
``PlanGraph.nodes = ...``, ``StatusBar.info = ...``), so a flood of output
costs a few calls per frame, never one Textual message per line or token.
Lifecycle and error events (session, plan, agent failure) flush at once.

Replaying a stored session feeds its events through :meth:`BusBridge.feed`,
the same path the live bus uses.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from textual.timer import Timer
from textual.widget import Widget

from regoose_tui.app import log_lines
from regoose_tui.app.context import Clock
from regoose_tui.bus.bus import MessageBus
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
from regoose_tui.bus.subscription import Subscription
from regoose_tui.widgets.assistant_message import AssistantTurn
from regoose_tui.widgets.live_log import LiveLog
from regoose_tui.widgets.plan_graph import PlanGraph
from regoose_tui.widgets.status_bar import StatusBar, StatusInfo

#: Seconds between two flushes: 20 Hz is smooth to the eye and cheap.
FLUSH_INTERVAL = 1 / 20
#: Lines of events and output kept per plan node for its detail view.
NODE_HISTORY_LINES = 2_000
#: Bound of the bridge's bus queue; run output past it is merged, never lifecycle events.
QUEUE_SIZE = 8_192

_IMMEDIATE = (SessionStarted, SessionFinished, PlanCreated, PlanFinished, AgentFailed)
#: A pending-log entry that empties the log when flushed (sessions in 'clear' mode).
_CLEAR_LOG = "\0clear"

LogPerSession = Literal["keep", "clear"]


@dataclass(frozen=True)
class BridgeTargets:
    """The widgets one bridge drives."""

    plan: PlanGraph
    log: LiveLog
    status: StatusBar


class BusBridge:
    """Buffers bus events for one view and flushes them in batches on a timer."""

    def __init__(
        self,
        targets: BridgeTargets,
        *,
        clock: Clock,
        project_dir: Path | None = None,
        log_per_session: LogPerSession = "keep",
    ) -> None:
        self._targets = targets
        self._clock = clock
        self._project_dir = project_dir
        self.log_per_session: LogPerSession = log_per_session
        """'clear' empties the log (and its run filter) when a new session starts."""
        self._pending_log: list[tuple[str | None, list[str]]] = []
        self._runs_seen = 0
        self._pending_tokens: dict[str, list[str]] = {}
        self._streams: dict[str, AssistantTurn] = {}
        self._nodes: dict[str, PlanGraph.Node] = {}
        self._plan_dirty = False
        self._status = targets.status.info
        self._status_dirty = False
        self._results: dict[str, str] = {}
        self._started_at: float | None = None
        self._history: dict[str, deque[str]] = {}
        self._run_owner: dict[str, str] = {}
        self._node_started: dict[str, float] = {}
        self._flush_lock = asyncio.Lock()
        self._flush_scheduled = False
        self._subscription: Subscription | None = None
        self._timer: Timer | None = None
        self._host: Widget | None = None
        self.flushes = 0
        """How many flushes wrote something (tests check batching with it)."""
        self.session_id: str | None = None
        """The session of the latest SessionStarted seen."""

    # --- wiring -----------------------------------------------------------------

    def start(self, host: Widget, bus: MessageBus | None = None) -> None:
        """Flush on ``host``'s timer; with ``bus``, subscribe to every event on it."""
        self._host = host
        self._timer = host.set_interval(FLUSH_INTERVAL, self.flush, name="bus-bridge-flush")
        if bus is not None:
            self._subscription = bus.subscribe("#", self.feed, maxsize=QUEUE_SIZE, name="ui-bridge")

    def stop(self) -> None:
        """Stop the timer and leave the bus."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._subscription is not None:
            self._subscription.close()
            self._subscription = None

    async def drain(self) -> None:
        """Wait until every event published so far is handled, then flush it."""
        if self._subscription is not None:
            async with asyncio.timeout(5):
                await self._subscription.join()
        await self.flush()

    def open_stream(self, message_id: str, turn: AssistantTurn) -> None:
        """Route ChatToken events of ``message_id`` into ``turn``."""
        self._streams[message_id] = turn

    def close_stream(self, message_id: str) -> None:
        """Stop routing tokens of ``message_id`` (after a final drain)."""
        self._streams.pop(message_id, None)
        self._pending_tokens.pop(message_id, None)

    # --- state for the view ---------------------------------------------------------

    @property
    def status(self) -> StatusInfo:
        """The figures the status bar shows (or will after the next flush)."""
        return self._status

    @property
    def nodes(self) -> tuple[PlanGraph.Node, ...]:
        """The plan's nodes as last seen."""
        return tuple(self._nodes.values())

    @property
    def running(self) -> bool:
        """True between a SessionStarted and its SessionFinished."""
        return self._started_at is not None

    def node_history(self, node_id: str) -> list[str]:
        """The events and output lines seen for one plan node, oldest first."""
        return list(self._history.get(node_id, ()))

    def set_status(self, **changes: object) -> None:
        """Change status figures from outside the bus (settings, final results)."""
        self._status = replace(self._status, **changes)  # type: ignore[arg-type]
        self._status_dirty = True
        self._flush_soon()

    def settle(self) -> None:
        """End of a replay: the elapsed time stays where the stored events left it."""
        self._started_at = None

    def reset_plan(self) -> None:
        """Forget the plan shown (a new turn starts)."""
        self._nodes = {}
        self._plan_dirty = True

    # --- events in ------------------------------------------------------------------

    def feed(self, event: Event) -> None:
        """Buffer one event; lifecycle and error events ask for an immediate flush."""
        match event:
            case RunOutput():
                self._on_output(event)
            case ChatToken():
                self._pending_tokens.setdefault(event.message_id, []).append(event.delta)
            case PlanNodeStatus():
                self._on_node(event)
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
                self._update_status(elapsed=event.wall_seconds)
                self._log(None, log_lines.session_verdict(event))
            case PlanCreated():
                self._targets.plan.border_subtitle = "running"
                self._nodes = {
                    info.id: PlanGraph.Node(info.id, info.label, deps=info.deps)
                    for info in event.nodes
                }
                self._plan_dirty = True
            case PlanFinished():
                self._targets.plan.border_subtitle = event.status
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
        if isinstance(event, _IMMEDIATE):
            self._flush_soon()

    def feed_all(self, events: Iterable[Event]) -> None:
        """Feed stored events in order (a replay)."""
        for event in events:
            self.feed(event)

    def _on_session_started(self, event: SessionStarted) -> None:
        self.session_id = event.session_id
        self._started_at = self._clock()
        self._results = {}
        self._status = replace(
            self._status,
            provider=event.provider,
            runtime=event.runtime,
            isolated=event.isolated,
            elapsed=0.0,
            passed=0,
            failed=0,
            line_percent=None,
            branch_percent=None,
        )
        self._status_dirty = True
        if self.log_per_session == "clear":
            self._pending_log = [(_CLEAR_LOG, [])]
            self._runs_seen = 0
        self._log(None, log_lines.session_header(event, self._project_dir))

    def _on_node(self, event: PlanNodeStatus) -> None:
        node = self._nodes.get(event.node_id) or PlanGraph.Node(event.node_id, event.node_id)
        if event.status == "running":
            self._node_started[event.node_id] = self._clock() - event.elapsed
        else:
            self._node_started.pop(event.node_id, None)
        self._nodes[event.node_id] = replace(
            node, state=event.status, elapsed=event.elapsed, iteration=max(1, event.iteration)
        )
        self._plan_dirty = True
        detail = f" — {event.detail}" if event.detail else ""
        self._remember(event.node_id, f"[{event.status}] iteration {event.iteration}{detail}")
        if event.status == "failed":
            self._flush_soon()

    def _on_run_started(self, event: RunStarted) -> None:
        running = [node.id for node in self._nodes.values() if node.state == "running"]
        if running:
            self._run_owner[event.run_id] = running[-1]
        self._runs_seen += 1
        label = f"run {self._runs_seen}: {event.label or 'run'}"
        self._targets.log.run_labels[event.run_id] = label
        line = log_lines.run_started(event)
        self._log(event.run_id, line)
        self._remember(self._run_owner.get(event.run_id), line)

    def _on_output(self, event: RunOutput) -> None:
        # Lines are kept raw; stderr without colours of its own goes red.
        lines = log_lines.stderr_lines(event.lines) if event.stream == "stderr" else event.lines
        self._log(event.run_id, *lines)
        owner = self._run_owner.get(event.run_id)
        if owner is not None:
            self._history.setdefault(owner, deque(maxlen=NODE_HISTORY_LINES)).extend(lines)

    def _on_agent(self, event: AgentStarted | AgentProgress | AgentFinished | AgentFailed) -> None:
        node_id = event.node_id or event.agent
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
                text = f"failed: {event.error_type}: {event.error}"
                self._log(None, log_lines.agent_failed(event))
        self._remember(node_id, f"{event.agent}: {text}")

    def _remember(self, node_id: str | None, line: str) -> None:
        if node_id is not None:
            self._history.setdefault(node_id, deque(maxlen=NODE_HISTORY_LINES)).append(line)

    def _log(self, run_id: str | None, *lines: str) -> None:
        if self._pending_log and self._pending_log[-1][0] == run_id:
            self._pending_log[-1][1].extend(lines)
        else:
            self._pending_log.append((run_id, list(lines)))

    def _update_status(self, **changes: object) -> None:
        self._status = replace(self._status, **changes)  # type: ignore[arg-type]
        self._status_dirty = True

    # --- widgets out ----------------------------------------------------------------

    def _flush_soon(self) -> None:
        """Flush on the next turn of the host's message loop (once, however many ask)."""
        if self._host is None or self._flush_scheduled:
            return
        self._flush_scheduled = True
        self._host.call_later(self.flush)

    def _tick_running_nodes(self) -> None:
        """Running boxes show a live elapsed time (tenths), not the last event's."""
        now = self._clock()
        for node_id, since in self._node_started.items():
            node = self._nodes.get(node_id)
            elapsed = round(now - since, 1)
            if node is not None and node.state == "running" and elapsed != node.elapsed:
                self._nodes[node_id] = replace(node, elapsed=elapsed)
                self._plan_dirty = True

    def _keep_running_in_view(self) -> None:
        """Scroll the newest running node into view, unless the user is browsing the graph."""
        plan = self._targets.plan
        if plan.has_focus:
            return
        # The newest running node, else the last one that ran: where the action is.
        active = [n.id for n in self._nodes.values() if n.state == "running"] or [
            n.id for n in self._nodes.values() if n.state != "pending"
        ]
        if active:
            plan.scroll_to_node(active[-1])

    async def flush(self) -> None:
        """Write everything buffered: one call per widget."""
        self._flush_scheduled = False
        async with self._flush_lock:
            wrote = False
            if self._pending_log:
                pending, self._pending_log = self._pending_log, []
                for run_id, lines in pending:
                    if run_id == _CLEAR_LOG:
                        self._targets.log.clear()
                        self._targets.log.clear_filter()
                    else:
                        self._targets.log.write_lines(lines, run_id)
                wrote = True
            if self._node_started and self._started_at is not None:
                self._tick_running_nodes()
            if self._plan_dirty:
                self._plan_dirty = False
                self._targets.plan.nodes = tuple(self._nodes.values())
                self._keep_running_in_view()
                wrote = True
            if self._started_at is not None:
                elapsed = round(self._clock() - self._started_at, 1)
                if elapsed != self._status.elapsed:
                    self._update_status(elapsed=elapsed)
            if self._status_dirty:
                self._status_dirty = False
                self._targets.status.info = self._status
                wrote = True
            if self._pending_tokens:
                tokens, self._pending_tokens = self._pending_tokens, {}
                for message_id, parts in tokens.items():
                    turn = self._streams.get(message_id)
                    if turn is not None and not turn.finished:
                        await turn.append("".join(parts))
                wrote = True
            if wrote:
                self.flushes += 1
