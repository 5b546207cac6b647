"""Per-line output becomes a few RunOutput batches, in order, nothing lost."""

from __future__ import annotations

import asyncio

from regoose_tui.bus.events import Event, RunOutput
from regoose_tui.tools.output_batcher import BATCH_LINES, OutputBatcher


async def test_flood_is_batched_and_complete() -> None:
    events: list[Event] = []
    batcher = OutputBatcher(events.append, run_id="r1", session_id="s")
    total = BATCH_LINES * 3 + 7
    for number in range(total):
        batcher("stdout", f"line {number}")
    await asyncio.sleep(0.1)
    outputs = [e for e in events if isinstance(e, RunOutput)]
    assert len(outputs) == 4
    lines = [line for e in outputs for line in e.lines]
    assert lines == [f"line {n}" for n in range(total)]
    assert all(e.session_id == "s" for e in outputs)


async def test_partial_batch_flushes_on_timer_and_streams_stay_apart() -> None:
    events: list[Event] = []
    batcher = OutputBatcher(events.append, run_id="r2")
    batcher("stdout", "out")
    batcher("stderr", "err")
    assert events == []
    await asyncio.sleep(0.1)
    assert {(e.stream, e.lines) for e in events if isinstance(e, RunOutput)} == {
        ("stdout", ("out",)),
        ("stderr", ("err",)),
    }
