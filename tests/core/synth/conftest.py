"""Fixtures for the offline engine tests: a real runtime and interpreter."""

from __future__ import annotations

import sys

import pytest

from regoose_tui.runtime.local import LocalRuntime


@pytest.fixture
def local_runtime() -> LocalRuntime:
    """The local runtime (real subprocesses)."""
    return LocalRuntime()


@pytest.fixture
def python() -> str:
    """The interpreter that runs the probes and the generated tests."""
    return sys.executable
