"""Fixtures for the end-to-end tests (helpers live in e2e_support)."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from e2e_support import REPO, Generated, Result, run_regoose


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


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    """One real offline generation for shop/pricing.py, shared by the tests of one module."""
    root = tmp_path_factory.mktemp("flow")
    project = root / "examples"
    shutil.copytree(REPO / "examples", project)
    data = root / "data"
    env = {"REGOOSE_DATA_DIR": str(data)}
    report = root / "report.xml"
    # Several reports at once, as a CI job writes them (JUnit, job summary, JSON).
    result = run_regoose(
        "generate",
        str(project / "shop" / "pricing.py"),
        "--budget",
        "40",
        "--iterations",
        "2",
        "--report",
        str(report),
        str(root / "report.md"),
        str(root / "report.json"),
        "--json",
        "--apply",
        env=env,
    )
    return Generated(result=result, project=project, env=env, report=report, root=root)
