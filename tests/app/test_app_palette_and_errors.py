"""Command palette providers, the error modal, and a store that cannot open."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_harness import AppFactory, active_screen, seed_session, wait_for
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input

from regoose_tui.app.app import RegooseApp
from regoose_tui.app.screens.history import HistoryScreen
from regoose_tui.app.screens.modals import ErrorModal
from regoose_tui.app.screens.replay import ReplayScreen
from regoose_tui.errors import SandboxUnavailable
from regoose_tui.widgets.chat_input import ChatInput


async def _palette(pilot: Pilot[int], app: RegooseApp, query: str) -> None:
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), within=5)
    palette = active_screen(app, CommandPalette)
    palette.query_one(Input).value = query  # one search, not one per typed key
    await pilot.pause(0.4)
    await pilot.press("enter")
    await pilot.pause(0.1)


async def test_palette_switches_theme(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await _palette(pilot, app, "theme: regoose-light")
        assert app.theme == "regoose-light"


async def test_palette_opens_screens_and_prefills_commands(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await _palette(pilot, app, "screen: session history")
        active_screen(app, HistoryScreen)
        await _palette(pilot, app, "command: generate tests")
        assert app.screen is app.main_screen
        assert app.main_screen.query_one(ChatInput).value == "/generate "


async def test_palette_opens_a_stored_session(make_app: AppFactory, project: Path) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        session_id = await seed_session(await app.get_store(), project, target="shop/inventory.py")
        await _palette(pilot, app, "session: shop/inventory")
        screen = active_screen(app, ReplayScreen)
        assert screen.session_id == session_id


async def test_error_modal_shows_title_and_message(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        app.show_error(SandboxUnavailable("bubblewrap is not installed"))
        await pilot.pause()
        modal = active_screen(app, ErrorModal)
        assert (modal.error_title, modal.message) == (
            "Sandbox error",
            "bubblewrap is not installed",
        )
        await pilot.press("enter")
        assert app.screen is app.main_screen


async def test_a_store_that_cannot_open_is_reported_once_and_the_app_keeps_running(
    make_app: AppFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be", encoding="utf-8")
    monkeypatch.setenv("REGOOSE_DATA_DIR", str(blocker))
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorModal), within=5)
        assert active_screen(app, ErrorModal).error_title == "Store error"
        await pilot.press("escape")
        await pilot.press(*"/help", "enter")  # the chat still works without a store
        await wait_for(pilot, lambda: not app.main_screen.turn_running, within=5)
