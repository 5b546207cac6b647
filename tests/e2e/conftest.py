"""Fixtures for the end-to-end tests (helpers live in e2e_support)."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from e2e_support import REPO, Result, run_regoose


@pytest.fixture
def regoose() -> Callable[..., Result]:
    """The `regoose` command, run in a subprocess: ``regoose("generate", ...)``."""
    return run_regoose


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """A copy of the bundled example project."""
    target = tmp_path / "examples"
    shutil.copytree(REPO / "examples", target)
    return target
