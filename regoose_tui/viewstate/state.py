"""The plain view state the reducer hands out: plan nodes, status figures, log batches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from regoose_tui.bus.events import NodeStatus

#: 'keep' appends every session's log; 'clear' empties the log when a session starts.
LogPerSession = Literal["keep", "clear"]


@dataclass(frozen=True)
class PlanNode:
    """One agent of the plan as the view shows it."""

    id: str
    label: str
    status: NodeStatus = "pending"
    deps: tuple[str, ...] = ()
    """Ids of the nodes this one waits for."""
    elapsed: float = 0.0
    """Seconds spent so far; ticks while the node runs."""
    iteration: int = 1
    """Repair iteration (1 for the first pass)."""
    detail: str | None = None
    """The latest status event's detail, if it had one."""


@dataclass(frozen=True)
class ViewStatus:
    """The figures a status line shows."""

    provider: str = "offline"
    runtime: str = "local"
    isolated: bool = True
    tokens: int | None = None
    cost: float | None = None
    elapsed: float = 0.0
    passed: int = 0
    failed: int = 0
    line_percent: float | None = None
    branch_percent: float | None = None
    running: bool = False
    """True between a SessionStarted and its SessionFinished."""


@dataclass
class LogBatch:
    """Log lines of one run (None: Regoose's own markers) in order, or a clear marker."""

    run_id: str | None
    lines: list[str] = field(default_factory=list)
    clear: bool = False
    """True: empty the log (and its run filter) before the batches after this one."""
