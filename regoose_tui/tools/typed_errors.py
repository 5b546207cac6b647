"""Carry a RegooseError's class through a ToolResult and raise it again in-process.

A failed tool call is a one-line ``error`` (an LLM reads it and tries again).
In-process callers (agents, the engine) also need the error's class, because
the CLI maps classes to titles and exit codes: the operation puts the class
name in its output and :func:`raise_for` rebuilds the same error from it.
"""

from __future__ import annotations

from typing import Any

from regoose_tui import errors
from regoose_tui.errors import RegooseError, ToolFailed
from regoose_tui.tools.base import ToolResult

#: The output key naming the RegooseError subclass a failed call stands for.
ERROR_TYPE = "error_type"


def error_output(error: RegooseError, **output: Any) -> dict[str, Any]:
    """The output of a failed call: ``output`` plus the class name of ``error``."""
    return {**output, ERROR_TYPE: type(error).__name__}


def failure_from(error: RegooseError, **output: Any) -> ToolResult:
    """A failed ToolResult that keeps ``error``'s message and class."""
    return ToolResult.failure(error.msg, error_output(error, **output))


def error_class(result: ToolResult, default: type[RegooseError] = ToolFailed) -> type[RegooseError]:
    """The RegooseError subclass a failed result names, else ``default``."""
    name = result.output.get(ERROR_TYPE) if isinstance(result.output, dict) else None
    found = getattr(errors, name, None) if isinstance(name, str) else None
    if isinstance(found, type) and issubclass(found, RegooseError):
        return found
    return default


def raise_for(result: ToolResult, default: type[RegooseError] = ToolFailed) -> None:
    """Raise the error a failed result stands for (its class kept); nothing when ok."""
    if result.ok:
        return
    raise error_class(result, default)(result.error or "tool call failed")
