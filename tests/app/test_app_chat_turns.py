"""Chat turns other than /generate: help, free text, fix, provider, runtime, run, explain, export."""

from __future__ import annotations

from pathlib import Path

from app_harness import AppFactory, wait_for
from textual.pilot import Pilot

from regoose_tui.app.app import RegooseApp
from regoose_tui.app.screens.history import HistoryScreen
from regoose_tui.app.turns import NEEDS_LLM
from regoose_tui.widgets.assistant_message import AssistantMessage
from regoose_tui.widgets.chat_input import ChatInput
from regoose_tui.widgets.chat_notice import ChatNotice
from regoose_tui.widgets.status_bar import StatusBar

FAILING_TEST = """\
from shop.cart import Cart


def test_new_cart_is_empty():
    assert len(Cart().items) == 0


def test_total_of_nothing_is_one():
    assert Cart().total() == 1
"""


async def _say(pilot: Pilot[int], app: RegooseApp, text: str) -> None:
    """Put a message in the input, send it with Enter and wait for its turn to end.

    The text is inserted at once rather than key by key (each simulated key
    waits for the screen to settle); typing itself is covered by the Tab test
    and the generation flow.
    """
    main = app.main_screen
    main.query_one(ChatInput).insert_text_at_cursor(text)
    await pilot.press("enter")
    await wait_for(pilot, lambda: main.turn_worker is not None, within=5)
    await wait_for(pilot, lambda: not main.turn_running, within=60)
    await pilot.pause(0.1)


def _replies(app: RegooseApp) -> list[str]:
    return [m.source for m in app.main_screen.query(AssistantMessage) if "welcome" not in m.classes]


def _notices(app: RegooseApp) -> list[str]:
    return [n.text for n in app.main_screen.query(ChatNotice)]


async def test_help_lists_the_commands(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await _say(pilot, app, "/help")
        reply = _replies(app)[-1]
        for command in ("/generate", "/run", "/explain", "/export"):
            assert command in reply


async def test_offline_free_text_says_plainly_it_needs_an_llm(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await _say(pilot, app, "what is the meaning of life?")
        reply = _replies(app)[-1]
        assert "offline provider" in reply and "LLM" in reply
        await _say(pilot, app, "make the failing test pass")
        assert _replies(app)[-1] == NEEDS_LLM


async def test_bad_commands_become_notices_not_crashes(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await _say(pilot, app, "/provider nonsense")
        await _say(pilot, app, "/frobnicate")
        await _say(pilot, app, "/generate no/such/file.py")
        notices = _notices(app)
        assert any(n.startswith("Usage error: unknown provider 'nonsense'") for n in notices)
        assert any("unknown command /frobnicate" in n for n in notices)
        assert any(n.startswith("Input error:") and "file.py" in n for n in notices)
        assert app.screen is app.main_screen  # user errors do not raise the modal


async def test_runtime_switch_updates_the_status_bar(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await _say(pilot, app, "/runtime local")
        await pilot.pause(0.1)
        info = app.main_screen.query_one(StatusBar).info
        assert (info.runtime, info.isolated) == ("local", False)
        assert app.settings.runtime.name == "local"
        assert "Runtime: local (NOT ISOLATED)." in _notices(app)


async def test_run_then_explain_then_export(make_app: AppFactory, project: Path) -> None:
    tests_dir = project / "tests"
    tests_dir.mkdir()
    (tests_dir / "test_cart_by_hand.py").write_text(FAILING_TEST, encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await _say(pilot, app, "/export")
        assert "Nothing to export yet: generate or run tests first." in _notices(app)
        await _say(pilot, app, "/explain")
        assert "No failed test" in _replies(app)[-1]

        await _say(pilot, app, "run the tests")
        summary = _replies(app)[-1]
        assert "**1 passed**" in summary and "**1 failed**" in summary
        assert "test_total_of_nothing_is_one" in summary
        info = app.main_screen.query_one(StatusBar).info
        assert (info.passed, info.failed) == (1, 1)
        # A run has no provider of its own: the bar keeps the session's, never "-".
        assert info.provider == app.settings.provider.name and info.runtime != "-"

        await _say(pilot, app, "why did test_total_of_nothing_is_one fail?")
        explanation = _replies(app)[-1]
        assert "test_total_of_nothing_is_one" in explanation
        assert "`1`" in explanation  # the expected value, from the assertion
        assert "`tests/test_cart_by_hand.py:" in explanation  # from the project, not the sandbox

        await _say(pilot, app, "/export json")
        runner = app.main_screen.runner
        assert runner is not None and runner.last_session_id is not None
        report = project / f"regoose-report-{runner.last_session_id}.json"
        assert report.is_file()
        assert f"Exported {report.name}." in _notices(app)


async def test_sessions_command_opens_the_history(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await _say(pilot, app, "/sessions")
        assert isinstance(app.screen, HistoryScreen)


async def test_tab_completes_commands_and_paths(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        chat_input = app.main_screen.query_one(ChatInput)
        await pilot.press(*"/gen")
        await pilot.pause(0.1)
        await pilot.press("tab")
        assert chat_input.value == "/generate"
        await pilot.press(*" shop/ca")
        await wait_for(pilot, lambda: chat_input._suggestion == "/generate shop/cart.py", within=5)
        await pilot.press("tab")
        assert chat_input.value == "/generate shop/cart.py"
