"""A session's tools over a one-module project, for tests that drive agents for real.

Real runtimes (the local one and bubblewrap), the real interpreter, real files:
what tests/core/agents/ and tests/core/tools/ build before they run an agent or
a tool, and read of the events it announced.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from regoose_tui.agents.base import AgentContext
from regoose_tui.bus.events import Event, ToolCalled, ToolResulted
from regoose_tui.engine.session_tools import session_tools
from regoose_tui.runtime.base import Runtime
from regoose_tui.runtime.bwrap import BwrapRuntime
from regoose_tui.runtime.local import LocalRuntime
from regoose_tui.runtime.python_env import resolve_python
from regoose_tui.tools.registry import ToolRegistry

#: The project's one module: two branches, one test each reaches.
CALC = "def sign(n):\n    if n > 0:\n        return 'positive'\n    return 'other'\n"
#: The runtimes a test runs under, by name (bubblewrap marked: .ci/run installs it).
RUNTIMES = ["local", pytest.param("bwrap", marks=pytest.mark.bwrap)]


def runtime_for(name: str) -> Runtime:
    """The runtime called ``name``; bubblewrap missing fails the test (skips it if allowed)."""
    if name == "local":
        return LocalRuntime()
    available = BwrapRuntime.availability()
    if not available.usable:
        if os.environ.get("REGOOSE_ALLOW_NO_BWRAP") == "1":
            pytest.skip(available.reason)
        pytest.fail(f"bubblewrap is required for this test: {available.reason}", pytrace=False)
    return BwrapRuntime()


def agent_session(
    runtime: Runtime, tmp_path: Path, module: str = CALC
) -> tuple[ToolRegistry, list[Event], Path]:
    """A session's tools over ``project/calc.py`` holding ``module``, every event collected."""
    project, work = tmp_path / "project", tmp_path / "work"
    project.mkdir()
    work.mkdir()
    (project / "calc.py").write_text(module)
    events: list[Event] = []
    tools = session_tools(
        runtime,
        resolve_python(),
        project_dir=project,
        work_dir=work,
        publish=events.append,
        session_id="s1",
    )
    return tools, events, project


def agent_context(events: list[Event], node: str) -> AgentContext:
    """The context of the agent at plan node ``node``, emitting into ``events``."""
    return AgentContext(emit=events.append, session_id="s1", node_id=node)


def tool_calls(events: list[Event]) -> list[str]:
    """``tool.operation`` of every announced tool call, in order."""
    return [f"{e.tool}.{e.operation}" for e in events if isinstance(e, ToolCalled)]


def tool_results(events: list[Event]) -> list[tuple[str, bool]]:
    """``(tool.operation, ok)`` of every announced tool result, in order."""
    return [(f"{e.tool}.{e.operation}", e.ok) for e in events if isinstance(e, ToolResulted)]
