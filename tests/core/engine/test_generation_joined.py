"""The whole-suite run of a suite joined into the project's file runs that file as written.

Real plan, agents, bwrap sandbox and store; the scripted provider writes an
exact module. The project's test file has a conftest fixture (its tests need
the file where it is) and an autouse fixture that changes what the module
does: a new test that passes on its own fails inside the file, and only a run
of the joined file says so.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from regoose_tui.bus.bus import MessageBus
from regoose_tui.bus.events import Event, RunStarted
from regoose_tui.engine.generation import GenerationSession
from regoose_tui.engine.options import GenerateOptions
from regoose_tui.engine.outcome import GenerationOutcome
from regoose_tui.providers.scripted import ScriptedProvider
from regoose_tui.runtime.base import Runtime
from regoose_tui.runtime.bwrap import BwrapRuntime
from regoose_tui.runtime.local import LocalRuntime
from regoose_tui.store.store import SessionStore

MODULE = """\
FACTOR = 2


def scale(n: int) -> int:
    if n < 0:
        raise ValueError("negative")
    if n > 100:
        return 100 * FACTOR
    return n * FACTOR
"""

CONFTEST = """\
import pytest


@pytest.fixture
def three():
    return 3
"""

HOST = """\
import pytest

import calc


@pytest.fixture(autouse=True)
def triple(monkeypatch):
    monkeypatch.setattr(calc, "FACTOR", 3)


def test_scale(three):
    assert calc.scale(three) == 9
"""

NEW = """\
import pytest

from calc import scale


def test_scale_caps_at_one_hundred():
    assert scale(200) == 200


def test_scale_negative_raises():
    with pytest.raises(ValueError):
        scale(-1)
"""


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "tests").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "calc"\n', encoding="utf-8")
    (root / "calc.py").write_text(MODULE, encoding="utf-8")
    (root / "tests" / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (root / "tests" / "test_calc.py").write_text(HOST, encoding="utf-8")
    return root


async def _generate(
    root: Path, tmp_path: Path, runtime: Runtime
) -> tuple[GenerationOutcome, list[Event]]:
    events: list[Event] = []
    bus = MessageBus()
    bus.subscribe("#", events.append)
    store = await SessionStore.open(tmp_path / "db" / "sessions.db")
    options = GenerateOptions(
        target=root / "calc.py",
        project=root,
        iterations=1,
        budget_seconds=120,
        write_files=False,
        into_existing=True,
    )
    session = GenerationSession(
        options,
        bus=bus,
        store=store,
        provider=ScriptedProvider(lambda request: NEW),
        runtime=runtime,
    )
    try:
        outcome = await session.run()
    finally:
        await bus.close()
        await store.close()
    return outcome, events


def _whole_suite_argv(events: list[Event]) -> tuple[str, ...]:
    (run,) = [e for e in events if isinstance(e, RunStarted) and e.label == "whole suite"]
    return run.argv


async def test_the_final_run_sees_the_joined_file_in_place_of_the_projects(
    tmp_path: Path,
) -> None:
    available = BwrapRuntime.availability()
    if not available.usable:  # CI installs bubblewrap: a missing one is a broken machine
        pytest.fail(f"bubblewrap is required here: {available.reason}", pytrace=False)
    root = _project(tmp_path)
    outcome, events = await _generate(root, tmp_path, BwrapRuntime())
    host = root / "tests" / "test_calc.py"
    assert outcome.proposed_path == host.resolve()
    assert outcome.tests == 2 and outcome.passed == 2  # each passes in a file of its own
    # The whole-suite run ran the project's file (no second file beside it)...
    argv = _whole_suite_argv(events)
    assert not any("regoose_new_" in part for part in argv), argv
    # ...as it will be written: there the project's autouse fixture makes scale(200)
    # 300, so the figure says the joined file does not pass, while the project's own
    # test (with its conftest fixture) still does: a new test failing, none broken.
    delta = outcome.coverage_delta
    assert delta is not None and delta.broken == ()
    assert [name.split("::", 1)[1] for name in delta.new_failing] == [
        "TestCalcAdded::test_scale_caps_at_one_hundred"
    ]
    assert delta.tests == 1 and delta.line_after == 100.0
    assert outcome.status == "failed"
    assert outcome.reason == "1 of the new tests fail in test_calc.py as it will be written"
    assert host.read_text(encoding="utf-8") == HOST  # nothing written (write_files=False)


async def test_a_runtime_that_cannot_overlay_runs_the_new_tests_beside_the_file(
    tmp_path: Path,
) -> None:
    root = _project(tmp_path)
    outcome, events = await _generate(root, tmp_path, LocalRuntime())
    assert any("regoose_new_" in part for part in _whole_suite_argv(events))
    assert outcome.tests == 2 and outcome.status == "passed"
