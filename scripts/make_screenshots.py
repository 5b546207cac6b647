"""Regenerate screenshots/ (SVG and PNG) by driving the real app through a real generation.

    python scripts/make_screenshots.py [--out screenshots] [--runtime local]

Pictures: the main screen mid-run, the plan graph with an agent selected,
the live log searching for "passed", and the session history. The app runs
on a copy of examples/ with its own store, the offline provider and the
given runtime, so nothing of yours is touched.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZE = (150, 42)
PNG_WIDTH = 1800


async def _until(pilot: object, condition: Callable[[], bool], within: float = 90.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshots: the app did not get there in {within} s")
        await pilot.pause(0.05)  # type: ignore[attr-defined]


async def take_screenshots(out: Path, runtime: str) -> list[Path]:
    """Run the app and save the four SVGs into ``out``; return their paths."""
    from regoose_tui.widgets.live_log import LiveLog
    from regoose_tui.widgets.plan_graph import PlanGraph

    from regoose_tui.app.app import RegooseApp
    from regoose_tui.app.context import AppOptions
    from regoose_tui.app.screens.history import HistoryScreen
    from regoose_tui.config import load_settings

    saved: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="regoose-shots-") as tmp:
        project = Path(tmp) / "shop-project"
        shutil.copytree(ROOT / "examples", project, ignore=shutil.ignore_patterns("__pycache__"))
        (project / "regoose.toml").write_text(
            f'[runtime]\nname = "{runtime}"\n\n[generate]\niterations = 2\nbudget_seconds = 30\n',
            encoding="utf-8",
        )
        os.environ["REGOOSE_DATA_DIR"] = str(Path(tmp) / "data")
        app = RegooseApp(
            AppOptions(project_dir=project, settings=load_settings(project), cursor_blink=False)
        )

        def save(name: str) -> None:
            path = out / f"{name}.svg"
            app.save_screenshot(filename=path.name, path=str(out))
            saved.append(path)
            print(f"saved {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

        async with app.run_test(size=SIZE) as pilot:
            main = app.main_screen
            plan = main.query_one(PlanGraph)
            log = main.query_one(LiveLog)
            await pilot.press(*"write tests for shop/cart.py", "enter")

            def mid_run() -> bool:
                # The second round: the first candidate's output is in the log.
                return any(
                    node.id == "generator" and node.state == "running" and node.iteration >= 2
                    for node in plan.nodes
                )

            await _until(pilot, mid_run)
            await pilot.pause(1.5)  # let the spinner and the progress move
            save("main-mid-run")
            await _until(pilot, lambda: not main.turn_running, within=120)
            await pilot.pause(0.5)
            await pilot.press("ctrl+g", "right", "right", "right")
            await pilot.pause(0.3)
            save("plan-graph")
            await pilot.press("ctrl+o")
            log.search("passed")
            await pilot.pause(0.3)
            save("live-log")
            await pilot.press("f2")
            history = app.screen
            assert isinstance(history, HistoryScreen)
            await _until(pilot, lambda: history.loaded, within=10)
            await pilot.pause(0.5)
            save("history")
    return saved


def to_png(svg: Path) -> Path:
    """Render one SVG to a PNG beside it."""
    import cairosvg

    png = svg.with_suffix(".png")
    cairosvg.svg2png(url=str(svg), write_to=str(png), output_width=PNG_WIDTH)
    return png


def main() -> int:
    """Take the pictures and write SVG + PNG files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--runtime", default="local", help="sandbox for the run (default local)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    svgs = asyncio.run(take_screenshots(args.out.resolve(), args.runtime))
    for svg in svgs:
        print(f"saved {to_png(svg).name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
