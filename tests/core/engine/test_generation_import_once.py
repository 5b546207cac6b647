"""The target is imported once before the first probe: by the analyzer, or by the offline
engine's introspection, with the same one-line TargetImportError either way."""

from __future__ import annotations

from pathlib import Path

import pytest

from regoose_tui.bus.bus import MessageBus
from regoose_tui.bus.events import Event, ToolCalled
from regoose_tui.engine.generation import GenerationSession
from regoose_tui.engine.options import GenerateOptions
from regoose_tui.errors import TargetImportError
from regoose_tui.providers.base import Provider
from regoose_tui.providers.factory import create_provider
from regoose_tui.providers.scripted import ScriptedProvider
from regoose_tui.runtime.local import LocalRuntime
from regoose_tui.store.store import SessionStore

MODULE = 'def sign(n: int) -> str:\n    return "positive" if n > 0 else "other"\n'

TEST = "from calc import sign\n\n\ndef test_sign():\n    assert sign(1) == 'positive'\n"

#: The model's path never reaches a model here: the analyzer's check fails first.
PATHS = {
    "offline": lambda: create_provider("offline"),
    "llm": lambda: create_provider("openai/gpt-4o-mini", strategy="llm", api_key="unused"),
    "hybrid": lambda: create_provider("openai/gpt-4o-mini", api_key="unused"),
}

#: file name, its content, and what the one error line says.
BAD = {
    "raises": (
        "boom.py",
        "open(LOG, 'a').write('imported\\n')\nraise RuntimeError('no config')\n",
        "importing boom failed: RuntimeError: no config",
    ),
    "dependency_syntax": (
        "uses.py",
        "open(LOG, 'a').write('imported\\n')\nimport broken_dep\n",
        "importing uses failed: SyntaxError: ",
    ),
    "hangs": (
        "slow.py",
        "open(LOG, 'a').write('imported\\n')\nimport time\ntime.sleep(600)\n",
        "importing slow did not finish in ",
    ),
}


async def _session(
    target: Path, tmp_path: Path, provider: Provider, budget: float = 60
) -> tuple[GenerationSession, list[Event], SessionStore, MessageBus]:
    events: list[Event] = []
    bus = MessageBus()
    bus.subscribe("#", events.append)
    store = await SessionStore.open(tmp_path / "db" / "sessions.db")
    options = GenerateOptions(target=target, iterations=1, budget_seconds=budget)
    session = GenerationSession(
        options, bus=bus, store=store, provider=provider, runtime=LocalRuntime()
    )
    return session, events, store, bus


def _import_checks(events: list[Event]) -> list[ToolCalled]:
    """The analyzer's own import runs (the container tool's ``run``, labelled)."""
    return [e for e in events if isinstance(e, ToolCalled) and e.args.get("label") == "import calc"]


@pytest.mark.parametrize("path", sorted(BAD))
@pytest.mark.parametrize("strategy", sorted(PATHS))
async def test_a_target_that_does_not_import_is_one_line_from_either_check(
    path: str, strategy: str, tmp_path: Path
) -> None:
    name, content, message = BAD[path]
    project = tmp_path / "proj"
    project.mkdir()
    log = tmp_path / "imports.log"
    (project / name).write_text(f"LOG = {str(log)!r}\n{content}\ndef f():\n    return 1\n")
    (project / "broken_dep.py").write_text("def g(:\n    pass\n")
    # A 3 s budget: the hanging import's limit is never past what is left of it.
    session, _events, store, bus = await _session(
        project / name, tmp_path, PATHS[strategy](), budget=3 if path == "hangs" else 60
    )
    try:
        with pytest.raises(TargetImportError) as raised:
            await session.run()
        assert session.session_id is not None
        record = await store.get_session(session.session_id)
    finally:
        await store.close()
        await bus.close()
    error = str(raised.value.msg)
    assert "\n" not in error
    assert error.startswith(f"{project / name}: {message}"), error
    if path == "hangs":
        assert error.endswith(" s (does it run code at import time?)")
        assert int(error.rsplit(" in ", 1)[1].split()[0]) <= 3
    assert log.read_text() == "imported\n"  # one import, whoever ran it
    assert record.status == "error" and message in (record.reason or "")
    assert sorted(p.name for p in project.iterdir()) == sorted([name, "broken_dep.py"])


@pytest.mark.parametrize("strategy", ["offline", "hybrid"])
async def test_the_offline_path_skips_the_analyzers_import_run(
    strategy: str, tmp_path: Path
) -> None:
    """The hybrid's first iteration is the offline engine's: no model is asked here."""
    project = tmp_path / "proj"
    project.mkdir()
    (project / "calc.py").write_text(MODULE)
    provider = PATHS[strategy]()
    assert provider.imports_target
    session, events, store, bus = await _session(project / "calc.py", tmp_path, provider)
    try:
        outcome = await session.run()
    finally:
        await store.close()
        await bus.close()
    assert outcome.status == "passed" and outcome.tests >= 1
    assert _import_checks(events) == []


async def test_a_provider_that_does_not_import_the_target_keeps_the_check(
    tmp_path: Path,
) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "calc.py").write_text(MODULE)
    provider = ScriptedProvider(lambda _request: TEST)
    assert not provider.imports_target
    assert not PATHS["llm"]().imports_target
    session, events, store, bus = await _session(project / "calc.py", tmp_path, provider)
    try:
        outcome = await session.run()
    finally:
        await store.close()
        await bus.close()
    assert outcome.status == "passed" and outcome.tests == 1
    assert len(_import_checks(events)) == 1


@pytest.mark.parametrize("strategy", ["offline", "llm"])
async def test_the_projects_own_tests_do_not_hide_the_import_error(
    strategy: str, tmp_path: Path
) -> None:
    """The project's tests of the target run before the offline engine imports it: their
    failure to collect is not the error the user sees; the import's one line is."""
    project = tmp_path / "proj"
    (project / "tests").mkdir(parents=True)
    (project / "boom.py").write_text("raise RuntimeError('no config')\n\ndef f():\n    return 1\n")
    (project / "tests" / "test_boom_api.py").write_text(
        "from boom import f\n\n\ndef test_f():\n    assert f() == 1\n"
    )
    session, _events, store, bus = await _session(project / "boom.py", tmp_path, PATHS[strategy]())
    try:
        with pytest.raises(TargetImportError) as raised:
            await session.run()
    finally:
        await store.close()
        await bus.close()
    assert str(raised.value.msg) == (
        f"{project / 'boom.py'}: importing boom failed: RuntimeError: no config"
    )
