"""The container tool's ``pytest`` operation on real runtimes: events, report, confinement."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.agent_sessions import CALC, RUNTIMES, runtime_for

from regoose_tui.bus.events import Event, RunFinished, RunOutput, RunStarted, ToolResulted
from regoose_tui.errors import TargetOutsideProject, ToolFailed, UsageError
from regoose_tui.runtime.base import Runtime
from regoose_tui.runtime.local import LocalRuntime
from regoose_tui.runtime.python_env import resolve_python
from regoose_tui.tools.registry import ToolRegistry
from regoose_tui.tools.sandbox import SandboxTool
from regoose_tui.tools.sandbox_pytest import report_from_output

TESTS = (
    "from calc import sign\n\n\n"
    "def test_positive():\n    assert sign(1) == 'positive'\n\n\n"
    "def test_wrong():\n    assert sign(2) == 'other'\n"
)


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    project, work = tmp_path / "project", tmp_path / "work"
    project.mkdir()
    (work / "suite").mkdir(parents=True)
    (project / "calc.py").write_text(CALC)
    (work / "suite" / "test_calc.py").write_text(TESTS)
    return project, work


def _tool(runtime: Runtime, folders: tuple[Path, Path], events: list[Event]) -> SandboxTool:
    project, work = folders
    tool = SandboxTool(runtime, project, work, python=resolve_python())
    ToolRegistry([tool], publish=events.append, session_id="s1")  # wires publish + session
    return tool


@pytest.mark.parametrize("runtime_name", RUNTIMES)
async def test_pytest_runs_announced_and_reports_every_test(
    runtime_name: str, folders: tuple[Path, Path]
) -> None:
    events: list[Event] = []
    tool = _tool(runtime_for(runtime_name), folders, events)

    result = await tool.execute(
        "pytest", tests=["suite/test_calc.py"], cov_source="calc.py", label="check", run_id="r1"
    )

    # Tests failing is what pytest found, not a failed call.
    assert result.ok, result.error
    json.dumps(result.output)  # JSON-able as it stands: what an LLM or MCP client reads
    out = result.output
    assert isinstance(out, dict)
    assert (out["status"], out["passed"], out["failed"]) == ("failed", 1, 1)
    assert out["line_percent"] == pytest.approx(100 * 3 / 4)
    report = report_from_output(out)
    assert report is not None
    assert report.runtime == tool.runtime.name
    assert {c.name: c.outcome for c in report.tests} == {
        "test_positive": "passed",
        "test_wrong": "failed",
    }
    assert report.missing_lines == (4,)
    assert report.cov_source == folders[0].resolve() / "calc.py"

    kinds = [e.kind for e in events]
    assert kinds[0] == "tool.called" and kinds[-1] == "tool.result"
    assert kinds[1] == "run.started" and kinds[-2] == "run.finished"
    assert "run.output" in kinds
    started = next(e for e in events if isinstance(e, RunStarted))
    assert (started.run_id, started.label, started.argv) == (
        "r1",
        "check",
        ("pytest", "suite/test_calc.py"),
    )
    assert started.runtime == tool.runtime.name
    finished = next(e for e in events if isinstance(e, RunFinished))
    assert finished.exit_code == 1 and not finished.timed_out
    output = "".join(line for e in events if isinstance(e, RunOutput) for line in e.lines)
    assert "test_wrong" in output
    assert all(e.session_id == "s1" for e in events)
    summary = next(e for e in events if isinstance(e, ToolResulted)).summary
    assert summary == "failed: 1 passed, 1 failed, 0 errors; 75% lines"


async def test_typed_pytest_gives_the_same_report_back(folders: tuple[Path, Path]) -> None:
    events: list[Event] = []
    tool = _tool(LocalRuntime(), folders, events)
    report = await tool.pytest([Path("suite/test_calc.py")], cov_source=folders[0] / "calc.py")
    assert (report.status, report.passed, report.failed) == ("failed", 1, 1)
    assert report.line_percent == pytest.approx(75.0)
    assert [e.kind for e in events].count("tool.called") == 1


async def test_a_module_that_does_not_collect_is_a_failed_call_with_its_report(
    folders: tuple[Path, Path],
) -> None:
    _project, work = folders
    (work / "suite" / "test_broken.py").write_text("import no_such_module_here\n")
    tool = _tool(LocalRuntime(), folders, [])
    result = await tool.execute("pytest", tests=["suite/test_broken.py"])
    assert not result.ok
    report = report_from_output(result.output)
    assert report is not None and report.status == "error"
    assert result.error == report.reason
    # The typed call still returns the report: the caller decides what a crash means.
    assert (await tool.pytest(["suite/test_broken.py"])).status == "error"


async def test_paths_outside_the_tool_folders_are_refused(
    folders: tuple[Path, Path], tmp_path: Path
) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "test_x.py").write_text("def test_x():\n    pass\n")
    events: list[Event] = []
    tool = _tool(LocalRuntime(), folders, events)
    for tests in (["../elsewhere/test_x.py"], [str(tmp_path / "elsewhere" / "test_x.py")]):
        result = await tool.execute("pytest", tests=tests)
        assert not result.ok
        assert "outside the work folder" in (result.error or "")
        assert result.output == {"error_type": "TargetOutsideProject"}
    with pytest.raises(TargetOutsideProject, match="outside the work folder"):
        await tool.pytest(["suite/test_calc.py"], cov_source="/etc/passwd")
    assert not any(isinstance(e, RunStarted) for e in events)  # refused before any run
    # A read-only path named by the host may be run from where it is.
    project, work = folders
    allowed = SandboxTool(
        LocalRuntime(),
        project,
        work,
        python=resolve_python(),
        read_only_paths=(tmp_path / "elsewhere",),
    )
    report = await allowed.pytest([tmp_path / "elsewhere" / "test_x.py"])
    assert report.status == "passed"


async def test_pytest_needs_a_python_and_good_arguments(folders: tuple[Path, Path]) -> None:
    bare = SandboxTool(LocalRuntime(), *folders)
    with pytest.raises(UsageError, match="no Python environment"):
        await bare.pytest(["suite/test_calc.py"])
    tool = _tool(LocalRuntime(), folders, [])
    with pytest.raises(ToolFailed, match="bad arguments"):
        await tool.pytest([])
    result = await tool.execute("pytest", tests=["suite/test_calc.py"], run_id="bad id!")
    assert not result.ok and "run_id" in (result.error or "")
