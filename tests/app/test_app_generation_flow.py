"""A whole generation driven by typing in the chat: offline provider, local runtime, real engine."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_harness import AppFactory, wait_for
from regoose_tui.widgets.chat_input import ChatInput
from regoose_tui.widgets.chat_notice import ChatNotice
from regoose_tui.widgets.live_log import LiveLog
from regoose_tui.widgets.plan_graph import PlanGraph
from regoose_tui.widgets.status_bar import StatusBar
from regoose_tui.widgets.test_file_block import TestFileBlock
from textual.widgets import Button

from regoose_tui.store.store import SessionStore

pytestmark = pytest.mark.slow


def _log_lines(log: LiveLog) -> list[str]:
    first = log.first_line_number
    return [log.line_text(n) for n in range(first, first + log.line_count)]


async def test_typed_generation_ends_with_a_passing_block_and_accept_writes_it(
    make_app: AppFactory, project: Path, isolated_env: Path
) -> None:
    # More time than the fast default: on a busy machine the synthesis needs room to find tests.
    toml = project / "regoose.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("budget_seconds = 15", "budget_seconds = 25"),
        encoding="utf-8",
    )
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        main = app.main_screen
        assert app.focused is main.query_one(ChatInput)
        await pilot.press(*"write tests for shop/cart.py", "enter")
        await wait_for(pilot, lambda: main.turn_running, within=5)
        # The UI stays responsive while the engine works: a key is handled at once.
        await pilot.press("ctrl+o")
        assert app.focused is main.query_one(LiveLog)
        await wait_for(pilot, lambda: not main.turn_running, within=90)
        await pilot.pause(0.2)

        blocks = list(main.query(TestFileBlock))
        assert len(blocks) == 1, [n.text for n in main.query(ChatNotice)]
        block = blocks[0]
        test_file = block.test_file
        assert test_file.path == "tests/test_shop_cart.py"
        assert test_file.tests > 0
        assert test_file.passed == test_file.tests
        assert f"{test_file.tests} tests, {test_file.tests} passed" in str(block.title)

        plan = main.query_one(PlanGraph)
        assert [node.id for node in plan.nodes] == [
            "analyzer",
            "generator",
            "executor",
            "validator",
            "reporter",
        ]
        assert all(node.state == "done" for node in plan.nodes)

        log_lines = _log_lines(main.query_one(LiveLog))
        assert any(" passed" in line and "in " in line for line in log_lines)

        status = main.query_one(StatusBar).info
        assert status.runtime == "local" and not status.isolated
        assert status.passed == test_file.tests and status.failed == 0
        assert status.branch_percent is not None and status.branch_percent > 0

        # Nothing is written until the user accepts.
        written = project / "tests" / "test_shop_cart.py"
        assert not written.exists()
        block.collapsed = False
        await pilot.pause()
        accept = block.query_one("#accept", Button)
        accept.scroll_visible(animate=False, immediate=True)
        await pilot.pause()
        await pilot.click(accept)
        await wait_for(pilot, written.exists, within=10)
        assert written.read_text(encoding="utf-8") == test_file.code
        assert block.decision == "accepted"
        session_id = main.runner.last_session_id if main.runner else None

    assert session_id is not None
    async with SessionStore.open(isolated_env / "sessions.db") as store:
        record = await store.get_session(session_id)
        files = await store.files(session_id)
        messages = await store.messages(session_id)
    assert record.status == "passed"
    assert [Path(f.path) for f in files] == [written]
    assert [m.role for m in messages] == ["user", "assistant"]
    assert messages[0].text == "write tests for shop/cart.py"
