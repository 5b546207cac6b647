"""Which interpreter runs the project's code: --python, the project's venv, VIRTUAL_ENV."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from regoose_tui.errors import UsageError
from regoose_tui.runtime.python_env import interpreter_site_paths, resolve_python


def _venv(folder: Path) -> Path:
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(folder)], check=True)
    return folder


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder with its own .venv."""
    root = tmp_path / "proj"
    root.mkdir()
    _venv(root / ".venv")
    return root


def test_the_projects_venv_beats_virtual_env(
    project: Path, bare_venv: Path, private_cache: Path
) -> None:
    env = resolve_python({"VIRTUAL_ENV": str(bare_venv)}, project=project)
    assert env.source == "project"
    assert env.executable == project / ".venv" / "bin" / "python"
    # Resolved before any run, from a folder the sandbox mounts read-only: trusted,
    # so a sandbox command line built for it binds its folders.
    assert project / ".venv" in interpreter_site_paths(env.executable)


def test_venv_folder_is_tried_after_dot_venv(tmp_path: Path, private_cache: Path) -> None:
    _venv(tmp_path / "venv")
    env = resolve_python({}, project=tmp_path)
    assert env.source == "project" and env.executable == tmp_path / "venv" / "bin" / "python"


def test_explicit_python_beats_the_projects_venv(
    project: Path, bare_venv: Path, private_cache: Path
) -> None:
    # A virtualenv folder or its interpreter: both name the same Python.
    by_folder = resolve_python({}, project=project, explicit=bare_venv)
    by_file = resolve_python({}, project=project, explicit=bare_venv / "bin" / "python")
    assert by_folder.source == by_file.source == "--python"
    assert by_folder.executable == by_file.executable == bare_venv / "bin" / "python"


def test_a_missing_explicit_python_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"--python .*nope: no such interpreter"):
        resolve_python({}, explicit=tmp_path / "nope")


def test_a_folder_that_is_not_a_virtualenv_is_passed_over(tmp_path: Path) -> None:
    fake = tmp_path / ".venv" / "bin"
    fake.mkdir(parents=True)
    (fake / "python").symlink_to(sys.executable)  # no pyvenv.cfg: not a virtualenv
    env = resolve_python({}, project=tmp_path)
    assert env.source == "regoose" and env.executable == Path(sys.executable)


def test_without_a_project_virtual_env_still_wins(bare_venv: Path, private_cache: Path) -> None:
    env = resolve_python({"VIRTUAL_ENV": str(bare_venv)}, project=None)
    assert env.source == "VIRTUAL_ENV"
