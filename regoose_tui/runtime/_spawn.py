"""Starting a supervised process: a start no cancel cuts in half, and the group kill.

Used by one-shot runs (runtime/_process.py) and standbys (runtime/_standby.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Sequence
from typing import Any


async def start_exec(argv: Sequence[str], **kwargs: Any) -> asyncio.subprocess.Process:
    """``asyncio.create_subprocess_exec`` that a cancel cannot cut in half.

    Cancelled inside asyncio's own set-up (the process forked, its pipes not yet
    connected), the process runs on unsupervised and asyncio waits forever for
    pipes it never connected: the generation hangs and its sandbox lives on.
    Here the start runs to its end in a task of its own; a cancel meanwhile
    SIGKILLs the started process group once it exists (``start_new_session``
    must be set; the caller's cgroup takes the rest), then re-raises.
    """
    spawn = asyncio.ensure_future(asyncio.create_subprocess_exec(*argv, **kwargs))
    try:
        return await asyncio.shield(spawn)
    except asyncio.CancelledError:
        while not spawn.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait({spawn})
        if not spawn.cancelled() and spawn.exception() is None:
            kill_group(spawn.result().pid)
        raise


def kill_group(pid: int) -> None:
    """SIGKILL the whole process group led by ``pid`` (gone already is fine)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
