"""Snapshots of every screen; each docstring says what the picture must show."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

from app_harness import active_screen, seed_session, stage_two, wait_for
from textual.app import App
from textual.pilot import Pilot

from regoose_tui.app.app import RegooseApp
from regoose_tui.app.screens.history import HistoryScreen
from regoose_tui.app.screens.replay import ReplayScreen
from regoose_tui.app.screens.review import KEY_SEPARATOR, ReviewScreen
from regoose_tui.bus import events as ev
from regoose_tui.errors import SandboxUnavailable
from regoose_tui.widgets.chat_view import ChatView
from regoose_tui.widgets.plan_graph import PlanGraph
from regoose_tui.widgets.review_tree import ReviewTree
from regoose_tui.widgets.status_bar import StatusBar

#: Every picture is taken at this terminal size.
SIZE = (140, 40)
SESSION_A = "aaaa00000001"
SESSION_B = "bbbb00000002"
SESSION_C = "cccc00000003"
SESSION_R = "dddd00000004"
PLAN = (
    ("analyzer", "Analyzer", ()),
    ("generator", "Generator", ("analyzer",)),
    ("executor", "Executor", ("generator",)),
    ("validator", "Validator", ("executor",)),
    ("reporter", "Reporter", ("validator",)),
)


class SnapCompare(Protocol):
    """The ``snap_compare`` fixture's function (the plugin ships no types and annotates it
    as taking only a path)."""

    def __call__(
        self,
        app: str | Path | App[Any],
        press: Iterable[str] = (),
        terminal_size: tuple[int, int] = (80, 24),
        run_before: Callable[[Pilot[int]], Awaitable[None] | None] | None = None,
    ) -> bool: ...


async def _main_ready(pilot: Pilot[int]) -> None:
    """The store is open and the runtime probe has filled the status bar."""
    app = pilot.app
    assert isinstance(app, RegooseApp)
    await app.get_store()
    status = app.main_screen.query_one(StatusBar)
    await wait_for(pilot, lambda: not status.info.isolated, within=10)
    await pilot.pause()


async def _seed_two(pilot: Pilot[int], project: Path) -> None:
    app = pilot.app
    assert isinstance(app, RegooseApp)
    store = await app.get_store()
    await seed_session(
        store, project, target="shop/pricing.py", started=1_700_000_000, session_id=SESSION_A
    )
    await seed_session(
        store,
        project,
        target="shop/cart.py",
        status="failed",
        failing_node="validator",
        started=1_700_100_000,
        session_id=SESSION_B,
    )
    await seed_session(
        store,
        project,
        target="shop/inventory.py",
        status="cancelled",
        failing_node="generator",
        started=1_699_900_000,
        session_id=SESSION_C,
    )


class TestMainScreen:
    def test_idle_main_screen(self, snap_compare: SnapCompare, snapshot_app: RegooseApp) -> None:
        """You should see the welcome message in the Chat pane with the input focused below it
        in one clean rounded border, a Plan box (subtitle "idle") saying "No plan yet: ask for
        tests and the agents show up here." in dim italics over an empty "Test output" box
        (subtitle "following"), the status bar reading "offline", "local" and a red NOT ISOLATED badge,
        and the footer keys (Esc Cancel, ^l Clear log, F1 Keys, F2 Sessions, F3 Settings)."""
        assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=_main_ready)

    def test_help_reply_streamed_in_chat(
        self, snap_compare: SnapCompare, snapshot_app: RegooseApp
    ) -> None:
        """You should see the user's "/help" bubble and, under it, the assistant's Markdown list
        of commands (/generate, /run, /explain, /provider, /runtime, /sessions, /export, /watch,
        /help) with inline code highlighted."""

        async def ask_help(pilot: Pilot[int]) -> None:
            await _main_ready(pilot)
            await pilot.press(*"/help", "enter")
            main = snapshot_app.main_screen
            await wait_for(pilot, lambda: main.turn_worker is not None and not main.turn_running)
            await pilot.pause(0.2)

        assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=ask_help)


class TestMainScreenMidRun:
    def test_plan_top_to_bottom_and_log_streaming(
        self, snap_compare: SnapCompare, snapshot_app: RegooseApp
    ) -> None:
        """You should see the user's "write tests for shop/cart.py" bubble in the Chat; in the
        Plan pane (subtitle "running") the five agents drawn top to bottom as one-line nodes
        joined by ▼ arrows, all in view: ✓ Analyzer 0.4s (green), ◐ Generator 2.0s #2 (amber,
        bold), ✗ Executor 1.1s (red), a dashed Validator (skipped, grey) and ○ Reporter (pending); the Test
        output shows the session header, "▶ run 1" lines, a plain pytest line on the log's
        own background and "3 passed in 0.05s" in green; the status bar shows ✓ 3 ✗ 1."""

        async def mid_run(pilot: Pilot[int]) -> None:
            await _main_ready(pilot)
            main = snapshot_app.main_screen
            await main.query_one(ChatView).add_user_message("write tests for shop/cart.py")
            bus = snapshot_app.bus
            bus.publish_nowait(
                ev.SessionStarted(
                    target="shop/cart.py",
                    project="",
                    provider="offline",
                    runtime="local",
                    isolated=False,
                )
            )
            bus.publish_nowait(
                ev.PlanCreated(
                    plan_id="p",
                    strategy="graph",
                    nodes=tuple(ev.PlanNodeInfo(id=i, label=lbl, deps=d) for i, lbl, d in PLAN),
                )
            )
            states: tuple[tuple[str, ev.NodeStatus, float, int], ...] = (
                ("analyzer", "done", 0.4, 1),
                ("generator", "running", 2.0, 2),
                ("executor", "failed", 1.1, 1),
                ("validator", "skipped", 0.0, 1),
            )
            for node_id, state, elapsed, iteration in states:
                bus.publish_nowait(
                    ev.PlanNodeStatus(
                        plan_id="p",
                        node_id=node_id,
                        status=state,
                        elapsed=elapsed,
                        iteration=iteration,
                    )
                )
            bus.publish_nowait(
                ev.RunStarted(
                    run_id="r1", runtime="local", argv=("pytest", "test_cart.py"), label="run 1"
                )
            )
            bus.publish_nowait(
                ev.RunOutput(
                    run_id="r1",
                    lines=(
                        "collected 4 items",
                        "test_cart.py \x1b[32m...\x1b[31mF\x1b[0m [100%]",
                        "\x1b[32m3 passed\x1b[0m, \x1b[31m1 failed\x1b[0m in 0.05s",
                    ),
                )
            )
            outcomes: tuple[ev.TestOutcomeStatus, ...] = ("passed", "passed", "passed", "failed")
            for number, outcome in enumerate(outcomes):
                bus.publish_nowait(ev.TestOutcome(nodeid=f"t::{number}", outcome=outcome))
            plan = main.query_one(PlanGraph)
            await wait_for(pilot, lambda: any(n.state == "skipped" for n in plan.nodes))
            assert main.bridge is not None  # the screen is mounted: its bridge runs
            await main.bridge.drain()
            await pilot.pause(0.2)

        assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=mid_run)


class TestReplayScreen:
    def test_replay_of_a_finished_generation(
        self, snap_compare: SnapCompare, snapshot_app: RegooseApp, snapshot_project: Path
    ) -> None:
        """You should see the main layout read-only (no input, an amber Chat border titled
        "Chat — session aaaa00000001"): the replay notice, the "/generate shop/pricing.py"
        bubble, the reply and a green "accepted" test-file block; the Plan shows the five agents
        top to bottom as green one-line ✓ nodes Analyzer … Reporter joined by ▼ arrows, all
        in view; the log shows the run header, the
        pytest lines and "12 passed in 0.08s" in green; the status bar shows ✓ 12 ✗ 0, lines
        82% branches 64% and 6.2s."""

        async def replay(pilot: Pilot[int]) -> None:
            await _main_ready(pilot)
            await _seed_two(pilot, snapshot_project)
            screen = ReplayScreen(SESSION_A)
            await snapshot_app.push_screen(screen)
            await wait_for(pilot, lambda: screen.loaded)
            await pilot.pause(0.2)

        assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=replay)


class TestHistoryScreen:
    def test_history_with_preview(
        self, snap_compare: SnapCompare, snapshot_app: RegooseApp, snapshot_project: Path
    ) -> None:
        """You should see "Sessions" (subtitle "3 sessions") with a one-line search box in a
        single rounded border on top, a table of three rows, newest first: 2023-11-16 02:00
        shop/cart.py failed (red), 2023-11-14 22:13 shop/pricing.py passed (green) and
        2023-11-13 18:26 shop/inventory.py cancelled (grey), each row showing Date, Target
        (relative to the project), Provider, Status, Lines and Branch with nothing cut off;
        the Preview pane describes the highlighted shop/cart.py session: failed, its reason,
        provider offline, runtime bwrap, 12 tests, coverage, the file written and the key
        hints."""

        async def history(pilot: Pilot[int]) -> None:
            await _main_ready(pilot)
            await _seed_two(pilot, snapshot_project)
            await pilot.press("f2")
            screen = active_screen(snapshot_app, HistoryScreen)
            await wait_for(pilot, lambda: screen.loaded)
            await pilot.pause(0.3)

        assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=history)


class TestSettingsScreen:
    def test_settings_form(self, snap_compare: SnapCompare, snapshot_app: RegooseApp) -> None:
        """You should see the centred "Settings" box (subtitle "regoose.toml") with labelled
        fields: Provider "offline", empty Model and API base with placeholders, Runtime
        "local", Iterations 3, Budget 120, Theme "regoose"; the note about API keys and the
        Save / Cancel buttons; the footer shows Esc Back and ^s Save."""

        async def settings(pilot: Pilot[int]) -> None:
            await _main_ready(pilot)
            await pilot.press("f3")
            await pilot.pause(0.2)

        assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=settings)


class TestHelpScreen:
    def test_help_for_the_focused_log(
        self, snap_compare: SnapCompare, snapshot_app: RegooseApp
    ) -> None:
        """You should see the Help modal titled "Keys — focus: LiveLog #log" listing first the
        log's keys (End Follow, / Search, n / N matches, c Copy), then the main screen's and the
        app's keys in tables, over the dimmed main screen."""

        async def help_for_log(pilot: Pilot[int]) -> None:
            await _main_ready(pilot)
            await pilot.press("ctrl+o", "f1")
            await pilot.pause(0.2)

        assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=help_for_log)


class TestErrorModal:
    def test_error_modal(self, snap_compare: SnapCompare, snapshot_app: RegooseApp) -> None:
        """You should see a red-bordered dialog titled "✗ Sandbox error" with the message
        "bubblewrap is not installed: install it or use --runtime local" and a red OK button,
        over the dimmed main screen."""

        async def error(pilot: Pilot[int]) -> None:
            await _main_ready(pilot)
            snapshot_app.show_error(
                SandboxUnavailable("bubblewrap is not installed: install it or use --runtime local")
            )
            await pilot.pause(0.2)

        assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=error)


class TestReviewScreen:
    def test_review_with_a_rejected_test(
        self, snap_compare: SnapCompare, snapshot_app: RegooseApp, snapshot_project: Path
    ) -> None:
        """You should see "Proposed tests" (subtitle "3 of 4 accepted") on the left: the file
        tests/test_shop_cart.py ("2/3 · new") with ✓ test_empty_cart_total_is_zero,
        ✓ TestAdd, under it ✓ test_one_item and a red struck-through ✗ test_two_items (the
        cursor on it), then tests/test_shop_textutil.py with ✓ test_slugify_lowercases. On the
        right, "Diff against the project" headed "tests/test_shop_cart.py (new file)  +18 -0 ·
        2 accepted, 1 rejected": green-tinted added rows numbered 1-18 with + marks, highlighted Python
        (the fixture, the function, the class with test_one_item, no test_two_items). Below,
        the Accept / Reject / Accept file / Reject file / Apply accepted buttons; the footer
        shows a Accept, r Reject, A Accept file, R Reject file, w Apply accepted, Esc Back."""

        async def review(pilot: Pilot[int]) -> None:
            await _main_ready(pilot)
            store = await snapshot_app.get_store()
            await stage_two(store, snapshot_project, session_id=SESSION_R)
            snapshot_app.open_review(SESSION_R)
            await wait_for(pilot, lambda: bool(snapshot_app.screen.query(ReviewTree)))
            screen = active_screen(snapshot_app, ReviewScreen)
            tree = screen.query_one(ReviewTree)
            await wait_for(pilot, lambda: len(tree.entry_keys) == 7)
            tree.select_key(f"tests/test_shop_cart.py{KEY_SEPARATOR}TestAdd::test_two_items")
            await pilot.pause()
            await pilot.press("r")
            await wait_for(pilot, lambda: "3 of 4 accepted" in str(tree.border_subtitle))
            await pilot.pause(0.3)

        assert snap_compare(snapshot_app, terminal_size=SIZE, run_before=review)
