"""`regoose watch --once-for-test`: the real command, a real save, a real sandboxed rerun."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from e2e_support import REPO


def make_project(root: Path) -> Path:
    project = root / "proj"
    (project / "tests").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'proj'\n")
    (project / "calc.py").write_text("def one():\n    return 1\n")
    (project / "tests" / "test_calc.py").write_text(
        "from calc import one\n\n\ndef test_one():\n    assert one() == 1\n"
    )
    return project


def watch_once(project: Path, saved: str, *flags: str) -> tuple[int, str, str]:
    """`regoose watch PROJECT --once-for-test FLAGS`, saving ``saved`` into calc.py until it ends."""
    calc = project / "calc.py"
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    argv = ["watch", str(project), "--runtime", "local", "--once-for-test", *flags]
    proc = subprocess.Popen(
        [sys.executable, "-m", "regoose_tui", *argv],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stopped = threading.Event()

    def save_until_it_exits() -> None:
        # The watcher arms a moment after it starts: save (a broken edit) until it reacts.
        while not stopped.wait(1.0):
            calc.write_text(saved)

    saver = threading.Thread(target=save_until_it_exits, daemon=True)
    saver.start()
    try:
        # --generate runs a whole generation, with the project's own tests before and the
        # joined file after: room for a loaded machine (it ends as soon as it is done).
        out, err = proc.communicate(timeout=180)
    finally:
        stopped.set()
        proc.kill()
    return proc.returncode, out, err


def test_watch_reruns_the_related_test_on_a_save_and_reports_it(tmp_path: Path) -> None:
    code, out, err = watch_once(make_project(tmp_path), "def one():\n    return 2\n")
    assert code == 1, err
    assert "watching" in err and "calc.py saved: rerunning test_calc.py" in err
    assert "FAILED calc.py: 1 tests, 0 passed, 1 failed; calc coverage" in out
    assert "assert 2 == 1" in out  # pytest's own output, streamed as `regoose run` does


def test_watch_generate_stages_tests_for_what_the_rerun_missed(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    saved = "def one(flag=False):\n    if flag:\n        return -1\n    return 1\n"
    code, out, err = watch_once(project, saved, "--generate")
    assert code == 0, err
    assert "PASSED calc.py: 1 tests, 1 passed, 0 failed" in out
    assert "generated for calc:" in out
    staged = [line.split(": ", 1)[1] for line in out.splitlines() if "staged for review:" in line]
    assert len(staged) == 1 and Path(staged[0]).is_file()
    # The rerun missed the flag branch; the staged suite reaches it.
    assert "calc coverage 75.0% lines, 50.0% branches" in out
    assert "line coverage 100.0%, branch coverage 100.0%" in out
    assert "one(flag=" in Path(staged[0]).read_text()
    # Staged, not written: the project's test folder holds only its own test.
    assert sorted(p.name for p in (project / "tests").iterdir()) == ["test_calc.py"]
