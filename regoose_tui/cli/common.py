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
from regoose_tui.store.store import SessionStore


def settings_for(args: Any, project: Path | None = None) -> Settings:
    """Effective settings: flags over env over .env over regoose.toml over defaults."""
    overrides: dict[str, Any] = {
        "provider__name": getattr(args, "provider", None),
        "provider__api_base": getattr(args, "api_base", None),
        "provider__fallbacks": getattr(args, "fallback", None),
        "provider__strategy": getattr(args, "strategy", None),
        "runtime__name": getattr(args, "runtime", None),
        "generate__iterations": getattr(args, "iterations", None),
        "generate__budget_seconds": getattr(args, "budget", None),
        "generate__out_dir": getattr(args, "out", None),
    }
    return load_settings(project, **overrides)


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
