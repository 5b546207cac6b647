"""ChatView and its message widgets: streaming, pruning, test-file blocks."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Button

from regoose_tui.widgets.assistant_message import AssistantMessage
from regoose_tui.widgets.chat_notice import ChatNotice
from regoose_tui.widgets.chat_view import ChatView
from regoose_tui.widgets.test_file_block import TestFile, TestFileBlock
from regoose_tui.widgets.user_message import UserMessage

CODE = "def test_total():\n    assert total([1, 2]) == 3\n"


class ChatApp(App[None]):
    def __init__(self, max_messages: int = 200) -> None:
        super().__init__()
        self.max_messages = max_messages
        self.decisions: list[
            TestFileBlock.Accepted | TestFileBlock.Rejected | TestFileBlock.Opened
        ] = []

    def compose(self) -> ComposeResult:
        yield ChatView(max_messages=self.max_messages)

    def on_test_file_block_accepted(self, message: TestFileBlock.Accepted) -> None:
        self.decisions.append(message)

    def on_test_file_block_rejected(self, message: TestFileBlock.Rejected) -> None:
        self.decisions.append(message)

    def on_test_file_block_opened(self, message: TestFileBlock.Opened) -> None:
        self.decisions.append(message)


async def test_assistant_reply_streams_and_finishes() -> None:
    async with ChatApp().run_test(size=(100, 40)) as pilot:
        chat = pilot.app.query_one(ChatView)
        await chat.add_user_message("write tests for [b]cart.py[/b]")
        turn = await chat.start_assistant_message()
        assert turn.message.has_class("-streaming")
        for fragment in ("# Plan\n\n", "I will test ", "`total()`", "\n\n```python\nx = 1\n```\n"):
            await turn.append(fragment)
        await turn.finish()
        await pilot.pause()
        assert turn.finished and not turn.message.has_class("-streaming")
        assert turn.text == "# Plan\n\nI will test `total()`\n\n```python\nx = 1\n```\n"
        assert turn.message.source == turn.text
        user = chat.query_one(UserMessage)
        assert user.text == "write tests for [b]cart.py[/b]"  # markup left alone
        with pytest.raises(RuntimeError):
            await turn.append("too late")


async def test_stream_is_stopped_when_the_producer_fails() -> None:
    async with ChatApp().run_test(size=(100, 40)) as pilot:
        chat = pilot.app.query_one(ChatView)
        with pytest.raises(ValueError):
            async with await chat.start_assistant_message() as turn:
                await turn.append("partial answer")
                raise ValueError("provider died")
        await pilot.pause()
        assert turn.finished
        assert chat.query_one(AssistantMessage).source == "partial answer"


async def test_old_messages_are_pruned_past_the_limit() -> None:
    async with ChatApp(max_messages=3).run_test(size=(100, 40)) as pilot:
        chat = pilot.app.query_one(ChatView)
        for index in range(5):
            await chat.add_notice(f"notice {index}", "warning" if index == 4 else "info")
        notices = list(chat.query(ChatNotice))
        assert [notice.text for notice in notices] == ["notice 2", "notice 3", "notice 4"]
        assert notices[-1].has_class("-warning")


async def test_test_file_block_buttons_post_messages() -> None:
    test_file = TestFile("tf-1", "tests/test_cart.py", CODE, tests=12, passed=12, branch_gain=34)
    assert test_file.summary == "tests/test_cart.py: 12 tests, 12 passed, +34% branch coverage"
    app = ChatApp()
    async with app.run_test(size=(100, 40)) as pilot:
        chat = pilot.app.query_one(ChatView)
        block = await chat.add_test_file(test_file, collapsed=False)
        await pilot.pause()
        await pilot.click("#open")
        await pilot.click("#accept")
        await pilot.pause()
        assert [(type(m).__name__, m.block_id) for m in app.decisions] == [
            ("Opened", "tf-1"),
            ("Accepted", "tf-1"),
        ]
        assert app.decisions[0].control is block
        assert block.decision == "accepted" and block.has_class("-accepted")
        assert block.query_one("#reject", Button).disabled
        assert block.title.endswith("accepted")


def test_summary_counts_failed_tests_only_when_there_are_some() -> None:
    failing = TestFile("tf-3", "tests/test_x.py", CODE, tests=5, passed=3, failed=2, branch_gain=7)
    assert failing.summary == "tests/test_x.py: 5 tests, 3 passed, 2 failed, +7% branch coverage"
    clean = TestFile("tf-4", "tests/test_x.py", CODE, tests=5, passed=5, failed=0)
    assert clean.summary == "tests/test_x.py: 5 tests, 5 passed"


async def test_a_block_joining_the_projects_file_says_so() -> None:
    joined = TestFile(
        "tf-5", "tests/test_x.py", CODE, tests=3, passed=3, branch_gain=12, joins=True
    )
    assert joined.summary == (
        "tests/test_x.py: 3 new tests (into the project's file), 3 passed, +12% branch coverage"
    )
    app = ChatApp()
    async with app.run_test(size=(100, 40)) as pilot:
        block = await pilot.app.query_one(ChatView).add_test_file(joined, collapsed=False)
        await pilot.pause()
        assert block.query_one("#accept", Button).tooltip == "Add these tests to the project's file"


async def test_reject_posts_rejected() -> None:
    test_file = TestFile("tf-2", "tests/test_shop.py", CODE, tests=3, passed=2)
    app = ChatApp()
    async with app.run_test(size=(100, 40)) as pilot:
        chat = pilot.app.query_one(ChatView)
        block = await chat.add_test_file(test_file, collapsed=False)
        await pilot.pause()
        await pilot.click("#reject")
        await pilot.pause()
        assert [type(m).__name__ for m in app.decisions] == ["Rejected"]
        assert block.decision == "rejected"
        assert block.title == "tests/test_shop.py: 3 tests, 2 passed ✗ rejected"
