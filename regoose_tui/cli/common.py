"""What several commands share: settings from flags, the store, the bus, printing."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from regoose_tui.bus.bus import MessageBus
from regoose_tui.config import Settings, load_settings
from regoose_tui.engine.sandbox_setup import configure_sandbox
from regoose_tui.runtime.base import Runtime
from regoose_tui.store.store import SessionStore


def settings_for(args: Any, project: Path | None = None) -> Settings:
    """Effective settings: flags over env over .env over regoose.toml over defaults.

    Also makes them the sandbox defaults of this command (limits, whether
    ``auto`` may fall back to local, which .env and store to keep out of
    every sandbox), so every runtime the command creates applies them.
    """
    overrides: dict[str, Any] = {
        "provider__name": getattr(args, "provider", None),
        "provider__api_base": getattr(args, "api_base", None),
        "provider__fallbacks": getattr(args, "fallback", None),
        "provider__strategy": getattr(args, "strategy", None),
        "runtime__name": getattr(args, "runtime", None),
        "runtime__timeout_seconds": getattr(args, "timeout", None),
        "runtime__memory_mb": getattr(args, "memory", None),
        "runtime__pids_limit": getattr(args, "pids", None),
        "generate__iterations": getattr(args, "iterations", None),
        "generate__budget_seconds": getattr(args, "budget", None),
        "generate__out_dir": getattr(args, "out", None),
    }
    settings = load_settings(project, **overrides)
    configure_sandbox(settings, project)
    return settings


def limits_line(settings: Settings, runtime: Runtime | None = None) -> str:
    """The run header's limits line: what is capped, and how (or that it is not)."""
    from regoose_tui.runtime import cgroup

    rt = settings.runtime
    if runtime is not None and runtime.name in ("docker", "podman"):
        said = runtime.enforcement()  # the engine may ignore them (rootless podman, cgroup v1)
        how = "via the container's cgroup" if " NOT " not in said else f"NOT enforced: {said}"
    else:
        found = cgroup.support()
        how = f"via {found.reason}" if found.usable else f"NOT enforced per run: {found.reason}"
    return (
        f"limits: {rt.timeout_seconds:g} s per run, memory {rt.memory_mb} MiB and "
        f"{rt.pids_limit} pids for the whole run ({how}), tmpfs {rt.tmpfs_mb} MiB each, "
        f"output cut at {rt.output_mb} MB"
    )


@asynccontextmanager
async def open_store(settings: Settings) -> AsyncIterator[SessionStore]:
    """The session store (REGOOSE_DATA_DIR, the config's data_dir, or the user data dir)."""
    path = Path(settings.data_dir) / "sessions.db" if settings.data_dir else None
    async with SessionStore.open(path) as store:
        yield store


@asynccontextmanager
async def open_bus() -> AsyncIterator[MessageBus]:
    """A bus for one command, closed at the end."""
    bus = MessageBus()
    try:
        yield bus
    finally:
        await bus.close()


def print_json(data: object) -> None:
    """One JSON object on stdout."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    sys.stdout.flush()


def note(text: str) -> None:
    """A progress line for people, on stderr so stdout stays parseable."""
    print(text, file=sys.stderr, flush=True)
