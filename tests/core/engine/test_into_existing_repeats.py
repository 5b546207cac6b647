"""A kept suite whose every test repeats one of the project's own: the file stays as it is."""

from __future__ import annotations

from pathlib import Path

from regoose_tui.agents.base import AgentContext
from regoose_tui.agents.reporter import ReporterAgent, ReportInput
from regoose_tui.agents.validator import KeptSuite
from regoose_tui.bus.events import AgentProgress, Event
from regoose_tui.engine.into_existing import HostFile, join
from regoose_tui.engine.session_tools import output_files, session_tools
from regoose_tui.runtime.local import LocalRuntime
from regoose_tui.runtime.python_env import resolve_python
from regoose_tui.store.safe_write import sha256_text

HOST = "from calc import sign\n\n\ndef test_positive():\n    assert sign(1) == 'positive'\n"
REPEAT = (
    "from calc import sign\n\n\n"
    "def test_sign_of_one_is_positive():\n    assert sign(1) == 'positive'\n"
)


async def test_nothing_is_written_and_the_repeat_is_said(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    (tmp_path / "work").mkdir()
    host_path = project / "tests" / "test_calc.py"
    host_path.write_text(HOST)
    host = HostFile(host_path, HOST, sha256_text(HOST))
    kept = KeptSuite(REPEAT, ("test_sign_of_one_is_positive",), 100.0, 100.0)

    joined = join(host, kept, "calc")

    assert joined is not None
    assert joined.content == HOST
    assert joined.kept.tests == ()
    assert joined.duplicates == (
        (
            "test_sign_of_one_is_positive",
            "repeats the project's own test test_positive: left out",
        ),
    )
    events: list[Event] = []
    tools = session_tools(
        LocalRuntime(),
        resolve_python(),
        project_dir=project,
        work_dir=tmp_path / "work",
        publish=events.append,
        session_id="s1",
    )
    reporter = ReporterAgent(
        AgentContext(emit=events.append, session_id="s1", node_id="reporter"),
        output_files(host_path, tools),
    )
    written = await reporter.execute(
        ReportInput(joined.kept, host_path, force=False, content=joined.content)
    )
    assert (written.path, written.tests) == (None, 0)
    assert host_path.read_text() == HOST
    said = [e.message for e in events if isinstance(e, AgentProgress)]
    assert f"every kept test repeats one in {host_path}: nothing written" in said
