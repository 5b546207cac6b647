"""Small text helpers shared by the report renderers."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def strip_ansi(text: str) -> str:
    """Remove terminal colour and control sequences (pytest output keeps them)."""
    return _ANSI.sub("", text)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def printable(text: str) -> str:
    """Text without ANSI codes, with ``\\n`` newlines and other controls shown as ``\\xNN``."""
    plain = strip_ansi(text).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", plain)


def percent(value: float | None) -> str:
    """``92.5%``, or an em dash when unknown."""
    return "—" if value is None else f"{value:.1f}%"


def utc_time(timestamp: float | None) -> str:
    """A readable UTC time, or an em dash when unknown."""
    if not timestamp:
        return "—"
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def iso_time(timestamp: float | None) -> str:
    """An ISO 8601 UTC time without offset, as JUnit consumers expect."""
    if not timestamp:
        return ""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def seconds(value: float) -> str:
    """``0.012 s``, ``3.4 s`` or ``2 min 5 s``."""
    if value < 1:
        return f"{value:.3f} s"
    if value < 120:
        return f"{value:.1f} s"
    minutes, rest = divmod(round(value), 60)
    return f"{minutes} min {rest} s"
