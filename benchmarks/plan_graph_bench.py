"""Benchmark PlanGraph: 200 nodes updated 10 times a second.

Run: `.venv/bin/python benchmarks/plan_graph_bench.py [--nodes N] [--seconds S] [--check]`.

Inside `App.run_test()` (headless, real compositor) the graph gets a 200-node
plan (10 layers of 20, one or two deps each), then every 100 ms a new tuple of
nodes where a sliding band changes state and every running node's elapsed
time grows, as the UI bridge would deliver it. A probe task sleeping 5 ms
records how late it wakes (event-loop lag: diff, render and paint). The
spinner timer runs throughout, since nodes are always running. `--check`
exits 1 when the worst lag reaches 50 ms or the layout is recomputed on
status-only updates.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textual.app import App, ComposeResult

from regoose_tui.widgets.plan_graph import NodeState, PlanGraph

PROBE_SECONDS = 0.005
UPDATE_SECONDS = 0.1
STATES: tuple[NodeState, ...] = ("pending", "running", "done", "failed", "skipped")


def make_plan(count: int, per_layer: int = 20) -> list[PlanGraph.Node]:
    """A layered plan: each node waits for one or two nodes of the layer before."""
    nodes = []
    for index in range(count):
        layer, position = divmod(index, per_layer)
        deps: tuple[str, ...] = ()
        if layer:
            first = (layer - 1) * per_layer + position
            second = (layer - 1) * per_layer + (position * 7 + 3) % per_layer
            deps = tuple(dict.fromkeys((f"n{first}", f"n{second}")))
        nodes.append(PlanGraph.Node(f"n{index}", f"agent {index} step", "pending", deps))
    return nodes


def tick(nodes: list[PlanGraph.Node], step: int) -> list[PlanGraph.Node]:
    """The plan one update later: a band of nodes moves state, running ones age."""
    updated = []
    for index, node in enumerate(nodes):
        state = node.state
        if (index + step) % 10 == 0:
            state = STATES[(index // 10 + step) % len(STATES)]
        elapsed = node.elapsed + UPDATE_SECONDS if state == "running" else node.elapsed
        iteration = node.iteration + (1 if state == "failed" and step % 5 == 0 else 0)
        updated.append(
            PlanGraph.Node(node.id, node.label, state, node.deps, elapsed, min(iteration, 9))
        )
    return updated


class BenchApp(App[None]):
    """A bare app with one PlanGraph filling the screen."""

    def compose(self) -> ComposeResult:
        yield PlanGraph(id="graph")


async def run(count: int, seconds: float) -> dict[str, float]:
    """Feed updates for `seconds`; return the figures."""
    app = BenchApp()
    figures: dict[str, float] = {}
    async with app.run_test(size=(160, 50)) as pilot:
        graph = app.query_one(PlanGraph)
        graph.focus()
        nodes = make_plan(count)
        began = time.perf_counter()
        graph.nodes = tuple(nodes)
        await pilot.pause()
        figures["first layout + paint (ms)"] = (time.perf_counter() - began) * 1000
        layouts_before = graph.layout_count

        loop = asyncio.get_running_loop()
        worst_lag = 0.0
        stop = False

        async def probe() -> None:
            nonlocal worst_lag
            while not stop:
                started = loop.time()
                await asyncio.sleep(PROBE_SECONDS)
                worst_lag = max(worst_lag, loop.time() - started - PROBE_SECONDS)

        probe_task = asyncio.create_task(probe())
        worst_assign = 0.0
        updates = 0
        deadline = loop.time() + seconds
        next_update = loop.time()
        while loop.time() < deadline:
            nodes = tick(nodes, updates)
            assign_began = time.perf_counter()
            graph.nodes = tuple(nodes)
            worst_assign = max(worst_assign, time.perf_counter() - assign_began)
            updates += 1
            # Move the selection now and then, as a user would.
            if updates % 5 == 0:
                await pilot.press("down" if updates % 10 else "right")
            next_update += UPDATE_SECONDS
            await asyncio.sleep(max(0.0, next_update - loop.time()))
        stop = True
        await probe_task
        figures["updates"] = updates
        figures["worst nodes assignment (ms)"] = worst_assign * 1000
        figures["worst event-loop lag (ms)"] = worst_lag * 1000
        figures["layouts during updates"] = graph.layout_count - layouts_before
        figures["layout size (cols x rows)"] = graph.plan_layout.width * 10_000 + (
            graph.plan_layout.height
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args()
    figures = asyncio.run(run(args.nodes, args.seconds))
    print(f"PlanGraph: {args.nodes} nodes, {1 / UPDATE_SECONDS:.0f} updates/s, {args.seconds} s")
    for name, value in figures.items():
        if name.startswith("layout size"):
            shown = f"{int(value) // 10_000} x {int(value) % 10_000}"
        else:
            shown = f"{value:,.1f}"
        print(f"  {name:<34}{shown:>14}")
    failed = figures["worst event-loop lag (ms)"] >= 50 or figures["layouts during updates"] > 0
    print(
        "targets: worst lag < 50 ms, no re-layout on status updates:", "MISSED" if failed else "met"
    )
    raise SystemExit(1 if (args.check and failed) else 0)


if __name__ == "__main__":
    main()
