"""The one bus-to-widget adapter: events in, batched widget updates out (~20 Hz).

The bridge subscribes once to every topic and folds each event into a
headless :class:`~regoose_tui.viewstate.ViewReducer` (plan nodes, status
figures, log batches, node histories, chat tokens). A timer flushes what
changed with one call per widget (``LiveLog.write_lines``,
``AssistantTurn.append``, ``PlanGraph.nodes = ...``, ``StatusBar.info = ...``),
so a flood of output costs a few calls per frame, never one Textual message
per line or token. Lifecycle and error events (session, plan, agent failure)
flush at once.

Replaying a stored session feeds its events through :meth:`BusBridge.feed_all`,
the same reducer the live bus uses.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from textual.timer import Timer
from textual.widget import Widget

from regoose_tui.app.context import Clock
from regoose_tui.bus.bus import MessageBus
from regoose_tui.bus.events import Event
from regoose_tui.bus.subscription import Subscription
from regoose_tui.viewstate import LogPerSession, PlanNode, ViewReducer, ViewStatus
from regoose_tui.widgets.assistant_message import AssistantTurn
from regoose_tui.widgets.live_log import LiveLog
from regoose_tui.widgets.plan_graph import PlanGraph
from regoose_tui.widgets.status_bar import StatusBar, StatusInfo

#: Seconds between two flushes: 20 Hz is smooth to the eye and cheap.
FLUSH_INTERVAL = 1 / 20
#: Bound of the bridge's bus queue; run output past it is merged, never lifecycle events.
QUEUE_SIZE = 8_192

__all__ = ["FLUSH_INTERVAL", "QUEUE_SIZE", "BridgeTargets", "BusBridge", "LogPerSession"]


@dataclass(frozen=True)
class BridgeTargets:
    """The widgets one bridge drives."""

    plan: PlanGraph
    log: LiveLog
    status: StatusBar


class BusBridge:
    """Folds bus events into view state and flushes it to the widgets in batches on a timer."""

    def __init__(
        self,
        targets: BridgeTargets,
        *,
        clock: Clock,
        project_dir: Path | None = None,
        log_per_session: LogPerSession = "keep",
    ) -> None:
        self._targets = targets
        self.reducer = ViewReducer(
            clock=clock,
            project_dir=project_dir,
            log_per_session=log_per_session,
            status=_view_status(targets.status.info),
        )
        """The headless state behind the widgets (replay and tests read it too)."""
        self._streams: dict[str, AssistantTurn] = {}
        self._flush_lock = asyncio.Lock()
        self._flush_scheduled = False
        self._subscription: Subscription | None = None
        self._timer: Timer | None = None
        self._host: Widget | None = None
        self.flushes = 0
        """How many flushes wrote something (tests check batching with it)."""

    @property
    def log_per_session(self) -> LogPerSession:
        """'clear' empties the log (and its run filter) when a new session starts."""
        return self.reducer.log_per_session

    @log_per_session.setter
    def log_per_session(self, value: LogPerSession) -> None:
        self.reducer.log_per_session = value

    @property
    def session_id(self) -> str | None:
        """The session of the latest SessionStarted seen."""
        return self.reducer.session_id

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
        self.reducer.drop_tokens(message_id)

    # --- state for the view ---------------------------------------------------------

    @property
    def status(self) -> StatusInfo:
        """The figures the status bar shows (or will after the next flush)."""
        return _status_info(self.reducer.status)

    @property
    def nodes(self) -> tuple[PlanGraph.Node, ...]:
        """The plan's nodes as last seen."""
        return tuple(_graph_node(node) for node in self.reducer.nodes)

    @property
    def running(self) -> bool:
        """True between a SessionStarted and its SessionFinished."""
        return self.reducer.running

    def node_history(self, node_id: str) -> list[str]:
        """The events and output lines seen for one plan node, oldest first."""
        return self.reducer.node_history(node_id)

    def set_status(self, **changes: object) -> None:
        """Change status figures from outside the bus (settings, final results)."""
        self.reducer.set_status(**changes)
        self._flush_soon()

    def settle(self) -> None:
        """End of a replay: the elapsed time stays where the stored events left it."""
        self.reducer.settle()

    def reset_plan(self) -> None:
        """Forget the plan shown (a new turn starts)."""
        self.reducer.reset_plan()

    # --- events in ------------------------------------------------------------------

    def feed(self, event: Event) -> None:
        """Fold one event; lifecycle and error events ask for an immediate flush."""
        if self.reducer.apply(event):
            self._flush_soon()

    def feed_all(self, events: Iterable[Event]) -> None:
        """Fold stored events in order (a replay)."""
        if self.reducer.apply_all(events):
            self._flush_soon()

    # --- widgets out ----------------------------------------------------------------

    def _flush_soon(self) -> None:
        """Flush on the next turn of the host's message loop (once, however many ask)."""
        if self._host is None or self._flush_scheduled:
            return
        self._flush_scheduled = True
        self._host.call_later(self.flush)

    def _keep_running_in_view(self, nodes: tuple[PlanNode, ...]) -> None:
        """Scroll the newest running node into view, unless the user is browsing the graph."""
        plan = self._targets.plan
        if plan.has_focus:
            return
        # The newest running node, else the last one that ran: where the action is.
        active = [n.id for n in nodes if n.status == "running"] or [
            n.id for n in nodes if n.status != "pending"
        ]
        if active:
            plan.scroll_to_node(active[-1])

    async def flush(self) -> None:
        """Write everything that changed since the last flush: one call per widget."""
        self._flush_scheduled = False
        async with self._flush_lock:
            reducer, targets = self.reducer, self._targets
            wrote = False
            reducer.tick()
            labels = reducer.take_run_labels()
            if labels:
                targets.log.run_labels.update(labels)
            batches = reducer.take_log()
            for batch in batches:
                if batch.clear:
                    targets.log.clear()
                    targets.log.clear_filter()
                else:
                    targets.log.write_lines(batch.lines, batch.run_id)
            wrote = bool(batches)
            plan_label = reducer.take_plan_label()
            if plan_label is not None:
                targets.plan.border_subtitle = plan_label
            nodes = reducer.take_nodes()
            if nodes is not None:
                targets.plan.nodes = tuple(_graph_node(node) for node in nodes)
                self._keep_running_in_view(nodes)
                wrote = True
            status = reducer.take_status()
            if status is not None:
                targets.status.info = _status_info(status)
                wrote = True
            tokens = reducer.take_tokens()
            for message_id, text in tokens.items():
                turn = self._streams.get(message_id)
                if turn is not None and not turn.finished:
                    await turn.append(text)
            if wrote or tokens:
                self.flushes += 1


def _graph_node(node: PlanNode) -> PlanGraph.Node:
    """A reducer node as the plan graph draws it (the detail goes to the node's history)."""
    return PlanGraph.Node(
        node.id,
        node.label,
        state=node.status,
        deps=node.deps,
        elapsed=node.elapsed,
        iteration=node.iteration,
    )


def _status_info(status: ViewStatus) -> StatusInfo:
    """The reducer's figures as the status bar takes them (it shows no 'running')."""
    return StatusInfo(
        provider=status.provider,
        runtime=status.runtime,
        isolated=status.isolated,
        tokens=status.tokens,
        cost=status.cost,
        elapsed=status.elapsed,
        passed=status.passed,
        failed=status.failed,
        line_percent=status.line_percent,
        branch_percent=status.branch_percent,
    )


def _view_status(info: StatusInfo) -> ViewStatus:
    """What the status bar shows now, as the reducer's starting figures."""
    return ViewStatus(
        provider=info.provider,
        runtime=info.runtime,
        isolated=info.isolated,
        tokens=info.tokens,
        cost=info.cost,
        elapsed=info.elapsed,
        passed=info.passed,
        failed=info.failed,
        line_percent=info.line_percent,
        branch_percent=info.branch_percent,
    )
