"""The keep rule's one session: every test 3 times, seeded random order, per-test arcs.

Real pytest runs through run_pytest (the local runtime and bubblewrap) with
Regoose's plugin staged read-only, and the pure folding of what they report.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from sandbox_helpers import SIGN, runtime_named

from regoose_tui.runtime.base import Runtime
from regoose_tui.runtime.keep_runs import fold_runs, is_flaky, name_key, split_round
from regoose_tui.runtime.keep_staging import PLUGIN_MODULE, keep_plugin_dir, plugin_source
from regoose_tui.runtime.local import LocalRuntime
from regoose_tui.runtime.pytest_results import TestCaseResult
from regoose_tui.runtime.pytest_runner import PytestReport, run_pytest
from regoose_tui.runtime.python_env import PythonEnv

TESTS = textwrap.dedent(
    """\
    import pytest
    from calc import sign

    calls = []


    def test_positive():
        assert sign(3) == 1


    def test_negative():
        assert sign(-3) == -1


    @pytest.mark.parametrize("x", [0, 0.0])
    def test_zero(x):
        assert sign(x) == 0


    def test_second_call_fails():
        calls.append(1)
        assert len(calls) != 2, "second call fails"


    def test_wrong():
        assert sign(-3) == 1


    def test_positive_again():
        assert sign(5) == 1
    """
)


@pytest.fixture
def project(dirs: tuple[Path, Path]) -> tuple[Path, Path]:
    project_dir, work_dir = dirs
    (project_dir / "calc.py").write_text(SIGN)
    (work_dir / "test_calc.py").write_text(TESTS)
    return project_dir, work_dir


async def _run(
    runtime: Runtime, python: PythonEnv, project: tuple[Path, Path], seed: int, *extra: str
) -> PytestReport:
    project_dir, work_dir = project
    return await run_pytest(
        runtime,
        python,
        project_dir=project_dir,
        work_dir=work_dir,
        test_paths=[Path("test_calc.py")],
        cov_source=project_dir / "calc.py",
        rounds=3,
        seed=seed,
        extra_args=extra,
        autoload_plugins=False,
    )


def _by_name(report: PytestReport) -> dict[str, TestCaseResult]:
    return {case.nodeid.split("::", 1)[1]: case for case in report.tests}


@pytest.mark.parametrize("name", ["local", "bwrap"])
async def test_three_runs_in_one_session_tell_flaky_from_failing(
    name: str, project: tuple[Path, Path], python: PythonEnv
) -> None:
    report = await _run(runtime_named(name), python, project, seed=7)
    cases = _by_name(report)
    # One folded result per real test (parameters kept, the run number gone).
    assert sorted(cases) == [
        "test_negative",
        "test_positive",
        "test_positive_again",
        "test_second_call_fails",
        "test_wrong",
        "test_zero[0.0]",
        "test_zero[0]",
    ]
    assert report.rounds == 3 and all(len(runs) == 3 for runs in report.runs.values())
    flaky = cases["test_second_call_fails"]
    assert flaky.outcome == "failed"
    assert flaky.message.startswith("flaky: failed 1 of 3 runs in random order: ")
    assert "second call fails" in flaky.message
    wrong = cases["test_wrong"]
    assert wrong.outcome == "failed" and wrong.message.startswith("assert -1 == 1")
    assert cases["test_positive"].outcome == "passed"
    # Which arcs of calc.py each test reached (coverage.py contexts, one per test).
    arcs = report.arcs_by_test
    # (a test that never calls into calc.py reached nothing there, so it has no entry)
    reached = {name_key(case.nodeid) for case in report.tests} - {"test_second_call_fails"}
    assert set(arcs) == reached
    assert (2, 3) in arcs["test_positive"] and (2, 4) not in arcs["test_positive"]
    assert (4, 5) in arcs["test_negative"] and (4, 6) in arcs["test_zero"]
    assert arcs["test_positive_again"] == arcs["test_positive"]
    assert report.line_percent == 100.0


async def test_the_same_seed_gives_the_same_order_and_another_seed_another(
    project: tuple[Path, Path], python: PythonEnv
) -> None:
    def order(report: PytestReport) -> list[str]:
        text = re.sub(r"\x1b\[[0-9;]*m", "", report.output_tail)
        return re.findall(r"::(\w+(?:\[[^\]]*\])?) (?:PASSED|FAILED)", text)

    runtime = LocalRuntime()
    first = order(await _run(runtime, python, project, 1, "-vv"))
    again = order(await _run(runtime, python, project, 1, "-vv"))
    other = order(await _run(runtime, python, project, 2, "-vv"))
    assert len(first) == 21 and first == again and first != other
    rounds = [split_round(n)[1] for n in first]
    assert rounds == [1] * 7 + [2] * 7 + [3] * 7  # round by round
    names = [[split_round(n)[0] for n in first[i : i + 7]] for i in (0, 7, 14)]
    assert sorted(names[0]) == sorted(names[1]) == sorted(names[2])
    assert len({tuple(n) for n in names}) > 1  # each round in its own order


LATER_RUNS_ELSEWHERE = textwrap.dedent(
    """\
    from calc import sign

    seen = []


    def test_first_run_positive_later_runs_negative():
        seen.append(1)
        assert sign(3 if len(seen) == 1 else -3) in (1, -1)
    """
)


async def test_only_the_first_round_is_measured_the_later_ones_run_untraced(
    project: tuple[Path, Path], python: PythonEnv
) -> None:
    (project[1] / "test_calc.py").write_text(LATER_RUNS_ELSEWHERE)
    report = await _run(LocalRuntime(), python, project, seed=3)
    assert list(report.runs.values()) == [("passed",) * 3]
    arcs = report.arcs_by_test["test_first_run_positive_later_runs_negative"]
    # Round 1 took the positive branch; rounds 2 and 3 (negative) were not traced.
    assert (2, 3) in arcs and (4, 5) not in arcs
    assert report.coverage is not None and 5 in report.missing_lines


def test_the_plugin_is_staged_once_read_only_beside_nothing_else() -> None:
    folder = keep_plugin_dir()
    assert [p.name for p in folder.iterdir()] == [f"{PLUGIN_MODULE}.py"]
    # Readable (not writable) by a container's sandbox user, which is not this uid.
    assert folder.stat().st_mode & 0o777 == 0o755
    assert (folder / f"{PLUGIN_MODULE}.py").stat().st_mode & 0o777 == 0o644
    assert (folder / f"{PLUGIN_MODULE}.py").read_text() == plugin_source()
    assert keep_plugin_dir() == folder
    assert "import regoose" not in plugin_source()  # it runs in the user's interpreter


def _case(nodeid: str, outcome: str, message: str = "") -> TestCaseResult:
    return TestCaseResult(nodeid, "m", nodeid.split("::")[-1], outcome, 0.5, message)  # type: ignore[arg-type]  # outcome is one of the Literal values


def test_fold_runs_merges_rounds_and_keeps_first_failure() -> None:
    folded, runs = fold_runs(
        [
            _case("t.py::test_a[regoose-run1]", "passed"),
            _case("t.py::test_b[2-regoose-run1]", "failed", "boom"),
            _case("t.py::test_a[regoose-run2]", "failed", "late"),
            _case("t.py::test_b[2-regoose-run2]", "failed", "boom"),
            _case("t.py::test_a[regoose-run3]", "passed"),
            _case("t.py::test_b[2-regoose-run3]", "failed", "boom"),
        ]
    )
    assert [c.nodeid for c in folded] == ["t.py::test_a", "t.py::test_b[2]"]
    assert runs == {
        "t.py::test_a": ("passed", "failed", "passed"),
        "t.py::test_b[2]": ("failed", "failed", "failed"),
    }
    assert folded[0].message == "flaky: failed 1 of 3 runs in random order: late"
    assert folded[1].message == "boom" and folded[0].duration == 1.5
    assert is_flaky(runs["t.py::test_a"]) and not is_flaky(runs["t.py::test_b[2]"])
    assert not is_flaky(("skipped", "skipped", "skipped"))
