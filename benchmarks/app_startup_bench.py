"""Time from `regoose tui PROJECT` to the first painted frame, in a real pseudo-terminal.

Each run starts the CLI as a user would (a fresh interpreter, the installed
entry point), reads the terminal until the main screen's text appears ("Chat"
border title and the chat input's placeholder), then quits with Ctrl+Q.
It also checks that importing everything startup touches loads neither
litellm nor docker (nor the synthesis engine).

    python benchmarks/app_startup_bench.py [--runs 7] [--project examples]
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Text that is only on screen once the main screen has been painted.
FIRST_FRAME_MARKERS = (b"Chat", b"commands")
BUDGET_SECONDS = 1.0


def regoose_command() -> list[str]:
    """The installed `regoose` next to this interpreter, else `python -m regoose_tui`."""
    script = Path(sys.executable).with_name("regoose")
    return [str(script)] if script.exists() else [sys.executable, "-m", "regoose_tui"]


def time_first_paint(project: Path, data_dir: Path, timeout: float = 20.0) -> float:
    """Seconds from spawning `regoose tui` to the first frame showing the main screen."""
    master, slave = pty.openpty()
    os.set_blocking(master, False)
    env = dict(os.environ, REGOOSE_DATA_DIR=str(data_dir), TERM="xterm-256color")
    env.pop("TEXTUAL", None)
    started = time.perf_counter()
    process = subprocess.Popen(
        [*regoose_command(), "tui", str(project), "--provider", "offline"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
        start_new_session=True,
    )
    os.close(slave)
    seen = b""
    painted_at: float | None = None
    try:
        while time.perf_counter() - started < timeout:
            ready, _, _ = select.select([master], [], [], 0.01)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
            if all(marker in seen for marker in FIRST_FRAME_MARKERS):
                painted_at = time.perf_counter()
                break
        if painted_at is None:
            tail = seen[-400:].decode("utf-8", "replace")
            raise RuntimeError(f"no first frame within {timeout} s; output ended with: {tail!r}")
        os.write(master, b"\x11")  # Ctrl+Q
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        return painted_at - started
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)


def heavy_imports() -> list[str]:
    """Heavy modules loaded by importing the app and everything startup touches."""
    code = (
        "import sys\n"
        "import regoose_tui.cli.main, regoose_tui.cli.tui_command\n"
        "import regoose_tui.app.main, regoose_tui.app.app\n"
        "print(' '.join(m for m in ('litellm', 'docker', 'hypothesis', 'regoose_tui.synth')"
        " if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return result.stdout.split()


def main() -> int:
    """Run the benchmark and print the figures; exit 1 over budget."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--project", type=Path, default=ROOT / "examples")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="regoose-startup-") as tmp:
        project = Path(tmp) / "project"
        shutil.copytree(args.project, project)
        data_dir = Path(tmp) / "data"
        time_first_paint(project, data_dir)  # warm the OS file cache and the .pyc files
        times = [time_first_paint(project, data_dir) for _ in range(args.runs)]
    loaded = heavy_imports()
    median = statistics.median(times)
    print(f"first paint of `regoose tui` over {args.runs} runs (pty, fresh interpreter):")
    print(f"  median {median * 1000:.0f} ms, best {min(times) * 1000:.0f} ms, "
          f"worst {max(times) * 1000:.0f} ms (budget {BUDGET_SECONDS * 1000:.0f} ms)")  # fmt: skip
    print(f"  heavy modules imported at startup: {', '.join(loaded) or 'none'}")
    return 0 if median < BUDGET_SECONDS and not loaded else 1


if __name__ == "__main__":
    raise SystemExit(main())
