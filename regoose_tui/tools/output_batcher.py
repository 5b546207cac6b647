"""Turn a sandbox's per-line output callback into batched RunOutput events.

Runtimes call their sink once per line; the bus and the UI want few, larger
events. Lines are gathered per stream and flushed when a batch fills or a
short timer fires, so a flood of output costs one event per batch, not per line.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from regoose_tui.bus.events import Event, RunOutput
from regoose_tui.runtime.base import StreamName

#: A full batch is sent at once; a partial one waits at most FLUSH_SECONDS.
BATCH_LINES = 500
FLUSH_SECONDS = 0.05


class OutputBatcher:
    """An OutputSink that publishes RunOutput batches for one run."""

    def __init__(
        self, emit: Callable[[Event], object], run_id: str, session_id: str | None = None
    ) -> None:
        self._emit = emit
        self._run_id = run_id
        self._session_id = session_id
        self._pending: dict[StreamName, list[str]] = {"stdout": [], "stderr": []}
        self._timer: asyncio.TimerHandle | None = None
        self.line_count = 0

    def __call__(self, stream: StreamName, line: str) -> None:
        pending = self._pending[stream]
        pending.append(line)
        self.line_count += 1
        if len(pending) >= BATCH_LINES:
            self._flush_stream(stream)
        elif self._timer is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                self._flush_stream(stream)
                return
            self._timer = loop.call_later(FLUSH_SECONDS, self.flush)

    def _flush_stream(self, stream: StreamName) -> None:
        lines = self._pending[stream]
        if not lines:
            return
        self._pending[stream] = []
        self._emit(
            RunOutput(
                run_id=self._run_id,
                stream=stream,
                lines=tuple(lines),
                session_id=self._session_id,
            )
        )

    def flush(self) -> None:
        """Send whatever is pending now (also called when the run ends)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._flush_stream("stdout")
        self._flush_stream("stderr")
