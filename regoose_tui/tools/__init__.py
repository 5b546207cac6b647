"""Tools: filesystem, shell and container operations with pydantic arguments and bus events.

The names below load on first use (PEP 562): importing ``regoose_tui.tools.base``
for its types, as the app does at start, must not load every tool and the
sandbox runner behind them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_HOMES = {
    "Publish": "base",
    "Tool": "base",
    "ToolArgs": "base",
    "ToolFailed": "base",
    "ToolResult": "base",
    "describe_validation_error": "base",
    "FilesystemTool": "filesystem",
    "ToolRegistry": "registry",
    "SandboxTool": "sandbox",
    "ShellTool": "shell",
}

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


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
