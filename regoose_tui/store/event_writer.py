"""The store's writer task: persists queued bus events in batched transactions."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

import aiosqlite

from regoose_tui.bus.events import Event
from regoose_tui.errors import StoreError
from regoose_tui.store.database import Database
from regoose_tui.store.event_buffer import EventBuffer, PendingEvent
from regoose_tui.store.output_cap import DEFAULT_OUTPUT_CAP, OutputCap
from regoose_tui.store.scrub import scrub_json

log = logging.getLogger(__name__)

#: Consecutive failed writes before the queued events are given up.
_MAX_ATTEMPTS = 5
#: Seconds to wait after the first failure (grows linearly).
_RETRY_DELAY = 0.2


class EventWriter:
    """Queues events (sync) and writes them (async), numbering them per session."""

    def __init__(
        self, db: Database, *, window: float, output_cap_bytes: int = DEFAULT_OUTPUT_CAP
    ) -> None:
        self._db = db
        self._buffer = EventBuffer(window=window)
        # A run's output beyond the cap is cut (one notice line), never stored.
        self._output_cap = OutputCap(output_cap_bytes)
        # Held from taking a batch to committing it, so batches land in order.
        self._flush_lock = asyncio.Lock()
        self._last_seq: dict[str, int] = {}
        self._task: asyncio.Task[None] | None = None
        self._error: BaseException | None = None
        self._stopping = False
        self._stop_requested = asyncio.Event()

    def __len__(self) -> int:
        return len(self._buffer)

    def start(self) -> None:
        """Start the background writer task."""
        self._task = asyncio.create_task(self._run(), name="regoose-store-writer")

    async def stop(self) -> None:
        """Write what is queued and end the task; raise a failure it met."""
        self._stopping = True
        self._stop_requested.set()
        self._buffer.wake()
        if self._task is not None:
            with suppress(asyncio.CancelledError):
                await self._task
        await self._flush_pending()
        self._raise_error()

    def put(self, session_id: str, event: Event) -> None:
        """Queue an event of ``session_id`` (any thread; never blocks)."""
        if self._stopping:
            log.warning("session store closed: dropped event %s", event.kind)
            return
        kept = self._output_cap.admit(session_id, event)
        if kept is not None:
            self._buffer.put(session_id, kept)

    async def flush(self) -> None:
        """Write everything queued so far; re-raise a failure of the writer task."""
        self._raise_error()
        await self._flush_pending()

    def new_session(self, session_id: str) -> None:
        """A session created by this store starts numbering at 1 (no query needed)."""
        self._last_seq[session_id] = 0

    def forget_session(self, session_id: str) -> None:
        """Drop queued events and numbering of a session being deleted.

        Call it inside the deleting transaction: a batch that is in flight then
        finds the session gone and drops its events instead of failing.
        """
        self._buffer.discard_session(session_id)
        self._last_seq.pop(session_id, None)

    def _raise_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise StoreError(f"writing events to the session store failed: {error}") from error

    async def _run(self) -> None:
        failures = 0
        while not self._stopping:
            await self._buffer.wait_batch()
            try:
                await self._flush_pending()
                failures = 0
            except Exception as exc:  # the batch is requeued; try again shortly
                failures += 1
                if failures < _MAX_ATTEMPTS:
                    log.warning("session store writer failed (attempt %d): %s", failures, exc)
                    with suppress(TimeoutError):  # close() cuts the pause short
                        await asyncio.wait_for(self._stop_requested.wait(), _RETRY_DELAY * failures)
                    continue
                # Give up on what is queued rather than grow without bound;
                # the next flush() tells the caller.
                dropped = len(self._buffer.take())
                log.error("session store writer gave up, %d events lost: %s", dropped, exc)
                self._error = exc
                failures = 0

    async def _flush_pending(self) -> None:
        async with self._flush_lock:
            batch = self._buffer.take()
            if not batch:
                return
            try:
                await self._write(batch)
            except BaseException:
                # Nothing of the batch was committed: keep it for the next try.
                self._buffer.requeue(batch)
                raise

    async def _write(self, batch: list[PendingEvent]) -> None:
        """Write one batch in one transaction; numbering is kept only once it commits."""
        numbered: dict[str, int] = {}
        missing: set[str] = set()
        rows: list[tuple[str, int, str, float, str]] = []
        async with self._db.transaction() as conn:
            for item in batch:
                session_id = item.session_id
                if session_id in missing:
                    continue
                last = numbered.get(session_id, self._last_seq.get(session_id))
                if last is None:
                    last = await self._stored_last_seq(conn, session_id)
                if last is None:
                    missing.add(session_id)
                    continue
                numbered[session_id] = last + 1
                document = scrub_json(item.event.model_dump_json())
                rows.append((session_id, last + 1, item.event.kind, item.event.ts, document))
            await conn.executemany(
                "INSERT INTO events (session_id, seq, kind, ts, json) VALUES (?, ?, ?, ?, ?)",
                rows,
            )
        self._last_seq.update(numbered)
        for session_id in missing:
            log.warning("dropped events of unknown session %s", session_id)

    async def _stored_last_seq(self, conn: aiosqlite.Connection, session_id: str) -> int | None:
        """The last stored event number of a session, or None if the session does not exist."""
        async with conn.execute(
            "SELECT (SELECT MAX(seq) FROM events WHERE session_id = ?),"
            " EXISTS (SELECT 1 FROM sessions WHERE id = ?)",
            (session_id, session_id),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None or not row[1]:
            return None
        return int(row[0] or 0)
