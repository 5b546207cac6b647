"""Each agent's disk and sandbox work goes through the session's tools, announced on the bus.

Real runs: the local runtime and bubblewrap, the real interpreter, real files.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest
from support.agent_sessions import (
    RUNTIMES,
    agent_context,
    agent_session,
    runtime_for,
    tool_calls,
    tool_results,
)

from regoose_tui.agents.analyzer import AnalyzeInput, AnalyzerAgent
from regoose_tui.agents.executor import ExecuteInput, ExecutorAgent
from regoose_tui.agents.reporter import ReporterAgent, ReportInput
from regoose_tui.agents.validator import ValidateInput, ValidatorAgent
from regoose_tui.bus.events import TestsWritten, ToolCalled
from regoose_tui.domain.target import resolve_target
from regoose_tui.engine.session_tools import files_of, output_files, sandbox_of
from regoose_tui.errors import FileExistsRefused, TargetImportError
from regoose_tui.runtime.local import LocalRuntime

CANDIDATE = (
    "from calc import sign\n\n\n"
    "def test_positive():\n    assert sign(1) == 'positive'\n\n\n"
    "def test_wrong():\n    assert sign(1) == 'other'\n"
)


@pytest.mark.parametrize("runtime_name", RUNTIMES)
async def test_analyzer_checks_the_import_through_the_container_tool(
    runtime_name: str, tmp_path: Path
) -> None:
    tools, events, project = agent_session(runtime_for(runtime_name), tmp_path)
    agent = AnalyzerAgent(agent_context(events, "analyzer"), sandbox_of(tools))
    analysis = await agent.execute(AnalyzeInput(str(project / "calc.py"), None))
    assert analysis.target.module == "calc" and analysis.functions == 1
    assert tool_calls(events) == ["container.run"]
    assert tool_results(events) == [("container.run", True)]
    called = next(e for e in events if isinstance(e, ToolCalled))
    assert called.args["label"] == "import calc" and called.session_id == "s1"

    (project / "boom.py").write_text("raise RuntimeError('no import for you')\n")
    with pytest.raises(TargetImportError, match="importing boom failed: RuntimeError: no import"):
        await agent.execute(AnalyzeInput(str(project / "boom.py"), None))
    assert tool_results(events)[-1] == ("container.run", False)


@pytest.mark.parametrize("runtime_name", RUNTIMES)
async def test_executor_and_validator_write_and_run_through_tools(
    runtime_name: str, tmp_path: Path
) -> None:
    tools, events, project = agent_session(runtime_for(runtime_name), tmp_path)
    target = resolve_target(project / "calc.py")
    executor = ExecutorAgent(agent_context(events, "executor"), files_of(tools), sandbox_of(tools))
    execution = await executor.execute(
        ExecuteInput(target, CANDIDATE, "test_calc.py", PurePosixPath("iteration1", "candidate"))
    )
    assert execution.test_path == tmp_path.resolve() / "work/iteration1/candidate/test_calc.py"
    assert (execution.report.passed, execution.report.failed) == (1, 1)
    assert tool_calls(events) == ["filesystem.write_file", "container.pytest"]
    assert tool_results(events) == [("filesystem.write_file", True), ("container.pytest", True)]
    assert {"run.started", "run.output", "run.finished"} <= {e.kind for e in events}

    events.clear()
    validator = ValidatorAgent(agent_context(events, "validator"), executor)
    validation = await validator.execute(
        ValidateInput(
            target, CANDIDATE, execution, None, "test_calc.py", PurePosixPath("iteration1")
        )
    )
    assert validation.kept is not None and validation.kept.tests == ("test_positive",)
    # The failing test is cut, the rest runs 3 times in ONE random-order session
    # (the flaky check): one tool round trip, three runs of the test in its report.
    assert tool_calls(events) == ["filesystem.write_file", "container.pytest"]
    assert all(ok for _, ok in tool_results(events))
    assert (tmp_path / "work" / "iteration1" / "check0" / "test_calc.py").is_file()
    kept_report = validation.kept.report
    assert kept_report is not None and list(kept_report.runs.values()) == [("passed",) * 3]
    assert validation.kept_why == (
        ("test_positive", "passed 3 of 3 runs in random order; adds lines 2-3"),
    )
    assert [name for name, _ in validation.dropped] == ["test_wrong"]


async def test_reporter_writes_through_the_filesystem_tool_and_refuses_user_files(
    tmp_path: Path,
) -> None:
    tools, events, project = agent_session(LocalRuntime(), tmp_path)
    target = resolve_target(project / "calc.py")
    executor = ExecutorAgent(agent_context(events, "executor"), files_of(tools), sandbox_of(tools))
    validator = ValidatorAgent(agent_context(events, "validator"), executor)
    candidate = await executor.execute(
        ExecuteInput(target, CANDIDATE, "test_calc.py", PurePosixPath("c"))
    )
    kept = (
        await validator.execute(
            ValidateInput(target, CANDIDATE, candidate, None, "test_calc.py", PurePosixPath("v"))
        )
    ).kept
    assert kept is not None
    out_path = project / "tests" / "test_calc.py"
    events.clear()
    reporter = ReporterAgent(agent_context(events, "reporter"), output_files(out_path, tools))
    written = await reporter.execute(ReportInput(kept, out_path, force=False))
    assert written.path == out_path and out_path.read_text() == kept.source
    assert tool_calls(events) == ["filesystem.write_generated"]
    assert tool_results(events) == [("filesystem.write_generated", True)]
    assert any(isinstance(e, TestsWritten) and e.path == str(out_path) for e in events)

    out_path.write_text("# my own edits\n")
    with pytest.raises(FileExistsRefused) as refused:
        await reporter.execute(ReportInput(kept, out_path, force=False))
    assert str(refused.value) == (
        f"{out_path} already exists and was not written by Regoose: pass --force to overwrite"
    )
    assert out_path.read_text() == "# my own edits\n"
    assert tool_results(events)[-1] == ("filesystem.write_generated", False)


PASSING = (
    "from calc import sign\n\n\n"
    "def test_positive():\n    assert sign(1) == 'positive'\n\n\n"
    "def test_other():\n    assert sign(0) == 'other'\n"
)


@pytest.mark.parametrize("runtime_name", RUNTIMES)
async def test_validator_reuses_a_candidate_run_that_already_was_the_keep_session(
    runtime_name: str, tmp_path: Path
) -> None:
    tools, events, project = agent_session(runtime_for(runtime_name), tmp_path)
    target = resolve_target(project / "calc.py")
    executor = ExecutorAgent(agent_context(events, "executor"), files_of(tools), sandbox_of(tools))
    candidate = PurePosixPath("iteration1", "candidate")
    # The candidate itself runs as the keep session: 3 rounds, the session's seed.
    execution = await executor.execute(
        ExecuteInput(target, PASSING, "test_calc.py", candidate, rounds=3, seed=7)
    )
    assert list(execution.report.runs.values()) == [("passed",) * 3] * 2
    events.clear()
    validator = ValidatorAgent(agent_context(events, "validator"), executor)
    same = ValidateInput(
        target, PASSING, execution, None, "test_calc.py", PurePosixPath("iteration1"), seed=7
    )
    validation = await validator.execute(same)
    # Nothing runs again: the very module already passed every run of that session.
    assert tool_calls(events) == []
    assert validation.kept is not None and validation.kept.report is execution.report
    assert validation.kept.tests == ("test_positive", "test_other")
    assert dict(validation.kept_why)["test_positive"] == (
        "passed 3 of 3 runs in random order; adds lines 2-3"
    )
    assert not (tmp_path / "work" / "iteration1" / "check0").exists()

    # Another seed is another session: the validator runs its own.
    events.clear()
    other = ValidateInput(
        target, PASSING, execution, None, "test_calc.py", PurePosixPath("iteration1"), seed=8
    )
    await validator.execute(other)
    assert tool_calls(events) == ["filesystem.write_file", "container.pytest"]
    assert (tmp_path / "work" / "iteration1" / "check0" / "test_calc.py").is_file()


async def test_a_one_round_candidate_run_is_never_taken_for_the_keep_session(
    tmp_path: Path,
) -> None:
    tools, events, project = agent_session(LocalRuntime(), tmp_path)
    target = resolve_target(project / "calc.py")
    executor = ExecutorAgent(agent_context(events, "executor"), files_of(tools), sandbox_of(tools))
    execution = await executor.execute(
        ExecuteInput(target, PASSING, "test_calc.py", PurePosixPath("c"))
    )
    events.clear()
    validator = ValidatorAgent(agent_context(events, "validator"), executor)
    validation = await validator.execute(
        ValidateInput(target, PASSING, execution, None, "test_calc.py", PurePosixPath("v"))
    )
    assert tool_calls(events) == ["filesystem.write_file", "container.pytest"]
    assert validation.kept is not None and validation.kept.report is not execution.report
    assert validation.kept.report is not None and validation.kept.report.rounds == 3


async def test_a_module_with_no_test_is_not_started_in_the_sandbox(tmp_path: Path) -> None:
    tools, events, project = agent_session(LocalRuntime(), tmp_path)
    target = resolve_target(project / "calc.py")
    executor = ExecutorAgent(agent_context(events, "executor"), files_of(tools), sandbox_of(tools))
    empty = "# Generated by Regoose (offline provider) for calc\n\nfrom calc import sign\n"
    execution = await executor.execute(
        ExecuteInput(target, empty, "test_calc.py", PurePosixPath("c"))
    )
    assert tool_calls(events) == ["filesystem.write_file"]
    assert execution.report.status == "no_tests" and execution.report.tests == []
    # A class (unittest style) or a module pytest cannot parse still runs: pytest judges it.
    events.clear()
    broken = "def test_x(:\n    pass\n"
    execution = await executor.execute(
        ExecuteInput(target, broken, "test_calc.py", PurePosixPath("d"))
    )
    assert tool_calls(events) == ["filesystem.write_file", "container.pytest"]
    assert execution.report.status == "error"


async def test_a_suite_the_validator_cut_down_is_written_ruff_formatted(tmp_path: Path) -> None:
    tools, events, project = agent_session(LocalRuntime(), tmp_path)
    target = resolve_target(project / "calc.py")
    in_class = (
        "from calc import sign\n\n\n"
        "class TestSign:\n"
        "    def test_positive(self):\n        assert sign(1) == 'positive'\n\n"
        "    def test_wrong(self):\n        assert sign(1) == 'other'\n\n"
        "    def test_other(self):\n        assert sign(0) == 'other'\n"
    )
    executor = ExecutorAgent(agent_context(events, "executor"), files_of(tools), sandbox_of(tools))
    execution = await executor.execute(
        ExecuteInput(target, in_class, "test_calc.py", PurePosixPath("c"))
    )
    validator = ValidatorAgent(agent_context(events, "validator"), executor)
    validation = await validator.execute(
        ValidateInput(target, in_class, execution, None, "test_calc.py", PurePosixPath("v"))
    )
    assert validation.kept is not None
    assert validation.kept.tests == ("TestSign::test_positive", "TestSign::test_other")
    # Cutting test_wrong out left two blank lines inside the class; ruff format wants one.
    assert "\n\n\n    def" not in validation.kept.source
    assert '        assert sign(0) == "other"\n' in validation.kept.source
