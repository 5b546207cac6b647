"""Scope and baseline, as a user runs them: a package with --jobs 2, --diff, the coverage delta.

The real `regoose generate` under bubblewrap, offline: a whole package fans
out with one summary; after one function is edited in a git repository,
``--diff HEAD`` writes tests for that function only; on a project with a test
already, the JSON report gives the baseline coverage, the final one and the delta.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from e2e_support import REPO

from regoose_tui.runtime.bwrap import BwrapRuntime

pytestmark = [pytest.mark.slow, pytest.mark.bwrap]


@pytest.fixture(autouse=True)
def _bwrap() -> None:
    available = BwrapRuntime.availability()
    if available.usable:
        return
    if os.environ.get("REGOOSE_ALLOW_NO_BWRAP") == "1":
        pytest.skip(f"bubblewrap unusable: {available.reason}")
    pytest.fail(f"bubblewrap is required for these tests: {available.reason}")


def _generate(regoose, target: Path, tmp_path: Path, *extra: str):
    return regoose(
        "generate",
        str(target),
        "--runtime",
        "bwrap",
        "--budget",
        "40",
        "--iterations",
        "1",
        "--out",
        str(tmp_path / "out"),
        "--json",
        *extra,
        env={"REGOOSE_DATA_DIR": str(tmp_path / "data")},
        timeout=400,
    )


def test_a_package_with_jobs_2_gives_every_module_tests_and_one_summary(
    tmp_path: Path, regoose
) -> None:
    project = tmp_path / "examples"
    shutil.copytree(REPO / "examples", project)
    result = _generate(regoose, project / "shop", tmp_path, "--jobs", "2", "--quiet")
    assert result.code == 0, result.err
    data = json.loads(result.out)  # one JSON object for the whole package
    assert data["format"] == "regoose.scope" and data["jobs"] == 2
    names = [Path(m["target"]).name for m in data["modules"]]
    assert names == ["cart.py", "inventory.py", "pricing.py", "textutil.py"]
    assert all(m["status"] == "passed" and m["tests"] > 0 for m in data["modules"])
    assert data["totals"]["modules"] == 4 and data["totals"]["passed_modules"] == 4
    assert data["totals"]["tests"] == sum(m["tests"] for m in data["modules"])
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == [f"test_shop_{n.removesuffix('.py')}.py" for n in names]
    assert result.err == ""  # --quiet: no progress bar, no lines


def _git(repo: Path, *argv: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *argv],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_diff_after_editing_one_function_targets_only_that_function(
    tmp_path: Path, regoose
) -> None:
    project = tmp_path / "examples"
    shutil.copytree(REPO / "examples", project)
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-qm", "start")
    textutil = project / "shop" / "textutil.py"
    source = textutil.read_text()
    textutil.write_text(source.replace("if len(text) <= width:", "if len(text) <= width:  # fits"))
    result = _generate(regoose, project / "shop", tmp_path, "--diff", "HEAD")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert [(Path(m["target"]).name, m["only"]) for m in data["modules"]] == [
        ("textutil.py", ["truncate"])
    ]
    skipped = sorted(Path(s["target"]).name for s in data["skipped"])
    assert skipped == ["cart.py", "inventory.py", "pricing.py"]
    assert "skipped" in result.err and "no function or method changed since HEAD" in result.err
    # Every test written calls truncate, and nothing else of the module.
    tree = ast.parse((tmp_path / "out" / "test_shop_textutil.py").read_text())
    # (the offline engine puts them in one class per unit: TestTruncate::test_...)
    tests = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name[:5] == "test_"]
    assert tests
    for test in tests:
        called = {
            n.func.id
            for n in ast.walk(test)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
        }
        assert "truncate" in called and not called & {"slugify", "parse_price", "parse_quantity"}


OPS = '''"""Small arithmetic helpers."""


def clamp(value: int, low: int, high: int) -> int:
    """Clamp value into [low, high]."""
    if low > high:
        raise ValueError("low > high")
    if value < low:
        return low
    if value > high:
        return high
    return value


def grade(score: int) -> str:
    """Letter grade."""
    if score >= 90:
        return "A"
    if score >= 70:
        return "C"
    return "F"
'''

EXISTING = """from calc.ops import clamp


def test_clamp_inside():
    assert clamp(5, 0, 10) == 5


def test_clamp_low():
    assert clamp(-1, 0, 10) == 0


def test_clamp_already_wrong():
    assert clamp(1, 0, 10) == 2
"""


def test_the_json_report_gives_baseline_final_and_delta(tmp_path: Path, regoose) -> None:
    root = tmp_path / "calc"
    (root / "src" / "calc").mkdir(parents=True)
    (root / "src" / "calc" / "__init__.py").write_text("")
    (root / "src" / "calc" / "ops.py").write_text(OPS)
    (root / "tests").mkdir()
    (root / "tests" / "test_ops.py").write_text(EXISTING)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "calc"\nversion = "0"\n\n'
        '[tool.pytest.ini_options]\ntestpaths = ["tests"]\npythonpath = ["src"]\n'
    )
    report = tmp_path / "report.json"
    result = _generate(regoose, root / "src" / "calc" / "ops.py", tmp_path, "--report", str(report))
    assert result.code == 0, result.err
    # The failing project test is said once and does not stop the session.
    assert result.err.count("1 of the project's tests fail before generation") == 1
    data = json.loads(result.out)
    baseline = data["baseline"]
    assert baseline["files"] == [str(root / "tests" / "test_ops.py")]
    assert baseline["tests"] == 3 and baseline["failing_before"] == 1
    assert 0 < baseline["line_before"] < 60
    assert baseline["line_after"] > baseline["line_before"] and baseline["line_delta"] > 30
    assert baseline["broken"] == []
    coverage = json.loads(report.read_text())["coverage"]
    assert coverage["line_before"] == pytest.approx(baseline["line_before"], abs=0.05)
    assert coverage["line_after"] == pytest.approx(baseline["line_after"], abs=0.05)
    assert coverage["line_delta"] == pytest.approx(baseline["line_delta"], abs=0.06)
    assert coverage["project_tests"] == 3 and coverage["failing_before"] == 1
    assert data["line_coverage"] == pytest.approx(baseline["line_after"], abs=0.05)
