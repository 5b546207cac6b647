"""run_pytest on small generated projects, on the host and inside bubblewrap."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from sandbox_helpers import SIGN, require_bwrap, runtime_named

from regoose_tui.runtime.base import Limits
from regoose_tui.runtime.bwrap import BwrapRuntime
from regoose_tui.runtime.local import LocalRuntime
from regoose_tui.runtime.pytest_runner import run_pytest
from regoose_tui.runtime.python_env import PythonEnv, resolve_python

TESTS = textwrap.dedent(
    """\
    import pytest
    from calc import sign


    def test_positive():
        assert sign(3) == 1


    def test_negative_is_wrong():
        assert sign(-3) == 1


    @pytest.fixture
    def broken():
        raise RuntimeError("fixture boom")


    def test_uses_broken_fixture(broken):
        pass


    class TestSkips:
        def test_skipped(self):
            pytest.skip("not today")
    """
)


@pytest.fixture
def project(dirs: tuple[Path, Path]) -> tuple[Path, Path]:
    """A project with one module and a test file that passes, fails, errors and skips."""
    project_dir, work_dir = dirs
    (project_dir / "calc.py").write_text(SIGN)
    (project_dir / "tests").mkdir()
    (project_dir / "tests" / "test_calc.py").write_text(TESTS)
    return project_dir, work_dir


@pytest.mark.parametrize("name", ["local", "bwrap"])
async def test_counts_outcomes_and_coverage(name: str, project, python: PythonEnv) -> None:
    project_dir, work_dir = project
    lines: list[str] = []
    report = await run_pytest(
        runtime_named(name),
        python,
        project_dir=project_dir,
        work_dir=work_dir,
        test_paths=[project_dir / "tests"],
        cov_source=project_dir / "calc.py",
        on_output=lambda stream, line: lines.append(line),
        timeout=60,
        autoload_plugins=False,
    )
    assert report.status == "failed" and report.exit_code == 1 and report.runtime == name
    assert (report.passed, report.failed, report.errors, report.skipped) == (1, 1, 1, 1)
    test_file = project_dir / "tests" / "test_calc.py"
    by_id = {t.nodeid: t for t in report.tests}
    assert set(by_id) == {
        f"{test_file}::test_positive",
        f"{test_file}::test_negative_is_wrong",
        f"{test_file}::test_uses_broken_fixture",
        f"{test_file}::TestSkips::test_skipped",
    }
    failed = by_id[f"{test_file}::test_negative_is_wrong"]
    assert failed.outcome == "failed" and "assert -1 == 1" in failed.message
    assert "def test_negative_is_wrong" in failed.traceback and failed.file == test_file
    errored = by_id[f"{test_file}::test_uses_broken_fixture"]
    assert errored.outcome == "error" and "fixture boom" in errored.message
    assert by_id[f"{test_file}::TestSkips::test_skipped"].message.endswith("not today")
    # sign(3) and sign(-3) ran: statements 1-5 of 6, branches 2->3, 2->4, 4->5 of 4.
    assert report.line_percent == pytest.approx(500 / 6)
    assert report.branch_percent == pytest.approx(75.0)
    assert report.missing_lines == (6,)
    assert report.missing_branches == ((4, 6),)
    assert {(2, 3), (2, 4), (4, 5)} <= set(report.executed_arcs)
    assert (4, 6) not in report.executed_arcs
    # The live log streamed in colour, and the run left no report files behind.
    assert any("\x1b[" in line for line in lines)
    assert any("1 failed" in line for line in lines)
    assert list(work_dir.iterdir()) == []


async def test_with_default_plugins_and_a_directory_source(project, python: PythonEnv) -> None:
    project_dir, work_dir = project
    (project_dir / "tests" / "test_calc.py").write_text(
        "from calc import sign\n\ndef test_zero():\n    assert sign(0) == 0\n"
    )
    require_bwrap()
    report = await run_pytest(
        BwrapRuntime(),
        python,
        project_dir=project_dir,
        work_dir=work_dir,
        test_paths=[project_dir / "tests" / "test_calc.py"],
        cov_source=project_dir,
        timeout=120,
    )
    assert report.status == "passed" and report.passed == 1, report.output_tail
    assert report.coverage is not None
    calc = report.coverage.files[project_dir / "calc.py"]
    assert calc.missing_lines == (3, 5)
    assert report.missing_lines == ()  # a folder source: per-file data is in coverage.files


async def test_no_tests_is_its_own_status(project, python: PythonEnv) -> None:
    project_dir, work_dir = project
    (project_dir / "tests" / "test_calc.py").write_text("import calc\n")
    report = await run_pytest(
        LocalRuntime(),
        python,
        project_dir=project_dir,
        work_dir=work_dir,
        test_paths=[project_dir / "tests"],
        cov_source=project_dir / "calc.py",
        autoload_plugins=False,
    )
    assert report.status == "no_tests" and report.exit_code == 5
    assert report.tests == [] and "no tests" in report.reason
    assert report.line_percent == pytest.approx(100 * 1 / 6)  # only the def ran


async def test_collection_error_is_reported_as_an_error(project, python: PythonEnv) -> None:
    project_dir, work_dir = project
    (project_dir / "tests" / "test_calc.py").write_text("import no_such_module_regoose\n")
    report = await run_pytest(
        LocalRuntime(),
        python,
        project_dir=project_dir,
        work_dir=work_dir,
        test_paths=[project_dir / "tests"],
        cov_source=project_dir / "calc.py",
        autoload_plugins=False,
    )
    assert report.status == "error" and report.exit_code == 2
    (case,) = report.tests
    assert case.outcome == "error" and case.nodeid == str(project_dir / "tests" / "test_calc.py")
    assert "no_such_module_regoose" in case.traceback
    # calc was never imported: nothing measured, and the reason says so.
    assert report.coverage is None and "no coverage measured" in report.reason


async def test_crash_without_junit_quotes_the_output(project, python: PythonEnv) -> None:
    project_dir, work_dir = project
    report = await run_pytest(
        LocalRuntime(),
        python,
        project_dir=project_dir,
        work_dir=work_dir,
        test_paths=[project_dir / "tests"],
        cov_source=None,
        extra_args=["--regoose-no-such-option"],
        autoload_plugins=False,
    )
    assert report.status == "error" and report.exit_code == 4
    assert "crashed before reporting" in report.reason
    assert "--regoose-no-such-option" in report.reason
    assert report.tests == [] and report.coverage is None


async def test_timeout_is_reported(project, python: PythonEnv) -> None:
    project_dir, work_dir = project
    (project_dir / "tests" / "test_calc.py").write_text(
        "import time\n\ndef test_slow():\n    time.sleep(30)\n"
    )
    report = await run_pytest(
        LocalRuntime(),
        python,
        project_dir=project_dir,
        work_dir=work_dir,
        test_paths=[project_dir / "tests"],
        cov_source=project_dir / "calc.py",
        timeout=2,
        autoload_plugins=False,
    )
    assert report.status == "timed_out" and report.timed_out
    assert report.wall_seconds < 10 and report.coverage is None


async def test_bare_venv_runs_through_the_tool_shim_in_bwrap(
    project, bare_venv: Path, private_cache: Path
) -> None:
    require_bwrap()
    python = resolve_python({"VIRTUAL_ENV": str(bare_venv)})
    project_dir, work_dir = project
    report = await run_pytest(
        BwrapRuntime(),
        python,
        project_dir=project_dir,
        work_dir=work_dir,
        test_paths=[project_dir / "tests"],
        cov_source=project_dir / "calc.py",
    )
    assert python.source == "VIRTUAL_ENV" and python.extra_pythonpath
    assert python.extra_pythonpath[0].is_relative_to(private_cache)  # under /tmp: re-bound
    assert (report.passed, report.failed, report.errors, report.skipped) == (1, 1, 1, 1)
    assert report.branch_percent == pytest.approx(75.0)


async def test_a_limit_kill_is_named(project, python: PythonEnv) -> None:
    require_bwrap()
    project_dir, work_dir = project
    (project_dir / "tests" / "test_calc.py").write_text("def test_spin():\n    while True: pass\n")
    report = await run_pytest(
        BwrapRuntime(),
        python,
        project_dir=project_dir,
        work_dir=work_dir,
        test_paths=[project_dir / "tests"],
        cov_source=None,
        limits=Limits(cpu_seconds=1),
        timeout=30,
        autoload_plugins=False,
    )
    assert report.status == "error" and not report.timed_out
    assert "killed by SIGXCPU" in report.reason
