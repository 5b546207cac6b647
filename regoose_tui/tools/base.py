"""The tool pattern: named operations with pydantic arguments, one result type, bus events.

A tool is called as ``await tool.execute("read_file", path="a.py")``. The
arguments are checked by the operation's model; whatever goes wrong (bad
arguments, a refused path, a crash) comes back as ``ToolResult(ok=False,
error=<one line>)`` instead of an exception, because the caller is often an
LLM that must read the error and try again. Only cancellation propagates.
The same models give the JSON schemas for LLM function calling and MCP.
"""

from __future__ import annotations

import abc
import asyncio
import inspect
import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, JsonValue, ValidationError
from pydantic_core import to_jsonable_python

from regoose_tui.bus.events import Event, ToolCalled, ToolResulted
from regoose_tui.errors import RegooseError, ToolFailed

log = logging.getLogger(__name__)

#: Where tool events go (the bus's publish_nowait, or a list's append in tests).
#: Its return value (the bus: how many subscribers got the event) is ignored.
Publish = Callable[[Event], object]

#: How long a string argument may be in a ToolCalled event (file contents are cut).
EVENT_ARG_CHARS = 200

_VALID_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def one_line(text: str) -> str:
    """Collapse whitespace so an error message fits one line."""
    return " ".join(text.split())


class ToolArgs(BaseModel):
    """Base of every operation's arguments: unknown arguments are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ToolResult(BaseModel):
    """What a tool call did: ``ok``, JSON-able ``output``, and a one-line ``error``."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    output: JsonValue = None
    error: str | None = None

    @classmethod
    def success(cls, output: JsonValue = None) -> ToolResult:
        """A successful call with its output."""
        return cls(ok=True, output=output)

    @classmethod
    def failure(cls, error: str, output: JsonValue = None) -> ToolResult:
        """A failed call; ``error`` is squeezed onto one line."""
        return cls(ok=False, output=output, error=one_line(error) or "failed")

    def unwrap(self) -> JsonValue:
        """The output of a successful call; ToolFailed with the error otherwise."""
        if not self.ok:
            raise ToolFailed(self.error or "tool call failed")
        return self.output

    # The accessors below read the output whatever ``ok`` is: a failed shell or
    # sandbox run still carries its exit code and output, and callers read them.

    def data(self) -> dict[str, Any]:
        """The output as a JSON object; TypeError when it is something else.

        Values are ``Any`` because each tool documents its own keys; a caller
        that indexes ``data()["exit_code"]`` states that it expects an object.
        """
        if not isinstance(self.output, dict):
            raise TypeError(f"tool output is {_json_kind(self.output)}, not an object")
        return self.output

    def text(self) -> str:
        """The output as a string; TypeError when it is something else."""
        if not isinstance(self.output, str):
            raise TypeError(f"tool output is {_json_kind(self.output)}, not a string")
        return self.output


def _json_kind(value: JsonValue) -> str:
    """A JSON value's kind in JSON's words, for a one-line error."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def describe_validation_error(exc: ValidationError) -> str:
    """``field: problem; other: problem`` from a pydantic error, on one line."""
    parts = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(part) for part in error["loc"]) or "arguments"
        parts.append(f"{where}: {error['msg']}")
    return one_line("; ".join(parts))


def event_args(args: Mapping[str, Any]) -> dict[str, Any]:
    """Arguments made JSON-able for a ToolCalled event, long strings cut."""

    def shorten(value: Any) -> Any:
        if isinstance(value, str) and len(value) > EVENT_ARG_CHARS:
            return f"{value[:EVENT_ARG_CHARS]}... (+{len(value) - EVENT_ARG_CHARS} chars)"
        if isinstance(value, list):
            return [shorten(v) for v in value]
        if isinstance(value, dict):
            return {str(k): shorten(v) for k, v in value.items()}
        return value

    jsonable = to_jsonable_python(dict(args), fallback=repr)
    return {str(k): shorten(v) for k, v in jsonable.items()}


def _strip_titles(node: Any, in_properties: bool = False) -> Any:
    """Drop pydantic's auto "title" keys (noise to an LLM), never a property named title."""
    if isinstance(node, dict):
        return {
            key: _strip_titles(value, in_properties=key == "properties" and not in_properties)
            for key, value in node.items()
            if in_properties or not (key == "title" and isinstance(value, str))
        }
    if isinstance(node, list):
        return [_strip_titles(item) for item in node]
    return node


class Tool(abc.ABC):
    """A named set of operations, each with a pydantic arguments model.

    Subclasses set ``name``, ``description`` and ``operations`` (operation
    name -> ToolArgs subclass, whose docstring describes the operation) and
    implement ``async def op_<operation>(self, args) -> ToolResult`` for each.
    """

    name: ClassVar[str]
    description: ClassVar[str]
    operations: ClassVar[Mapping[str, type[ToolArgs]]]

    def __init__(self, *, publish: Publish | None = None, session_id: str | None = None) -> None:
        #: Where ToolCalled / ToolResulted go; a ToolRegistry fills it in when unset.
        self.publish = publish
        self.session_id = session_id

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if inspect.isabstract(cls):
            return
        if not _VALID_NAME.match(getattr(cls, "name", "")) or "__" in cls.name:
            raise TypeError(f"{cls.__name__}.name must be a plain identifier, got {cls.name!r}")
        for operation in cls.operations:
            if not callable(getattr(cls, f"op_{operation}", None)):
                raise TypeError(f"{cls.__name__} declares '{operation}' but has no op_{operation}")

    # --- calling ---------------------------------------------------------------

    async def execute(self, operation: str, /, **args: Any) -> ToolResult:
        """Run ``operation`` with ``args``; every failure is returned, never raised."""
        started = time.monotonic()
        self._emit(
            ToolCalled(
                tool=self.name,
                operation=operation,
                args=event_args(args),
                session_id=self.session_id,
            )
        )
        try:
            result = await self._call(operation, args)
        except asyncio.CancelledError:
            self._emit_result(operation, ToolResult.failure("cancelled"), started)
            raise
        self._emit_result(operation, result, started)
        return result

    async def _call(self, operation: str, args: Mapping[str, Any]) -> ToolResult:
        model = self.operations.get(operation)
        if model is None:
            known = ", ".join(self.operations)
            return ToolResult.failure(
                f"{self.name} has no operation '{operation}' (it has: {known})"
            )
        try:
            parsed = model.model_validate(dict(args))
        except ValidationError as exc:
            return ToolResult.failure(
                f"{self.name}.{operation}: bad arguments: {describe_validation_error(exc)}"
            )
        handler = getattr(self, f"op_{operation}")
        try:
            result = await handler(parsed)
        except RegooseError as exc:
            return ToolResult.failure(exc.msg)
        except Exception as exc:
            # A tool bug or an OS error: report it to the caller, do not crash the agent.
            detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            return ToolResult.failure(f"{self.name}.{operation} failed: {detail}")
        if not isinstance(result, ToolResult):
            return ToolResult.failure(f"{self.name}.{operation} returned no ToolResult")
        return result

    # --- schemas ----------------------------------------------------------------

    def json_schemas(self, separator: str = ".") -> list[dict[str, Any]]:
        """One OpenAI function-calling schema per operation, named ``tool<sep>operation``.

        OpenAI itself only accepts ``[A-Za-z0-9_-]`` in function names: pass
        ``separator="__"`` for it (ToolRegistry.execute accepts both forms).
        """
        schemas = []
        for operation, model in self.operations.items():
            parameters = _strip_titles(model.model_json_schema())
            parameters.pop("description", None)
            parameters.setdefault("properties", {})
            description = inspect.getdoc(model) or f"{self.name} {operation}"
            schemas.append(
                {
                    "type": "function",
                    "function": {
                        "name": f"{self.name}{separator}{operation}",
                        "description": one_line(description),
                        "parameters": parameters,
                    },
                }
            )
        return schemas

    # --- events -----------------------------------------------------------------

    def summarize(self, operation: str, result: ToolResult) -> str:
        """One short line about a result, for the ToolResulted event."""
        if not result.ok:
            return result.error or "failed"
        output = result.output
        if isinstance(output, str):
            return f"{len(output)} chars"
        if isinstance(output, list):
            return f"{len(output)} items"
        return "ok"

    def _emit_result(self, operation: str, result: ToolResult, started: float) -> None:
        self._emit(
            ToolResulted(
                tool=self.name,
                operation=operation,
                ok=result.ok,
                summary=self.summarize(operation, result)[:EVENT_ARG_CHARS],
                elapsed=time.monotonic() - started,
                session_id=self.session_id,
            )
        )

    def _emit(self, event: Event) -> None:
        if self.publish is None:
            return
        try:
            self.publish(event)
        except Exception:
            # A broken subscriber must not turn a tool call into an exception.
            log.exception("tool %s: publishing %s failed", self.name, event.kind)
