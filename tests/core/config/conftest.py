"""Isolate config tests from the developer's environment and working directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No REGOOSE_* variables, cwd is an empty temp dir; returns the project dir."""
    for name in list(os.environ):
        if name.upper().startswith("REGOOSE_"):
            monkeypatch.delenv(name)
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(tmp_path)
    return project


@pytest.fixture
def project(clean_env: Path) -> Path:
    """An empty project directory (not the cwd)."""
    return clean_env
