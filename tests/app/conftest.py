"""App tests: every app runs on a copy of examples/ in tmp, with its own store and no user config."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from app_harness import EXAMPLES, PROJECT_TOML, AppFactory

from regoose_tui.app.app import RegooseApp
from regoose_tui.app.context import AppOptions, ProviderFactory
from regoose_tui.config import load_settings


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No user config, no user store: REGOOSE_DATA_DIR in tmp, cwd in tmp, REGOOSE_* cleared."""
    for name in list(os.environ):
        if name.startswith("REGOOSE_"):
            monkeypatch.delenv(name)
    data = tmp_path / "data"
    monkeypatch.setenv("REGOOSE_DATA_DIR", str(data))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    return data


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of examples/ with a fast regoose.toml (local runtime, one iteration)."""
    target = tmp_path / "project"
    shutil.copytree(EXAMPLES, target, ignore=shutil.ignore_patterns("__pycache__", "tests"))
    (target / "regoose.toml").write_text(PROJECT_TOML, encoding="utf-8")
    return target


@pytest.fixture
def make_app(project: Path) -> AppFactory:
    """Build a RegooseApp on the test project (settings from its regoose.toml)."""

    def build(
        *,
        provider_factory: ProviderFactory | None = None,
        clock: Callable[[], float] | None = None,
        project_dir: Path | None = None,
    ) -> RegooseApp:
        folder = project_dir or project
        return RegooseApp(
            AppOptions(
                project_dir=folder,
                settings=load_settings(folder),
                clock=clock or time.monotonic,
                provider_factory=provider_factory,
                cursor_blink=False,
            )
        )

    return build
