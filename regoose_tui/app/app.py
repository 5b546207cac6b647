"""RegooseApp: composes the screens and routes between them; the work happens elsewhere.

The app owns the long-lived services: the settings, the message bus and the
session store (opened in a worker after the first frame, so startup never
waits on SQLite). Screens reach them through this class; turns run in the
main screen; the bus bridge draws the events.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.widget import Widget

from regoose_tui.app.commands import (
    AgentsProvider,
    CommandsProvider,
    SessionsProvider,
    ThemesProvider,
)
from regoose_tui.app.context import AppOptions
from regoose_tui.app.paths import styles_path
from regoose_tui.app.screens.help import HelpScreen, bindings_by_widget
from regoose_tui.app.screens.main import MainScreen
from regoose_tui.app.screens.modals import ErrorModal
from regoose_tui.app.theme import DEFAULT_THEME, REGOOSE_THEMES
from regoose_tui.bus.bus import MessageBus
from regoose_tui.config import Settings, update_settings
from regoose_tui.errors import RegooseError, StoreError
from regoose_tui.providers.base import Provider
from regoose_tui.store.store import SessionStore

if TYPE_CHECKING:
    from regoose_tui.conversation.watching import ChatWatch


#: Seconds the app waits, when it closes, for a /watch to kill its rerun's sandbox.
WATCH_STOP_SECONDS = 10.0


class RegooseApp(App[int]):
    """The Regoose terminal app."""

    CSS_PATH = styles_path("app.tcss")
    TITLE = "Regoose"
    COMMANDS: ClassVar[set[Any]] = App.COMMANDS | {
        CommandsProvider,
        SessionsProvider,
        AgentsProvider,
        ThemesProvider,
    }
    # A mode (not get_default_screen) so that Textual loads the screen's CSS_PATH.
    MODES: ClassVar[dict[str, Any]] = {"main": MainScreen}
    DEFAULT_MODE = "main"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Keys", id="app.help", tooltip="Keys of the focused widget"),
        Binding("f2", "show_history", "Sessions", id="app.history", tooltip="Past sessions"),
        Binding("f3", "show_settings", "Settings", id="app.settings", tooltip="Edit settings"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True, tooltip="Quit Regoose"),
    ]

    def __init__(self, options: AppOptions) -> None:
        super().__init__()
        self.options = options
        """Project, settings, clock and test seams."""
        self.bus = MessageBus()
        """The one bus of this app: turns publish, the bridge and the store listen."""
        self._store: SessionStore | None = None
        self._store_error: RegooseError | None = None
        self._store_ready = asyncio.Event()
        self.stopping_watches: list[ChatWatch] = []
        """/watch runs of closed screens, awaited before the bus closes."""
        for theme in REGOOSE_THEMES:
            self.register_theme(theme)
        self.theme = self._initial_theme(options.settings)
        if options.settings.ui.keymap:
            self.set_keymap(options.settings.ui.keymap)

    @staticmethod
    def _initial_theme(settings: Settings) -> str:
        """The user's theme if they chose one, else Regoose's own."""
        if "theme" in settings.ui.model_fields_set:
            return settings.ui.theme
        return DEFAULT_THEME

    @property
    def main_screen(self) -> MainScreen:
        """The chat / plan / log screen at the bottom of the stack."""
        for screen in self.screen_stack:
            if type(screen) is MainScreen:
                return screen
        raise RuntimeError("the main screen is not installed yet")

    # --- services ---------------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        """The effective settings."""
        return self.options.settings

    def change_settings(self, **changes: Any) -> Settings:
        """Apply validated changes (``provider__name=...``) for this run; raises ConfigError."""
        self.options.settings = update_settings(self.options.settings, **changes)
        return self.options.settings

    def make_provider(self, name: str, required: bool = False) -> Provider | None:
        """The provider called ``name``: the injected factory's, or (when ``required``) the real one.

        None means "let the engine build it", which keeps LiteLLM off the UI path.
        """
        if self.options.provider_factory is not None:
            return self.options.provider_factory(name)
        if not required:
            return None
        from regoose_tui.providers.factory import provider_from_settings

        # The configured API base, fallbacks, strategy and key go with the name.
        return provider_from_settings(self.settings.provider, name)

    async def get_store(self) -> SessionStore:
        """The session store, once the startup worker opened it; StoreError if it could not."""
        await self._store_ready.wait()
        if self._store is None:
            raise self._store_error or StoreError("the session store is not open")
        return self._store

    def on_mount(self) -> None:
        self.run_worker(self._open_store(), group="store", exit_on_error=False)

    async def _open_store(self) -> None:
        """Open the store off the first frame's critical path."""
        try:
            self._store = await SessionStore.open(self.options.store_path())
        except RegooseError as error:
            self._store_error = error
            self.show_error(error)
        finally:
            self._store_ready.set()

    async def on_unmount(self) -> None:
        """Stop watches and turns, then close the bus and the store (every event is written)."""
        for watch in self.stopping_watches:
            # Asked to stop when the main screen went; wait until its rerun's sandbox is gone.
            with contextlib.suppress(Exception, asyncio.TimeoutError):
                await asyncio.wait_for(watch.stop(), WATCH_STOP_SECONDS)
        for screen in self.screen_stack:
            self.workers.cancel_node(screen)
        await asyncio.sleep(0)
        await self.bus.close(grace=2)
        if self._store is not None:
            with contextlib.suppress(RegooseError):
                await self._store.close()

    # --- errors --------------------------------------------------------------------------

    def show_error(self, error: RegooseError) -> None:
        """The one error modal: the error's title and its one-line message."""
        self.push_screen(ErrorModal(error.title, error.msg))

    def show_unexpected(self, error: BaseException | None) -> None:
        """A bug, not a Regoose error: still one modal, with the exception's type."""
        detail = f"{type(error).__name__}: {error}" if error is not None else "unknown error"
        self.push_screen(ErrorModal("Unexpected error", detail))

    # --- navigation ------------------------------------------------------------------------

    def action_show_history(self) -> None:
        """Open the session history (once)."""
        from regoose_tui.app.screens.history import HistoryScreen

        if not isinstance(self.screen, HistoryScreen):
            self.push_screen(HistoryScreen())

    def action_show_settings(self) -> None:
        """Open the settings screen (once)."""
        from regoose_tui.app.screens.settings import SettingsScreen

        if not isinstance(self.screen, SettingsScreen):
            self.push_screen(SettingsScreen())

    def action_help(self) -> None:
        """Show the keys of the focused widget, its containers and the app."""
        if isinstance(self.screen, HelpScreen):
            return
        focused: Widget | None = self.focused
        self.push_screen(HelpScreen(bindings_by_widget(self.screen), focused))

    def open_session(self, session_id: str) -> None:
        """Replay a stored session read-only."""
        from regoose_tui.app.screens.replay import ReplayScreen

        self.push_screen(ReplayScreen(session_id))

    def open_review(self, session_id: str) -> None:
        """Review the suites ``session_id`` staged: per file and per test, then apply."""
        from regoose_tui.app.screens.review import ReviewScreen

        if any(
            isinstance(screen, ReviewScreen) and screen.session_id == session_id
            for screen in self.screen_stack
        ):
            return  # already open (Screen is invariant: iterate, do not narrow self.screen)
        self.push_screen(ReviewScreen(session_id))

    async def resume_session(self, session_id: str) -> None:
        """Back to the main screen, continuing ``session_id``."""
        while len(self.screen_stack) > 1:
            self.pop_screen()
        await self.main_screen.resume(session_id)
