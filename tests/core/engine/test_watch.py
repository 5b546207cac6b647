"""`regoose watch`'s engine: a real project, a real watcher, real saves, real reruns."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from regoose_tui.bus.bus import MessageBus
from regoose_tui.bus.events import Event, RunStarted
from regoose_tui.engine.test_run import TestRunOutcome
from regoose_tui.engine.watch import Rerun, WatchScope, plan_rerun, rerun_tests, watch
from regoose_tui.project_config import IgnoreRules
from regoose_tui.runtime.local import LocalRuntime
from regoose_tui.runtime.python_env import resolve_python
from regoose_tui.store.store import SessionStore

GOOD = "def one(flag=False):\n    if flag:\n        return 1\n    return 1\n"
BROKEN = "def one(flag=False):\n    return 2\n"


def make_project(root: Path) -> Path:
    project = root / "proj"
    (project / "tests").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'proj'\n")
    (project / "calc.py").write_text(GOOD)
    (project / "other.py").write_text("X = 1\n")
    (project / "tests" / "test_calc.py").write_text(
        "from calc import one\n\n\ndef test_one():\n    assert one() == 1\n"
    )
    (project / "tests" / "test_other.py").write_text(
        "import other\n\n\ndef test_x():\n    assert other.X == 1\n"
    )
    return project


def scope_of(project: Path, *patterns: str) -> WatchScope:
    return WatchScope(root=project, project=None, ignore=IgnoreRules(project, patterns))


def test_a_module_save_plans_the_tests_that_import_it(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    rerun = plan_rerun(project / "calc.py", scope_of(project), 0.0)
    assert rerun is not None and rerun.module == "calc"
    assert rerun.tests == ((project / "tests" / "test_calc.py").resolve(),)
    own = plan_rerun(project / "tests" / "test_other.py", scope_of(project), 0.0)
    assert own is not None and own.module is None
    assert own.tests == ((project / "tests" / "test_other.py").resolve(),)
    assert own.project == project.resolve()  # where `regoose run` would run it


def test_ignored_and_skipped_paths_never_count(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    scope = WatchScope(
        root=project,
        project=None,
        ignore=IgnoreRules(project, ("generated/",)),
        skip=(project / "data",),
    )
    assert scope.wanted(project / "calc.py")
    assert not scope.wanted(project / ".venv" / "lib" / "x.py")
    assert not scope.wanted(project / "pkg" / "__pycache__" / "calc.py")
    assert not scope.wanted(project / "generated" / "calc.py")
    assert not scope.wanted(project / "data" / "calc.py")
    assert not scope.wanted(project / "notes.txt")


async def _next(
    queue: asyncio.Queue[tuple[Rerun, TestRunOutcome]], path: Path, text: str
) -> tuple[Rerun, TestRunOutcome, float]:
    """Save ``text`` to ``path`` until a rerun comes (the watcher may not be armed yet)."""
    for _ in range(10):
        path.write_text(text)
        saved = time.monotonic()
        try:
            rerun, outcome = await asyncio.wait_for(queue.get(), timeout=3)
        except TimeoutError:
            continue
        return rerun, outcome, saved
    raise AssertionError("no rerun after 10 saves")


async def test_a_save_reruns_the_related_tests_and_a_broken_save_fails(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    store = await SessionStore.open(tmp_path / "db" / "sessions.db")
    bus = MessageBus()
    starts: list[float] = []

    def on_event(event: Event) -> None:
        if isinstance(event, RunStarted):
            starts.append(time.monotonic())

    bus.subscribe("#", on_event)
    done: asyncio.Queue[tuple[Rerun, TestRunOutcome]] = asyncio.Queue()

    async def run_one(rerun: Rerun) -> None:
        outcome = await rerun_tests(
            rerun, runtime=LocalRuntime(), python=resolve_python(), bus=bus, store=store
        )
        await done.put((rerun, outcome))

    stop = asyncio.Event()
    task = asyncio.create_task(watch(scope_of(project), run_one, stop_event=stop))
    try:
        calc = project / "calc.py"
        rerun, outcome, saved = await _next(done, calc, GOOD + "\n")
        assert rerun.module == "calc" and [t.name for t in rerun.tests] == ["test_calc.py"]
        assert outcome.status == "passed" and outcome.passed == 1
        assert outcome.line_percent is not None and outcome.line_percent < 100.0
        assert rerun.seen_at - saved < 2.0  # debounced, yet prompt
        rerun, outcome, _ = await _next(done, calc, BROKEN)
        assert outcome.status == "failed" and outcome.failed == 1
        assert "assert 2 == 1" in (outcome.tests[0].message or "")
        calc.write_text(BROKEN)  # saved again, unchanged: no rerun
        await asyncio.sleep(1.5)
        assert done.empty()
        stop.set()
        finished = await asyncio.wait_for(task, timeout=5)
        assert finished >= 2
    finally:
        task.cancel()
        await bus.close()
        await store.close()
    assert starts, "the sandboxed pytest run never started"


async def test_a_newer_save_cancels_the_running_rerun(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    slow = project / "tests" / "test_slow.py"
    slow.write_text("import time\n\n\ndef test_slow():\n    time.sleep(30)\n")
    store = await SessionStore.open(tmp_path / "db" / "sessions.db")
    bus = MessageBus()
    started: asyncio.Queue[Rerun] = asyncio.Queue()
    ended: list[str] = []

    async def run_one(rerun: Rerun) -> None:
        await started.put(rerun)
        try:
            outcome = await rerun_tests(
                rerun, runtime=LocalRuntime(), python=resolve_python(), bus=bus, store=store
            )
        except asyncio.CancelledError:
            ended.append(f"cancelled {rerun.changed.name}")
            raise
        ended.append(f"{outcome.status} {rerun.changed.name}")

    stop = asyncio.Event()
    task = asyncio.create_task(watch(scope_of(project), run_one, stop_event=stop, once=True))
    try:
        for _ in range(10):
            slow.write_text(slow.read_text() + "\n")
            try:
                await asyncio.wait_for(started.get(), timeout=3)
                break
            except TimeoutError:
                continue
        (project / "tests" / "test_other.py").write_text(
            "import other\n\n\ndef test_x():\n    assert other.X == 1\n\n"
        )
        began = time.monotonic()
        finished = await asyncio.wait_for(task, timeout=20)
        assert time.monotonic() - began < 15  # the 30 s sleep was killed, not waited out
    finally:
        task.cancel()
        await bus.close()
        await store.close()
    assert finished == 1
    assert ended == ["cancelled test_slow.py", "passed test_other.py"]
    sessions = await _statuses(tmp_path / "db" / "sessions.db")
    assert "cancelled" in sessions and "passed" in sessions


async def _statuses(db: Path) -> list[str]:
    store = await SessionStore.open(db)
    try:
        return [s.status for s in await store.list_sessions()]
    finally:
        await store.close()
