"""The wheel installs and works on its own: console script, widgets, styles, a generation.

The fresh venv gets the dependencies by path from the test's own environment
(no network), and the wheel itself with --no-deps, so what runs is exactly
what the wheel ships.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(out),
            str(REPO),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("regoose-*.whl")
    return built


@pytest.fixture(scope="module")
def fresh_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("venv") / "v"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    purelib = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # Dependencies by path; only this file's lines are added, so the editable
    # install's own .pth in that folder is not processed.
    deps = [p for p in site.getsitepackages() if p.endswith("site-packages")]
    Path(purelib, "_regoose_test_deps.pth").write_text("\n".join(deps) + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return venv


def test_wheel_ships_widgets_and_styles_inside_the_package(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert any(n.startswith("regoose_tui/widgets/") and n.endswith(".py") for n in names)
    assert any(n.startswith("regoose_tui/styles/") and n.endswith(".tcss") for n in names)
    assert not any(n.startswith(("widgets/", "styles/", "tests/", "examples/")) for n in names)


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["REGOOSE_DATA_DIR"] = str(tmp_path / "data")
    return env


def test_console_script_and_imports(fresh_venv: Path, tmp_path: Path) -> None:
    version = subprocess.run(
        [str(fresh_venv / "bin" / "regoose"), "--version"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_env(tmp_path),
        check=True,
    )
    assert version.stdout.startswith("regoose ")
    probe = (
        "import regoose_tui, regoose_tui.widgets.live_log as w, importlib.util as u;"
        "print(w.__file__); print(u.find_spec('widgets'))"
    )
    shown = subprocess.run(
        [str(fresh_venv / "bin" / "python"), "-c", probe],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_env(tmp_path),
        check=True,
    ).stdout.splitlines()
    assert shown[0].startswith(str(fresh_venv)), shown
    assert shown[1] == "None"  # no bare `widgets` package in site-packages


def test_one_generation_from_the_wheel(fresh_venv: Path, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "grade.py").write_text(
        "def grade(score: int) -> str:\n"
        "    if score < 0 or score > 100:\n"
        "        raise ValueError(f'score out of range: {score}')\n"
        "    if score >= 90:\n        return 'A'\n"
        "    if score >= 50:\n        return 'pass'\n"
        "    return 'fail'\n"
    )
    result = subprocess.run(
        [
            str(fresh_venv / "bin" / "regoose"),
            "generate",
            str(project / "grade.py"),
            "--budget",
            "30",
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_env(tmp_path),
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads(result.stdout)
    assert data["tests"] >= 3 and data["failed"] == 0
    assert data["line_coverage"] == 100.0
