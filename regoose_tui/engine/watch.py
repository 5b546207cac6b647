"""`regoose watch`: on a save, rerun the tests related to the saved module (headless).

A save of ``pkg/mod.py`` reruns the project's tests that import ``pkg.mod``
(domain/existing_tests.py); a save of a test file reruns that file. Saves are
debounced by watchfiles; one rerun runs at a time and a newer save cancels the
running one (the cancellation reaches the sandbox through run_tests). No
Textual here: the CLI (and later the TUI) pass the callbacks that show things.
"""

from __future__ import annotations

import asyncio
import fnmatch
import hashlib
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from watchfiles import Change, awatch

from regoose_tui.bus.bus import MessageBus
from regoose_tui.domain.existing_tests import existing_tests_for
from regoose_tui.domain.layout import ProjectLayout, detect_layout, marked_root
from regoose_tui.engine.test_run import TestRunOutcome, run_tests
from regoose_tui.project_config import IgnoreRules
from regoose_tui.runtime.base import Runtime
from regoose_tui.runtime.python_env import PythonEnv
from regoose_tui.store.store import SessionStore

#: Folder names whose files never trigger a rerun (virtualenvs, caches, VCS data).
SKIP_PARTS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "__pycache__",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "node_modules",
    }
)
#: How long watchfiles gathers saves into one batch (an editor writes several times).
DEBOUNCE_MS = 300


@dataclass(frozen=True)
class Rerun:
    """What one save asks for: the tests to rerun and the module to measure."""

    changed: Path
    project: Path
    tests: tuple[Path, ...]
    #: The dotted module saved; None when the save was a test file's own.
    module: str | None
    #: When the watcher saw the save (time.monotonic), to measure the reaction.
    seen_at: float


@dataclass(frozen=True)
class WatchScope:
    """Which saves count: Python files under ``root``, minus ignored and skipped folders."""

    root: Path
    project: Path | None
    ignore: IgnoreRules
    #: Folders whose files never count (Regoose's data dir when it sits in the project).
    skip: tuple[Path, ...] = ()

    def wanted(self, path: Path) -> bool:
        """Whether a save of ``path`` may trigger a rerun (cheap: no file reads)."""
        if path.suffix != ".py" or SKIP_PARTS.intersection(path.parts):
            return False
        if any(path.is_relative_to(folder) for folder in self.skip):
            return False
        return self.ignore.match(path) is None


def is_test_file(path: Path, layout: ProjectLayout) -> bool:
    """Whether pytest would collect ``path`` as a test file (its python_files globs)."""
    return any(fnmatch.fnmatch(path.name, glob) for glob in layout.pytest.python_files)


def module_name(path: Path, import_root: Path) -> str | None:
    """``pkg.mod`` for ``<import_root>/pkg/mod.py`` (``pkg`` for its __init__), else None."""
    try:
        parts = list(path.with_suffix("").relative_to(import_root).parts)
    except ValueError:
        return None
    if parts and parts[-1] == "__init__":
        parts.pop()
    if not parts or not all(part.isidentifier() for part in parts):
        return None
    return ".".join(parts)


def plan_rerun(path: Path, scope: WatchScope, seen_at: float) -> Rerun | None:
    """The rerun a save of ``path`` asks for; None when nothing relates to it.

    Blocking (a layout probe and a walk of the test folders): call it in a thread.
    """
    path = path.resolve()
    if not path.is_file():
        return None  # deleted or renamed away: nothing to run
    layout = detect_layout(path, scope.project)
    if is_test_file(path, layout):
        # A test file's own layout names its folder as the import root; the
        # project it tests is the marked root above it (where `regoose run` runs).
        project = scope.project or marked_root(path.parent) or layout.root
        return Rerun(path, project, (path,), None, seen_at)
    module = module_name(path, layout.import_root)
    if module is None:
        return None
    tests = existing_tests_for(layout, module)
    return Rerun(path, layout.root, tuple(tests), module, seen_at)


#: Runs one rerun (a coroutine the watcher may cancel).
RunOne = Callable[[Rerun], Awaitable[None]]


async def watch(
    scope: WatchScope,
    run_one: RunOne,
    *,
    stop_event: asyncio.Event,
    on_unrelated: Callable[[Path], None] | None = None,
    once: bool = False,
    debounce_ms: int = DEBOUNCE_MS,
) -> int:
    """Watch ``scope.root`` until ``stop_event`` (or, with ``once``, one finished rerun).

    Returns how many reruns finished. A batch of saves arriving while a rerun
    runs cancels it first. Cancelling this coroutine (Ctrl+C) cancels the
    running rerun too and waits for it, so no sandbox outlives the watcher.
    """
    stop = asyncio.Event()  # ours: also set by ``once``
    relay = asyncio.create_task(_relay(stop_event, stop), name="watch-stop")
    current: asyncio.Task[None] | None = None
    finished = 0
    contents: dict[Path, str] = {}

    def done(task: asyncio.Task[None]) -> None:
        nonlocal finished
        if not task.cancelled() and task.exception() is None:
            finished += 1
            if once:
                stop.set()

    def keep(_change: Change, raw: str) -> bool:
        return scope.wanted(Path(raw))

    try:
        async for changes in awatch(
            scope.root,
            watch_filter=keep,
            stop_event=stop,
            debounce=debounce_ms,
            step=50,
            rust_timeout=500,
            yield_on_timeout=False,
        ):
            seen_at = time.monotonic()
            found = {Path(raw) for change, raw in changes if change != Change.deleted}
            # A save that changed nothing (an editor's autosave, a touch) must not
            # cancel a running rerun: only new content counts.
            paths = await asyncio.to_thread(_new_content, sorted(found), contents)
            reruns = await asyncio.to_thread(_plan_all, paths, scope, seen_at)
            for path in paths:
                if on_unrelated is not None and not any(
                    r.changed == path.resolve() for r in reruns
                ):
                    on_unrelated(path)
            if not reruns:
                continue
            await _cancel(current)
            current = asyncio.create_task(_run_all(reruns, run_one), name="watch-rerun")
            current.add_done_callback(done)
    finally:
        await _cancel(current if current is not None and not current.done() else None)
        relay.cancel()
    return finished


def _new_content(paths: Iterable[Path], seen: dict[Path, str]) -> list[Path]:
    """The ``paths`` whose bytes differ from their last save seen (``seen`` is updated)."""
    fresh: list[Path] = []
    for path in paths:
        try:
            digest = hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
        except OSError:
            continue  # gone again, or unreadable: nothing to rerun
        if seen.get(path) != digest:
            seen[path] = digest
            fresh.append(path)
    return fresh


def _plan_all(paths: Iterable[Path], scope: WatchScope, seen_at: float) -> list[Rerun]:
    found = (plan_rerun(path, scope, seen_at) for path in paths)
    return [rerun for rerun in found if rerun is not None]


async def _run_all(reruns: list[Rerun], run_one: RunOne) -> None:
    for rerun in reruns:
        await run_one(rerun)


async def _relay(source: asyncio.Event, target: asyncio.Event) -> None:
    await source.wait()
    target.set()


async def _cancel(task: asyncio.Task[None] | None) -> None:
    """Cancel ``task`` and wait until it has wound down (its sandbox killed)."""
    if task is None or task.done():
        return
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        if (current := asyncio.current_task()) is not None and current.cancelling():
            raise  # we are being cancelled ourselves, not just the rerun


async def rerun_tests(
    rerun: Rerun,
    *,
    runtime: Runtime,
    python: PythonEnv,
    bus: MessageBus,
    store: SessionStore,
) -> TestRunOutcome:
    """Run ``rerun``'s tests through the same sandboxed path as `regoose run`."""
    cov = rerun.changed if rerun.module is not None else None
    return await run_tests(
        list(rerun.tests),
        project=rerun.project,
        runtime=runtime,
        python=python,
        bus=bus,
        store=store,
        cov=cov,
    )


def summary_line(rerun: Rerun, outcome: TestRunOutcome) -> str:
    """One line per rerun: what changed, passed/failed, the changed module's coverage."""
    bad = outcome.failed + outcome.errors
    verdict = "PASSED" if outcome.status == "passed" else "FAILED"
    line = (
        f"{verdict} {rerun.changed.name}: {len(outcome.tests)} tests, "
        f"{outcome.passed} passed, {bad} failed"
    )
    if outcome.line_percent is not None:
        line += f"; {rerun.module} coverage {outcome.line_percent:.1f}% lines"
        if outcome.branch_percent is not None:
            line += f", {outcome.branch_percent:.1f}% branches"
    if outcome.reason and outcome.status != "passed":
        line += f"; {outcome.reason}"
    return line + f" ({outcome.wall_seconds:.1f} s)"
