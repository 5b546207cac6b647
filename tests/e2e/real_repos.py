"""Real repositories for the e2e tests and benchmarks/real_repo_bench.py: PyPI sdists in git.

An sdist (the package's source with its own tests) is fetched from the package
index once with pip and cached under the user cache dir (REGOOSE_TEST_CACHE_DIR
overrides it): under a lock file, so two xdist workers (or a benchmark and a
test) fetching at once wait for each other, and by an atomic rename of a
finished download. ``checkout`` unpacks it into a fresh git repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import platformdirs

PACKAGE, VERSION = "boltons", "26.2.0"


class SdistUnavailable(RuntimeError):
    """The sdist could not be fetched (no network, no git): the message says why."""


def _cache_dir() -> Path:
    named = os.environ.get("REGOOSE_TEST_CACHE_DIR")
    return Path(named) if named else Path(platformdirs.user_cache_dir("regoose")) / "e2e-sdists"


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (two xdist workers fetching the sdist wait in turn)."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def sdist(package: str = PACKAGE, version: str = VERSION) -> Path:
    """The sdist, downloaded once into the cache (under a lock, then an atomic rename)."""
    cache = _cache_dir()
    cached = cache / f"{package}-{version}.tar.gz"
    if cached.is_file():
        return cached
    with _locked(cache / f".{package}-{version}.lock"):
        if cached.is_file():  # another worker fetched it while this one waited
            return cached
        return _download(cache, cached, package, version)


def _download(cache: Path, cached: Path, package: str, version: str) -> Path:
    with tempfile.TemporaryDirectory(dir=cache) as scratch:
        done = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
             f"{package}=={version}", "-d", scratch],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        # The file is named after the normalized project name (more_itertools-...).
        found = list(Path(scratch).glob("*.tar.gz"))
        if done.returncode != 0 or len(found) != 1:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise SdistUnavailable(
                f"cannot download the {package}=={version} sdist from the package index "
                f"(needed once, then cached in {cache}): {' | '.join(tail)}"
            )
        os.replace(found[0], cached)
    return cached


def git(root: Path, *args: str) -> str:
    """``git -C root ARGS`` (a throwaway identity for commits); its output, stripped."""
    done = subprocess.run(
        ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def checkout(base: Path, package: str = PACKAGE, version: str = VERSION) -> Path:
    """The sdist unpacked under ``base`` and committed as a fresh git repository."""
    if shutil.which("git") is None:
        raise SdistUnavailable("git is required for the real-repository tests")
    with tarfile.open(sdist(package, version)) as archive:
        top = archive.getnames()[0].split("/", 1)[0]
        archive.extractall(base, filter="data")
    root = base / top
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", f"{package} {version} sdist")
    return root
