"""Real repository layouts: tests land where the project's own pytest collects them.

Each test builds a small project as a user has it (pyproject.toml or setup.cfg,
a ``src/`` or flat layout, a test folder, an in-project .venv), runs the real
`regoose generate` under bubblewrap, then runs the project's own pytest from
its root and checks that it collects and passes what Regoose wrote.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from regoose_tui.runtime.bwrap import BwrapRuntime

pytestmark = [pytest.mark.slow, pytest.mark.bwrap]

MOD = '''"""Shipping rules."""


def shipping(weight: float, express: bool = False) -> float:
    """Cost of shipping a parcel of ``weight`` kg."""
    if weight <= 0:
        raise ValueError("weight must be positive")
    cost = 5.0 if weight < 2 else 5.0 + (weight - 2) * 1.5
    if express:
        cost *= 2
    return round(cost, 2)
'''


@pytest.fixture(autouse=True)
def _bwrap() -> None:
    available = BwrapRuntime.availability()
    if available.usable:
        return
    if os.environ.get("REGOOSE_ALLOW_NO_BWRAP") == "1":
        pytest.skip(f"bubblewrap unusable: {available.reason}")
    pytest.fail(f"bubblewrap is required for these tests: {available.reason}")


def _generate(regoose, target: Path, tmp_path: Path, *extra: str):
    # Into the project's own test folder (--apply), unless the test names an --out folder.
    where = () if "--out" in extra else ("--apply",)
    return regoose(
        "generate",
        str(target),
        "--runtime",
        "bwrap",
        "--budget",
        "60",
        "--iterations",
        "1",
        "--json",
        "--quiet",
        *where,
        *extra,
        env={"REGOOSE_DATA_DIR": str(tmp_path / "data")},
        timeout=240,
    )


def _project_pytest(root: Path, python: str = sys.executable, **env: str) -> str:
    """The project's own ``python -m pytest`` from its root (its config, its test folder)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    full_env.pop("VIRTUAL_ENV", None)
    full_env.update(env)
    done = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env=full_env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _venv(folder: Path) -> Path:
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(folder)], check=True)
    (site,) = folder.glob("lib/python*/site-packages")
    return site


def test_src_layout_writes_to_the_root_tests_folder(tmp_path: Path, regoose) -> None:
    root = tmp_path / "shipit"
    pkg = root / "src" / "pkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "mod.py").write_text(MOD)
    (pkg / "other.py").write_text("def g() -> int:\n    return 2\n")
    (root / "tests").mkdir()
    (root / "tests" / "test_other.py").write_text(
        "from pkg.other import g\n\n\ndef test_g():\n    assert g() == 2\n"
    )
    (root / "pyproject.toml").write_text(
        '[project]\nname = "pkg"\nversion = "0"\n\n'
        '[tool.pytest.ini_options]\ntestpaths = ["tests"]\npythonpath = ["src"]\n'
    )
    result = _generate(regoose, pkg / "mod.py", tmp_path)
    assert result.code == 0, result.err
    data = json.loads(result.out)
    # The project names its tests after the module (tests/test_other.py): so does Regoose.
    written = root / "tests" / "test_mod.py"
    assert data["tests_written"] == [str(written)]
    assert not (root / "src" / "tests").exists()
    assert data["tests"] >= 2 and data["failed"] == 0
    assert all(r["nodeid"].startswith("tests/test_mod.py::") for r in data["results"])
    assert data["python"]["source"] == "regoose"
    out = _project_pytest(root)
    # Its own test plus every test Regoose kept, collected from the project's root.
    assert f"{data['tests'] + 1} passed" in out, out


def test_src_layout_root_conftest_fixtures_bind_for_its_own_tests(tmp_path: Path, regoose) -> None:
    """The project's root conftest.py and tests/conftest.py fixtures reach its tests.

    Its own test uses a fixture from each; run in the sandbox they must pass (a
    baseline with nothing failing), and the new tests join its own file.
    """
    root = tmp_path / "shipit"
    pkg = root / "src" / "pkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "mod.py").write_text(MOD)
    (root / "tests").mkdir()
    (root / "conftest.py").write_text(
        "import pytest\n\n\n@pytest.fixture\ndef light():\n    return 1.0\n"
    )
    (root / "tests" / "conftest.py").write_text(
        "import pytest\n\n\n@pytest.fixture\ndef cheap():\n    return 5.0\n"
    )
    own = (
        "from pkg.mod import shipping\n\n\n"
        "def test_light_parcel(light, cheap):\n    assert shipping(light) == cheap\n"
    )
    (root / "tests" / "test_mod.py").write_text(own)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "pkg"\nversion = "0"\n\n'
        '[tool.pytest.ini_options]\ntestpaths = ["tests"]\npythonpath = ["src"]\n'
    )
    result = _generate(regoose, pkg / "mod.py", tmp_path)
    assert result.code == 0, result.err
    data = json.loads(result.out)
    baseline = data["baseline"]
    assert baseline["files"] == [str(root / "tests" / "test_mod.py")]
    # Its own test ran with both fixtures bound: nothing failed before generation.
    assert baseline["failing_before"] == 0 and baseline["line_before"] > 0, baseline
    assert baseline["broken"] == []
    # The new tests went into its own file, as new classes after its own test.
    assert data["tests_written"] == [str(root / "tests" / "test_mod.py")]
    joined = (root / "tests" / "test_mod.py").read_text()
    assert own.split("\n\n\n", 1)[1] in joined and "\nclass Test" in joined
    out = _project_pytest(root)
    assert f"{data['tests'] + 1} passed" in out, out


def test_flat_layout_runs_with_the_projects_own_venv(tmp_path: Path, regoose) -> None:
    root = tmp_path / "flat"
    pkg = root / "pkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    # projdep exists only in the project's .venv: the run works only with that interpreter.
    (pkg / "mod.py").write_text("from projdep import RATE\n\n" + MOD.replace("1.5", "RATE"))
    (root / "setup.cfg").write_text("[metadata]\nname = pkg\n\n[tool:pytest]\ntestpaths = test\n")
    (root / "test").mkdir()
    site = _venv(root / ".venv")
    (site / "projdep.py").write_text("RATE = 1.5\n")
    result = _generate(regoose, pkg / "mod.py", tmp_path)
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["python"]["source"] == "project"
    assert data["python"]["path"] == str(root / ".venv" / "bin" / "python")
    # The bare venv has no pytest or coverage: Regoose lends its own, the venv is untouched.
    assert "borrowed from Regoose" in data["python"]["note"]
    assert not list(site.glob("pytest*")) and not list(site.glob("coverage*"))
    written = root / "test" / "test_pkg_mod.py"  # setup.cfg's testpaths, no tests yet
    assert data["tests_written"] == [str(written)] and data["tests"] >= 2
    out = _project_pytest(root, PYTHONPATH=str(site))
    assert f"{data['tests']} passed" in out, out
    # `regoose run` picks the same interpreter: the written tests pass under it alone.
    rerun = regoose(
        "run",
        str(written),
        "--project",
        str(root),
        "--runtime",
        "bwrap",
        "--json",
        env={"REGOOSE_DATA_DIR": str(tmp_path / "data")},
        timeout=240,
    )
    assert rerun.code == 0, rerun.err
    ran = json.loads(rerun.out)
    assert ran["passed"] == data["tests"] and ran["failed"] == 0


def test_a_project_that_does_not_import_is_one_line(tmp_path: Path, regoose) -> None:
    root = tmp_path / "broken"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "mod.py").write_text("import projdep\n\n" + MOD)
    (root / "pyproject.toml").write_text('[project]\nname = "pkg"\n')
    other = tmp_path / "other-env"
    _venv(other)
    # --python wins over everything, here an interpreter without the project's dependency.
    result = _generate(regoose, root / "pkg" / "mod.py", tmp_path, "--python", str(other))
    assert result.code == 2, result.err
    lines = [line for line in result.err.splitlines() if line.startswith("regoose:")]
    assert len(lines) == 1, result.err
    assert "importing pkg.mod failed: ModuleNotFoundError: No module named 'projdep'" in lines[0]
    assert not (root / "tests").exists()
    missing = _generate(regoose, root / "pkg" / "mod.py", tmp_path, "--python", str(root / "no"))
    assert missing.code == 2 and "no such interpreter" in missing.err
