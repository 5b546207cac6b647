"""The settings screen: provider, model, API base, runtime, iterations, budget, theme.

Save validates the values (update_settings), writes the project's
regoose.toml (never an API key) and applies them to the running app.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Select, Static

from regoose_tui.app.paths import styles_path
from regoose_tui.app.screens.main import log_per_session
from regoose_tui.config import TOML_NAME, UISettings, find_config_file
from regoose_tui.config_file import save_settings
from regoose_tui.errors import RegooseError
from regoose_tui.runtime.registry import RUNTIME_NAMES

if TYPE_CHECKING:
    from regoose_tui.app.app import RegooseApp

#: The log's keep/clear choice is offered once the config has a field for it.
HAS_LOG_PER_SESSION = "log_per_session" in UISettings.model_fields


class SettingsScreen(Screen[None]):
    """A form over the settings that matter day to day."""

    CSS_PATH = styles_path("settings.tcss")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", id="settings.close", tooltip="Leave without saving"),
        Binding("ctrl+s", "save", "Save", id="settings.save", tooltip="Save to regoose.toml"),
    ]

    @property
    def regoose(self) -> RegooseApp:
        return cast("RegooseApp", self.app)

    def compose(self) -> ComposeResult:
        settings = self.regoose.settings
        themes = sorted(self.app.available_themes)
        with Vertical(id="settings"):
            with Grid(id="form"):
                yield Label("Provider", classes="field-label")
                yield Input(
                    settings.provider.name, id="provider", tooltip="offline or a LiteLLM model"
                )
                yield Label("Model", classes="field-label")
                yield Input(
                    settings.provider.model or "", placeholder="(from the provider)", id="model"
                )
                yield Label("API base", classes="field-label")
                yield Input(
                    settings.provider.api_base or "", placeholder="https://…", id="api_base"
                )
                yield Label("Runtime", classes="field-label")
                yield Select(
                    [(name, name) for name in RUNTIME_NAMES],
                    value=settings.runtime.name,
                    allow_blank=False,
                    id="runtime",
                )
                yield Label("Iterations", classes="field-label")
                yield Input(str(settings.generate.iterations), type="integer", id="iterations")
                yield Label("Budget (s)", classes="field-label")
                yield Input(f"{settings.generate.budget_seconds:g}", type="number", id="budget")
                yield Label("Theme", classes="field-label")
                yield Select(
                    [(name, name) for name in themes],
                    value=self.app.theme if self.app.theme in themes else themes[0],
                    allow_blank=False,
                    id="theme",
                )
                if HAS_LOG_PER_SESSION:
                    yield Label("Test log", classes="field-label")
                    yield Select(
                        [
                            ("kept across sessions", "keep"),
                            ("cleared per session", "clear"),
                        ],
                        value=log_per_session(settings),
                        allow_blank=False,
                        id="log_per_session",
                    )
            yield Static(
                "API keys are read from the environment or .env, never saved here.",
                id="settings-note",
            )
            with Horizontal(id="settings-buttons"):
                yield Button("Save", id="save", variant="primary")
                yield Button("Cancel", id="cancel")  # fmt: skip
        yield Footer()

    def on_mount(self) -> None:
        self._theme_before = self.app.theme
        target = self.config_path()
        form = self.query_one("#settings")
        form.border_title = "Settings"
        project = self.regoose.options.project_dir
        form.border_subtitle = (
            target.relative_to(project).as_posix()
            if target.is_relative_to(project)
            else str(target)
        )
        for field in self.query(Input):
            field.cursor_blink = self.regoose.options.cursor_blink
        self.query_one("#provider", Input).focus()

    def config_path(self) -> Path:
        """The file Save writes: $REGOOSE_CONFIG_FILE or the project's regoose.toml."""
        project = self.regoose.options.project_dir
        try:
            return find_config_file(project) or project / TOML_NAME
        except RegooseError:
            return project / TOML_NAME

    def form_values(self) -> dict[str, Any]:
        """The form as update_settings keys (blank optional fields stay as they were)."""

        def text(field_id: str) -> str | None:
            value = self.query_one(f"#{field_id}", Input).value.strip()
            return value or None

        iterations = text("iterations")
        budget = text("budget")
        extra: dict[str, Any] = {}
        if HAS_LOG_PER_SESSION:
            extra["ui__log_per_session"] = self.query_one("#log_per_session", Select).value
        return {
            **extra,
            "provider__name": text("provider"),
            "provider__model": text("model"),
            "provider__api_base": text("api_base"),
            "runtime__name": self.query_one("#runtime", Select).value,
            "generate__iterations": int(iterations) if iterations else None,
            "generate__budget_seconds": float(budget) if budget else None,
            "ui__theme": self.query_one("#theme", Select).value,
        }

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_close()

    @on(Select.Changed, "#theme")
    def _preview_theme(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.app.theme = event.value

    def action_save(self) -> None:
        """Validate, write and apply."""
        self.save()

    @work(group="settings-save", exclusive=True, exit_on_error=False)
    async def save(self) -> None:
        """Validate the form, write the TOML file in a thread, apply to the app."""
        try:
            settings = self.regoose.change_settings(**self.form_values())
            path = self.config_path()
            await asyncio.to_thread(save_settings, settings, path)
        except RegooseError as error:
            self.regoose.show_error(error)
            return
        self.app.theme = settings.ui.theme
        main = self.regoose.main_screen
        if main.bridge is not None:
            main.bridge.set_status(provider=settings.provider.name)
            main.bridge.log_per_session = log_per_session(settings)
            main.probe_runtime()
        self.notify(f"Saved to {path.name}", title="Settings")
        self.dismiss()

    def action_close(self) -> None:
        """Leave without saving (the theme goes back too)."""
        self.app.theme = self._theme_before
        self.dismiss()
