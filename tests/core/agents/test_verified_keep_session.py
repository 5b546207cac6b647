"""The offline engine's last verification stands in for the executor's keep session.

Real runs: the engine's verification (synth/verify.py) and the executor's own
keep session, on the same module with the same seed, through the local
runtime and bubblewrap. The stand-in must say what the real session says
(each test's runs, its arcs, the coverage) and is taken only on the same
bytes, rounds and seed.
"""

from __future__ import annotations

import os
import time
from pathlib import Path, PurePosixPath

import pytest

from regoose_tui.agents.base import AgentContext
from regoose_tui.agents.executor import ExecuteInput, ExecutorAgent
from regoose_tui.agents.keep_reuse import rebased, verified_keep_session
from regoose_tui.agents.validator import ValidateInput, ValidatorAgent
from regoose_tui.bus.events import Event, ToolCalled
from regoose_tui.domain.target import resolve_target
from regoose_tui.engine.session_tools import files_of, sandbox_of, session_tools
from regoose_tui.runtime.base import Runtime
from regoose_tui.runtime.bwrap import BwrapRuntime
from regoose_tui.runtime.local import LocalRuntime
from regoose_tui.runtime.pytest_runner import PytestReport
from regoose_tui.runtime.python_env import resolve_python
from regoose_tui.synth.keep_session import VerifiedSuite
from regoose_tui.synth.probe import Prober
from regoose_tui.synth.verify import run_suite
from regoose_tui.tools.registry import ToolRegistry

MODULE = "def sign(n):\n    if n > 0:\n        return 'positive'\n    return 'other'\n"
RUNTIMES = ["local", pytest.param("bwrap", marks=pytest.mark.bwrap)]

SUITE = (
    "from calc import sign\n\n\n"
    "class TestSign:\n"
    "    def test_positive(self):\n        assert sign(1) == 'positive'\n\n"
    "    def test_other(self):\n        assert sign(0) == 'other'\n\n\n"
    "def test_other_again():\n    assert sign(-3) == 'other'\n"
)
SEED = 7


def _runtime(name: str) -> Runtime:
    if name == "local":
        return LocalRuntime()
    available = BwrapRuntime.availability()
    if not available.usable:
        if os.environ.get("REGOOSE_ALLOW_NO_BWRAP") == "1":
            pytest.skip(available.reason)
        pytest.fail(f"bubblewrap is required for this test: {available.reason}", pytrace=False)
    return BwrapRuntime()


def _session(runtime: Runtime, tmp_path: Path) -> tuple[ToolRegistry, list[Event], Path]:
    """A session's tools over a one-module project, every event collected."""
    project, work = tmp_path / "project", tmp_path / "work"
    project.mkdir()
    work.mkdir()
    (project / "calc.py").write_text(MODULE)
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


def _context(events: list[Event], node: str) -> AgentContext:
    return AgentContext(emit=events.append, session_id="s1", node_id=node)


def _calls(events: list[Event]) -> list[str]:
    return [f"{e.tool}.{e.operation}" for e in events if isinstance(e, ToolCalled)]


def _figures(report: PytestReport) -> dict[str, object]:
    """What the validator and the reports read of a keep session, node ids by test name."""
    source = report.source_file
    assert source is not None
    return {
        "tests": sorted((t.nodeid, t.outcome) for t in report.tests),
        "runs": sorted(report.runs.items()),
        "arcs_by_test": report.arcs_by_test,
        "rounds": report.rounds,
        "seed": report.seed,
        "status": report.status,
        "line": report.line_percent,
        "branch": report.branch_percent,
        "missing_lines": source.missing_lines,
        "missing_branches": source.missing_branches,
        "executed_arcs": source.executed_arcs,
        "cov_source": report.cov_source,
    }


@pytest.mark.parametrize("runtime_name", RUNTIMES)
async def test_the_engines_verification_is_the_keep_session_the_executor_would_run(
    runtime_name: str, tmp_path: Path
) -> None:
    tools, events, project = _session(_runtime(runtime_name), tmp_path)
    target = resolve_target(project / "calc.py")
    sandbox = sandbox_of(tools)
    assert sandbox.python is not None
    synth_work = tmp_path / "synth"
    synth_work.mkdir()
    prober = Prober(
        sandbox.runtime,
        target,
        python=str(sandbox.python.executable),
        work_dir=synth_work,
        deadline=time.monotonic() + 120,
    )
    run = await run_suite(
        prober,
        SUITE,
        target_file=str(target.path),
        with_coverage=True,
        wall=120,
        passes=3,
        alone=True,
        seed=SEED,
    )
    assert run.failed == {} and run.keep is not None
    verified = VerifiedSuite(SUITE, run.keep)
    executor = ExecutorAgent(_context(events, "executor"), files_of(tools), sandbox_of(tools))
    events.clear()
    trusted = await executor.execute(
        ExecuteInput(
            target,
            SUITE,
            "test_calc.py",
            PurePosixPath("iteration1", "candidate"),
            rounds=3,
            seed=SEED,
            verified=verified,
        )
    )
    # The module is written (the validator and the reports name it) but not run again.
    assert _calls(events) == ["filesystem.write_file"]
    assert trusted.test_path.read_text() == SUITE
    events.clear()
    real = await executor.execute(
        ExecuteInput(
            target, SUITE, "test_calc.py", PurePosixPath("iteration1", "real"), rounds=3, seed=SEED
        )
    )
    assert _calls(events) == ["filesystem.write_file", "container.pytest"]
    # The same session: every figure the keep rule and the reports read is equal.
    expected = _figures(rebased(real.report, trusted.test_path))
    assert _figures(trusted.report) == expected
    assert dict(trusted.report.runs) == {
        f"{trusted.test_path}::TestSign::test_positive": ("passed",) * 3,
        f"{trusted.test_path}::TestSign::test_other": ("passed",) * 3,
        f"{trusted.test_path}::test_other_again": ("passed",) * 3,
    }
    # Per test: the positive case takes the branch into line 3, never the one to line 4.
    positive = set(trusted.report.arcs_by_test["TestSign::test_positive"])
    assert (2, 3) in positive and (2, 4) not in positive

    # The validator takes it as its keep session: nothing runs, every test is kept.
    events.clear()
    validator = ValidatorAgent(_context(events, "validator"), executor)
    validation = await validator.execute(
        ValidateInput(
            target,
            SUITE,
            trusted,
            None,
            "test_calc.py",
            PurePosixPath("iteration1"),
            seed=SEED,
            greedy=False,
        )
    )
    assert _calls(events) == []
    assert validation.kept is not None and validation.kept.report is trusted.report
    assert validation.kept.tests == (
        "TestSign::test_positive",
        "TestSign::test_other",
        "test_other_again",
    )
    assert (validation.kept.line_percent, validation.kept.branch_percent) == (100.0, 100.0)


async def test_the_verification_is_taken_only_for_the_same_module_rounds_and_seed(
    tmp_path: Path,
) -> None:
    tools, events, project = _session(_runtime("local"), tmp_path)
    target = resolve_target(project / "calc.py")
    sandbox = sandbox_of(tools)
    assert sandbox.python is not None
    prober = Prober(
        sandbox.runtime,
        target,
        python=str(sandbox.python.executable),
        work_dir=tmp_path,
        deadline=time.monotonic() + 120,
    )
    run = await run_suite(
        prober,
        SUITE,
        target_file=str(target.path),
        with_coverage=True,
        wall=120,
        passes=3,
        alone=True,
        seed=SEED,
    )
    assert run.keep is not None
    verified = VerifiedSuite(SUITE, run.keep)
    where = tmp_path / "test_calc.py"
    assert verified_keep_session(verified, SUITE, rounds=3, seed=SEED, test_path=where)
    # Another module (one test more), another seed, other rounds, or no keep session at all.
    assert (
        verified_keep_session(verified, SUITE + "\n", rounds=3, seed=SEED, test_path=where) is None
    )
    assert verified_keep_session(verified, SUITE, rounds=3, seed=SEED + 1, test_path=where) is None
    assert verified_keep_session(verified, SUITE, rounds=1, seed=SEED, test_path=where) is None
    assert verified_keep_session(verified, SUITE, rounds=5, seed=SEED, test_path=where) is None
    assert verified_keep_session(None, SUITE, rounds=3, seed=SEED, test_path=where) is None
    assert verified_keep_session(run.keep, SUITE, rounds=3, seed=SEED, test_path=where) is None
    # The executor then runs the module itself.
    executor = ExecutorAgent(_context(events, "executor"), files_of(tools), sandbox_of(tools))
    events.clear()
    await executor.execute(
        ExecuteInput(
            target,
            SUITE,
            "test_calc.py",
            PurePosixPath("c"),
            rounds=3,
            seed=SEED + 1,
            verified=verified,
        )
    )
    assert _calls(events) == ["filesystem.write_file", "container.pytest"]


async def test_a_verification_with_a_failing_run_or_without_coverage_carries_no_keep_session(
    tmp_path: Path,
) -> None:
    tools, _events, project = _session(_runtime("local"), tmp_path)
    target = resolve_target(project / "calc.py")
    sandbox = sandbox_of(tools)
    assert sandbox.python is not None
    prober = Prober(
        sandbox.runtime,
        target,
        python=str(sandbox.python.executable),
        work_dir=tmp_path,
        deadline=time.monotonic() + 120,
    )
    order_dependent = (
        "from calc import sign\n\nSEEN = []\n\n\n"
        "def test_first():\n    SEEN.append(1)\n    assert sign(1) == 'positive'\n\n\n"
        "def test_needs_first():\n    assert SEEN\n    assert sign(0) == 'other'\n"
    )
    failing = await run_suite(
        prober,
        order_dependent,
        target_file=str(target.path),
        with_coverage=True,
        wall=120,
        passes=3,
        alone=True,
        seed=SEED,
    )
    # Alone, the second test fails: caught, and no keep session to hand on.
    assert failing.failed["test_needs_first"].startswith("fails when run alone")
    assert failing.keep is None
    unmeasured = await run_suite(
        prober,
        SUITE,
        target_file=str(target.path),
        with_coverage=False,
        wall=120,
        passes=3,
        alone=True,
        seed=SEED,
    )
    assert len(unmeasured.passed) == 3 and unmeasured.keep is None
    single = await run_suite(
        prober, SUITE, target_file=str(target.path), with_coverage=True, wall=120, passes=1
    )
    assert len(single.passed) == 3 and single.keep is None
