"""Hand the [runtime] settings to the runtime registry, for every face alike.

The CLI calls :func:`configure_sandbox` once per command and the conversation
(the app's turns) before every engine turn, so every runtime they create
applies the settings in force: the configured limits, the fallback rule, and
the host facts to keep out of the sandbox (``.env`` files, the session store).
"""

from __future__ import annotations

from pathlib import Path

from regoose_tui.config import Settings


def configure_sandbox(settings: Settings, project: Path | None = None) -> None:
    """Make ``settings.runtime`` the sandbox defaults of this process."""
    from regoose_tui.runtime.registry import configure  # the backends load on first use

    configure(
        settings.runtime.limits(),
        allow_unisolated=settings.runtime.allow_unisolated,
        config_root=(project or Path.cwd()).expanduser().resolve(),
        data_dir=settings.resolved_data_dir(),
        auto_order=settings.runtime.auto_order,
        image=settings.runtime.image,
        pool_size=settings.runtime.pool_size,
        docker_host=settings.runtime.docker_host,
        podman_host=settings.runtime.podman_host,
    )


def start_runtime_trial(settings: Settings) -> None:
    """Start the named runtime's trial sandbox in the background, when it has one to run.

    For a command about to run sandboxes under bwrap: the trial then overlaps
    the rest of its start-up instead of delaying its first sandbox. ``auto``
    tries the container engines first, so it starts nothing here.
    """
    if settings.runtime.name == "bwrap":
        from regoose_tui.runtime.bwrap import start_trial

        start_trial()
