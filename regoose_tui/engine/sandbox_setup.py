"""Hand the [runtime] settings to the runtime registry, for every face alike.

The CLI and the app both call :func:`configure_sandbox` whenever their
settings change, so every runtime they create afterwards applies the
configured limits, the fallback rule and the host facts it must keep out
of the sandbox (the config root's ``.env`` files, the session store).
"""

from __future__ import annotations

from pathlib import Path

from regoose_tui.config import Settings
from regoose_tui.runtime.registry import configure


def configure_sandbox(settings: Settings, project: Path | None = None) -> None:
    """Make ``settings.runtime`` the sandbox defaults of this process."""
    configure(
        settings.runtime.limits(),
        allow_unisolated=settings.runtime.allow_unisolated,
        config_root=(project or Path.cwd()).expanduser().resolve(),
        data_dir=settings.resolved_data_dir(),
    )
