"""Typed bus events: one pydantic model per kind, one adapter over the union.

Every event has a dotted ``kind`` (its topic) that subscribers match with
wildcards (``agent.*``, ``run.output``, ``*``). The store keeps every event as
JSON and replays a session through ``EVENT_ADAPTER``.

Lifecycle events (started/finished/failed, session, plan) must never be
dropped; ``RunOutput`` carries a batch of log lines and may be coalesced by a
slow subscriber's queue.
"""

from __future__ import annotations

import time
import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

NodeStatus = Literal["pending", "running", "done", "failed", "skipped", "cancelled"]
SessionStatus = Literal["running", "passed", "failed", "error", "interrupted", "cancelled"]
#: What became of one generated test (``dropped``: the validator removed it).
TestOutcomeStatus = Literal["passed", "failed", "error", "skipped", "dropped"]


def _new_id() -> str:
    return uuid.uuid4().hex[:12]


class Event(BaseModel):
    """Base of all bus events."""

    # Schemas are built on an event's first use, not at import: the app and the CLI
    # start without building the ~30 models the session never sends.
    model_config = ConfigDict(frozen=True, defer_build=True)

    kind: str
    id: str = Field(default_factory=_new_id)
    ts: float = Field(default_factory=time.time)
    session_id: str | None = None

    #: Events a slow subscriber may merge or drop; lifecycle events never are.
    coalescable: bool = False

    @property
    def topic(self) -> str:
        """The topic subscribers match against (the event's kind)."""
        return self.kind


# --- session -------------------------------------------------------------


class SessionStarted(Event):
    kind: Literal["session.started"] = "session.started"
    target: str
    project: str
    provider: str
    runtime: str
    isolated: bool = True


class SessionFinished(Event):
    kind: Literal["session.finished"] = "session.finished"
    status: SessionStatus
    reason: str | None = None
    wall_seconds: float = 0.0


# --- plan ----------------------------------------------------------------


class PlanNodeInfo(BaseModel):
    """One node of a plan as the UI and the store see it."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    id: str
    label: str
    deps: tuple[str, ...] = ()


class PlanCreated(Event):
    kind: Literal["plan.created"] = "plan.created"
    plan_id: str
    strategy: Literal["sequential", "graph", "parallel"]
    nodes: tuple[PlanNodeInfo, ...]


class PlanNodeStatus(Event):
    kind: Literal["plan.node"] = "plan.node"
    plan_id: str
    node_id: str
    status: NodeStatus
    elapsed: float = 0.0
    iteration: int = 0
    detail: str | None = None


class PlanFinished(Event):
    kind: Literal["plan.finished"] = "plan.finished"
    plan_id: str
    status: Literal["done", "failed", "cancelled"]
    elapsed: float = 0.0


# --- agents ----------------------------------------------------------------


class AgentStarted(Event):
    kind: Literal["agent.started"] = "agent.started"
    agent: str
    node_id: str | None = None
    iteration: int = 0


class AgentProgress(Event):
    kind: Literal["agent.progress"] = "agent.progress"
    agent: str
    node_id: str | None = None
    iteration: int = 0
    message: str
    elapsed: float = 0.0
    data: dict[str, Any] = Field(default_factory=dict)


class AgentFinished(Event):
    kind: Literal["agent.finished"] = "agent.finished"
    agent: str
    node_id: str | None = None
    iteration: int = 0
    elapsed: float
    summary: str = ""


class AgentFailed(Event):
    kind: Literal["agent.failed"] = "agent.failed"
    agent: str
    node_id: str | None = None
    iteration: int = 0
    elapsed: float
    error: str
    error_type: str = "Exception"


# --- sandbox runs ------------------------------------------------------------


class RunStarted(Event):
    kind: Literal["run.started"] = "run.started"
    run_id: str
    runtime: str
    argv: tuple[str, ...]
    label: str = ""


class RunOutput(Event):
    """A batch of output lines from a sandboxed command (ANSI kept)."""

    kind: Literal["run.output"] = "run.output"
    coalescable: bool = True
    run_id: str
    stream: Literal["stdout", "stderr"] = "stdout"
    lines: tuple[str, ...]


class RunFinished(Event):
    kind: Literal["run.finished"] = "run.finished"
    run_id: str
    exit_code: int | None
    timed_out: bool = False
    wall_seconds: float = 0.0


# --- tests and results --------------------------------------------------------


class TestOutcome(Event):
    __test__ = False  # a bus event, not a pytest test class

    kind: Literal["test.outcome"] = "test.outcome"
    nodeid: str
    outcome: TestOutcomeStatus
    duration: float = 0.0
    message: str | None = None


class CoverageUpdated(Event):
    kind: Literal["coverage.updated"] = "coverage.updated"
    target: str
    line_percent: float
    branch_percent: float
    missing_lines: tuple[int, ...] = ()


class SuiteMeasured(Event):
    """The project's own tests for the target, run under coverage.

    ``stage`` "baseline" is before generation (what the project already
    covers); "final" is the project's tests together with the new file, in
    one run. ``failed`` counts failing or erroring tests of that run.
    """

    kind: Literal["coverage.suite"] = "coverage.suite"
    target: str
    stage: Literal["baseline", "final"]
    line_percent: float
    branch_percent: float
    tests: int = 0
    failed: int = 0
    files: tuple[str, ...] = ()
    note: str = ""


class TestsWritten(Event):
    __test__ = False  # a bus event, not a pytest test class

    kind: Literal["tests.written"] = "tests.written"
    path: str
    tests: int
    passed: int
    failed: int
    content: str = ""


# --- chat and providers ---------------------------------------------------------


class ChatMessage(Event):
    kind: Literal["chat.message"] = "chat.message"
    role: Literal["user", "assistant", "system"]
    text: str


class ChatToken(Event):
    """A fragment of a streamed assistant reply."""

    kind: Literal["chat.token"] = "chat.token"
    coalescable: bool = True
    message_id: str
    delta: str


class ChatMessageStarted(Event):
    """An assistant (or user) message begins; its ChatTokens follow, then ChatMessageFinished."""

    kind: Literal["chat.message.started"] = "chat.message.started"
    message_id: str
    role: Literal["user", "assistant"] = "assistant"


class ChatMessageFinished(Event):
    """A streamed message is complete; ``text`` is the whole of it."""

    kind: Literal["chat.message.finished"] = "chat.message.finished"
    message_id: str
    role: Literal["user", "assistant"] = "assistant"
    text: str
    #: True when the stream stopped early (cancelled, or the provider failed).
    interrupted: bool = False


class ChatNotice(Event):
    """A one-line system notice in the chat (progress, a file written, a user error)."""

    kind: Literal["chat.notice"] = "chat.notice"
    level: Literal["info", "warning", "error"] = "info"
    text: str


class ProposedSuite(Event):
    """A generated test module waiting for the user's accept or reject."""

    kind: Literal["chat.suite.proposed"] = "chat.suite.proposed"
    block_id: str
    path: str
    """Where accept writes it, relative to the project when inside it."""
    code: str
    tests: int
    passed: int
    failed: int
    branch_gain: float = 0.0
    #: The tests join the project's own test file at ``path`` (``code`` shows them alone).
    joins: bool = False


class ChatWorkStarted(Event):
    """A conversation turn starts engine work (a generation or a test run): a new plan."""

    kind: Literal["chat.work.started"] = "chat.work.started"
    action: Literal["generate", "run"]
    target: str


class ChatWorkFinished(Event):
    """The engine work of a turn ended; the figures are the verdict's (None: not measured)."""

    kind: Literal["chat.work.finished"] = "chat.work.finished"
    action: Literal["generate", "run"]
    passed: int | None = None
    failed: int | None = None
    line_percent: float | None = None
    branch_percent: float | None = None


class SettingChanged(Event):
    """The conversation switched the provider or the runtime for the next turns."""

    kind: Literal["chat.setting"] = "chat.setting"
    setting: Literal["provider", "runtime"]
    value: str
    """What the user asked for (``auto``, a model string)."""
    shown: str
    """What it resolved to (``bwrap`` for ``auto``, the provider's name)."""
    isolated: bool | None = None


class ShowSessionsRequested(Event):
    """The user asked to browse past sessions (a face with a screen opens its history)."""

    kind: Literal["chat.sessions"] = "chat.sessions"


class ProviderUsage(Event):
    kind: Literal["provider.usage"] = "provider.usage"
    provider: str
    model: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0


class GenerationVerdicts(Event):
    """Why a generation ended and why each test stayed: what the reports say besides results.

    Published once, just before ``session.finished``; the store keeps it, so a
    report rebuilt from the store says the same as the CLI.
    """

    kind: Literal["generation.verdicts"] = "generation.verdicts"
    stopped_by: str | None = None
    stop_detail: str = ""
    #: (node id, why it was kept) for every test of the final suite.
    kept: list[tuple[str, str]] = Field(default_factory=list)
    #: {test, input, observed, why} of each test kept as a strict xfail.
    suspected_bugs: list[dict[str, str]] = Field(default_factory=list)
    #: One-line notes for the user (a provider error in hybrid, an unknown model cost).
    notes: list[str] = Field(default_factory=list)


class ToolCalled(Event):
    kind: Literal["tool.called"] = "tool.called"
    tool: str
    operation: str
    args: dict[str, Any] = Field(default_factory=dict)


class ToolResulted(Event):
    kind: Literal["tool.result"] = "tool.result"
    tool: str
    operation: str
    ok: bool
    summary: str = ""
    elapsed: float = 0.0


# --- generic request/reply ---------------------------------------------------------


class Request(Event):
    """A question on the bus; a responder answers with a Reply of the same id."""

    kind: str = "request"
    payload: dict[str, Any] = Field(default_factory=dict)


class Reply(Event):
    kind: Literal["reply"] = "reply"
    request_id: str
    payload: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None


AnyEvent = Annotated[
    SessionStarted
    | SessionFinished
    | PlanCreated
    | PlanNodeStatus
    | PlanFinished
    | AgentStarted
    | AgentProgress
    | AgentFinished
    | AgentFailed
    | RunStarted
    | RunOutput
    | RunFinished
    | TestOutcome
    | CoverageUpdated
    | SuiteMeasured
    | TestsWritten
    | ChatMessage
    | ChatToken
    | ChatMessageStarted
    | ChatMessageFinished
    | ChatNotice
    | ProposedSuite
    | ChatWorkStarted
    | ChatWorkFinished
    | SettingChanged
    | ShowSessionsRequested
    | ProviderUsage
    | GenerationVerdicts
    | ToolCalled
    | ToolResulted
    | Reply,
    Field(discriminator="kind"),
]

#: Parses any stored event back into its model (store, replay); built on first use.
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(AnyEvent, config=ConfigDict(defer_build=True))


def event_from_json(data: str | bytes) -> Event:
    """Rebuild a stored event; unknown kinds come back as a plain Event."""
    try:
        return EVENT_ADAPTER.validate_json(data)
    except ValueError:
        return Event.model_validate_json(data)
