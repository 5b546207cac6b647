"""Small text formatters shared by the widgets."""

from __future__ import annotations


def format_elapsed(seconds: float) -> str:
    """Compact elapsed time: '8.2s', '4m05s', '1h02m'; empty for zero or less."""
    if seconds <= 0:
        return ""
    if seconds < 60:
        return f"{seconds:.1f}s"
    if seconds < 3600:
        minutes, secs = divmod(int(seconds), 60)
        return f"{minutes}m{secs:02d}s"
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours}h{rest // 60:02d}m"


def format_percent(value: float | None) -> str:
    """'83%' for a percentage, an en dash when unknown."""
    return "\u2013" if value is None else f"{value:.0f}%"
