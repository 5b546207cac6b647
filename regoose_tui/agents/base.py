"""BaseAgent: one step of a generation, with status events and timings.

An agent does one job (`run`) on a typed input and returns a typed output.
`execute` wraps it: it publishes AgentStarted, AgentFinished (or AgentFailed)
with the elapsed time, and gives the agent `progress()` for AgentProgress
events, so the UI graph and the store see every agent the same way.
"""

from __future__ import annotations

import abc
import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from regoose_tui.bus.events import (
    AgentFailed,
    AgentFinished,
    AgentProgress,
    AgentStarted,
    Event,
)

InputT = TypeVar("InputT")
OutputT = TypeVar("OutputT")

#: Where agents send their events (the bus's publish_nowait, or a list's append in tests).
Emit = Callable[[Event], None]


@dataclass
class AgentContext:
    """What every agent of one session shares: where events go and who they belong to."""

    emit: Emit
    session_id: str | None = None
    iteration: int = 1
    node_id: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)


class BaseAgent(abc.ABC, Generic[InputT, OutputT]):
    """An agent of the plan: `await agent.execute(input)` runs it with events."""

    #: Short name shown in the plan graph and the events.
    name: ClassVar[str] = "agent"
    #: What this agent can do, for the plan and for help texts.
    capabilities: ClassVar[tuple[str, ...]] = ()

    def __init__(self, context: AgentContext) -> None:
        self.context = context
        self._started = 0.0

    def progress(self, message: str, **data: Any) -> None:
        """Publish one progress sentence (with optional structured data)."""
        self.context.emit(
            AgentProgress(
                agent=self.name,
                node_id=self.context.node_id,
                iteration=self.context.iteration,
                session_id=self.context.session_id,
                message=message,
                elapsed=time.monotonic() - self._started if self._started else 0.0,
                data=data,
            )
        )

    async def execute(self, value: InputT) -> OutputT:
        """Run the agent, publishing started/finished/failed with timings."""
        ctx = self.context
        self._started = time.monotonic()
        ctx.emit(
            AgentStarted(
                agent=self.name,
                node_id=ctx.node_id,
                iteration=ctx.iteration,
                session_id=ctx.session_id,
            )
        )
        try:
            result = await self.run(value)
        except BaseException as exc:
            ctx.emit(
                AgentFailed(
                    agent=self.name,
                    node_id=ctx.node_id,
                    iteration=ctx.iteration,
                    session_id=ctx.session_id,
                    elapsed=time.monotonic() - self._started,
                    error=_failure_text(exc),
                    error_type=type(exc).__name__,
                )
            )
            raise
        ctx.emit(
            AgentFinished(
                agent=self.name,
                node_id=ctx.node_id,
                iteration=ctx.iteration,
                session_id=ctx.session_id,
                elapsed=time.monotonic() - self._started,
                summary=self.summarize(result),
            )
        )
        return result

    def summarize(self, result: OutputT) -> str:
        """One line describing the result, for the finished event."""
        return ""

    @abc.abstractmethod
    async def run(self, value: InputT) -> OutputT:
        """Do the agent's one job."""


def _failure_text(exc: BaseException) -> str:
    """What stopped the agent, in words: a cancel is a cancel, not an error."""
    if isinstance(exc, asyncio.CancelledError):
        return "cancelled"
    return str(exc) or type(exc).__name__
