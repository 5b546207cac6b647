"""Output of a command in a container, read in a worker thread, delivered on the loop.

The docker SDK hands output over as blocking chunks ``(stdout, stderr)``.
The reading thread splits them into lines with the same rules as a local
process (``runtime._process``): one output budget for both streams (past
it one "output cut" line, then the rest is drained and dropped), very long
lines cut into pieces, the tail of each stream kept for the result. Lines
reach the caller's sink on the event loop, in order, in batches (one
``call_soon_threadsafe`` per chunk, not per line).
"""

from __future__ import annotations

import asyncio
import codecs
from collections.abc import Iterable

from regoose_tui.runtime._process import (
    CAPTURE_CHARS,
    MAX_LINE_CHARS,
    _Emitter,
    _OutputBudget,
    _TailBuffer,
)
from regoose_tui.runtime.base import OutputSink, StreamName
from regoose_tui.runtime.container.exec_io import ResultSplitter


class LineStream:
    """Splits a container's output into lines for a sink that lives on ``loop``."""

    def __init__(self, loop: asyncio.AbstractEventLoop, sink: OutputSink | None, budget: int):
        self._loop = loop
        self._emit = _Emitter(sink)
        self._has_sink = sink is not None
        self.budget = _OutputBudget(left=budget, cap=budget)
        self.tails: dict[StreamName, _TailBuffer] = {
            "stdout": _TailBuffer(CAPTURE_CHARS),
            "stderr": _TailBuffer(CAPTURE_CHARS),
        }
        self._decoders = {
            name: codecs.getincrementaldecoder("utf-8")("replace") for name in self.tails
        }
        self._pending: dict[StreamName, str] = {"stdout": "", "stderr": ""}

    def _deliver(self, lines: list[tuple[StreamName, str]]) -> None:
        for stream, line in lines:
            self._emit(stream, line)

    def _post(self, lines: list[tuple[StreamName, str]]) -> None:
        if lines and self._has_sink and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._deliver, lines)

    def feed(self, stream: StreamName, chunk: bytes) -> None:
        """One chunk of one stream (called in the reading thread)."""
        out: list[tuple[StreamName, str]] = []
        if not self.budget.take(len(chunk)):
            for name, pending in self._pending.items():
                if pending:
                    out.append((name, pending))
                    self._pending[name] = ""
            if not self.budget.announced:
                self.budget.announced = True
                out.append((stream, self.budget.notice()))
                self.tails[stream].write("\n" + self.budget.notice() + "\n")
            self._post(out)
            return
        text = self._decoders[stream].decode(chunk)
        if not text:
            return
        self.tails[stream].write(text)
        pending = self._pending[stream] + text
        *lines, pending = pending.split("\n")
        out += [(stream, line.removesuffix("\r")) for line in lines]
        while len(pending) > MAX_LINE_CHARS:
            out.append((stream, pending[:MAX_LINE_CHARS]))
            pending = pending[MAX_LINE_CHARS:]
        self._pending[stream] = pending
        self._post(out)

    def note(self, stream: StreamName, line: str) -> None:
        """A line of Regoose's own about the run (kept in the tail and streamed)."""
        self.tails[stream].write(line + "\n")
        self._post([(stream, line)])

    def close(self) -> None:
        """Flush what is left without a trailing newline."""
        out: list[tuple[StreamName, str]] = []
        for name in self._pending:
            rest = self._pending[name] + self._decoders[name].decode(b"", final=True)
            if rest:
                out.append((name, rest.removesuffix("\r")))
            self._pending[name] = ""
        self._post(out)

    def pump(
        self,
        chunks: Iterable[tuple[bytes | None, bytes | None]],
        splitter: ResultSplitter | None = None,
    ) -> None:
        """Read the SDK's demultiplexed chunks to the end (blocking).

        ``splitter`` takes the results trailer off stdout first (see ``exec_io``).
        """
        try:
            for out, err in chunks:
                if out:
                    plain = splitter.feed(out) if splitter is not None else out
                    if plain:
                        self.feed("stdout", plain)
                if err:
                    self.feed("stderr", err)
        finally:
            if splitter is not None and (rest := splitter.flush()):
                self.feed("stdout", rest)
            self.close()

    def text(self, stream: StreamName) -> str:
        """What the result keeps of ``stream``."""
        return self.tails[stream].text()
