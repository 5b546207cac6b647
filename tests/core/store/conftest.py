"""Fixtures for the session store tests: a fresh database per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from regoose_tui.store import SessionStore


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "sessions.db"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[SessionStore]:
    async with SessionStore.open(db_path) as opened:
        yield opened


NewSession = Callable[..., Awaitable[str]]


@pytest.fixture
def new_session() -> NewSession:
    """``await new_session(store, **overrides)`` creates a session with plain defaults."""

    async def create(store: SessionStore, **overrides: Any) -> str:
        fields: dict[str, Any] = {
            "target": "src/cart.py",
            "project": "/home/u/shop",
            "provider": "offline",
            "runtime": "local",
        }
        fields.update(overrides)
        return await store.create_session(**fields)

    return create
