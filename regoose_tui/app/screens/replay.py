"""A stored session replayed read-only: its chat, plan, log and status, from its events.

The stored events are folded by the same BusBridge (and so the same headless
ViewReducer) as a live run, in one ``feed_all``, so what you see is what the
live screen showed; nothing can be typed.
"""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.binding import Binding, BindingType

from regoose_tui.app.formatting import display_path
from regoose_tui.app.paths import styles_path
from regoose_tui.app.screens.main import MainScreen
from regoose_tui.errors import RegooseError
from regoose_tui.widgets.assistant_message import AssistantMessage
from regoose_tui.widgets.chat_view import ChatView
from regoose_tui.widgets.plan_graph import PlanGraph
from regoose_tui.widgets.test_file_block import TestFile


class ReplayScreen(MainScreen):
    """The main screen's layout, read-only, showing one stored session."""

    CSS_PATH = [styles_path("main.tcss"), styles_path("replay.tcss")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="replay.close", tooltip="Back to the history"),
        Binding("r", "resume", "Resume", id="replay.resume", tooltip="Continue this session"),
    ]
    read_only: ClassVar[bool] = True

    def __init__(self, session_id: str) -> None:
        super().__init__()
        self.session_id = session_id
        """The session shown."""
        self.loaded = False
        """True once every stored event was fed to the bridge."""

    def after_mount(self) -> None:
        """Title the chat with the session and load it (MainScreen.on_mount calls this)."""
        self.query_one("#chat-pane").border_title = f"Chat — session {self.session_id}"
        self.add_class("-replay")
        self.load()

    @work(group="replay", exit_on_error=False)
    async def load(self) -> None:
        """Read the session from the store and fold its events through the bridge."""
        assert self.bridge is not None
        chat = self.query_one(ChatView)
        try:
            store = await self.regoose.get_store()
            record = await store.get_session(self.session_id)
            messages = await store.messages(self.session_id)
            events = await store.events(self.session_id)
            files = await store.files(self.session_id)
        except RegooseError as error:
            await chat.add_notice(f"{error.title}: {error.msg}", "error")
            return
        target = display_path(record.target.split(" ")[0], record.project)
        await chat.add_notice(f"Replay of {target} · {record.status} · read-only (r resumes it)")
        for message in messages:
            if message.role == "user":
                await chat.add_user_message(message.text)
            else:
                await chat.mount(AssistantMessage(message.text))
        for stored in files:
            block = await chat.add_test_file(
                TestFile(
                    block_id=f"{self.session_id}:{stored.path}",
                    path=display_path(stored.path, record.project),
                    code=stored.content,
                    tests=stored.tests,
                    passed=stored.tests,  # a written suite holds only tests that passed
                    branch_gain=record.branch_percent,
                )
            )
            block.decision = "accepted"
        self.bridge.feed_all(events)
        self.bridge.settle()
        await self.bridge.flush()
        self.query_one(PlanGraph).border_subtitle = record.status  # the session's verdict
        self.loaded = True

    def action_close(self) -> None:
        """Back to where the replay was opened from."""
        self.dismiss()

    async def action_resume(self) -> None:
        """Continue this session on the main screen."""
        await self.regoose.resume_session(self.session_id)
