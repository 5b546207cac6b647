"""What a face gives the conversation: settings, providers and the session store.

The app, the CLI, an MCP server and the core tests each run conversations; the
conversation only needs these four things from them, so it never knows which
face it serves. :class:`RegooseApp` satisfies the protocol as it is;
:class:`StandaloneHost` is the headless one (CLI, MCP, tests).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from regoose_tui.config import Settings, update_settings
from regoose_tui.providers.base import Provider
from regoose_tui.store.store import SessionStore

#: Builds the provider called ``name`` (a test seam: the scripted provider).
ProviderMaker = Callable[[str], Provider]


class ConversationHost(Protocol):
    """The settings, providers and store of the face that runs a conversation."""

    @property
    def settings(self) -> Settings:
        """The effective settings, read anew at every turn (the user may change them)."""
        ...

    def change_settings(self, **changes: Any) -> Settings:
        """Apply validated changes (``provider__name=...``) for this run; ConfigError if bad."""
        ...

    def make_provider(self, name: str, required: bool = False) -> Provider | None:
        """The provider ``name``; None (when not ``required``) lets the engine build it."""
        ...

    async def get_store(self) -> SessionStore:
        """The open session store."""
        ...


class StandaloneHost:
    """A host with no screen: settings in memory, one open store, the real providers."""

    def __init__(
        self,
        settings: Settings,
        store: SessionStore,
        *,
        provider_factory: ProviderMaker | None = None,
    ) -> None:
        self._settings = settings
        self._store = store
        self._provider_factory = provider_factory

    @property
    def settings(self) -> Settings:
        """The effective settings."""
        return self._settings

    def change_settings(self, **changes: Any) -> Settings:
        """Apply validated changes for this conversation (nothing is saved to disk)."""
        self._settings = update_settings(self._settings, **changes)
        return self._settings

    def make_provider(self, name: str, required: bool = False) -> Provider | None:
        """The injected factory's provider, else (when ``required``) the real one."""
        if self._provider_factory is not None:
            return self._provider_factory(name)
        if not required:
            return None
        from regoose_tui.providers.factory import provider_from_settings

        # The configured API base, fallbacks, strategy and key go with the name.
        return provider_from_settings(self.settings.provider, name)

    async def get_store(self) -> SessionStore:
        """The store this host was given."""
        return self._store
