"""The links folder that brings Regoose's Hypothesis to the sandboxed introspection only."""

from __future__ import annotations

import subprocess
import sys

from regoose_tui.runtime.python_env import draw_shim_dir, tool_shim_dir


def test_the_draw_shim_links_hypothesis_and_its_dependencies_and_nothing_else() -> None:
    shim = draw_shim_dir()
    assert shim is not None and shim != tool_shim_dir()
    # (A __pycache__ is what an interpreter that may write bytecode leaves beside the links.)
    names = {link.name for link in shim.iterdir() if link.name != "__pycache__"}
    assert {"hypothesis", "sortedcontainers"} <= names
    # Not Regoose's test tools nor Regoose itself: the introspection gets one library.
    assert not names & {"pytest", "_pytest", "coverage", "regoose_tui"}
    assert all((shim / name).is_symlink() for name in names)


def test_hypothesis_imports_from_the_draw_shim_alone() -> None:
    shim = draw_shim_dir()
    assert shim is not None
    done = subprocess.run(
        [
            sys.executable,
            "-I",
            "-S",
            "-B",  # nothing written into the shared links folder
            "-c",
            "import sys; sys.path.append(sys.argv[1]); "
            "import hypothesis.strategies; print(hypothesis.strategies.__file__)",
            str(shim),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-1000:]
    assert done.stdout.startswith(str(shim))
