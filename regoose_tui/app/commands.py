"""Command palette providers: sessions, chat commands, themes and the plan's agents.

Each offers only what applies now (agents only when a plan is shown,
sessions from the store) and names its hits "group: action".
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from regoose_tui.app.formatting import display_path, format_date

if TYPE_CHECKING:
    from regoose_tui.app.app import RegooseApp

_Entry = tuple[str, Callable[[], object], str]


class _RegooseProvider(Provider):
    """Shared matching over a list of (text, callback, help) entries."""

    @property
    def regoose(self) -> RegooseApp:
        return cast("RegooseApp", self.app)

    def entries(self) -> list[_Entry]:
        """What this provider offers right now."""
        return []

    async def discover(self) -> Hits:
        for text, callback, help_text in self.entries():
            yield DiscoveryHit(text, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, callback, help_text in self.entries():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), callback, text=text, help=help_text)


class CommandsProvider(_RegooseProvider):
    """Chat commands and screens: 'command: generate tests…', 'screen: sessions'."""

    def _prefill(self, text: str) -> None:
        from regoose_tui.widgets.chat_input import ChatInput

        app = self.regoose
        while len(app.screen_stack) > 1:
            app.pop_screen()
        chat_input = app.main_screen.query_one(ChatInput)
        chat_input.value = text
        chat_input.cursor_position = len(text)
        chat_input.focus()

    def entries(self) -> list[_Entry]:
        app = self.regoose
        return [
            ("command: generate tests for a file", partial(self._prefill, "/generate "), "/generate PATH"),
            ("command: run the tests", partial(self._prefill, "/run"), "/run [PATH...]"),
            ("command: explain the last failure", partial(self._prefill, "/explain"), "/explain [TEST]"),
            ("command: export the session report", partial(self._prefill, "/export md"), "/export md|json|junit"),
            ("command: watch: rerun the related tests on save", partial(self._prefill, "/watch"), "/watch [PATH]"),
            ("command: watch: stop", partial(self._prefill, "/watch stop"), "/watch stop"),
            ("command: switch provider", partial(self._prefill, "/provider "), "/provider NAME"),
            ("command: switch runtime", partial(self._prefill, "/runtime "), "/runtime NAME"),
            ("screen: session history", app.action_show_history, "Browse, replay, export past sessions"),
            ("screen: settings", app.action_show_settings, "Provider, runtime, budget, theme"),
            ("screen: keys (help)", app.action_help, "Keys of the focused widget"),
        ]  # fmt: skip


class ThemesProvider(_RegooseProvider):
    """'theme: NAME' for every registered theme but the current one."""

    def _set_theme(self, name: str) -> None:
        self.app.theme = name

    def entries(self) -> list[_Entry]:
        return [
            (f"theme: {name}", partial(self._set_theme, name), "Switch the colour theme")
            for name in sorted(self.app.available_themes)
            if name != self.app.theme
        ]


class AgentsProvider(_RegooseProvider):
    """'agent: LABEL' for each node of the plan on screen: opens its events and output."""

    def entries(self) -> list[_Entry]:
        main = self.regoose.main_screen
        if main.bridge is None:
            return []
        return [
            (f"agent: {node.label}", partial(main.open_node, node.id), f"{node.state}")
            for node in main.bridge.nodes
        ]


class SessionsProvider(_RegooseProvider):
    """'session: TARGET' for recent stored sessions: replays one read-only."""

    async def startup(self) -> None:
        self._entries: list[_Entry] = []
        try:
            store = await self.regoose.get_store()
            records = await store.list_sessions(limit=100)
        except Exception:  # the palette must open even when the store cannot
            return
        for record in records:
            when = format_date(record.created_at)
            target = display_path(record.target.split(" ")[0], record.project)
            self._entries.append(
                (
                    f"session: {target} · {when}",
                    partial(self.regoose.open_session, record.id),
                    f"{record.status} · {record.provider} · {record.id}",
                )
            )

    def entries(self) -> list[_Entry]:
        return getattr(self, "_entries", [])
