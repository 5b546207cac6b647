"""Fixtures for the sandbox runtime tests: real processes, real bubblewrap."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from sandbox_helpers import PYTHON, processes_with, require_bwrap

from regoose_tui.runtime import python_env
from regoose_tui.runtime.base import Limits, RunSpec, Runtime
from regoose_tui.runtime.bwrap import BwrapRuntime
from regoose_tui.runtime.local import LocalRuntime


@pytest.fixture
def bwrap_runtime() -> BwrapRuntime:
    """A usable bubblewrap runtime (or a clear failure)."""
    require_bwrap()
    return BwrapRuntime()


@pytest.fixture(params=["local", "bwrap"])
def runtime(request: pytest.FixtureRequest) -> Runtime:
    """Each runtime in turn: every shared contract test runs on both."""
    if request.param == "bwrap":
        require_bwrap()
        return BwrapRuntime()
    return LocalRuntime()


@pytest.fixture(scope="module")
def python() -> python_env.PythonEnv:
    """The interpreter (and its pytest) the measured runs use."""
    return python_env.resolve_python({})


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    """A fresh (project_dir, work_dir) pair."""
    project, work = tmp_path / "project", tmp_path / "work"
    project.mkdir()
    work.mkdir()
    return project, work


@pytest.fixture
def make_spec(dirs: tuple[Path, Path]) -> Callable[..., RunSpec]:
    """Build a RunSpec for a Python snippet (or a raw argv) in the fresh folders."""
    project, work = dirs

    def make(
        code: str | None = None,
        *,
        argv: list[str] | None = None,
        env: Mapping[str, str] | None = None,
        limits: Limits | None = None,
    ) -> RunSpec:
        command = argv if argv is not None else [PYTHON, "-c", code or ""]
        return RunSpec(
            argv=command,
            project_dir=project,
            work_dir=work,
            env=env or {},
            limits=limits or Limits(wall_seconds=30),
        )

    return make


@pytest.fixture
def no_leaks() -> Iterator[list[str]]:
    """Markers registered here must not be carried by any process after the test."""
    markers: list[str] = []
    yield markers
    for marker in markers:
        for pid in processes_with(marker):
            os.kill(pid, 9)


@pytest.fixture(scope="session")
def bare_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real virtualenv with neither pytest nor coverage (made once per session)."""
    root = tmp_path_factory.mktemp("venv") / "bare"
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(root)], check=True)
    return root


@pytest.fixture
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Build the pytest/coverage shim in a test folder instead of the user's cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    python_env.tool_shim_dir.cache_clear()
    yield tmp_path / "cache"
    python_env.tool_shim_dir.cache_clear()
