"""ToolRegistry: lookup, schemas of all tools, calls by full name, events."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from regoose_tui.bus.events import Event, ToolCalled, ToolResulted
from regoose_tui.runtime.local import LocalRuntime
from regoose_tui.tools import FilesystemTool, SandboxTool, ShellTool, ToolRegistry


@pytest.fixture
def registry(tmp_path: Path) -> tuple[ToolRegistry, list[Event]]:
    (tmp_path / "work").mkdir()
    events: list[Event] = []
    tools = ToolRegistry(
        [
            FilesystemTool(tmp_path),
            ShellTool(tmp_path),
            SandboxTool(LocalRuntime(), tmp_path, tmp_path / "work"),
        ],
        publish=events.append,
        session_id="sess-1",
    )
    return tools, events


async def test_execute_by_full_name_in_both_forms(
    registry: tuple[ToolRegistry, list[Event]],
) -> None:
    tools, events = registry
    written = await tools.execute("filesystem.write_file", path="a.txt", content="hi")
    assert written.ok
    assert (await tools.execute("filesystem__read_file", path="a.txt")).text() == "hi"
    ran = await tools.execute("container.run", argv=[sys.executable, "-c", "print(6 * 7)"])
    assert ran.data()["stdout"] == "42\n"
    # The registry wired its publisher and session into every tool.
    tool_events = [e for e in events if isinstance(e, ToolCalled | ToolResulted)]
    assert tool_events == events
    kinds = [(type(e).__name__, e.tool, e.operation, e.session_id) for e in tool_events]
    assert kinds == [
        ("ToolCalled", "filesystem", "write_file", "sess-1"),
        ("ToolResulted", "filesystem", "write_file", "sess-1"),
        ("ToolCalled", "filesystem", "read_file", "sess-1"),
        ("ToolResulted", "filesystem", "read_file", "sess-1"),
        ("ToolCalled", "container", "run", "sess-1"),
        ("ToolResulted", "container", "run", "sess-1"),
    ]
    assert isinstance(events[-1], ToolResulted) and events[-1].summary == "exit 0"


async def test_unknown_tool_and_malformed_names_fail_with_events(
    registry: tuple[ToolRegistry, list[Event]],
) -> None:
    tools, events = registry
    unknown = await tools.execute("git.commit", message="x")
    assert unknown.error == "no tool named 'git' (known: filesystem, shell, container)"
    malformed = await tools.execute("read_file", path="a")
    assert malformed.error == (
        "'read_file' is not a tool call; use tool.operation (known: filesystem, shell, container)"
    )
    bad_op = await tools.execute("shell.exec", argv=["ls"])
    assert bad_op.error == "shell has no operation 'exec' (it has: run)"
    assert [type(e) for e in events] == [ToolCalled, ToolResulted] * 3
    assert all(e.session_id == "sess-1" for e in events)
    assert isinstance(events[0], ToolCalled) and events[0].tool == "git"


def test_lookup_and_duplicates(registry: tuple[ToolRegistry, list[Event]], tmp_path: Path) -> None:
    tools, _ = registry
    assert tools.names == ["filesystem", "shell", "container"]
    assert len(tools) == 3 and "shell" in tools and "git" not in tools
    assert isinstance(tools.get("filesystem"), FilesystemTool)
    with pytest.raises(KeyError, match="no tool named 'git'"):
        tools.get("git")
    with pytest.raises(ValueError, match="already registered"):
        tools.register(ShellTool(tmp_path))


def test_a_tool_keeps_its_own_publisher(tmp_path: Path) -> None:
    own: list[Event] = []
    tool = ShellTool(tmp_path, publish=own.append)
    ToolRegistry([tool], publish=lambda e: None)
    assert tool.publish == own.append


def test_schemas_of_every_tool(registry: tuple[ToolRegistry, list[Event]]) -> None:
    tools, _ = registry
    names = [s["function"]["name"] for s in tools.json_schemas()]
    assert names == [
        "filesystem.read_file",
        "filesystem.write_file",
        "filesystem.write_generated",
        "filesystem.list_dir",
        "filesystem.exists",
        "filesystem.glob",
        "shell.run",
        "container.run",
        "container.pytest",
    ]
    by_name = {s["function"]["name"]: s["function"] for s in tools.json_schemas()}
    run = by_name["shell.run"]["parameters"]
    assert run["required"] == ["argv"]
    assert run["properties"]["argv"]["type"] == "array"
    assert run["properties"]["argv"]["items"] == {"type": "string"}
    assert run["properties"]["timeout"]["exclusiveMinimum"] == 0
    write = by_name["filesystem.write_file"]
    assert write["parameters"]["properties"]["overwrite"]["default"] is False
    assert "atomically" in write["description"]
    # OpenAI-safe names on request.
    safe = [s["function"]["name"] for s in tools.json_schemas(separator="__")]
    assert all(name.replace("_", "").isalnum() for name in safe)
