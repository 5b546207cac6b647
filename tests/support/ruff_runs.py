"""ruff as the tests run it: the binary Regoose itself formats with."""

from __future__ import annotations

import subprocess
from pathlib import Path

from regoose_tui.synth.formatting import ruff_command


def ruff(
    *args: str, cwd: Path | None = None, source: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``ruff ARGS`` run in ``cwd``, with ``source`` on stdin when given (pass ``-``)."""
    command = ruff_command()
    assert command is not None, "ruff is not installed"
    return subprocess.run(
        [*command, *args],
        input=source,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        check=False,
    )
