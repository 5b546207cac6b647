"""`regoose watch --once-for-test`: the real command, a real save, a real sandboxed rerun."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from e2e_support import REPO


def test_watch_reruns_the_related_test_on_a_save_and_reports_it(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    (project / "tests").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'proj'\n")
    calc = project / "calc.py"
    calc.write_text("def one():\n    return 1\n")
    (project / "tests" / "test_calc.py").write_text(
        "from calc import one\n\n\ndef test_one():\n    assert one() == 1\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    argv = ["watch", str(project), "--runtime", "local", "--once-for-test"]
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
            calc.write_text("def one():\n    return 2\n")

    saver = threading.Thread(target=save_until_it_exits, daemon=True)
    saver.start()
    try:
        out, err = proc.communicate(timeout=60)
    finally:
        stopped.set()
        proc.kill()
    assert proc.returncode == 1, err
    assert "watching" in err and "calc.py saved: rerunning test_calc.py" in err
    assert "FAILED calc.py: 1 tests, 0 passed, 1 failed; calc coverage" in out
    assert "assert 2 == 1" in out  # pytest's own output, streamed as `regoose run` does
