"""/watch in the app: a save reruns the related tests, live in the log, a summary in the chat."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from app_harness import AppFactory, wait_for
from textual.pilot import Pilot

from regoose_tui.app.app import RegooseApp
from regoose_tui.widgets.chat_notice import ChatNotice
from regoose_tui.widgets.live_log import LiveLog
from regoose_tui.widgets.log_buffer import plain_text

TEST_FILE = """\
from shop.textutil import slugify


def test_slugify_lowercases_and_joins_words():
    assert slugify("Hello, World!") == "hello-world"
"""


def _notices(app: RegooseApp) -> list[str]:
    return [n.text for n in app.main_screen.query(ChatNotice)]


def _log_lines(app: RegooseApp) -> list[str]:
    log = app.main_screen.query_one(LiveLog)
    first = log.first_line_number
    return [plain_text(log.line_text(n)) for n in range(first, first + log.line_count)]


async def _save_until(
    pilot: Pilot[int], app: RegooseApp, module: Path, seen: Callable[[], bool], within: float
) -> None:
    """Save ``module`` until a rerun starts (the log grows), then wait for ``seen()``.

    The watcher starts listening a moment after the notice says so; a save in
    that moment is not seen, so the test saves again rather than sleeping. It
    stops saving once a rerun started: a newer save would cancel that rerun.
    """
    log = app.main_screen.query_one(LiveLog)
    original = module.read_text(encoding="utf-8")
    for attempt in range(10):
        lines = log.line_count
        module.write_text(original + f"\n# saved {attempt}\n", encoding="utf-8")
        try:
            await wait_for(pilot, lambda: log.line_count > lines, within=3)  # noqa: B023
        except AssertionError:
            continue
        try:
            await wait_for(pilot, seen, within=within)
        except AssertionError:
            raise AssertionError(f"rerun started, no summary; chat: {_notices(app)}") from None
        return
    raise AssertionError(f"no save was seen by the watcher; chat: {_notices(app)}")


async def test_a_save_reruns_the_related_tests_into_the_log_and_a_summary_into_the_chat(
    make_app: AppFactory, project: Path
) -> None:
    (project / "tests").mkdir()
    (project / "tests" / "test_textutil.py").write_text(TEST_FILE, encoding="utf-8")
    module = project / "shop" / "textutil.py"
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await app.get_store()
        await pilot.press(*"/watch", "enter")
        await wait_for(pilot, lambda: any(n.startswith("Watching ") for n in _notices(app)), 30)
        runner = app.main_screen.runner
        assert runner is not None and runner.watching

        def summary() -> bool:
            return any(
                n.startswith("PASSED textutil.py: 1 tests, 1 passed, 0 failed")
                for n in _notices(app)
            )

        await _save_until(pilot, app, module, summary, within=90)
        line = next(n for n in _notices(app) if n.startswith("PASSED textutil.py"))
        assert "shop.textutil coverage" in line
        # The rerun's own pytest output streamed into the live log.
        await wait_for(
            pilot, lambda: any("test_textutil.py" in text for text in _log_lines(app)), 10
        )
        assert any("1 passed" in text for text in _log_lines(app))

        await pilot.press(*"/watch stop", "enter")
        await wait_for(pilot, lambda: not runner.watching, within=20)
        await wait_for(
            pilot, lambda: any(n.startswith("Stopped watching") for n in _notices(app)), 10
        )
        # Saves after the stop rerun nothing.
        before = sum(n.startswith("PASSED") for n in _notices(app))
        module.write_text(module.read_text(encoding="utf-8") + "\n# after stop\n", "utf-8")
        await pilot.pause(1.5)
        assert sum(n.startswith("PASSED") for n in _notices(app)) == before


async def test_leaving_the_app_and_esc_stop_the_watch(make_app: AppFactory, project: Path) -> None:
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await app.get_store()
        await pilot.press(*"/watch shop", "enter")
        await wait_for(pilot, lambda: any(n.startswith("Watching shop") for n in _notices(app)), 30)
        runner = app.main_screen.runner
        assert runner is not None and runner.watching
        await wait_for(pilot, lambda: not app.main_screen.turn_running, within=10)
        await pilot.press("escape")  # no turn runs: Esc ends the watch
        await wait_for(pilot, lambda: not runner.watching, within=20)
        await pilot.press(*"/watch", "enter")
        await wait_for(pilot, lambda: runner.watching, within=30)
        watch = runner.conversation.watching
        assert watch is not None
    # The app is gone: its watch (and any rerun's sandbox) went with it.
    assert not watch.running
