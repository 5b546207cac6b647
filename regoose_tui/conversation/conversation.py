"""One chat session with Regoose, headless: user text in, typed events out.

:meth:`Conversation.send` understands a message (regoose_tui.chat.intents),
does it with the engine (a generation, a test run, an export), and answers
as events: ``ChatMessageStarted`` / ``ChatToken`` / ``ChatMessageFinished``
for a reply, ``ChatNotice`` for one-line news, ``ProposedSuite`` for a suite
to accept, ``SettingChanged``, ``ShowSessionsRequested``, and
``ChatWorkStarted`` / ``ChatWorkFinished`` around engine work. Each event
goes on the bus and, awaited and in order, to the optional listener (the
app's adapter draws the chat from it; a test or the CLI collects it).

The conversation keeps what later turns need: the history an LLM gets as
context, the latest session, its failures (for /explain) and the suites
awaiting a decision. Heavy engine modules are imported on first use.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from regoose_tui.bus.bus import MessageBus
from regoose_tui.bus.events import (
    ChatMessage,
    ChatMessageFinished,
    ChatMessageStarted,
    ChatNotice,
    ChatToken,
    Event,
    ProviderUsage,
    SettingChanged,
    ShowSessionsRequested,
)
from regoose_tui.chat.explain import FailureInfo
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
    StopWatch,
    Watch,
    help_text,
    parse_intent,
)
from regoose_tui.conversation import replies
from regoose_tui.conversation.host import ConversationHost
from regoose_tui.conversation.messages import LoggedMessage, MessageLog
from regoose_tui.conversation.suites import ProposedFile
from regoose_tui.errors import InputError, RegooseError, UsageError
from regoose_tui.providers.base import ChatTurn

if TYPE_CHECKING:
    from regoose_tui.conversation.watching import ChatWatch
    from regoose_tui.engine.generation import GenerationSession
    from regoose_tui.engine.review_set import ReviewDecisions, ReviewSet, ReviewWrite
    from regoose_tui.store.records import MessageRecord

#: Errors the user fixes by typing something else: a chat notice is enough.
USER_ERRORS = (UsageError, InputError)

#: Receives every event of the conversation, in order, before the next is made.
Listener = Callable[[Event], Awaitable[None]]
NoticeLevel = Literal["info", "warning", "error"]


@dataclass(frozen=True)
class TurnResult:
    """How one :meth:`Conversation.send` ended."""

    intent: Intent | None
    """What the message was understood as (None: it could not be read)."""
    error: RegooseError | None = None
    """The Regoose error that ended the turn (already told as an error notice)."""
    session_id: str | None = None
    """The engine session the turn created, if any."""
    cancelled: bool = False
    """True when :meth:`Conversation.cancel` stopped the turn's engine work."""

    @property
    def is_fault(self) -> bool:
        """True for an error the user cannot fix by typing (a face may show it loudly)."""
        return self.error is not None and not isinstance(self.error, USER_ERRORS)


@dataclass
class _Turn:
    """What one turn said, filed in the store when it ends."""

    messages: list[LoggedMessage] = field(default_factory=list)
    session_id: str | None = None


class Conversation:
    """A chat session: understands messages, runs the engine, streams its answers."""

    def __init__(
        self,
        host: ConversationHost,
        *,
        project_dir: Path,
        bus: MessageBus,
        listener: Listener | None = None,
    ) -> None:
        self.host = host
        self.project_dir = project_dir
        """The user's project: paths in messages are relative to it."""
        self.bus = bus
        self.listener = listener
        self.history: list[ChatTurn] = []
        """User messages and complete replies: the context a provider's chat gets."""
        self.proposed: dict[str, ProposedFile] = {}
        """Generated suites by block id, until accepted or rejected."""
        self.last_session_id: str | None = None
        """The session /export and /explain refer to (and other turns are filed under)."""
        self.failures: list[FailureInfo] = []
        """Failed tests of the latest run or generation, for /explain."""
        self._log = MessageLog()
        self._turn: _Turn | None = None
        self._generation: GenerationSession | None = None
        self._cancel_requested = False
        self.watching: ChatWatch | None = None
        """The running /watch, if any."""

    # --- entry points ----------------------------------------------------------------

    async def send(self, text: str) -> TurnResult:
        """Answer one message; a Regoose error becomes an error notice and the result's error."""
        turn = _Turn([LoggedMessage("user", text)])
        self._turn = turn
        self._cancel_requested = False
        intent: Intent | None = None
        try:
            await self.emit(ChatMessage(role="user", text=text))
            intent = parse_intent(text)
            self.history.append(ChatTurn("user", text))
            await self._dispatch(intent, text)
        except RegooseError as error:
            await self.notice(f"{error.title}: {error.msg}", "error")
            return TurnResult(intent, error, turn.session_id)
        except asyncio.CancelledError:
            if not self._stopped_by_cancel():
                raise  # this task itself was cancelled: let it end cancelled
            await self.notice("Turn cancelled.", "warning")
            return TurnResult(intent, None, turn.session_id, cancelled=True)
        finally:
            self._turn = None
            await self._file(turn)
        return TurnResult(intent, None, turn.session_id)

    def cancel(self) -> bool:
        """Stop the running generation's plan (its sandboxes are killed); True if one ran.

        The turn then ends with a cancelled TurnResult, unless its task was
        cancelled as well (the app cancels its worker): then it ends cancelled.
        """
        watching = self.watching is not None and self.watching.running
        if watching and self.watching is not None:
            self.watching.request_stop()  # cancelling stops the watch too
        if self._generation is None:
            return watching
        self._cancel_requested = True
        self._generation.cancel()
        return True

    def _stopped_by_cancel(self) -> bool:
        """True when a CancelledError came from :meth:`cancel`, not from cancelling this task."""
        task = asyncio.current_task()
        return self._cancel_requested and (task is None or task.cancelling() == 0)

    async def resume(self, session_id: str) -> list[MessageRecord]:
        """Continue a stored session: later turns refer to it; return its messages to show."""
        store = await self.host.get_store()
        messages = await store.messages(session_id)
        results = await store.results(session_id)
        self.last_session_id = session_id
        self.failures = [
            FailureInfo(r.nodeid, r.message or "")
            for r in results
            if r.outcome in ("failed", "error")
        ]
        self.history.extend(
            ChatTurn(m.role, m.text) for m in messages if m.role in ("user", "assistant")
        )
        return messages

    async def _dispatch(self, intent: Intent, text: str) -> None:
        match intent:
            case Generate(path=path):
                from regoose_tui.conversation.engine_turns import generate

                await generate(self, path)
            case RunTests(paths=paths):
                from regoose_tui.conversation.engine_turns import run_tests

                await run_tests(self, paths)
            case Explain(test=name):
                await self.say(replies.explanation(self.failures, name))
            case Fix():
                if self.host.settings.provider.name == "offline":
                    await self.say(replies.NEEDS_LLM)
                else:
                    await self.converse()
            case SetProvider(name=name):
                await self.set_provider(name)
            case SetRuntime(name=name):
                await self.set_runtime(name)
            case ShowSessions():
                await self.emit(ShowSessionsRequested())
            case Export(format=fmt):
                await self.export(fmt)
            case Help():
                await self.say(help_text())
            case Watch(path=path):
                await self.start_watch(path)
            case StopWatch():
                if not await self.stop_watch():
                    await self.notice("Nothing is being watched.")
            case FreeText():
                await self.converse()

    # --- suites awaiting a decision --------------------------------------------------------

    async def accept(self, block_id: str) -> Path | None:
        """Write an accepted suite atomically (never over a file the user edited).

        None when the block is unknown (decided already); a refusal raises the
        RegooseError and keeps the suite, to accept again after a fix.
        """
        from regoose_tui.conversation.suites import write_suite

        proposed = self.proposed.pop(block_id, None)
        if proposed is None:
            return None
        try:
            store = await self.host.get_store()
            written = await write_suite(
                store,
                proposed,
                force=self.host.settings.generate.force,
                publish=self.bus.publish_nowait,
            )
        except RegooseError:
            self.proposed[block_id] = proposed
            raise
        await self.notice(f"Wrote {self.relative(written)} ({proposed.tests} tests).")
        return written

    async def apply_review(
        self, review: ReviewSet, decisions: ReviewDecisions
    ) -> list[ReviewWrite]:
        """Write a review's accepted tests (checked write + write log); say what went where.

        The session's suite is decided: it leaves :attr:`proposed`. A refusal (a
        file the user wrote, say) raises the RegooseError and keeps it undecided.
        """
        from regoose_tui.conversation.suites import apply_reviewed

        written = await apply_reviewed(self, review, decisions)
        self.proposed.pop(review.session_id, None)
        return written

    async def reject(self, block_id: str) -> bool:
        """Discard a proposed suite (its staged copy too); False when there was none by that id.

        A rejected suite is decided: ``regoose apply SESSION`` finds nothing to write.
        """
        from regoose_tui.engine.review import settle_staged

        proposed = self.proposed.pop(block_id, None)
        if proposed is None:
            return False
        store = await self.host.get_store()
        await settle_staged(store, proposed.session_id, proposed.path, None)
        await self.notice(f"Discarded the tests for {self.relative(proposed.path)}.")
        return True

    # --- watch -------------------------------------------------------------------------------

    async def start_watch(self, path: str | None) -> ChatWatch:
        """Rerun the related tests on save; one watch at a time (a new one replaces it)."""
        from regoose_tui.conversation.watching import start_watch

        await self.stop_watch()
        self.watching = await start_watch(self, path)
        return self.watching

    async def stop_watch(self) -> bool:
        """Stop the running watch and wait for its sandbox to go; False when none ran."""
        watching, self.watching = self.watching, None
        if watching is None or not watching.running:
            return False
        await watching.stop()
        return True

    # --- settings, export ----------------------------------------------------------------------

    async def set_provider(self, name: str) -> None:
        """Switch the provider for the next turns (the host decides whether to save it)."""
        provider = await asyncio.to_thread(self.host.make_provider, name, True)
        shown = provider.name if provider is not None else name
        self.host.change_settings(provider__name=name)
        await self.emit(SettingChanged(setting="provider", value=name, shown=shown))
        await self.notice(f"Provider: {shown}.")

    async def set_runtime(self, name: str) -> None:
        """Switch the sandbox for the next turns."""
        from regoose_tui.runtime.registry import get_runtime

        runtime = await asyncio.to_thread(get_runtime, name)
        self.host.change_settings(runtime__name=name)
        await self.emit(
            SettingChanged(
                setting="runtime", value=name, shown=runtime.name, isolated=runtime.isolated
            )
        )
        await self.notice(f"Runtime: {runtime.describe()}.")

    async def export(self, fmt: str) -> Path | None:
        """Write the latest session's report into the project; None if there is none yet."""
        from regoose_tui.conversation.export import export_session

        if self.last_session_id is None:
            await self.notice(replies.NOTHING_TO_EXPORT)
            return None
        store = await self.host.get_store()
        path = await export_session(store, self.last_session_id, fmt, self.project_dir)
        await self.notice(f"Exported {self.relative(path)}.")
        return path

    # --- replies --------------------------------------------------------------------------------

    async def converse(self) -> str:
        """Send the history (ending with the user's message) to the provider; stream its reply."""
        name = self.host.settings.provider.name
        provider = await asyncio.to_thread(self.host.make_provider, name, True)
        assert provider is not None  # required=True builds one or raises
        before = provider.spent()
        try:
            return await self._stream(provider.chat(list(self.history)))
        finally:
            # The status bar and the session count chat tokens too, even of a broken reply.
            used = provider.spent().since(before)
            if used.prompt_tokens or used.completion_tokens:
                await self.emit(
                    ProviderUsage(
                        provider=provider.name,
                        prompt_tokens=used.prompt_tokens,
                        completion_tokens=used.completion_tokens,
                        cost_usd=used.cost_usd,
                    )
                )

    async def say(self, markdown: str) -> str:
        """Stream a reply Regoose wrote itself (the same path as a provider's tokens)."""

        async def fragments() -> AsyncIterator[str]:
            for line in markdown.splitlines(keepends=True):
                yield line

        return await self._stream(fragments())

    async def notice(self, text: str, level: NoticeLevel = "info") -> None:
        """A one-line notice (not part of the history an LLM sees)."""
        await self.emit(ChatNotice(level=level, text=text))

    async def _stream(self, fragments: AsyncIterator[str]) -> str:
        """Publish fragments as ChatToken events between a start and a finish event."""
        message_id = uuid.uuid4().hex[:12]
        parts: list[str] = []
        complete = False
        await self.emit(ChatMessageStarted(message_id=message_id))
        try:
            async for fragment in fragments:
                parts.append(fragment)
                await self.emit(ChatToken(message_id=message_id, delta=fragment))
            complete = True
        finally:
            text = "".join(parts)
            await self.emit(
                ChatMessageFinished(message_id=message_id, text=text, interrupted=not complete)
            )
        # An interrupted reply is neither context nor record: it is not what was meant.
        self.history.append(ChatTurn("assistant", text))
        if self._turn is not None:
            self._turn.messages.append(LoggedMessage("assistant", text))
        return text

    # --- plumbing ---------------------------------------------------------------------------------

    async def emit(self, event: Event) -> None:
        """Publish ``event`` on the bus, then let the listener handle it before going on."""
        self.bus.publish_nowait(event)
        if self.listener is not None:
            await self.listener(event)

    @contextlib.contextmanager
    def running(self, generation: GenerationSession) -> Iterator[None]:
        """While the block runs, :meth:`cancel` stops ``generation``."""
        self._generation = generation
        try:
            yield
        finally:
            self._generation = None

    def started_session(self, session_id: str) -> None:
        """The running turn created ``session_id``: it is filed there and becomes the latest."""
        self.last_session_id = session_id
        if self._turn is not None:
            self._turn.session_id = session_id

    async def _file(self, turn: _Turn) -> None:
        """Record the turn's messages under its session (or the latest, or later)."""
        session_id = turn.session_id or self.last_session_id
        store = await self.host.get_store() if session_id is not None else None
        await self._log.file(store, session_id, turn.messages)

    def relative(self, path: Path) -> str:
        """``path`` as the user sees it (relative to the project when inside it)."""
        return replies.relative(path, self.project_dir)
