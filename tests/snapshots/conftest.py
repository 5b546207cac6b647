"""Snapshot tests: fixed size, fixed clock, UTC dates, no blink, no user config, fixed ids."""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

# The app tests' harness (seeded sessions, fixed clock) serves the snapshots too.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "app"))

from app_harness import EXAMPLES, FixedClock

from regoose_tui.app.app import RegooseApp
from regoose_tui.app.context import AppOptions
from regoose_tui.config import load_settings

SNAPSHOT_TOML = """\
[runtime]
name = "local"
"""


@pytest.fixture(autouse=True)
def deterministic_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Own store, no REGOOSE_* from the developer, dates in UTC."""
    for name in list(os.environ):
        if name.startswith("REGOOSE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("REGOOSE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.chdir(tmp_path)
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def snapshot_project(tmp_path: Path) -> Path:
    """A copy of examples/ whose regoose.toml pins the local runtime (no machine-dependent 'auto')."""
    target = tmp_path / "project"
    shutil.copytree(EXAMPLES, target, ignore=shutil.ignore_patterns("__pycache__", "tests"))
    (target / "regoose.toml").write_text(SNAPSHOT_TOML, encoding="utf-8")
    return target


@pytest.fixture
def snapshot_app(snapshot_project: Path) -> RegooseApp:
    """The app with a frozen clock and no cursor blink."""
    return RegooseApp(
        AppOptions(
            project_dir=snapshot_project,
            settings=load_settings(snapshot_project),
            clock=FixedClock(),
            cursor_blink=False,
            animations=False,
        )
    )
