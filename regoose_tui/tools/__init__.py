"""Tools: filesystem, shell and container operations with pydantic arguments and bus events."""

from regoose_tui.tools.base import (
    Publish,
    Tool,
    ToolArgs,
    ToolFailed,
    ToolResult,
    describe_validation_error,
)
from regoose_tui.tools.filesystem import FilesystemTool
from regoose_tui.tools.registry import ToolRegistry
from regoose_tui.tools.sandbox import SandboxTool
from regoose_tui.tools.shell import ShellTool

__all__ = [
    "FilesystemTool",
    "Publish",
    "SandboxTool",
    "ShellTool",
    "Tool",
    "ToolArgs",
    "ToolFailed",
    "ToolRegistry",
    "ToolResult",
    "describe_validation_error",
]
