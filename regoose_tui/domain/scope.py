"""What `regoose generate PATH` covers: one file, or every module of a folder, sharded.

A folder (or package) fans out one generation per module: its ``.py`` files,
sorted, without tests, conftest.py, empty ``__init__.py`` files and what
lives in virtualenvs, caches or hidden folders. ``--shard K/N`` keeps every
N-th module starting at the K-th of that sorted list: a CI matrix of N jobs
splits a repository the same way on every machine.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Sequence
from pathlib import Path

from regoose_tui.domain.defs import definitions
from regoose_tui.errors import UsageError

_SKIP_DIRS = frozenset(
    {"__pycache__", "node_modules", "venv", ".venv", "build", "dist", "site-packages"}
)
#: Folders holding tests, not code under test.
_TEST_DIRS = frozenset({"tests", "test", "testing"})
_TEST_FILES = ("test_*.py", "*_test.py", "conftest.py")
_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def modules_in(folder: Path) -> list[Path]:
    """The modules a folder's fan-out generates for, sorted (blocking: a walk and reads)."""
    found: list[Path] = []
    for current, dirs, files in os.walk(folder):
        dirs[:] = sorted(
            d for d in dirs if d not in _SKIP_DIRS | _TEST_DIRS and not d.startswith(".")
        )
        for name in files:
            if not name.endswith(".py") or any(fnmatch.fnmatch(name, g) for g in _TEST_FILES):
                continue
            path = Path(current, name).resolve()
            if name == "__init__.py" and not _defines_something(path):
                continue
            found.append(path)
    return sorted(found)


def _defines_something(path: Path) -> bool:
    try:
        return bool(definitions(path.read_text(encoding="utf-8-sig")))
    except (OSError, UnicodeDecodeError):
        return False


def parse_shard(text: str) -> tuple[int, int]:
    """``"2/4"`` -> (2, 4); UsageError unless 1 <= K <= N."""
    found = _SHARD.match(text)
    if not found:
        raise UsageError(f"--shard {text}: give K/N, e.g. --shard 1/4")
    k, n = int(found.group(1)), int(found.group(2))
    if n < 1 or not 1 <= k <= n:
        raise UsageError(f"--shard {text}: K must be between 1 and N (N at least 1)")
    return k, n


def shard(paths: Sequence[Path], k: int, n: int) -> list[Path]:
    """The K-th of N stable slices of ``paths``: sorted, then every i with i % N == K - 1."""
    return [path for i, path in enumerate(sorted(paths)) if i % n == k - 1]
