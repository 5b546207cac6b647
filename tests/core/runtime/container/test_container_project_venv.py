"""The project's own virtualenv inside a container: importable, read-only, pytest borrowed."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from regoose_tui.runtime.container.runtime import ContainerRuntime
from regoose_tui.runtime.pytest_runner import run_pytest
from regoose_tui.runtime.python_env import resolve_python

pytestmark = pytest.mark.containers

_TEST = """
import pathlib
import thirdparty_only_here


def test_the_venv_package_imports():
    assert thirdparty_only_here.VALUE == "from the project venv"


def test_the_venv_is_read_only():
    target = pathlib.Path(thirdparty_only_here.__file__).with_name("planted.py")
    try:
        target.write_text("x = 1")
    except OSError:
        return
    raise AssertionError("wrote into the project's venv")
"""


def test_the_projects_venv_is_read_only_and_its_packages_import(
    container_runtime: ContainerRuntime, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    venv = project / ".venv"
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python*/site-packages"))
    (site / "thirdparty_only_here").mkdir()
    (site / "thirdparty_only_here" / "__init__.py").write_text("VALUE = 'from the project venv'\n")
    (project / "tests" / "test_dep.py").write_text(_TEST)
    subprocess.run(["chmod", "-R", "a+rX", str(tmp_path)], check=True)
    python = resolve_python(project=project)
    assert python.source == "project" and python.extra_pythonpath  # pytest borrowed
    work = tmp_path / "work"
    work.mkdir()
    report = asyncio.run(
        run_pytest(
            container_runtime,
            python,
            project_dir=project,
            work_dir=work,
            test_paths=[project / "tests"],
            cov_source=None,
            autoload_plugins=False,
        )
    )
    assert (report.passed, report.failed, report.errors) == (2, 0, 0), report.reason
    assert not (site / "thirdparty_only_here" / "planted.py").exists()
