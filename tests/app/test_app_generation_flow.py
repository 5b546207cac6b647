"""A whole generation driven by typing in the chat: offline provider, local runtime, real engine.

Robust under load by construction: a small module, a time budget with headroom
(the budget caps the synthesis, it is not waited out), and every wait is on a
real condition with a generous deadline, never a fixed sleep.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from app_harness import AppFactory, active_screen, wait_for
from textual.widgets import Button

from regoose_tui.app.screens.review import ReviewScreen
from regoose_tui.store.store import SessionStore
from regoose_tui.widgets.chat_input import ChatInput
from regoose_tui.widgets.chat_notice import ChatNotice
from regoose_tui.widgets.live_log import LiveLog
from regoose_tui.widgets.log_buffer import plain_text
from regoose_tui.widgets.plan_graph import PlanGraph
from regoose_tui.widgets.review_tree import ReviewTree
from regoose_tui.widgets.status_bar import StatusBar
from regoose_tui.widgets.test_file_block import TestFileBlock

pytestmark = pytest.mark.slow

#: The smallest example module: the quickest whole generation.
TARGET = "shop/textutil.py"
#: Seconds the engine may spend; generous so a loaded machine still finds tests.
BUDGET_SECONDS = 60
#: pytest's closing line, e.g. "= 20 passed in 0.12s =".
PYTEST_SUMMARY = re.compile(r"\b\d+ passed\b.*\bin \d+(\.\d+)?s\b")
PLAN = ["analyzer", "baseline", "generator", "executor", "validator", "final", "reporter"]


def _log_lines(log: LiveLog) -> list[str]:
    first = log.first_line_number
    return [plain_text(log.line_text(n)) for n in range(first, first + log.line_count)]


async def test_typed_generation_ends_with_a_passing_block_and_accept_writes_it(
    make_app: AppFactory, project: Path, isolated_env: Path
) -> None:
    toml = project / "regoose.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            "budget_seconds = 15", f"budget_seconds = {BUDGET_SECONDS}"
        ),
        encoding="utf-8",
    )
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        main = app.main_screen
        assert app.focused is main.query_one(ChatInput)
        await pilot.press(*f"write tests for {TARGET}", "enter")
        await wait_for(pilot, lambda: main.turn_running, within=10)
        # The UI stays responsive while the engine works: a key is handled at once.
        await pilot.press("ctrl+o")
        assert app.focused is main.query_one(LiveLog)
        await wait_for(pilot, lambda: not main.turn_running, within=BUDGET_SECONDS + 60)

        await wait_for(pilot, lambda: bool(main.query(TestFileBlock)), within=10)
        blocks = list(main.query(TestFileBlock))
        assert len(blocks) == 1, [n.text for n in main.query(ChatNotice)]
        block = blocks[0]
        test_file = block.test_file
        assert test_file.path == "tests/test_shop_textutil.py"
        assert test_file.tests > 0
        assert test_file.passed == test_file.tests and test_file.failed == 0
        assert f"{test_file.tests} tests, {test_file.tests} passed" in str(block.title)

        plan = main.query_one(PlanGraph)
        await wait_for(
            pilot,
            lambda: (
                [n.id for n in plan.nodes] == PLAN and all(n.state == "done" for n in plan.nodes)
            ),
            within=10,
        )

        log = main.query_one(LiveLog)
        await wait_for(
            pilot, lambda: any(PYTEST_SUMMARY.search(line) for line in _log_lines(log)), within=10
        )

        status = main.query_one(StatusBar).info
        assert status.runtime == "local" and not status.isolated
        assert status.passed == test_file.tests and status.failed == 0
        assert status.branch_percent is not None and status.branch_percent > 0

        # Nothing is written until the user accepts: the suite is staged and the
        # review screen opens on it; Esc goes back to the chat, writing nothing.
        written = project / "tests" / "test_shop_textutil.py"
        assert not written.exists()
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen), within=10)
        review = active_screen(app, ReviewScreen)
        await wait_for(pilot, lambda: bool(review.query_one(ReviewTree).entry_keys), within=10)
        assert review.session_id == test_file.block_id
        assert review.query_one(ReviewTree).entry_keys[0] == "tests/test_shop_textutil.py"
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is main, within=10)
        assert not written.exists()
        # The block's Accept writes the whole file (by keyboard: no pointer geometry).
        block.collapsed = False
        accept = block.query_one("#accept", Button)
        await wait_for(pilot, lambda: accept.display and accept.region.height > 0, within=10)
        accept.focus()
        await wait_for(pilot, lambda: app.focused is accept, within=5)
        await pilot.press("enter")
        await wait_for(pilot, written.exists, within=30)
        assert written.read_text(encoding="utf-8") == test_file.code
        assert block.decision == "accepted"
        session_id = main.runner.last_session_id if main.runner else None

    assert session_id is not None
    async with SessionStore.open(isolated_env / "sessions.db") as store:
        record = await store.get_session(session_id)
        files = await store.files(session_id)
        messages = await store.messages(session_id)
    assert record.status == "passed"
    assert record.project == str(project.resolve())
    assert [Path(f.path) for f in files] == [written]
    assert [m.role for m in messages] == ["user", "assistant"]
    assert messages[0].text == f"write tests for {TARGET}"
