"""What the app is started with: project, settings, clock and test seams."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from regoose_tui.config import Settings
from regoose_tui.providers.base import Provider

#: A monotonic clock in seconds; snapshot tests inject a fixed one.
Clock = Callable[[], float]
#: Builds the provider called by name; tests inject a scripted one.
ProviderFactory = Callable[[str], Provider]


@dataclass
class AppOptions:
    """Everything RegooseApp needs that is not Textual: the CLI fills it, tests vary it."""

    project_dir: Path
    """The folder the user works in (paths typed in the chat are relative to it)."""
    settings: Settings
    """The effective settings (the settings screen replaces them)."""
    clock: Clock = time.monotonic
    """Source of elapsed times (status bar)."""
    provider_factory: ProviderFactory | None = None
    """None: the engine builds the provider from its name (offline, LiteLLM)."""
    cursor_blink: bool = True
    """False in snapshot tests, so every frame is the same."""
    animations: bool = True
    """False in snapshot tests: spinners hold still."""

    def store_path(self) -> Path | None:
        """The session database: ``data_dir/sessions.db`` when configured, else the default."""
        if self.settings.data_dir is not None:
            return Path(self.settings.data_dir) / "sessions.db"
        return None
