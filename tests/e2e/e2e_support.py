"""Running the real `regoose` command in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    code: int
    out: str
    err: str
    #: The command's pid: what its containers' owner label names (see support.leftovers).
    pid: int = 0


#: The ``regoose`` fixture: ``regoose("generate", ..., env={...}) -> Result``.
Regoose = Callable[..., Result]


@dataclass(frozen=True)
class Generated:
    """The shared offline generation (the ``generated`` fixture): its result and folders."""

    result: Result
    project: Path
    env: dict[str, str]
    report: Path
    root: Path


def run_regoose(
    *args: str, cwd: Path | None = None, timeout: float = 300, env: dict[str, str] | None = None
) -> Result:
    """`python -m regoose_tui ARGS` as a user would run it, with this test's environment."""
    full_env = dict(os.environ)
    full_env.pop("VIRTUAL_ENV", None)
    full_env.update(env or {})
    # Popen rather than run: the pid lets a test look for what this very process left.
    with subprocess.Popen(
        [sys.executable, "-m", "regoose_tui", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env=full_env,
    ) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise
    return Result(proc.returncode, out, err, proc.pid)
