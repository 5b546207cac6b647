"""Stored records as pydantic models: what the store hands back to callers."""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from regoose_tui.bus.events import SessionStatus, TestOutcome
from regoose_tui.errors import StoreError

SessionKind = Literal["generate", "run", "chat"]
ResultOutcome = Literal["passed", "failed", "error", "skipped", "dropped"]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True)


class SessionRecord(_Record):
    """One row of ``sessions``: a generate, run or chat session and its figures."""

    id: str
    created_at: float
    updated_at: float
    target: str
    project: str
    provider: str
    runtime: str
    isolated: bool = True
    status: SessionStatus
    reason: str | None = None
    line_percent: float | None = None
    branch_percent: float | None = None
    tests: int | None = None
    passed: int | None = None
    failed: int | None = None
    wall_seconds: float | None = None
    pid: int | None = None
    kind: SessionKind = "generate"

    @property
    def finished(self) -> bool:
        """True once the session left the ``running`` state."""
        return self.status != "running"


class MessageRecord(_Record):
    """One chat message of a session, in order."""

    session_id: str
    seq: int
    role: Literal["user", "assistant", "system"]
    text: str
    ts: float


class FileRecord(_Record):
    """A test file Regoose wrote for a session (latest version per path)."""

    session_id: str
    path: str
    sha256: str
    content: str
    tests: int
    written_at: float


class ResultRecord(_Record):
    """The outcome of one test node in a session (latest per node id)."""

    session_id: str
    nodeid: str
    outcome: ResultOutcome
    duration: float = 0.0
    message: str | None = None


_R = TypeVar("_R", bound=BaseModel)


def validated(model: type[_R], data: dict[str, Any]) -> _R:
    """Build a record, turning a bad value into a one-line StoreError."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise StoreError(f"invalid {model.__name__} {where}: {first['msg']}") from None


#: A test result as callers hand it over: a record, a bus event, or a plain
#: ``(nodeid, outcome, duration, message)`` tuple.
ResultInput = ResultRecord | TestOutcome | tuple[str, str, float, str | None]


def to_result_record(session_id: str, item: ResultInput) -> ResultRecord:
    """Normalise one result input into a ResultRecord of ``session_id``."""
    if isinstance(item, ResultRecord):
        return item.model_copy(update={"session_id": session_id})
    if isinstance(item, TestOutcome):
        return ResultRecord(
            session_id=session_id,
            nodeid=item.nodeid,
            outcome=item.outcome,
            duration=item.duration,
            message=item.message,
        )
    nodeid, outcome, duration, message = item
    return validated(
        ResultRecord,
        {"session_id": session_id, "nodeid": nodeid, "outcome": outcome,
         "duration": duration, "message": message},
    )  # fmt: skip
