"""Conversation tests: a copy of examples/ in tmp, a real store, a real bus, no screen."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from conversation_support import EXAMPLES, PROJECT_TOML, ConversationFactory, EventLog

from regoose_tui.bus.bus import MessageBus
from regoose_tui.config import load_settings
from regoose_tui.conversation import Conversation, StandaloneHost
from regoose_tui.conversation.host import ProviderMaker
from regoose_tui.store.store import SessionStore


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of examples/ (no tests of its own) with a fast regoose.toml."""
    target = tmp_path / "project"
    shutil.copytree(EXAMPLES, target, ignore=shutil.ignore_patterns("__pycache__", "tests"))
    (target / "regoose.toml").write_text(
        PROJECT_TOML.format(runtime="local", budget=15), encoding="utf-8"
    )
    return target


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SessionStore]:
    async with SessionStore.open(tmp_path / "db" / "sessions.db") as opened:
        yield opened


@pytest.fixture
async def bus() -> AsyncIterator[MessageBus]:
    bus = MessageBus()
    yield bus
    await bus.close(grace=2)


@pytest.fixture
def make_conversation(project: Path, store: SessionStore, bus: MessageBus) -> ConversationFactory:
    def make(
        *,
        runtime: str = "local",
        budget: float = 15,
        provider_factory: ProviderMaker | None = None,
    ) -> tuple[Conversation, EventLog]:
        (project / "regoose.toml").write_text(
            PROJECT_TOML.format(runtime=runtime, budget=budget), encoding="utf-8"
        )
        host = StandaloneHost(load_settings(project), store, provider_factory=provider_factory)
        log = EventLog()
        return Conversation(host, project_dir=project, bus=bus, listener=log), log

    return make
