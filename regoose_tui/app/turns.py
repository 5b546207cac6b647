"""The main screen's side of a conversation: feed it text, draw what it says.

The conversation (regoose_tui.conversation) understands the message, runs
the engine and answers with events; this adapter is its listener and turns
each event into the widgets' calls: a streamed reply into an assistant turn
(its tokens travel the bus to the bridge, which writes them in batches), a
notice into a ChatNotice, a proposed suite into a test-file block, a setting
into the status bar, and a fault into the error modal. The main screen runs
:meth:`TurnRunner.handle` in an exclusive async worker.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from regoose_tui.app.bus_bridge import BusBridge
from regoose_tui.bus.events import (
    ChatMessageFinished,
    ChatMessageStarted,
    ChatNotice,
    ChatWorkFinished,
    ChatWorkStarted,
    Event,
    ProposedSuite,
    SettingChanged,
    ShowSessionsRequested,
)
from regoose_tui.chat.explain import FailureInfo
from regoose_tui.conversation import Conversation
from regoose_tui.conversation.replies import NEEDS_LLM
from regoose_tui.conversation.suites import ProposedFile
from regoose_tui.store.records import MessageRecord
from regoose_tui.widgets.assistant_message import AssistantTurn
from regoose_tui.widgets.chat_view import ChatView
from regoose_tui.widgets.test_file_block import TestFile, TestFileBlock

if TYPE_CHECKING:
    from regoose_tui.app.app import RegooseApp
    from regoose_tui.conversation.watching import ChatWatch
    from regoose_tui.engine.review_set import ReviewDecisions, ReviewSet, ReviewWrite

__all__ = ["NEEDS_LLM", "TurnRunner"]


class TurnRunner:
    """Carries out chat turns for one main screen through its Conversation."""

    def __init__(self, app: RegooseApp, chat: ChatView, bridge: BusBridge) -> None:
        self.app = app
        self.chat = chat
        self.bridge = bridge
        self.conversation = Conversation(
            app, project_dir=app.options.project_dir, bus=app.bus, listener=self.render
        )
        self._turns: dict[str, AssistantTurn] = {}

    # --- what the screen and the tests read ------------------------------------------

    @property
    def project_dir(self) -> Path:
        """The user's project."""
        return self.conversation.project_dir

    @property
    def last_session_id(self) -> str | None:
        """The session /export and /explain refer to."""
        return self.conversation.last_session_id

    @property
    def failures(self) -> list[FailureInfo]:
        """Failed tests of the latest run, for /explain."""
        return self.conversation.failures

    @property
    def proposed(self) -> dict[str, ProposedFile]:
        """Generated suites by block id, until accepted or rejected."""
        return self.conversation.proposed

    # --- entry points ----------------------------------------------------------------

    async def handle(self, text: str) -> None:
        """Answer one message; a fault (not a typing mistake) also raises the error modal."""
        result = await self.conversation.send(text)
        if result.error is not None and result.is_fault:
            self.app.show_error(result.error)

    def cancel(self) -> bool:
        """Stop the running generation's plan (its sandboxes are killed); True if one ran."""
        return self.conversation.cancel()

    async def accept(self, block_id: str) -> Path | None:
        """Write an accepted suite (raises the RegooseError of a refusal)."""
        return await self.conversation.accept(block_id)

    async def apply_review(
        self, review: ReviewSet, decisions: ReviewDecisions
    ) -> list[ReviewWrite]:
        """Write a review's accepted tests; the session's chat block shows it decided."""
        written = await self.conversation.apply_review(review, decisions)
        for block in self.chat.query(TestFileBlock):
            if block.block_id == review.session_id:
                block.decision = "accepted" if written else "rejected"
        return written

    async def reject(self, block_id: str) -> None:
        """Discard a proposed suite."""
        await self.conversation.reject(block_id)

    @property
    def watching(self) -> bool:
        """True while a /watch runs."""
        watch = self.conversation.watching
        return watch is not None and watch.running

    async def stop_watch(self) -> bool:
        """Stop the /watch and wait for its sandbox to go; False when none ran."""
        return await self.conversation.stop_watch()

    def close_watch(self) -> ChatWatch | None:
        """The screen is going: draw nothing more, ask the /watch to stop; return it to await."""
        self.conversation.listener = None
        watch = self.conversation.watching
        if watch is None or not watch.running:
            return None
        watch.request_stop()
        return watch

    async def resume(self, session_id: str) -> list[MessageRecord]:
        """Continue a stored session; return its messages for the chat to show."""
        return await self.conversation.resume(session_id)

    # --- drawing what the conversation says ----------------------------------------------

    async def render(self, event: Event) -> None:
        """The conversation's listener: one event, drawn before the next is made."""
        match event:
            case ChatMessageStarted():
                turn = await self.chat.start_assistant_message()
                self._turns[event.message_id] = turn
                self.bridge.open_stream(event.message_id, turn)
            case ChatMessageFinished():
                await self._finish_message(event)
            case ChatNotice():
                await self.chat.add_notice(event.text, event.level)
            case ProposedSuite():
                await self.chat.add_test_file(
                    TestFile(
                        block_id=event.block_id,
                        path=event.path,
                        code=event.code,
                        tests=event.tests,
                        passed=event.passed,
                        failed=event.failed,
                        branch_gain=event.branch_gain,
                        joins=event.joins,
                    ),
                    collapsed=True,
                )
                # Staged, not written: the review screen opens on it (issue 14).
                self.app.open_review(event.session_id or event.block_id)
            case ChatWorkStarted():
                self.bridge.reset_plan()
            case ChatWorkFinished():
                await self._finish_work(event)
            case SettingChanged(setting="provider"):
                self.bridge.set_status(provider=event.shown, tokens=None, cost=None)
            case SettingChanged(setting="runtime"):
                self.bridge.set_status(runtime=event.shown, isolated=event.isolated)
            case ShowSessionsRequested():
                self.app.action_show_history()
            case _:
                pass  # tokens reach the bridge over the bus; user messages are drawn on submit

    async def _finish_message(self, event: ChatMessageFinished) -> None:
        turn = self._turns.pop(event.message_id, None)
        try:
            if not event.interrupted:
                await self.bridge.drain()
        finally:
            self.bridge.close_stream(event.message_id)
            if turn is not None:
                await turn.finish()

    async def _finish_work(self, event: ChatWorkFinished) -> None:
        await self.bridge.drain()
        if event.passed is not None and event.failed is not None:
            self.bridge.set_status(
                passed=event.passed,
                failed=event.failed,
                line_percent=event.line_percent,
                branch_percent=event.branch_percent,
            )
