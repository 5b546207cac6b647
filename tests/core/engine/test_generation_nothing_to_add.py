"""When the project's own tests already cover the target, Regoose adds nothing and says so.

Real plan, agents, local runtime, store and (for the partial case) the real
offline engine: fully covered, no provider is asked and the session passes with
one line; partly covered, only tests that reach what the project's tests miss
are added, and none when no probed call reaches it.
"""

from __future__ import annotations

from pathlib import Path

from regoose_tui.bus.bus import MessageBus
from regoose_tui.engine.generation import GenerationSession
from regoose_tui.engine.options import GenerateOptions
from regoose_tui.engine.outcome import GenerationOutcome
from regoose_tui.providers.base import GenerationRequest, Provider
from regoose_tui.providers.offline import OfflineProvider
from regoose_tui.providers.scripted import ScriptedProvider
from regoose_tui.runtime.local import LocalRuntime
from regoose_tui.store.store import SessionStore

MODULE = """
import os


def sign(n: int) -> str:
    if n > 0:
        return "positive"
    if n < 0:
        return "negative"
    return "zero"


def mode() -> str:
    if os.environ.get("REGOOSE_TEST_NEVER_SET_ANYWHERE"):
        return "special"
    return "plain"
"""

ALL = """
from calc import mode, sign


def test_signs():
    assert [sign(3), sign(-3), sign(0)] == ["positive", "negative", "zero"]


def test_mode():
    assert mode() == "plain"
"""


def _project(tmp_path: Path, tests: str, module: str = MODULE) -> Path:
    root = tmp_path / "proj"
    (root / "tests").mkdir(parents=True)
    (root / "calc.py").write_text(module)
    (root / "tests" / "test_calc.py").write_text(tests)
    (root / "tests" / "test_other.py").write_text("import calc\n\n\ndef test_x():\n    pass\n")
    return root


async def _generate(root: Path, tmp_path: Path, provider: Provider) -> GenerationOutcome:
    bus = MessageBus()
    store = await SessionStore.open(tmp_path / "db" / "sessions.db")
    options = GenerateOptions(
        target=root / "calc.py",
        iterations=2,
        budget_seconds=60,
        out_dir=tmp_path / "out",
        seed=1,
    )
    session = GenerationSession(
        options, bus=bus, store=store, provider=provider, runtime=LocalRuntime()
    )
    try:
        return await session.run()
    finally:
        await bus.close()
        await store.close()


async def test_a_fully_covered_module_gets_nothing_and_one_line(tmp_path: Path) -> None:
    covered = MODULE.replace(
        '    if os.environ.get("REGOOSE_TEST_NEVER_SET_ANYWHERE"):\n        return "special"\n',
        "",
    )
    root = _project(tmp_path, ALL, covered)
    asked: list[GenerationRequest] = []

    def write(request: GenerationRequest) -> str:
        asked.append(request)
        return "def test_never():\n    pass\n"

    outcome = await _generate(root, tmp_path, ScriptedProvider(write))
    assert asked == []  # no provider call at all
    assert outcome.status == "passed" and outcome.tests == 0 and outcome.dropped == ()
    assert outcome.reason == (
        "already fully covered by tests/test_calc.py, tests/test_other.py: nothing to add"
    )
    assert outcome.stopped_by == "complete" and outcome.iterations == 1
    assert outcome.tests_written == () and not (tmp_path / "out").exists()
    delta = outcome.coverage_delta
    assert delta is not None and delta.line_before == delta.line_after == 100.0


async def test_nothing_the_engine_reaches_is_missed_adds_nothing(tmp_path: Path) -> None:
    # Only the environment-dependent line is missed: no call the offline engine makes
    # reaches it, so every test it could write would only repeat the project's.
    root = _project(tmp_path, ALL)
    outcome = await _generate(root, tmp_path, OfflineProvider())
    assert outcome.tests == 0 and outcome.status == "passed", outcome.reason
    assert outcome.reason == (
        "every line and branch the generator reaches is already covered by "
        "tests/test_calc.py, tests/test_other.py: nothing to add"
    )
    delta = outcome.coverage_delta
    assert delta is not None and delta.line_before == delta.line_after < 100.0


async def test_partly_covered_gets_only_tests_of_what_the_project_misses(
    tmp_path: Path,
) -> None:
    root = _project(
        tmp_path,
        "from calc import sign\n\n\ndef test_positive():\n    assert sign(3) == 'positive'\n",
    )
    outcome = await _generate(root, tmp_path, OfflineProvider())
    assert outcome.status == "passed" and outcome.tests > 0
    source = outcome.test_source
    # sign's positive path is the project's; mode() (never run by it) is tested as usual.
    assert "== 'positive'" not in source and '== "positive"' not in source, source
    assert "sign(" in source and "mode()" in source
    delta = outcome.coverage_delta
    assert delta is not None and delta.line_after > delta.line_before
