"""ContainerPool: warm sandbox containers, reused with exec, reset between uses.

Containers are keyed by everything fixed at creation (``Layout.key``:
image, mounts, scratch volumes, limits): a run takes an idle container of
its key or starts one, and gives it back when it ended cleanly. The run's
own exec resets it before it ends (``exec_io``: every other process of the
sandbox user killed, every writable place emptied); a container that timed
out, was killed, was cancelled or did not come back clean is removed
instead, never reused. At most
``max_size`` containers are kept warm; a run beyond that gets a cold one
(removed after it), so concurrency never waits on the pool. After the first
run of a key one spare is started ahead, so the next run pays no start.

The pool is drained (everything removed) by :meth:`drain` on exit (an
``atexit`` hook of the runtime), on cancellation of a run (its own
container) and, after a crash, by the next Regoose process (labels).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from regoose_tui.runtime.container import lifecycle
from regoose_tui.runtime.container.layout import Layout
from regoose_tui.runtime.container.lifecycle import Box

if TYPE_CHECKING:
    import docker

_log = logging.getLogger(__name__)


@dataclass
class Lease:
    """A container lent to one run."""

    box: Box
    layout: Layout
    #: True when it came warm from the pool (for measurements and tests).
    warm: bool
    pooled: bool


@dataclass
class _Slot:
    idle: list[Box] = field(default_factory=list)
    spare: asyncio.Future[Box | None] | None = None


class ContainerPool:
    """Warm containers of one engine, keyed by layout (see the module docstring)."""

    def __init__(self, client: docker.DockerClient, image: str, max_size: int = 2) -> None:
        self.client = client
        self.image = image
        self.max_size = max(0, max_size)
        self._slots: dict[str, _Slot] = {}
        #: Every container this pool owns (idle, lent, starting ahead), for drain.
        self._owned: dict[str, Box] = {}
        self._lock = threading.Lock()
        self.started = 0
        self.reused = 0

    def _key(self, layout: Layout, engine_url: str) -> str:
        return layout.key(self.image, engine_url)

    def _pooled_count(self) -> int:
        return sum(1 for box in self._owned.values() if box.key != "")

    async def acquire(self, layout: Layout, engine_url: str) -> Lease:
        """A started container for ``layout``: warm when one is idle, else a new one."""
        key = self._key(layout, engine_url)
        slot = self._slots.setdefault(key, _Slot())
        while slot.idle:
            box = slot.idle.pop()
            if box.healthy:
                self.reused += 1
                return Lease(box, layout, warm=True, pooled=True)
        if slot.spare is not None and slot.spare.get_loop() is not asyncio.get_running_loop():
            slot.spare = None  # started under an event loop that is gone (drain removes it)
        if slot.spare is not None:
            spare, slot.spare = slot.spare, None
            box_or_none = await spare
            if box_or_none is not None and box_or_none.healthy:
                self.reused += 1
                self._maybe_spare(key, slot, layout)
                return Lease(box_or_none, layout, warm=True, pooled=True)
        pooled = self._pooled_count() < self.max_size
        box = await self._start(layout, key if pooled else "")
        if pooled:
            self._maybe_spare(key, slot, layout)
        return Lease(box, layout, warm=False, pooled=pooled)

    def _maybe_spare(self, key: str, slot: _Slot, layout: Layout) -> None:
        """Start one container ahead for ``key`` when the pool has room."""
        if slot.spare is not None or slot.idle or self._pooled_count() >= self.max_size:
            return
        slot.spare = asyncio.ensure_future(self._start_quietly(layout, key))

    async def _start_quietly(self, layout: Layout, key: str) -> Box | None:
        try:
            return await self._start(layout, key)
        except Exception as exc:  # a spare is an optimisation: the run starts its own
            _log.debug("could not start a spare container: %s", exc)
            return None

    async def _start(self, layout: Layout, key: str) -> Box:
        box = await asyncio.to_thread(self._create, layout, key)
        self.started += 1
        return box

    def _create(self, layout: Layout, key: str) -> Box:
        """Create a container and own it at once, in the worker thread.

        Owned before the awaiting task resumes: if that task is cancelled (a
        spare when the loop shuts down) the container is still drained.
        """
        role = "pool" if key else "run"
        box = lifecycle.create(self.client, layout, self.image, key or "cold", role)
        box.key = key
        with self._lock:
            self._owned[box.id] = box
        return box

    async def release(self, lease: Lease, *, reusable: bool) -> None:
        """Give a container back: reset and kept warm, or removed."""
        box = lease.box
        box.uses += 1
        if not (reusable and lease.pooled and box.healthy):
            await self._remove(box)
            return
        # The run's own exec already reset it (exec_io): it is ready as it is.
        self._slots.setdefault(box.key, _Slot()).idle.append(box)

    async def _remove(self, box: Box) -> None:
        with self._lock:
            self._owned.pop(box.id, None)
        await asyncio.to_thread(lifecycle.remove, self.client, box)

    async def drain(self) -> None:
        """Remove every container of the pool (idle, lent, starting ahead)."""
        for slot in self._slots.values():
            if slot.spare is not None:
                slot.spare.cancel()
        await asyncio.to_thread(self.drain_sync)

    def drain_sync(self, on_removed: Callable[[Box], None] | None = None) -> None:
        """Blocking drain (for ``atexit``, when no event loop runs any more)."""
        with self._lock:
            boxes = list(self._owned.values())
            self._owned.clear()
        for slot in self._slots.values():
            slot.idle.clear()
            slot.spare = None
        for box in boxes:
            lifecycle.remove(self.client, box)
            if on_removed is not None:
                on_removed(box)

    def idle_count(self) -> int:
        """Containers waiting warm, all keys together."""
        return sum(len(slot.idle) for slot in self._slots.values())

    def owned_count(self) -> int:
        """Containers this pool still owns (idle, lent or starting ahead)."""
        with self._lock:
            return len(self._owned)
