"""Is the process that opened a session still the one running under that pid?

A session row records the writer's pid and, where the OS tells us, the
process start time; pids are reused, so a live pid with another start time is
a different program and the session it owned is over.
"""

from __future__ import annotations

import os
from pathlib import Path


def _proc_stat_fields(pid: int) -> list[str] | None:
    """Fields of ``/proc/<pid>/stat`` after the command name, or None off Linux."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    # The command name sits in parentheses and may itself hold spaces or ')'.
    return raw[raw.rfind(")") + 2 :].split()


def process_start_ticks(pid: int) -> int | None:
    """Return the start time of ``pid`` in clock ticks since boot (Linux), else None."""
    fields = _proc_stat_fields(pid)
    # starttime is field 22 of stat; the list starts at field 3 (state).
    if fields is None or len(fields) < 20:
        return None
    try:
        return int(fields[19])
    except ValueError:
        return None


def process_alive(pid: int, start_ticks: int | None = None) -> bool:
    """True when ``pid`` runs, is not a zombie, and (if known) started at ``start_ticks``."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, owned by someone else
    except OSError:
        return False
    fields = _proc_stat_fields(pid)
    if fields is None:
        return True  # no /proc: trust the signal probe
    if fields and fields[0] in {"Z", "X"}:
        return False  # killed, waiting to be reaped: it will never finish
    if start_ticks is not None:
        return process_start_ticks(pid) == start_ticks
    return True
