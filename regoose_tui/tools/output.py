"""Bounded command output: keep the head and the tail, say how much was left out.

The start of a test run says what ran and the end says how it went, so both
ends are kept and the middle is dropped with a note, and memory stays bounded
however much a command prints.
"""

from __future__ import annotations

import asyncio
from collections import deque

DEFAULT_MAX_OUTPUT = 50_000


def omission_note(omitted: int, unit: str) -> str:
    """The marker put where output was cut."""
    return f"\n[... {omitted} {unit} of output omitted ...]\n"


def truncate_text(text: str, limit: int | None) -> tuple[str, bool]:
    """``text`` cut to about ``limit`` characters (head + note + tail), and whether it was cut."""
    if limit is None or len(text) <= limit:
        return text, False
    half = limit // 2
    omitted = len(text) - 2 * half
    return text[:half] + omission_note(omitted, "characters") + text[len(text) - half :], True


class BoundedCapture:
    """Collects a byte stream, keeping at most ``limit`` bytes (half head, half tail)."""

    def __init__(self, limit: int = DEFAULT_MAX_OUTPUT) -> None:
        self.limit = max(limit, 2)
        self._head = bytearray()
        self._tail: deque[bytes] = deque()
        self._tail_size = 0
        self.total = 0

    def feed(self, chunk: bytes) -> None:
        """Add a chunk, dropping from the middle once over the limit."""
        self.total += len(chunk)
        head_room = self.limit // 2 - len(self._head)
        if head_room > 0:
            self._head += chunk[:head_room]
            chunk = chunk[head_room:]
        if not chunk:
            return
        self._tail.append(chunk)
        self._tail_size += len(chunk)
        keep = self.limit - self.limit // 2
        while self._tail_size - len(self._tail[0]) >= keep:
            self._tail_size -= len(self._tail.popleft())

    @property
    def truncated(self) -> bool:
        """True when bytes were dropped."""
        return self.total > self.limit

    def text(self) -> str:
        """What was kept, decoded (bad bytes replaced), with a note where bytes were dropped."""
        tail = b"".join(self._tail)
        if not self.truncated:
            return (bytes(self._head) + tail).decode("utf-8", errors="replace")
        keep = self.limit - self.limit // 2
        tail = tail[len(tail) - keep :]
        omitted = self.total - len(self._head) - len(tail)
        return (
            self._head.decode("utf-8", errors="replace")
            + omission_note(omitted, "bytes")
            + tail.decode("utf-8", errors="replace")
        )

    async def drain(self, stream: asyncio.StreamReader) -> None:
        """Read ``stream`` to its end."""
        while chunk := await stream.read(65536):
            self.feed(chunk)
