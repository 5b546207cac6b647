"""One chat turn: understand the message, do it with the engine, answer in the chat.

The main screen runs :meth:`TurnRunner.handle` in an exclusive async worker;
everything here awaits the engine (which never blocks the loop) and talks to
the screen only through the ChatView and the bus (the bridge draws the plan,
the log and the status bar). Heavy engine modules are imported on first use
so that starting the app stays fast.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from regoose_tui.app.bus_bridge import BusBridge
from regoose_tui.app.export import export_session
from regoose_tui.bus.events import ChatToken
from regoose_tui.chat.explain import FailureInfo, explain_failure, find_failure
from regoose_tui.chat.intents import (
    Explain,
    Export,
    Fix,
    FreeText,
    Generate,
    Help,
    Intent,
    RunTests,
    SetProvider,
    SetRuntime,
    ShowSessions,
    help_text,
    parse_intent,
)
from regoose_tui.errors import InputError, RegooseError, UsageError
from regoose_tui.providers.base import ChatTurn
from regoose_tui.widgets.chat_view import ChatView
from regoose_tui.widgets.test_file_block import TestFile

if TYPE_CHECKING:
    from regoose_tui.app.app import RegooseApp
    from regoose_tui.engine.generation import GenerationSession
    from regoose_tui.engine.outcome import GenerationOutcome

#: Errors the user fixes by typing something else: a chat notice is enough.
_USER_ERRORS = (UsageError, InputError)
#: What the offline provider says when asked for something only an LLM can do.
NEEDS_LLM = (
    "Changing code to make a failing test pass needs an LLM provider: switch with "
    "`/provider openai/gpt-4o-mini` (any LiteLLM model). Offline I can **explain** the "
    "failure (`/explain`), **regenerate** the tests (`/generate PATH`) or **run** them (`/run`)."
)


@dataclass(frozen=True)
class ProposedFile:
    """A generated suite waiting for the user's Accept."""

    session_id: str
    path: Path
    content: str
    tests: int


class TurnRunner:
    """Carries out chat turns for one main screen and keeps what later turns need."""

    def __init__(self, app: RegooseApp, chat: ChatView, bridge: BusBridge) -> None:
        self.app = app
        self.chat = chat
        self.bridge = bridge
        self.proposed: dict[str, ProposedFile] = {}
        """Generated suites by block id, until accepted or rejected."""
        self.last_session_id: str | None = None
        """The session /export and /explain refer to."""
        self.failures: list[FailureInfo] = []
        """Failed tests of the latest run, for /explain."""
        self._history: list[ChatTurn] = []
        self._generation: GenerationSession | None = None

    @property
    def project_dir(self) -> Path:
        """The user's project."""
        return self.app.options.project_dir

    # --- entry points ----------------------------------------------------------------

    async def handle(self, text: str) -> None:
        """Answer one message; Regoose errors become chat notices (and the modal for real faults)."""
        try:
            intent = parse_intent(text)
            await self._dispatch(intent, text)
        except RegooseError as error:
            await self.chat.add_notice(f"{error.title}: {error.msg}", "error")
            if not isinstance(error, _USER_ERRORS):
                self.app.show_error(error)

    def cancel(self) -> bool:
        """Stop the running generation's plan (its sandboxes are killed); True if one ran."""
        if self._generation is None:
            return False
        self._generation.cancel()
        return True

    async def _dispatch(self, intent: Intent, text: str) -> None:
        match intent:
            case Generate(path=path):
                await self.generate(path, text)
            case RunTests(paths=paths):
                await self.run_tests(paths, text)
            case Explain(test=name):
                await self.say(self._explain(name))
            case Fix():
                if self.app.settings.provider.name == "offline":
                    await self.say(NEEDS_LLM)
                else:
                    await self.converse(text)
            case SetProvider(name=name):
                await self.set_provider(name)
            case SetRuntime(name=name):
                await self.set_runtime(name)
            case ShowSessions():
                self.app.action_show_history()
            case Export(format=fmt):
                await self.export(fmt)
            case Help():
                await self.say(help_text())
            case FreeText(text=question):
                await self.converse(question)

    # --- generate ----------------------------------------------------------------------

    async def generate(self, path: str, request: str) -> None:
        """Generate tests for ``path``; show the suite as a block to accept or reject."""
        from regoose_tui.engine.generation import GenerationSession
        from regoose_tui.engine.options import GenerateOptions

        settings = self.app.settings
        out_dir = settings.generate.out_dir
        options = GenerateOptions(
            target=(self.project_dir / Path(path).expanduser()).resolve(),
            project=self.project_dir.resolve(),
            provider=settings.provider.name,
            runtime=settings.runtime.name,
            out_dir=(self.project_dir / out_dir) if out_dir else None,
            iterations=settings.generate.iterations,
            budget_seconds=settings.generate.budget_seconds,
            force=settings.generate.force,
            write_files=False,
        )
        store = await self.app.get_store()
        provider = self.app.make_provider(settings.provider.name)
        self.bridge.reset_plan()
        session = GenerationSession(options, bus=self.app.bus, store=store, provider=provider)
        self._generation = session
        await self.chat.add_notice(f"Generating tests for {path}…")
        try:
            outcome = await session.run()
        finally:
            self._generation = None
            await self.bridge.drain()
            if session.session_id is not None:
                self.last_session_id = session.session_id
                await store.add_message(session.session_id, "user", request)
        await self._show_outcome(outcome, path)

    async def _show_outcome(self, outcome: GenerationOutcome, path: str) -> None:
        self.bridge.set_status(
            passed=outcome.passed,
            failed=outcome.failed,
            line_percent=outcome.line_percent,
            branch_percent=outcome.branch_percent,
        )
        self.failures = [
            FailureInfo(r.name, r.message or "")
            for r in outcome.records
            if r.outcome in ("failed", "error")
        ]
        proposed_path = outcome.proposed_path
        summary = (
            f"**{outcome.module}**: {outcome.tests} tests, {outcome.passed} passed, "
            f"{outcome.failed} failed — line coverage {outcome.line_percent:.0f}%, "
            f"branch coverage {outcome.branch_percent:.0f}% "
            f"({outcome.iterations} iteration(s), {outcome.wall_seconds:.1f} s)."
        )
        if proposed_path is None or not outcome.test_source:
            reason = outcome.reason or "no test passed and added coverage"
            summary += f"\n\nNothing to write: {reason}."
        else:
            shown = self._relative(proposed_path)
            summary += f"\n\n**Accept** writes `{shown}`; **Reject** discards it."
            self.proposed[outcome.session_id] = ProposedFile(
                outcome.session_id, proposed_path, outcome.test_source, outcome.tests
            )
            await self.chat.add_test_file(
                TestFile(
                    block_id=outcome.session_id,
                    path=shown,
                    code=outcome.test_source,
                    tests=outcome.tests,
                    passed=outcome.passed,
                    failed=outcome.failed,
                    # No baseline is measured: the suite is new, so all of it is gain.
                    branch_gain=outcome.branch_percent,
                ),
                collapsed=True,
            )
        await self.say(summary, session_id=outcome.session_id)

    async def accept(self, block_id: str) -> Path | None:
        """Write an accepted suite atomically (never over a file the user edited)."""
        from regoose_tui.store.safe_write import write_generated_file_async

        proposed = self.proposed.pop(block_id, None)
        if proposed is None:
            return None
        store = await self.app.get_store()
        known = await store.known_file_hashes(proposed.path)
        try:
            written = await write_generated_file_async(
                proposed.path,
                proposed.content,
                force=self.app.settings.generate.force,
                known_sha256=known,
            )
        except RegooseError:
            self.proposed[block_id] = proposed  # still there to retry after a fix
            raise
        await store.record_file(
            proposed.session_id, written, proposed.content, tests=proposed.tests
        )
        await self.chat.add_notice(f"Wrote {self._relative(written)} ({proposed.tests} tests).")
        return written

    async def reject(self, block_id: str) -> None:
        """Discard a proposed suite."""
        proposed = self.proposed.pop(block_id, None)
        if proposed is not None:
            await self.chat.add_notice(f"Discarded the tests for {self._relative(proposed.path)}.")

    # --- run and explain ----------------------------------------------------------------

    async def run_tests(self, paths: tuple[str, ...], request: str) -> None:
        """Run tests in the sandbox; remember failures for /explain."""
        from regoose_tui.engine.test_run import run_tests
        from regoose_tui.runtime.python_env import resolve_python
        from regoose_tui.runtime.registry import get_runtime

        targets = [self.project_dir / p for p in paths]
        if not targets:
            tests_dir = self.project_dir / "tests"
            targets = [tests_dir if tests_dir.is_dir() else self.project_dir]
        runtime = await asyncio.to_thread(get_runtime, self.app.settings.runtime.name)
        python = await asyncio.to_thread(resolve_python)
        store = await self.app.get_store()
        self.bridge.reset_plan()
        shown = " ".join(self._relative(t) for t in targets)
        await self.chat.add_notice(f"Running {shown} in {runtime.describe()}…")
        outcome = await run_tests(
            targets,
            project=self.project_dir,
            runtime=runtime,
            python=python,
            bus=self.app.bus,
            store=store,
        )
        await self.bridge.drain()
        self.last_session_id = outcome.session_id
        await store.add_message(outcome.session_id, "user", request)
        self.failures = [
            FailureInfo(t.nodeid, t.message, t.traceback)
            for t in outcome.tests
            if t.outcome in ("failed", "error")
        ]
        bad = outcome.failed + outcome.errors
        text = f"{len(outcome.tests)} tests: **{outcome.passed} passed**, **{bad} failed**"
        if outcome.skipped:
            text += f", {outcome.skipped} skipped"
        text += f" in {outcome.wall_seconds:.1f} s."
        if outcome.reason and outcome.status != "passed":
            text += f"\n\n{outcome.reason}"
        if self.failures:
            names = ", ".join(f"`{f.name.split('::')[-1]}`" for f in self.failures[:5])
            text += f"\n\nFailed: {names}. Ask *why did it fail?* or type `/explain`."
        await self.say(text, session_id=outcome.session_id)

    def _explain(self, name: str | None) -> str:
        if not self.failures:
            return "No failed test in this session yet: run the tests first (`/run`)."
        failure = find_failure(self.failures, name)
        if failure is None:
            known = ", ".join(f"`{f.name.split('::')[-1]}`" for f in self.failures[:5])
            return f"No failed test called `{name}`; the failures are: {known}."
        return explain_failure(failure)

    # --- settings from the chat ------------------------------------------------------------

    async def set_provider(self, name: str) -> None:
        """Switch the provider for the next turns (not saved; the settings screen saves)."""
        provider = await asyncio.to_thread(self.app.make_provider, name, True)
        shown = provider.name if provider is not None else name
        self.app.change_settings(provider__name=name)
        self.bridge.set_status(provider=shown, tokens=None, cost=None)
        await self.chat.add_notice(f"Provider: {shown}.")

    async def set_runtime(self, name: str) -> None:
        """Switch the sandbox for the next turns."""
        from regoose_tui.runtime.registry import get_runtime

        runtime = await asyncio.to_thread(get_runtime, name)
        self.app.change_settings(runtime__name=name)
        self.bridge.set_status(runtime=runtime.name, isolated=runtime.isolated)
        await self.chat.add_notice(f"Runtime: {runtime.describe()}.")

    async def export(self, fmt: str) -> None:
        """Write the latest session's report into the project."""
        if self.last_session_id is None:
            await self.chat.add_notice("Nothing to export yet: generate or run tests first.")
            return
        store = await self.app.get_store()
        path = await export_session(store, self.last_session_id, fmt, self.project_dir)
        await self.chat.add_notice(f"Exported {self._relative(path)}.")

    # --- replies ----------------------------------------------------------------------------

    async def converse(self, text: str) -> None:
        """Send free text to the provider's chat and stream its reply."""
        name = self.app.settings.provider.name
        provider = await asyncio.to_thread(self.app.make_provider, name, True)
        assert provider is not None  # required=True builds one or raises
        self._history.append(ChatTurn("user", text))
        reply = await self._stream(provider.chat(list(self._history)))
        self._history.append(ChatTurn("assistant", reply))

    async def say(self, markdown: str, *, session_id: str | None = None) -> None:
        """Stream a reply Regoose wrote itself (same path as a provider's tokens)."""

        async def fragments() -> AsyncIterator[str]:
            for line in markdown.splitlines(keepends=True):
                yield line

        await self._stream(fragments())
        if session_id is not None:
            store = await self.app.get_store()
            await store.add_message(session_id, "assistant", markdown)

    async def _stream(self, fragments: AsyncIterator[str]) -> str:
        """Publish fragments as ChatToken events; the bridge writes them into one reply."""
        turn = await self.chat.start_assistant_message()
        message_id = uuid.uuid4().hex[:12]
        self.bridge.open_stream(message_id, turn)
        try:
            async for fragment in fragments:
                self.app.bus.publish_nowait(ChatToken(message_id=message_id, delta=fragment))
            await self.bridge.drain()
        finally:
            self.bridge.close_stream(message_id)
            await turn.finish()
        return turn.text

    def _relative(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.project_dir.resolve()).as_posix()
        except ValueError:
            return str(path)
