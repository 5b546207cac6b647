"""The project's own environment keeps its pytest plugins in the sandbox; Regoose's does not.

humanize's 17 benchmark tests failed before generation with "fixture 'benchmark'
not found": the project's in-project .venv had pytest-benchmark, but plugin
autoload was off for every interpreter except an active VIRTUAL_ENV.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from regoose_tui.runtime import python_env
from regoose_tui.runtime.bwrap import BwrapRuntime
from regoose_tui.runtime.python_env import resolve_python
from regoose_tui.tools.registry import ToolRegistry
from regoose_tui.tools.sandbox import SandboxTool
from regoose_tui.tools.sandbox_pytest import loads_plugins

PLUGIN = "import pytest\n\n\n@pytest.fixture\ndef planted():\n    return 'from the project venv'\n"
TESTS = "def test_uses_the_venvs_plugin(planted):\n    assert planted == 'from the project venv'\n"


def _plant_plugin(venv: Path, module: str) -> None:
    """A pytest plugin installed in ``venv`` the way pip does: a module and its entry point."""
    site = next((venv / "lib").glob("python*/site-packages"))
    (site / f"{module}.py").write_text(PLUGIN)
    info = site / f"{module}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[pytest11]\n{module} = {module}\n")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A project with its own .venv (no pytest of its own: Regoose's shim lends it) + plugin."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    python_env.tool_shim_dir.cache_clear()
    root = tmp_path / "proj"
    (root / "tests").mkdir(parents=True)
    (root / "tests" / "test_planted.py").write_text(TESTS)
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
    _plant_plugin(root / ".venv", f"planted_{tmp_path.name.replace('-', '_')}")
    yield root
    python_env.tool_shim_dir.cache_clear()


@pytest.mark.bwrap
async def test_the_projects_venv_plugins_load_in_the_sandbox(project: Path, tmp_path: Path) -> None:
    available = BwrapRuntime.availability()
    if not available.usable:
        if os.environ.get("REGOOSE_ALLOW_NO_BWRAP") == "1":
            pytest.skip(available.reason)
        pytest.fail(f"bubblewrap is required for this test: {available.reason}", pytrace=False)
    python = resolve_python({}, project=project)
    assert python.source == "project"
    work = tmp_path / "work"
    work.mkdir()
    tool = SandboxTool(BwrapRuntime(), project, work, python=python)
    ToolRegistry([tool], publish=lambda _e: None, session_id="plugins")
    report = await tool.pytest([project / "tests" / "test_planted.py"])
    assert (report.status, report.passed, report.errors) == ("passed", 1, 0), report.output_tail


def test_only_regooses_own_interpreter_runs_without_plugins(project: Path) -> None:
    assert loads_plugins(resolve_python({}, project=project))
    assert loads_plugins(resolve_python({}, project=project, explicit=project / ".venv"))
    assert not loads_plugins(resolve_python({}))
