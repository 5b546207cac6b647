"""ToolRegistry: the tools of a session by name, their schemas, and calls by full name."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from regoose_tui.bus.events import ToolCalled, ToolResulted
from regoose_tui.tools.base import Publish, Tool, ToolResult, event_args

log = logging.getLogger(__name__)

ToolT = TypeVar("ToolT", bound=Tool)

#: Separators accepted between tool and operation: "filesystem.read_file", "filesystem__read_file".
SEPARATORS = (".", "__")


class ToolRegistry:
    """Registered tools, looked up by name and called as ``"tool.operation"``.

    A tool registered without its own ``publish`` uses the registry's, so one
    call wires every tool to the bus.
    """

    def __init__(
        self,
        tools: Iterable[Tool] = (),
        *,
        publish: Publish | None = None,
        session_id: str | None = None,
    ) -> None:
        self.publish = publish
        self.session_id = session_id
        self._tools: dict[str, Tool] = {}
        for tool in tools:
            self.register(tool)

    def register(self, tool: Tool) -> None:
        """Add ``tool``; a second tool with the same name is a programming error."""
        if tool.name in self._tools:
            raise ValueError(f"a tool named '{tool.name}' is already registered")
        if tool.publish is None:
            tool.publish = self.publish
        if tool.session_id is None:
            tool.session_id = self.session_id
        self._tools[tool.name] = tool

    def get(self, name: str) -> Tool:
        """The tool called ``name``; KeyError lists the known names."""
        try:
            return self._tools[name]
        except KeyError:
            raise KeyError(f"no tool named '{name}' (known: {self._known()})") from None

    def typed(self, name: str, kind: type[ToolT]) -> ToolT:
        """The tool called ``name``, checked to be a ``kind`` (for its typed methods)."""
        tool = self.get(name)
        if not isinstance(tool, kind):
            raise TypeError(f"tool '{name}' is a {type(tool).__name__}, not a {kind.__name__}")
        return tool

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __iter__(self) -> Iterator[Tool]:
        return iter(self._tools.values())

    def __len__(self) -> int:
        return len(self._tools)

    @property
    def names(self) -> list[str]:
        """Registered tool names, in registration order."""
        return list(self._tools)

    def json_schemas(self, separator: str = ".") -> list[dict[str, Any]]:
        """Function-calling schemas of every operation of every tool."""
        return [schema for tool in self for schema in tool.json_schemas(separator)]

    @staticmethod
    def split_name(full_name: str) -> tuple[str, str] | None:
        """``("filesystem", "read_file")`` from either separator form, else None."""
        for separator in SEPARATORS:
            tool, found, operation = full_name.partition(separator)
            if found and tool and operation:
                return tool, operation
        return None

    async def execute(self, full_name: str, /, **args: Any) -> ToolResult:
        """Call ``"tool.operation"`` (or ``tool__operation``); failures are returned."""
        parts = self.split_name(full_name)
        if parts is not None and parts[0] in self._tools:
            return await self._tools[parts[0]].execute(parts[1], **args)
        if parts is None:
            result = ToolResult.failure(
                f"'{full_name}' is not a tool call; use tool.operation (known: {self._known()})"
            )
        else:
            result = ToolResult.failure(f"no tool named '{parts[0]}' (known: {self._known()})")
        # Still an event: the UI and the store see every call, even a wrong one.
        tool_name, operation = parts or (full_name, "")
        self._emit(ToolCalled(tool=tool_name, operation=operation, args=event_args(args)))
        self._emit(
            ToolResulted(
                tool=tool_name,
                operation=operation,
                ok=False,
                summary=result.error or "",
                elapsed=0.0,
            )
        )
        return result

    def _known(self) -> str:
        return ", ".join(self._tools) or "none"

    def _emit(self, event: ToolCalled | ToolResulted) -> None:
        if self.publish is None:
            return
        try:
            self.publish(event.model_copy(update={"session_id": self.session_id}))
        except Exception:
            log.exception("tool registry: publishing %s failed", event.kind)
