"""The project's own tests first: baseline, aim, and one final run beside the new file.

Real plan, agents, local runtime and store; the scripted provider writes an
exact module and records what it was asked, so the baseline it got is seen.
"""

from __future__ import annotations

from pathlib import Path

from regoose_tui.bus.bus import MessageBus
from regoose_tui.bus.events import Event, SuiteMeasured
from regoose_tui.engine.generation import GenerationSession
from regoose_tui.engine.options import GenerateOptions
from regoose_tui.engine.outcome import GenerationOutcome
from regoose_tui.providers.base import GenerationRequest
from regoose_tui.providers.scripted import ScriptedProvider
from regoose_tui.reports import render_json, report_from_store
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

PROJECT_TESTS = """
from calc import sign


def test_positive():
    assert sign(3) == "positive"


def test_already_broken():
    assert sign(0) == "positive"
"""

NEW = """
from calc import sign


def test_sign_negative():
    assert sign(-5) == "negative"
"""


async def _generate(
    root: Path, tmp_path: Path, answer: str = NEW
) -> tuple[GenerationOutcome, list, list[Event]]:
    asked: list[GenerationRequest] = []

    def write(request: GenerationRequest) -> str:
        asked.append(request)
        return answer

    events: list[Event] = []
    bus = MessageBus()
    bus.subscribe("#", events.append)
    store = await SessionStore.open(tmp_path / "db" / "sessions.db")
    options = GenerateOptions(
        target=root / "calc.py", iterations=1, budget_seconds=120, out_dir=tmp_path / "out"
    )
    session = GenerationSession(
        options, bus=bus, store=store, provider=ScriptedProvider(write), runtime=LocalRuntime()
    )
    try:
        outcome = await session.run()
        report = render_json(await report_from_store(store, outcome.session_id))
    finally:
        await bus.close()
        await store.close()
    return outcome, [asked, report], events


async def test_the_project_tests_set_the_baseline_and_the_final_run_the_delta(
    tmp_path: Path,
) -> None:
    root = tmp_path / "proj"
    (root / "tests").mkdir(parents=True)
    (root / "calc.py").write_text(MODULE)
    (root / "tests" / "test_sign.py").write_text(PROJECT_TESTS)
    outcome, (asked, report), events = await _generate(root, tmp_path)

    # The failing project test is said once and does not stop the session.
    assert outcome.status == "passed" and outcome.tests == 1
    measured = [e for e in events if isinstance(e, SuiteMeasured)]
    assert [(e.stage, e.tests, e.failed) for e in measured] == [("baseline", 2, 1), ("final", 3, 1)]
    # The provider was told what the project's tests miss: the negative path
    # (sign(3) and the failing sign(0) run the rest).
    baseline = asked[0].baseline
    assert baseline is not None and (3, 4) in baseline.covered_arcs
    assert baseline.missing_lines == (6,) and baseline.missing_branches == ((5, 6),)
    delta = outcome.coverage_delta
    assert delta is not None and delta.failing_before == 1 and delta.broken == ()
    assert delta.line_before == measured[0].line_percent
    # The final figure is the project's tests and the new file in one run.
    assert outcome.line_percent == delta.line_after == measured[1].line_percent
    assert delta.line_after > delta.line_before
    data = outcome.as_json()["baseline"]
    assert data["tests"] == 2 and data["failing_before"] == 1
    assert data["line_delta"] == round(delta.line_after - delta.line_before, 1)
    assert '"project_tests": 2' in report and '"failing_before": 1' in report
    assert f'"line_before": {delta.line_before}' in report


async def test_a_module_no_project_test_imports_has_a_zero_baseline(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    (root / "tests").mkdir(parents=True)
    (root / "calc.py").write_text(MODULE)
    (root / "tests" / "test_unrelated.py").write_text("def test_x():\n    assert True\n")
    outcome, (asked, _report), events = await _generate(root, tmp_path)
    assert asked[0].baseline is None
    measured = [e for e in events if isinstance(e, SuiteMeasured)]
    assert [(e.stage, e.tests) for e in measured] == [("baseline", 0)]
    delta = outcome.coverage_delta
    assert delta is not None and delta.files == () and delta.line_before == 0.0
    assert delta.line_after == outcome.line_percent > 0


async def test_a_new_file_that_breaks_a_project_test_fails_the_session(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    (root / "tests").mkdir(parents=True)
    # half() is left to the generator (a module the project covers fully gets nothing).
    (root / "calc.py").write_text(
        "FACTOR = 2\n\n\ndef double(n):\n    return n * FACTOR\n\n\ndef half(n):\n    return n / 2\n"
    )
    (root / "tests" / "test_double.py").write_text(
        "from calc import double\n\n\ndef test_double():\n    assert double(2) == 4\n"
    )
    # Import-time state: it passes alone, and breaks the project's test when collected with it.
    # It runs half() too: a test of only what the project's tests run would not be kept.
    new = (
        "import calc\n\ncalc.FACTOR = 3\n\n\n"
        "def test_triple():\n    assert calc.double(1) == 3\n    assert calc.half(4) == 2\n"
    )
    events: list[Event] = []
    bus = MessageBus()
    bus.subscribe("#", events.append)
    store = await SessionStore.open(tmp_path / "db" / "sessions.db")
    options = GenerateOptions(
        target=root / "calc.py", iterations=1, budget_seconds=120, out_dir=tmp_path / "out"
    )
    session = GenerationSession(
        options,
        bus=bus,
        store=store,
        provider=ScriptedProvider(lambda _request: new),
        runtime=LocalRuntime(),
    )
    try:
        outcome = await session.run()
    finally:
        await bus.close()
        await store.close()
    delta = outcome.coverage_delta
    assert delta is not None and delta.failing_before == 0
    assert [name.rsplit("::", 1)[-1] for name in delta.broken] == ["test_double"]
    assert outcome.status == "failed"
    assert outcome.reason == "1 of the project's tests fail beside the new file"


async def test_a_model_test_of_what_the_project_tests_cover_is_dropped_one_of_missed_code_kept(
    tmp_path: Path,
) -> None:
    """The keep rule counts only arcs the project's own tests miss, as the offline engine does."""
    root = tmp_path / "proj"
    (root / "tests").mkdir(parents=True)
    (root / "calc.py").write_text(MODULE)
    # The project's tests run the positive and the zero paths; the negative one is missed.
    (root / "tests" / "test_sign.py").write_text(
        "from calc import sign\n\n\n"
        "def test_positive():\n    assert sign(3) == 'positive'\n\n\n"
        "def test_zero():\n    assert sign(0) == 'zero'\n"
    )
    answer = (
        "from calc import sign\n\n\n"
        "def test_sign_positive_again():\n    assert sign(7) == 'positive'\n\n\n"
        "def test_sign_negative():\n    assert sign(-5) == 'negative'\n"
    )
    outcome, _, _events = await _generate(root, tmp_path, answer)
    assert outcome.status == "passed" and outcome.tests == 1
    dropped = {nodeid.rsplit("::", 1)[-1]: why for nodeid, why in outcome.dropped}
    assert dropped["test_sign_positive_again"].startswith(
        "adds nothing the project's tests don't cover"
    )
    assert "test_sign_negative" not in dropped
    (written,) = outcome.tests_written
    assert "def test_sign_negative" in written.read_text()
    assert "test_sign_positive_again" not in written.read_text()
