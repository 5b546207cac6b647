"""Format generated test code with ``ruff format`` when it is installed.

The renderer already writes PEP 8 code; ruff wraps long calls and literals.
Formatting only ever touches our own generated text (through stdin), never
the user's files, and a missing or failing ruff leaves the text as it is.
"""

from __future__ import annotations

import ast
import asyncio
import shutil
import sys
from pathlib import Path

_TIMEOUT = 20.0


def ruff_binary() -> str | None:
    """The ruff next to this interpreter, else on PATH."""
    local = Path(sys.executable).parent / "ruff"
    if local.exists():
        return str(local)
    return shutil.which("ruff")


async def format_source(source: str, line_length: int = 100) -> str:
    """``source`` formatted (or unchanged when ruff is unavailable or fails)."""
    ruff = ruff_binary()
    if ruff is None:
        return source
    try:
        proc = await asyncio.create_subprocess_exec(
            ruff,
            "format",
            "--isolated",
            f"--line-length={line_length}",
            "--stdin-filename",
            "test_generated.py",
            "-",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError:
        return source
    try:
        out, _err = await asyncio.wait_for(proc.communicate(source.encode()), _TIMEOUT)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return source
    if proc.returncode != 0:
        return source
    formatted = out.decode("utf-8", errors="replace")
    try:
        ast.parse(formatted)
    except SyntaxError:
        return source
    return formatted
