"""`regoose` ends its process at once, but only after what an exit owes the user."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]

CODE = """
import atexit, shutil, sys, tempfile, threading, time, weakref
from regoose_tui.cli.main import end_process

folder = tempfile.mkdtemp()
print(folder)
class Holder: pass
kept = Holder()
weakref.finalize(kept, shutil.rmtree, folder)  # runs at exit, as tempfile's own do
atexit.register(lambda: print("hook"))

def late():
    time.sleep(0.3)
    print("thread done")

threading.Thread(target=late).start()
print("buffered")  # stdout is a pipe: block-buffered until the end
end_process(3)
print("never")
"""


def test_threads_hooks_and_buffers_finish_before_the_process_ends() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    assert done.returncode == 3, done.stderr
    folder, *lines = done.stdout.splitlines()
    assert lines == ["buffered", "thread done", "hook"]
    assert not Path(folder).exists()
    assert done.stderr == ""
