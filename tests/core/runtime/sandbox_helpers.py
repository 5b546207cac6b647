"""Helpers shared by the sandbox runtime tests (imported by name, not a fixture)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from regoose_tui.runtime.base import Runtime
from regoose_tui.runtime.bwrap import BwrapRuntime
from regoose_tui.runtime.local import LocalRuntime

PYTHON = sys.executable
#: The module the pytest-runner tests measure: three branches, one line each.
SIGN = """\
def sign(x):
    if x > 0:
        return 1
    if x < 0:
        return -1
    return 0
"""


def require_bwrap() -> None:
    """Fail loudly when bubblewrap is unusable; skip only when explicitly allowed.

    CI installs bubblewrap, so a missing one is a broken environment, not a
    reason to pass quietly.
    """
    available = BwrapRuntime.availability()
    if available.usable:
        return
    if os.environ.get("REGOOSE_ALLOW_NO_BWRAP") == "1":
        pytest.skip(f"bubblewrap unusable and REGOOSE_ALLOW_NO_BWRAP=1: {available.reason}")
    pytest.fail(
        f"bubblewrap is required for these tests: {available.reason} "
        "(install bubblewrap, or set REGOOSE_ALLOW_NO_BWRAP=1 to skip them)",
        pytrace=False,
    )


def runtime_named(name: str) -> Runtime:
    """``bwrap`` (required: see require_bwrap) or the local runtime."""
    if name == "bwrap":
        require_bwrap()
        return BwrapRuntime()
    return LocalRuntime()


def processes_with(marker: str, *more: str) -> list[int]:
    """Host pids whose command line contains ``marker`` and each of ``more`` (zombies
    have none)."""
    wanted = [m.encode() for m in (marker, *more)]
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if all(m in cmdline for m in wanted):
            found.append(int(entry.name))
    return found


def command_running(marker: str, within: float = 20.0) -> bool:
    """Poll until the command itself (not a bwrap still setting up) carries ``marker``.

    bwrap's own argv holds the marker from its first instant; killing Regoose
    before bwrap has started the command is a different case from killing it
    while the command runs, which is what the tests mean to check.
    """
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        for pid in processes_with(marker):
            try:
                argv0 = (Path("/proc") / str(pid) / "cmdline").read_bytes().split(b"\0")[0]
            except OSError:
                continue
            if not argv0.endswith(b"bwrap"):
                return True
        time.sleep(0.02)
    return False


def wait_gone(marker: str, within: float = 10.0) -> list[int]:
    """Poll until no process carries ``marker``; return the survivors (empty is good)."""
    deadline = time.monotonic() + within
    while (alive := processes_with(marker)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive


def wait_until_present(marker: str, within: float = 5.0) -> bool:
    """Poll until some process carries ``marker``."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if processes_with(marker):
            return True
        time.sleep(0.02)
    return False
