"""A whole generation through the real plan, agents, runtime and store.

The provider is the scripted double so the candidate module is exact: one
passing test, one failing test, one that adds no coverage on iteration 2.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from regoose_tui.bus.bus import MessageBus
from regoose_tui.bus.events import Event, TestOutcome
from regoose_tui.engine.generation import GenerationSession
from regoose_tui.engine.options import GenerateOptions
from regoose_tui.engine.outcome import GenerationOutcome
from regoose_tui.errors import FileExistsRefused, PlanError, TargetSyntaxError
from regoose_tui.providers.base import GenerationRequest
from regoose_tui.providers.scripted import ScriptedProvider
from regoose_tui.runtime.local import LocalRuntime
from regoose_tui.store.store import SessionStore

MODULE = """
def sign(n: int) -> str:
    if n > 0:
        return "positive"
    if n < 0:
        return "negative"
    return "zero"
"""

FIRST = """
from calc import sign


def test_sign_positive():
    assert sign(3) == "positive"


def test_sign_wrong_expectation():
    assert sign(-1) == "positive"
"""

SECOND = """
from calc import sign


def test_sign_negative():
    assert sign(-5) == "negative"
"""


def _write(request: GenerationRequest) -> str:
    return FIRST if request.iteration == 1 else SECOND


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "calc.py").write_text(MODULE)
    return root


async def _run(
    options: GenerateOptions, tmp_path: Path
) -> tuple[GenerationOutcome, list[Event], SessionStore]:
    events: list[Event] = []
    bus = MessageBus()
    bus.subscribe("#", events.append)
    store = await SessionStore.open(tmp_path / "db" / "sessions.db")
    session = GenerationSession(
        options, bus=bus, store=store, provider=ScriptedProvider(_write), runtime=LocalRuntime()
    )
    try:
        outcome = await session.run()
    except BaseException:
        await store.close()
        raise
    finally:
        await bus.close()
    return outcome, events, store


async def test_failing_test_is_dropped_and_coverage_grows(project: Path, tmp_path: Path) -> None:
    options = GenerateOptions(target=project / "calc.py", iterations=3, budget_seconds=120)
    outcome, events, store = await _run(options, tmp_path)
    try:
        assert outcome.status == "passed"
        assert outcome.tests == 2 and outcome.passed == 2 and outcome.failed == 0
        written = project / "tests" / "test_calc.py"
        assert outcome.tests_written == (written,)
        text = written.read_text()
        assert "test_sign_positive" in text and "test_sign_negative" in text
        assert "test_sign_wrong_expectation" not in text
        assert any("wrong_expectation" in name for name, _ in outcome.dropped)
        assert outcome.line_percent > 70
        kinds = {e.kind for e in events}
        assert {"plan.created", "agent.started", "agent.finished", "run.output"} <= kinds
        assert {"tool.called", "tool.result"} <= kinds  # the executor writes through a tool
        record = await store.get_session(outcome.session_id)
        assert record.status == "passed" and record.tests == 2
        stored = await store.events(outcome.session_id)
        assert any(e.kind == "session.finished" for e in stored)
        # Live outcomes (the log, the store's events) name tests like the records do:
        # by the written file, from the project root, never the sandbox's copy.
        live = [e for e in events if isinstance(e, TestOutcome)]
        assert live and {e.nodeid.split("::")[0] for e in live} == {"tests/test_calc.py"}
        kept_ids = {r.name for r in outcome.records}
        assert {e.nodeid for e in live if e.outcome == "passed"} <= kept_ids
    finally:
        await store.close()


async def test_syntax_error_fails_the_session_and_writes_nothing(
    project: Path, tmp_path: Path
) -> None:
    (project / "broken.py").write_text("def f(:\n    pass\n")
    options = GenerateOptions(target=project / "broken.py")
    store = await SessionStore.open(tmp_path / "db2" / "sessions.db")
    bus = MessageBus()
    session = GenerationSession(
        options, bus=bus, store=store, provider=ScriptedProvider(_write), runtime=LocalRuntime()
    )
    with pytest.raises(TargetSyntaxError, match=r"broken.py:1: syntax error"):
        await session.run()
    assert not (project / "tests").exists()
    assert session.session_id is not None
    record = await store.get_session(session.session_id)
    assert record.status == "error" and "syntax error" in (record.reason or "")
    await store.close()
    await bus.close()


async def test_existing_user_file_is_not_overwritten(project: Path, tmp_path: Path) -> None:
    mine = project / "tests" / "test_calc.py"
    mine.parent.mkdir()
    mine.write_text("# my own tests\n")
    options = GenerateOptions(target=project / "calc.py")
    with pytest.raises(FileExistsRefused, match="--force"):
        await _run(options, tmp_path)
    assert mine.read_text() == "# my own tests\n"


async def test_a_provider_bug_still_ends_the_session_with_its_reason(
    project: Path, tmp_path: Path
) -> None:
    def broken(request: GenerationRequest) -> str:
        raise RuntimeError("provider exploded")

    store = await SessionStore.open(tmp_path / "db3" / "sessions.db")
    bus = MessageBus()
    session = GenerationSession(
        GenerateOptions(target=project / "calc.py"),
        bus=bus,
        store=store,
        provider=ScriptedProvider(broken),
        runtime=LocalRuntime(),
    )
    with pytest.raises(PlanError, match="provider exploded"):
        await session.run()
    assert session.session_id is not None
    record = await store.get_session(session.session_id)
    assert record.status == "error" and "provider exploded" in (record.reason or "")
    await store.close()
    await bus.close()
