"""How the app shows stored values: dates in local time, paths relative to their project."""

from __future__ import annotations

import time
from pathlib import Path


def format_date(timestamp: float) -> str:
    """A moment in local time, to the minute ('2025-01-31 14:02')."""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp))


def display_path(path: str | Path, project: str | Path | None) -> str:
    """``path`` relative to ``project`` when it lies inside it, else as given."""
    if project:
        try:
            return Path(path).relative_to(project).as_posix()
        except ValueError:
            pass
    return str(path)
