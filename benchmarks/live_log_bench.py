"""Benchmark LiveLog against Textual's own Log under a flood of lines.

Run: `.venv/bin/python benchmarks/live_log_bench.py [--lines N] [--check]`.

Each widget runs inside `App.run_test()` (headless, real compositor) and gets
the same lines in batches, as the UI bridge's 20 Hz timer would deliver them:

- paced: one batch per 50 ms tick; a probe task sleeping 5 ms records how
  late it wakes up (event-loop lag: write cost plus layout and paint);
- flood: batches back to back with only a yield between them (wall rate);
- overflow: twice the capacity, so the ring buffer evicts all the way;
- memory: the same feed under tracemalloc, bytes retained per kept line.

Lag is wall-clock: on a busy machine, preemption by other processes shows up
too. `--gc-freeze` calls gc.freeze() once the app is up, which shortens the
full GC passes that dominate the remaining lag.

`--check` exits 1 when LiveLog misses a target: >= 100,000 lines/s ingested,
worst lag < 50 ms, < 300 bytes per kept line, >= 100,000 lines kept.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textual.app import App, ComposeResult
from textual.widget import Widget
from textual.widgets import Log

from regoose_tui.widgets.live_log import LiveLog

TICK_SECONDS = 1 / 20
PROBE_SECONDS = 0.005
FREEZE_GC = False


def make_batch(start: int, size: int) -> list[str]:
    """Lines shaped like pytest output in a container; every fourth one coloured."""
    lines = []
    for number in range(start, start + size):
        module = number % 37
        if number % 4 == 0:
            lines.append(
                f"tests/test_mod_{module}.py::test_case_{number} \x1b[32mPASSED\x1b[0m"
                f" [{number % 100:3d}%]"
            )
        else:
            lines.append(f"  {number:>8} collected item in tests/test_mod_{module}.py (ok)")
    return lines


@dataclass
class Figures:
    """What one widget achieved."""

    ingest_rate: float = 0.0
    worst_write_ms: float = 0.0
    worst_lag_ms: float = 0.0
    worst_busy_ms: float = 0.0
    flood_rate: float = 0.0
    overflow_rate: float = 0.0
    overflow_lag_ms: float = 0.0
    overflow_busy_ms: float = 0.0
    bytes_per_line: float = 0.0
    kept: int = 0
    notes: list[str] = field(default_factory=list)


class BenchApp(App[None]):
    """A bare app holding the widget under test."""

    def __init__(self, make_widget: Callable[[], Widget]) -> None:
        super().__init__()
        self._make_widget = make_widget

    def compose(self) -> ComposeResult:
        yield self._make_widget()


class LagProbe:
    """Records how late a short periodic sleep wakes up while the feed runs.

    `worst` is wall-clock lateness (what a user feels, preemption by other
    processes included); `worst_cpu` is the CPU time this thread spent in the
    same stretch (the loop's own work, GC included), which stays meaningful
    on a loaded machine.
    """

    def __init__(self) -> None:
        self.worst = 0.0
        self.worst_cpu = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            started, started_cpu = loop.time(), time.thread_time()
            await asyncio.sleep(PROBE_SECONDS)
            self.worst = max(self.worst, loop.time() - started - PROBE_SECONDS)
            self.worst_cpu = max(self.worst_cpu, time.thread_time() - started_cpu)

    def __enter__(self) -> LagProbe:
        self._task = asyncio.create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


def write(widget: Widget, batch: Sequence[str]) -> None:
    """Call the widget's batch writer."""
    if isinstance(widget, LiveLog):
        widget.write_lines(batch)
    else:
        assert isinstance(widget, Log)
        widget.write_lines(batch)


async def settle(app: App[None]) -> None:
    """Let thread workers (Log's width worker) and pending refreshes finish."""
    await app.workers.wait_for_complete()
    await asyncio.sleep(0.1)


async def feed(
    app: App[None], widget: Widget, total: int, batch_size: int, paced: bool
) -> tuple[float, float, tuple[float, float], float]:
    """Feed `total` lines; return (time in write, worst write, (worst lag, its CPU), wall)."""
    in_write = 0.0
    worst_write = 0.0
    loop = asyncio.get_running_loop()
    if FREEZE_GC:
        # What an app can do once started: move its start-up objects out of GC's sight.
        gc.collect()
        gc.freeze()
    # Made up front: producing lines is the bridge's cost, not the widget's. Tuples,
    # because a producer drops its batches; held lists would slow every GC pass.
    batches = [
        tuple(make_batch(start, min(batch_size, total - start)))
        for start in range(0, total, batch_size)
    ]
    with LagProbe() as probe:
        await asyncio.sleep(0.05)
        wall_start = time.perf_counter()
        next_tick = loop.time()
        for batch in batches:
            began = time.perf_counter()
            write(widget, batch)
            spent = time.perf_counter() - began
            in_write += spent
            worst_write = max(worst_write, spent)
            if paced:
                next_tick += TICK_SECONDS
                await asyncio.sleep(max(0.0, next_tick - loop.time()))
            else:
                await asyncio.sleep(0)
        await settle(app)
        wall = time.perf_counter() - wall_start
    return in_write, worst_write, (probe.worst, probe.worst_cpu), wall


async def measure(make_widget: Callable[[], Widget], total: int, batch_size: int) -> Figures:
    """Run every scenario for one widget kind."""
    figures = Figures()
    app = BenchApp(make_widget)
    async with app.run_test(size=(120, 40)):
        widget = next(iter(app.screen.children))
        in_write, worst_write, worst_lag, _ = await feed(app, widget, total, batch_size, True)
        figures.ingest_rate = total / in_write
        figures.worst_write_ms = worst_write * 1000
        figures.worst_lag_ms = worst_lag[0] * 1000
        figures.worst_busy_ms = worst_lag[1] * 1000
        figures.kept = widget.line_count  # type: ignore[attr-defined]

    app = BenchApp(make_widget)
    async with app.run_test(size=(120, 40)):
        widget = next(iter(app.screen.children))
        _, _, _, wall = await feed(app, widget, total, batch_size, False)
        figures.flood_rate = total / wall

    app = BenchApp(make_widget)
    async with app.run_test(size=(120, 40)):
        widget = next(iter(app.screen.children))
        in_write, _, lag, _ = await feed(app, widget, 2 * total, batch_size, True)
        figures.overflow_rate = 2 * total / in_write
        figures.overflow_lag_ms = lag[0] * 1000
        figures.overflow_busy_ms = lag[1] * 1000

    app = BenchApp(make_widget)
    async with app.run_test(size=(120, 40)):
        widget = next(iter(app.screen.children))
        gc.collect()
        tracemalloc.start()
        baseline = tracemalloc.get_traced_memory()[0]
        await feed(app, widget, total, batch_size, False)
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - baseline
        tracemalloc.stop()
        kept = widget.line_count  # type: ignore[attr-defined]
        figures.bytes_per_line = retained / max(1, kept)
    return figures


def print_table(live: Figures, log: Figures, total: int, batch_size: int) -> None:
    """Side-by-side figures with the targets LiveLog must meet."""
    rows = [
        ("ingest rate, time in write_lines (lines/s)", "ingest_rate", "{:,.0f}", ">= 100,000"),
        ("worst single write_lines call (ms)", "worst_write_ms", "{:.1f}", ""),
        ("worst event-loop lag, 20 Hz feed (ms)", "worst_lag_ms", "{:.1f}", "< 50"),
        ("  CPU used in that stretch (ms)", "worst_busy_ms", "{:.1f}", ""),
        ("flood wall rate incl. paint (lines/s)", "flood_rate", "{:,.0f}", ""),
        ("overflow ingest rate, 2x capacity (lines/s)", "overflow_rate", "{:,.0f}", ""),
        ("overflow worst lag (ms)", "overflow_lag_ms", "{:.1f}", "< 50"),
        ("  CPU used in that stretch (ms)", "overflow_busy_ms", "{:.1f}", ""),
        ("memory per kept line (bytes)", "bytes_per_line", "{:.0f}", "< 300"),
        ("lines kept", "kept", "{:,}", ">= 100,000"),
    ]
    print(f"{total:,} lines in batches of {batch_size:,} ({1 / TICK_SECONDS:.0f} Hz when paced)")
    print(f"{'metric':<46}{'LiveLog':>14}{'Textual Log':>14}{'target':>14}")
    for title, attribute, fmt, target in rows:
        left = fmt.format(getattr(live, attribute))
        right = fmt.format(getattr(log, attribute))
        print(f"{title:<46}{left:>14}{right:>14}{target:>14}")


def misses(live: Figures) -> list[str]:
    """Targets LiveLog did not meet."""
    failed = []
    if live.ingest_rate < 100_000:
        failed.append("ingest rate")
    if max(live.worst_lag_ms, live.overflow_lag_ms) >= 50:
        failed.append("worst lag")
    if live.bytes_per_line >= 300:
        failed.append("bytes per line")
    if live.kept < 100_000:
        failed.append("lines kept")
    return failed


async def main_async(total: int, batch_size: int, check: bool) -> int:
    live = await measure(lambda: LiveLog(max_lines=total), total, batch_size)
    log = await measure(lambda: Log(max_lines=total), total, batch_size)
    print_table(live, log, total, batch_size)
    failed = misses(live)
    if failed:
        print("LiveLog missed:", ", ".join(failed))
    return 1 if (check and failed) else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=10_000, help="lines per 50 ms tick")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument(
        "--gc-freeze", action="store_true", help="gc.freeze() after start-up, as an app may"
    )
    args = parser.parse_args()
    global FREEZE_GC
    FREEZE_GC = args.gc_freeze
    raise SystemExit(asyncio.run(main_async(args.lines, args.batch, args.check)))


if __name__ == "__main__":
    main()
