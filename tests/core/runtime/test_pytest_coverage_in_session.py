"""A measured pytest run is one sandboxed process: the session writes its own coverage JSON.

Real runs through run_pytest (the local runtime and bubblewrap) and through
coverage_report's fallback, on a small project; the runtimes are the real
ones, only watched (which commands they were asked to run).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import textwrap
from pathlib import Path

import pytest
from sandbox_helpers import SIGN, runtime_named

from regoose_tui.runtime.base import Limits, OutputSink, RunResult, RunSpec, Runtime
from regoose_tui.runtime.keep_plugin import COVERAGE_JSON_ENV as PLUGIN_ENV
from regoose_tui.runtime.keep_staging import COVERAGE_JSON_ENV, PLUGIN_MODULE, keep_plugin_dir
from regoose_tui.runtime.local import LocalRuntime
from regoose_tui.runtime.pytest_coverage import coverage_report
from regoose_tui.runtime.pytest_runner import run_pytest
from regoose_tui.runtime.python_env import PythonEnv

TESTS = textwrap.dedent(
    """\
    from calc import sign


    def test_positive():
        assert sign(3) == 1


    def test_negative():
        assert sign(-3) == -1
    """
)


class Watched:
    """A real runtime that also notes the label of every command it runs."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.name = runtime.name
        self.labels: list[str] = []

    async def run(self, spec: RunSpec, on_output: OutputSink | None = None) -> RunResult:
        self.labels.append(spec.label)
        return await self.runtime.run(spec, on_output)


@pytest.fixture
def project(dirs: tuple[Path, Path]) -> tuple[Path, Path]:
    project_dir, work_dir = dirs
    (project_dir / "calc.py").write_text(SIGN)
    (work_dir / "test_calc.py").write_text(TESTS)
    return project_dir, work_dir


def test_the_plugin_and_the_host_name_the_same_variable() -> None:
    assert PLUGIN_ENV == COVERAGE_JSON_ENV


@pytest.mark.parametrize("name", ["local", "bwrap"])
@pytest.mark.parametrize("rounds", [1, 3])
async def test_a_measured_run_is_one_sandboxed_command(
    name: str, rounds: int, project: tuple[Path, Path], python: PythonEnv
) -> None:
    project_dir, work_dir = project
    watched = Watched(runtime_named(name))
    report = await run_pytest(
        watched,  # type: ignore[arg-type]  # a real Runtime, watched: run() is all run_pytest calls
        python,
        project_dir=project_dir,
        work_dir=work_dir,
        test_paths=[Path("test_calc.py")],
        cov_source=project_dir / "calc.py",
        rounds=rounds,
        autoload_plugins=False,
    )
    assert watched.labels == ["pytest"]  # no second ``coverage json`` command
    assert report.status == "passed" and report.passed == 2, report.reason
    # sign(3) and sign(-3): statements 1-5 of 6, branches 2->3, 2->4, 4->5 of 4.
    assert report.line_percent == pytest.approx(500 / 6)
    assert report.branch_percent == pytest.approx(75.0)
    assert report.missing_lines == (6,) and report.missing_branches == ((4, 6),)
    assert {(2, 3), (2, 4), (4, 5)} <= set(report.executed_arcs)
    if rounds == 3:
        assert list(report.runs.values()) == [("passed",) * 3] * 2
        assert (4, 5) in report.arcs_by_test["test_negative"]
        assert (4, 5) not in report.arcs_by_test["test_positive"]
    assert [p.name for p in work_dir.iterdir()] == ["test_calc.py"]  # no report left behind


async def test_without_the_sessions_report_coverage_json_makes_the_same_one(
    project: tuple[Path, Path], python: PythonEnv
) -> None:
    project_dir, work_dir = project
    out, report_dir = work_dir / "out", work_dir / "report"
    out.mkdir()
    report_dir.mkdir()
    data_file, session_json = out / "coverage.sqlite", out / "coverage.json"
    plugin = keep_plugin_dir()
    argv = [
        str(python.executable),
        "-m",
        "coverage",
        "run",
        "--branch",
        f"--include={project_dir / 'calc.py'}",
        f"--data-file={data_file}",
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        PLUGIN_MODULE,
        str(work_dir / "test_calc.py"),
    ]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(project_dir), str(plugin)]),
        COVERAGE_JSON_ENV: str(session_json),
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }
    done = await asyncio.to_thread(
        subprocess.run, argv, cwd=out, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert session_json.is_file() and data_file.is_file()
    base = RunSpec(
        argv=(),
        project_dir=project_dir,
        work_dir=out,
        env={"PYTHONPATH": str(project_dir)},
        limits=Limits(wall_seconds=60),
        read_only_paths=tuple(python.read_only_paths),
        label="pytest",
    )
    watched = Watched(LocalRuntime())
    own, note = await coverage_report(
        watched,  # type: ignore[arg-type]  # a real Runtime, watched
        python,
        base,
        data_file=data_file,
        session_json=session_json,
        report_dir=report_dir,
    )
    assert note == "" and own is not None and watched.labels == []
    # As if pytest had died before it wrote the report: the second command makes it.
    session_json.unlink()
    made, note = await coverage_report(
        watched,  # type: ignore[arg-type]  # a real Runtime, watched
        python,
        base,
        data_file=data_file,
        session_json=session_json,
        report_dir=report_dir,
    )
    assert note == "" and watched.labels == ["coverage"]
    assert made == own
    calc = own.files[project_dir / "calc.py"]
    assert (calc.missing_lines, calc.missing_branches) == ((6,), ((4, 6),))
