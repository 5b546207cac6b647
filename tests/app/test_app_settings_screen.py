"""Settings screen: edit, validate, save to regoose.toml, apply to the running app."""

from __future__ import annotations

import tomllib
from pathlib import Path

from app_harness import AppFactory, active_screen, wait_for
from textual.widgets import Input, Select

from regoose_tui.app.screens.modals import ErrorModal
from regoose_tui.app.screens.settings import SettingsScreen


async def test_save_writes_the_project_toml_and_applies(
    make_app: AppFactory, project: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("f3")
        screen = active_screen(app, SettingsScreen)
        iterations = screen.query_one("#iterations", Input)
        iterations.value = "5"
        screen.query_one("#budget", Input).value = "42"
        screen.query_one("#model", Input).value = "gpt-4o-mini"
        screen.query_one("#theme", Select).value = "regoose-light"
        await pilot.pause()
        assert app.theme == "regoose-light"  # previewed at once
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is app.main_screen, within=5)
    saved = tomllib.loads((project / "regoose.toml").read_text(encoding="utf-8"))
    assert saved["generate"] == {"iterations": 5, "budget_seconds": 42.0}
    assert saved["provider"] == {"model": "gpt-4o-mini"}
    assert saved["runtime"] == {"name": "local"}
    assert saved["ui"]["theme"] == "regoose-light"
    assert app.settings.generate.iterations == 5
    assert "api_key" not in (project / "regoose.toml").read_text(encoding="utf-8")


async def test_invalid_value_shows_the_error_modal_and_saves_nothing(
    make_app: AppFactory, project: Path
) -> None:
    before = (project / "regoose.toml").read_text(encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("f3")
        screen = active_screen(app, SettingsScreen)
        screen.query_one("#iterations", Input).value = "0"
        await pilot.click("#save")
        await wait_for(pilot, lambda: isinstance(app.screen, ErrorModal), within=5)
        modal = active_screen(app, ErrorModal)
        assert modal.error_title == "Config error"
        assert "generate.iterations" in modal.message
        await pilot.press("escape")
        assert app.screen is screen
        await pilot.press("escape")  # leave without saving; the theme goes back
        assert app.screen is app.main_screen
    assert (project / "regoose.toml").read_text(encoding="utf-8") == before
    assert app.settings.generate.iterations == 1
