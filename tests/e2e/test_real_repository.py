"""A real repository nobody here wrote: boltons' sdist, its own tests, in a git repo.

The sdist comes from the package index once (pip download, cached under the
user cache dir; REGOOSE_TEST_CACHE_DIR overrides it) and is put in a git repo
by the test. One of its test files is removed; Regoose generates for that
module with --apply: the file lands in the project's tests/ folder, the whole
suite still passes in the sandbox and covers more of the module than the
remaining suite did, `undo` restores the tree exactly, and a second --seed run
writes the very same bytes. Without the network the test fails, saying why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
import pytest
from e2e_support import Result, run_regoose

PACKAGE, VERSION = "boltons", "26.2.0"
MODULE = "boltons/typeutils.py"
REMOVED = "tests/test_typeutils.py"
GENERATE = ("--seed", "1", "--budget", "120", "--iterations", "2", "--runtime", "bwrap")

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def _cache_dir() -> Path:
    named = os.environ.get("REGOOSE_TEST_CACHE_DIR")
    return Path(named) if named else Path(platformdirs.user_cache_dir("regoose")) / "e2e-sdists"


def _sdist() -> Path:
    """The sdist, downloaded once into the cache (atomically: a rename of a finished file)."""
    cache = _cache_dir()
    cached = cache / f"{PACKAGE}-{VERSION}.tar.gz"
    if cached.is_file():
        return cached
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as scratch:
        done = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
             f"{PACKAGE}=={VERSION}", "-d", scratch],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        found = list(Path(scratch).glob(f"{PACKAGE}-{VERSION}.tar.gz"))
        if done.returncode != 0 or not found:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            pytest.fail(
                f"cannot download the {PACKAGE}=={VERSION} sdist from the package index "
                f"(needed once, then cached in {cache}): {' | '.join(tail)}"
            )
        os.replace(found[0], cached)
    return cached


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _suite(root: Path, env: dict[str, str]) -> dict[str, Any]:
    """The project's whole suite in the sandbox, measuring the targeted module."""
    done = run_regoose(
        "run", "tests", "--project", str(root), "--cov", str(root / MODULE),
        "--runtime", "bwrap", "--json", cwd=root, env=env,
    )  # fmt: skip
    assert done.code == 0, done.err[-2000:]
    return json.loads(done.out)


@dataclass
class Repository:
    root: Path
    env: dict[str, str]
    head: str
    before: dict[str, Any]
    generated: Result
    written: bytes
    after: dict[str, Any]


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Repository:
    if shutil.which("git") is None:
        pytest.fail("git is required for the real-repository test")
    sdist = _sdist()
    base = tmp_path_factory.mktemp("real")
    with tarfile.open(sdist) as archive:
        archive.extractall(base, filter="data")
    root = base / f"{PACKAGE}-{VERSION}"
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", f"{PACKAGE} {VERSION} sdist")
    _git(root, "rm", "-q", REMOVED)
    _git(root, "commit", "-q", "-m", f"without {REMOVED}")
    env = {"REGOOSE_DATA_DIR": str(base / "data")}
    before = _suite(root, env)
    generated = run_regoose(
        "generate", str(root / MODULE), "--apply", *GENERATE, "--json", cwd=root, env=env,
        timeout=600,
    )  # fmt: skip
    assert generated.code == 0, generated.err[-3000:]
    written = (root / REMOVED).read_bytes()
    after = _suite(root, env)
    return Repository(root, env, _git(root, "rev-parse", "HEAD"), before, generated, written, after)


def test_the_new_file_lands_in_its_tests_folder_and_the_whole_suite_passes(
    repository: Repository,
) -> None:
    data = json.loads(repository.generated.out)
    assert data["tests_written"] == [str(repository.root / REMOVED)]
    assert _git(repository.root, "status", "--porcelain") == f"?? {REMOVED}"
    before, after = repository.before, repository.after
    assert before["failed"] == 0 and after["failed"] == 0 and after["errors"] == 0
    assert after["passed"] == before["passed"] + data["tests"]
    # The module's coverage from its own remaining suite, then with Regoose's file added.
    assert after["line_coverage"] > (before["line_coverage"] or 0.0)


def test_a_second_seeded_run_writes_the_same_bytes(repository: Repository) -> None:
    again = run_regoose(
        "generate", str(repository.root / MODULE), *GENERATE, "--json", cwd=repository.root,
        env=repository.env, timeout=600,
    )  # fmt: skip
    assert again.code == 0, again.err[-3000:]
    [staged] = json.loads(again.out)["staged"]  # staged for review: the project is untouched
    assert Path(staged).read_bytes() == repository.written


def test_undo_restores_the_tree_exactly(repository: Repository) -> None:
    session = json.loads(repository.generated.out)["session_id"]
    undone = run_regoose("undo", session, env=repository.env)
    assert undone.code == 0, undone.err
    assert _git(repository.root, "status", "--porcelain", "--ignored") == ""
    assert _git(repository.root, "rev-parse", "HEAD") == repository.head
