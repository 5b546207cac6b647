"""The offline engine's last verification stands in for the executor's keep session.

Real runs: the engine's verification (synth/verify.py) and the executor's own
keep session, on the same module with the same seed, through the local
runtime and bubblewrap. The stand-in must say what the real session says
(each test's runs, its arcs, the coverage) and is taken only on the same
bytes, rounds and seed.
"""

from __future__ import annotations

import time
from pathlib import Path, PurePosixPath

import pytest
from support.agent_sessions import RUNTIMES, agent_context, agent_session, runtime_for, tool_calls

from regoose_tui.agents.executor import ExecuteInput, ExecutorAgent
from regoose_tui.agents.keep_reuse import rebased, verified_keep_session
from regoose_tui.agents.validator import ValidateInput, ValidatorAgent
from regoose_tui.domain.target import TargetModule, resolve_target
from regoose_tui.engine.session_tools import files_of, sandbox_of
from regoose_tui.runtime.pytest_runner import PytestReport
from regoose_tui.synth.keep_session import VerifiedSuite
from regoose_tui.synth.probe import Prober
from regoose_tui.synth.verify import SuiteRun, run_suite
from regoose_tui.tools.registry import ToolRegistry

SUITE = (
    "from calc import sign\n\n\n"
    "class TestSign:\n"
    "    def test_positive(self):\n        assert sign(1) == 'positive'\n\n"
    "    def test_other(self):\n        assert sign(0) == 'other'\n\n\n"
    "def test_other_again():\n    assert sign(-3) == 'other'\n"
)
SEED = 7


def _prober(tools: ToolRegistry, target: TargetModule, work_dir: Path) -> Prober:
    """The engine's prober over the session's sandbox, as synthesis would make it."""
    sandbox = sandbox_of(tools)
    assert sandbox.python is not None
    return Prober(
        sandbox.runtime,
        target,
        python=str(sandbox.python.executable),
        work_dir=work_dir,
        deadline=time.monotonic() + 120,
    )


async def _verify(
    prober: Prober,
    target: TargetModule,
    source: str = SUITE,
    *,
    with_coverage: bool = True,
    passes: int = 3,
    alone: bool = True,
    seed: int = SEED,
) -> SuiteRun:
    """The engine's last verification of ``source``: three shuffled passes and each alone."""
    return await run_suite(
        prober,
        source,
        target_file=str(target.path),
        with_coverage=with_coverage,
        wall=120,
        passes=passes,
        alone=alone,
        seed=seed,
    )


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
    tools, events, project = agent_session(runtime_for(runtime_name), tmp_path)
    target = resolve_target(project / "calc.py")
    synth_work = tmp_path / "synth"
    synth_work.mkdir()
    run = await _verify(_prober(tools, target, synth_work), target)
    assert run.failed == {} and run.keep is not None
    verified = VerifiedSuite(SUITE, run.keep)
    executor = ExecutorAgent(agent_context(events, "executor"), files_of(tools), sandbox_of(tools))
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
    assert tool_calls(events) == ["filesystem.write_file"]
    assert trusted.test_path.read_text() == SUITE
    events.clear()
    real = await executor.execute(
        ExecuteInput(
            target, SUITE, "test_calc.py", PurePosixPath("iteration1", "real"), rounds=3, seed=SEED
        )
    )
    assert tool_calls(events) == ["filesystem.write_file", "container.pytest"]
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
    validator = ValidatorAgent(agent_context(events, "validator"), executor)
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
    assert tool_calls(events) == []
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
    tools, events, project = agent_session(runtime_for("local"), tmp_path)
    target = resolve_target(project / "calc.py")
    run = await _verify(_prober(tools, target, tmp_path), target)
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
    executor = ExecutorAgent(agent_context(events, "executor"), files_of(tools), sandbox_of(tools))
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
    assert tool_calls(events) == ["filesystem.write_file", "container.pytest"]


async def test_a_verification_with_a_failing_run_or_without_coverage_carries_no_keep_session(
    tmp_path: Path,
) -> None:
    tools, _events, project = agent_session(runtime_for("local"), tmp_path)
    target = resolve_target(project / "calc.py")
    prober = _prober(tools, target, tmp_path)
    order_dependent = (
        "from calc import sign\n\nSEEN = []\n\n\n"
        "def test_first():\n    SEEN.append(1)\n    assert sign(1) == 'positive'\n\n\n"
        "def test_needs_first():\n    assert SEEN\n    assert sign(0) == 'other'\n"
    )
    failing = await _verify(prober, target, order_dependent)
    # Alone, the second test fails: caught, and no keep session to hand on.
    assert failing.failed["test_needs_first"].startswith("fails when run alone")
    assert failing.keep is None
    unmeasured = await _verify(prober, target, with_coverage=False)
    assert len(unmeasured.passed) == 3 and unmeasured.keep is None
    single = await _verify(prober, target, passes=1, alone=False, seed=0)
    assert len(single.passed) == 3 and single.keep is None
