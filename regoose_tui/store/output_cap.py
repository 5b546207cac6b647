"""Cap the output the store keeps per run: a test printing 50 MB must not grow sessions.db by 50 MB.

``OutputCap.admit`` sees every event on its way to the store. A run's
``RunOutput`` lines are counted (UTF-8 bytes, newline included) against one
budget per run; the batch that crosses it is cut where the budget ends and
closed with one "output cut at N MB" line, and later batches of that run are
dropped. Other events pass untouched. Safe to call from any thread (a lock
keeps the counts right; events of one run come from one place, in order).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from regoose_tui.bus.events import Event, RunFinished, RunOutput

#: Output of one run kept in the store, stdout and stderr together.
DEFAULT_OUTPUT_CAP = 8 * 1024**2


def cut_notice(max_bytes: int) -> str:
    """The line that closes a run's kept output once its cap is reached."""
    return (
        f"[regoose] output cut at {max_bytes / 1024**2:g} MB: "
        "the rest of this run's output was not kept"
    )


def _clip(line: str, room: int) -> str:
    """The longest prefix of ``line`` whose UTF-8 encoding fits in ``room`` bytes."""
    return line.encode("utf-8")[: max(0, room)].decode("utf-8", "ignore")


@dataclass
class OutputCap:
    """Counts each run's output and cuts it at ``max_bytes``."""

    max_bytes: int = DEFAULT_OUTPUT_CAP
    _used: dict[tuple[str, str], int] = field(default_factory=dict)
    _cut: set[tuple[str, str]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self, session_id: str, event: Event) -> Event | None:
        """The event to keep (possibly cut short), or None to drop it."""
        if not isinstance(event, RunOutput | RunFinished):
            return event
        with self._lock:
            return self._admit(session_id, event)

    def _admit(self, session_id: str, event: RunOutput | RunFinished) -> Event | None:
        if isinstance(event, RunFinished):
            key = (session_id, event.run_id)
            self._used.pop(key, None)
            self._cut.discard(key)
            return event
        key = (session_id, event.run_id)
        if key in self._cut:
            return None
        used = self._used.get(key, 0)
        kept: list[str] = []
        for line in event.lines:
            size = len(line.encode("utf-8")) + 1
            if used + size > self.max_bytes:
                head = _clip(line, self.max_bytes - used - 1)
                if head:
                    kept.append(head)
                kept.append(cut_notice(self.max_bytes))
                self._cut.add(key)
                self._used.pop(key, None)
                return event.model_copy(update={"lines": tuple(kept)})
            used += size
            kept.append(line)
        self._used[key] = used
        return event
