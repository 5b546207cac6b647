"""Regenerate screenshots/ (SVG and PNG) by driving the real app through a real generation.

    python scripts/make_screenshots.py [--out screenshots] [--runtime local]

Pictures: the main screen mid-run, the review of the staged suite (one test
rejected), the plan graph with an agent selected, the live log searching for
"passed", and the session history. The app runs
on a copy of examples/ with its own store, the offline provider and the
given runtime, so nothing of yours is touched.

Every session in the history is real: a CLI generation killed with SIGKILL
before the app starts (the store marks it interrupted), the app's passing
generation, a `/run` of a test file with a failing test, and a generation
cancelled with Esc.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FAILING_TESTS = """\
from decimal import Decimal

from shop.pricing import round_money, tax_for


def test_round_money_halves_go_up():
    assert round_money(Decimal("2.005")) == Decimal("2.01")


def test_uk_tax_on_ten_pounds():
    # Wrong on purpose: the history shows a failed run.
    assert tax_for(Decimal("10.00"), "gb") == Decimal("2.50")
"""
SIZE = (150, 42)
CELL_PIXELS = 12
"""Width of one terminal cell in the PNGs (150 columns: about 1,820 pixels)."""
PNG_FONTS = ("Fira Code", "DejaVu Sans Mono", "Liberation Mono", "Noto Sans Mono")
"""Monospace families for the PNGs, best first; the first installed one is used."""
FONT_ADVANCE = {
    "Fira Code": 1200 / 2000,
    "DejaVu Sans Mono": 1233 / 2048,
    "Liberation Mono": 1229 / 2048,
}
"""Character advance of each font, in em."""
SVG_FONT_SIZE = 20
SVG_CELL_EM = 0.61
"""Rich's SVG grid: 20px text in cells 0.61 em wide."""


async def _until(pilot: object, condition: Callable[[], bool], within: float = 90.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshots: the app did not get there in {within} s")
        await pilot.pause(0.05)  # type: ignore[attr-defined]


async def take_screenshots(out: Path, runtime: str) -> list[Path]:
    """Run the app and save the five SVGs into ``out``; return their paths."""
    from regoose_tui.app.app import RegooseApp
    from regoose_tui.app.context import AppOptions
    from regoose_tui.app.screens.history import HistoryScreen
    from regoose_tui.app.screens.review import KEY_SEPARATOR, ReviewScreen
    from regoose_tui.config import load_settings
    from regoose_tui.widgets.chat_input import ChatInput
    from regoose_tui.widgets.live_log import LiveLog
    from regoose_tui.widgets.plan_graph import PlanGraph
    from regoose_tui.widgets.review_tree import ReviewTree

    saved: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="regoose-shots-") as tmp:
        project = Path(tmp) / "shop-project"
        shutil.copytree(ROOT / "examples", project, ignore=shutil.ignore_patterns("__pycache__"))
        (project / "regoose.toml").write_text(
            f'[runtime]\nname = "{runtime}"\n\n[generate]\niterations = 2\nbudget_seconds = 30\n',
            encoding="utf-8",
        )
        os.environ["REGOOSE_DATA_DIR"] = str(Path(tmp) / "data")
        await _killed_generation(project, "shop/textutil.py")
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

            async def send(text: str) -> None:
                """Put ``text`` in the chat input, press Enter, wait for its turn to start."""
                previous = main.turn_worker
                main.query_one(ChatInput).insert_text_at_cursor(text)
                await pilot.press("enter")
                await _until(pilot, lambda: main.turn_worker is not previous, within=10)

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
            # The suite is staged, not written: the review screen opens on it.
            await _until(pilot, lambda: isinstance(app.screen, ReviewScreen), within=30)
            review = app.screen
            assert isinstance(review, ReviewScreen)
            await _until(pilot, lambda: review.review is not None, within=30)
            tree = review.query_one(ReviewTree)
            tests = [key for key in tree.entry_keys if KEY_SEPARATOR in key]
            if len(tests) > 2:  # reject one, to show the ✗ and a diff without it
                tree.select_key(tests[-1])
                await pilot.pause(0.2)
                await pilot.press("r")
                tree.select_key(tests[0])
            await pilot.pause(0.5)
            save("review")
            await pilot.press("escape")
            await _until(pilot, lambda: app.screen is main, within=10)
            await pilot.pause(0.5)
            # Select the validator: three steps along the flow, whichever way it is drawn.
            along = "down" if plan.plan_layout.orientation == "vertical" else "right"
            await pilot.press("ctrl+g", along, along, along, along)
            await pilot.pause(0.3)
            save("plan-graph")
            await pilot.press("ctrl+o")
            log.search("passed")
            await pilot.pause(0.3)
            save("live-log")
            # Two more outcomes for the history: a failed run, a cancelled generation.
            (project / "tests").mkdir(exist_ok=True)
            (project / "tests" / "test_pricing_rules.py").write_text(FAILING_TESTS, "utf-8")
            await pilot.press("ctrl+t")
            await send("/run tests/test_pricing_rules.py")
            await _until(pilot, lambda: not main.turn_running, within=60)
            await send("write tests for shop/inventory.py")
            await _until(
                pilot,
                lambda: any(n.id == "generator" and n.state == "running" for n in plan.nodes),
                within=60,
            )
            await pilot.press("escape")
            await _until(pilot, lambda: not main.turn_running, within=60)
            await pilot.press("f2")
            history = app.screen
            assert isinstance(history, HistoryScreen)
            await _until(pilot, lambda: history.loaded, within=10)
            await pilot.pause(0.5)
            save("history")
    return saved


async def _killed_generation(project: Path, target: str) -> None:
    """Start `regoose generate` and SIGKILL it mid-run: its session stays 'running'
    in the store until the next open marks it interrupted."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "regoose_tui",
        "generate",
        target,
        "--quiet",
        cwd=project,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    database = Path(os.environ["REGOOSE_DATA_DIR"]) / "sessions.db"
    for _ in range(300):  # up to 30 s for the session row to appear
        if _running_sessions(database):
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)  # into the plan
    process.kill()
    await process.wait()


def _running_sessions(database: Path) -> int:
    """How many sessions the store holds as running (0 while it does not exist yet)."""
    if not database.exists():
        return 0
    try:
        with sqlite3.connect(database, timeout=1) as connection:
            row = connection.execute(
                "SELECT COUNT(*) FROM sessions WHERE status = 'running'"
            ).fetchone()
    except sqlite3.Error:
        return 0
    return int(row[0])


def _png_font() -> str:
    """The first of PNG_FONTS that fontconfig knows (cairosvg takes one family, no fallback)."""
    try:
        listed = subprocess.run(
            ["fc-list", ":", "family"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return PNG_FONTS[1]
    families = {name.strip() for line in listed.splitlines() for name in line.split(",")}
    return next((font for font in PNG_FONTS if font in families), "monospace")


def to_png(svg: Path) -> Path:
    """Render one SVG to a PNG beside it, in a monospace font that is installed.

    The SVG asks for Fira Code (a web font cairosvg cannot fetch) with no usable
    fallback, so cairosvg would set the grid in a proportional font: columns drift
    and box-drawing lines break. The PNG uses the first installed monospace font.
    """
    import cairosvg

    png = svg.with_suffix(".png")
    font = _png_font()
    markup = svg.read_text(encoding="utf-8").replace(
        "font-family: Fira Code, monospace;", f'font-family: "{font}";'
    )
    if (advance := FONT_ADVANCE.get(font)) is not None:
        # Size the font so one character is exactly one cell, then drop the per-run
        # textLength: cairosvg honours it by spacing glyphs unevenly, which bends
        # vertical lines into a staircase.
        markup = markup.replace(
            f"font-size: {SVG_FONT_SIZE}px;",
            f"font-size: {SVG_FONT_SIZE * SVG_CELL_EM / advance:.3f}px;",
            1,
        )
        markup = re.sub(r' textLength="[0-9.]+"', "", markup)
    # Glyph advances are rounded to whole pixels: scale so a cell is exactly
    # CELL_PIXELS wide, or long runs of box-drawing drift past their corners.
    view_width = float(re.search(r'viewBox="0 0 ([0-9.]+)', markup).group(1))  # type: ignore[union-attr]
    width = round(view_width * CELL_PIXELS / (SVG_FONT_SIZE * SVG_CELL_EM))
    cairosvg.svg2png(bytestring=markup.encode("utf-8"), write_to=str(png), output_width=width)
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
