"""A cancel reads as a cancel; a run of existing tests keeps the session's provider shown."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from viewstate_support import ManualClock

from regoose_tui.agents.base import AgentContext, BaseAgent
from regoose_tui.bus.bus import MessageBus
from regoose_tui.bus.events import AgentFailed, Event, SessionStarted
from regoose_tui.engine.test_run import run_tests
from regoose_tui.runtime.local import LocalRuntime
from regoose_tui.runtime.python_env import resolve_python
from regoose_tui.store.store import SessionStore
from regoose_tui.viewstate import LogBatch, ViewReducer

PROJECT = Path("/project")


def _lines(batches: list[LogBatch]) -> list[str]:
    return [line for batch in batches for line in batch.lines]


class _Waits(BaseAgent[None, None]):
    """Works until it is cancelled."""

    name = "generator"

    async def run(self, value: None) -> None:
        await asyncio.Event().wait()


class _Breaks(BaseAgent[None, None]):
    name = "generator"

    async def run(self, value: None) -> None:
        raise ValueError("the provider said no")


async def test_a_cancelled_agent_is_logged_as_cancelled_not_as_an_error(
    clock: ManualClock,
) -> None:
    events: list[Event] = []
    task = asyncio.create_task(
        _Waits(AgentContext(events.append, node_id="generator")).execute(None)
    )
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with pytest.raises(ValueError):
        await _Breaks(AgentContext(events.append, node_id="generator")).execute(None)
    failed = [e for e in events if isinstance(e, AgentFailed)]
    assert failed[0].error == "cancelled" and failed[0].error_type == "CancelledError"

    reducer = ViewReducer(clock=clock, project_dir=PROJECT)
    reducer.apply_all(events)
    lines = _lines(reducer.take_log())
    assert lines[0] == "\x1b[2m⏹ generator cancelled\x1b[0m"
    assert "CancelledError" not in "".join(lines)
    assert lines[1] == "\x1b[31m✗ generator: the provider said no\x1b[0m"
    assert reducer.node_history("generator")[1] == "generator: cancelled"


async def test_the_status_bar_keeps_the_provider_after_a_run(
    tmp_path: Path, clock: ManualClock
) -> None:
    project = tmp_path / "proj"
    (project / "tests").mkdir(parents=True)
    (project / "tests" / "test_ok.py").write_text("def test_ok():\n    assert True\n")
    reducer = ViewReducer(clock=clock, project_dir=project)
    reducer.apply(
        SessionStarted(
            target=str(project / "a.py"),
            project=str(project),
            provider="openai/gpt-4o-mini",
            runtime="local",
            isolated=False,
        )
    )
    bus = MessageBus()

    def fold(event: Event) -> None:
        reducer.apply(event)

    bus.subscribe("#", fold)
    store = await SessionStore.open(tmp_path / "db" / "sessions.db")
    try:
        outcome = await run_tests(
            [project / "tests"],
            project=project,
            runtime=LocalRuntime(),
            python=resolve_python(),
            bus=bus,
            store=store,
        )
    finally:
        await bus.close()  # delivers what is queued to the reducer first
        await store.close()
    assert outcome.status == "passed"
    status = reducer.status
    assert status.provider == "openai/gpt-4o-mini" and status.runtime == "local"
    header = [line for line in _lines(reducer.take_log()) if "━━" in line][-1]
    assert header == "\x1b[1;36m━━ tests · local — NOT ISOLATED\x1b[0m"
    # The run names its test from the project root, as pytest would from there.
    assert [t.nodeid for t in outcome.tests] == ["tests/test_ok.py::test_ok"]
