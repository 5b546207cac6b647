"""`/watch` in a conversation: rerun the related tests in the sandbox on every save.

The same watcher as `regoose watch` (engine/watch.py) runs as a background task
of the conversation, beside its turns: each rerun's output goes on the bus
(the app's live log draws it as it streams) and a one-line summary per rerun
becomes a chat notice. :meth:`ChatWatch.stop` (``/watch stop``, Esc, leaving
the app) ends it; the engine's watcher cancels a running rerun and waits for
it, so no sandbox outlives the watch.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from regoose_tui.domain.layout import marked_root
from regoose_tui.engine.sandbox_setup import configure_sandbox
from regoose_tui.engine.test_run import check_project
from regoose_tui.engine.watch import Rerun, WatchScope, rerun_tests, summary_line, watch
from regoose_tui.errors import RegooseError, TargetNotFound
from regoose_tui.project_config import load_project_config
from regoose_tui.runtime.base import Runtime
from regoose_tui.runtime.python_env import PythonEnv, resolve_python
from regoose_tui.runtime.registry import get_runtime

if TYPE_CHECKING:
    from regoose_tui.conversation.conversation import Conversation


#: Seconds a stopping watch gets to end in order before it is cancelled.
STOP_SECONDS = 10.0


@dataclass(frozen=True)
class WatchSetup:
    """What one watch runs with: the folder, the project, its sandbox and interpreter."""

    root: Path
    scope: WatchScope
    runtime: Runtime
    python: PythonEnv


def _setup(conversation: Conversation, path: str | None) -> WatchSetup:
    """Resolve the folder, the runtime, the interpreter and the ignore rules (blocking)."""
    project = conversation.project_dir.resolve()
    root = (project / Path(path).expanduser()).resolve() if path else project
    if not root.is_dir():
        raise TargetNotFound(f"{root}: no such folder to watch")
    settings = conversation.host.settings
    base = check_project(marked_root(root) or project)
    configure_sandbox(settings, project)
    runtime = get_runtime(settings.runtime.name)
    python = resolve_python(project=base)
    config = load_project_config(base)
    scope = WatchScope(
        root=root, project=project, ignore=config.ignore, skip=(settings.resolved_data_dir(),)
    )
    return WatchSetup(root, scope, runtime, python)


class ChatWatch:
    """One running watch of a conversation; :meth:`start` it, :meth:`stop` it."""

    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation
        self.setup: WatchSetup | None = None
        """Set once :meth:`start` resolved it."""
        self.reruns = 0
        """Reruns that finished (tests read it)."""
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        """True until the watcher task has ended (also while a stop winds it down)."""
        return self._task is not None and not self._task.done()

    async def start(self, path: str | None) -> WatchSetup:
        """Resolve what to watch (a RegooseError if it cannot be) and start watching it."""
        self.setup = await asyncio.to_thread(_setup, self.conversation, path)
        self._task = asyncio.create_task(self._watch(self.setup), name="chat-watch")
        return self.setup

    def request_stop(self) -> None:
        """Ask the watch to end (no wait): the watcher cancels its running rerun and returns."""
        self._stop.set()

    async def stop(self) -> None:
        """End the watch and wait until it and its rerun (and sandbox) have wound down.

        The stop event lets the watcher end in order (its rerun cancelled and
        awaited, the closing notice said); a watcher that does not end within
        :data:`STOP_SECONDS` is cancelled.
        """
        self.request_stop()
        task = self._task
        if task is None or task.done():
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), STOP_SECONDS)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _watch(self, setup: WatchSetup) -> None:
        try:
            await watch(setup.scope, self._run_one, stop_event=self._stop)
        except RegooseError as error:
            await self.conversation.notice(f"{error.title}: {error.msg}", "error")
        finally:
            # The app may be closing: a last notice is best effort, never a new error.
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.shield(self._said_stopped(setup))

    async def _said_stopped(self, setup: WatchSetup) -> None:
        await self.conversation.notice(
            f"Stopped watching {self.conversation.relative(setup.root)} "
            f"({self.reruns} rerun{'s' if self.reruns != 1 else ''})."
        )

    async def _run_one(self, rerun: Rerun) -> None:
        assert self.setup is not None
        conversation = self.conversation
        name = conversation.relative(rerun.changed)
        if not rerun.tests:
            await conversation.notice(
                f"{name} saved: no test imports {rerun.module}; nothing to rerun."
            )
            return
        store = await conversation.host.get_store()
        try:
            outcome = await rerun_tests(
                rerun,
                runtime=self.setup.runtime,
                python=self.setup.python,
                bus=conversation.bus,
                store=store,
            )
        except RegooseError as error:
            await conversation.notice(f"{name}: rerun failed: {error.msg}", "error")
            return
        self.reruns += 1
        passed = outcome.status == "passed"
        await conversation.notice(summary_line(rerun, outcome), "info" if passed else "warning")


async def start_watch(conversation: Conversation, path: str | None) -> ChatWatch:
    """Start a watch of ``path`` (the project when None) and say so in the chat."""
    watching = ChatWatch(conversation)
    setup = await watching.start(path)
    isolation = "" if setup.runtime.isolated else " — NOT ISOLATED"
    await conversation.notice(
        f"Watching {conversation.relative(setup.root)} in {setup.runtime.name}{isolation}: "
        "a save reruns the tests that import the saved module. /watch stop ends it."
    )
    return watching
