"""`regoose run` runs pytest through the container tool, like a generation's executor."""

from __future__ import annotations

from pathlib import Path

from regoose_tui.bus.bus import MessageBus
from regoose_tui.bus.events import Event, RunStarted, ToolCalled, ToolResulted
from regoose_tui.engine.test_run import run_tests
from regoose_tui.runtime.local import LocalRuntime
from regoose_tui.runtime.python_env import resolve_python
from regoose_tui.store.store import SessionStore


async def test_run_tests_goes_through_the_container_pytest_operation(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    (project / "tests").mkdir(parents=True)
    (project / "calc.py").write_text("def one():\n    return 1\n")
    test_file = project / "tests" / "test_calc.py"
    test_file.write_text("from calc import one\n\n\ndef test_one():\n    assert one() == 1\n")
    events: list[Event] = []
    bus = MessageBus()
    bus.subscribe("#", events.append)
    store = await SessionStore.open(tmp_path / "db" / "sessions.db")
    try:
        outcome = await run_tests(
            [test_file],
            project=project,
            runtime=LocalRuntime(),
            python=resolve_python(),
            bus=bus,
            store=store,
            cov=project / "calc.py",
        )
        await bus.close()
    finally:
        await store.close()
    assert outcome.status == "passed" and outcome.passed == 1
    assert outcome.line_percent == 100.0
    called = [e for e in events if isinstance(e, ToolCalled)]
    assert [(e.tool, e.operation) for e in called] == [("container", "pytest")]
    assert called[0].args["tests"] == [str(test_file)]
    resulted = [e for e in events if isinstance(e, ToolResulted)]
    assert [r.ok for r in resulted] == [True]
    started = next(e for e in events if isinstance(e, RunStarted))
    assert started.run_id == outcome.session_id and started.label == "run"
    assert started.argv == ("pytest", str(test_file))
    assert all(e.session_id == outcome.session_id for e in called + resulted)
