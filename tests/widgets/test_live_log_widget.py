"""LiveLog in a harness app: ring buffer, follow mode, search, filter, copy, ANSI."""

from __future__ import annotations

import gc
import time
import tracemalloc

from rich.color import Color
from textual.app import App, ComposeResult
from textual.geometry import Offset
from textual.selection import Selection

from regoose_tui.widgets.live_log import LiveLog


class LogApp(App[None]):
    """One LiveLog filling an 80x24 screen."""

    def __init__(self, max_lines: int = 200_000) -> None:
        super().__init__()
        self.max_lines = max_lines
        self.filter_changes: list[tuple[str | None, str | None]] = []

    def compose(self) -> ComposeResult:
        yield LiveLog(max_lines=self.max_lines, id="log")

    def on_live_log_filter_changed(self, message: LiveLog.FilterChanged) -> None:
        self.filter_changes.append((message.run_id, message.label))


def numbered(start: int, count: int, word: str = "line") -> list[str]:
    return [f"{word} {number}" for number in range(start, start + count)]


def screen_text(log: LiveLog) -> list[str]:
    return [log.render_line(y).text.rstrip() for y in range(log.scrollable_content_region.height)]


async def test_writes_100k_lines_fast_and_small() -> None:
    async with LogApp().run_test(size=(80, 24)) as pilot:
        log = pilot.app.query_one(LiveLog)
        batches = [numbered(start, 5_000) for start in range(0, 100_000, 5_000)]
        began = time.perf_counter()
        for batch in batches:
            log.write_lines(batch)
        elapsed = time.perf_counter() - began
        await pilot.pause()
        assert log.line_count == 100_000
        assert elapsed < 1.0, f"100k lines took {elapsed:.2f}s"
        assert screen_text(log)[-1] == "line 99999"

    async with LogApp().run_test(size=(80, 24)) as pilot:
        log = pilot.app.query_one(LiveLog)
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for start in range(0, 100_000, 5_000):
                log.write_lines(
                    [f"tests/test_x.py::test_{n} PASSED" for n in range(start, start + 5_000)]
                )
            gc.collect()
            retained = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        assert retained / log.line_count < 300


async def test_ring_buffer_evicts_oldest_past_max_lines() -> None:
    async with LogApp(max_lines=1_000).run_test(size=(80, 24)) as pilot:
        log = pilot.app.query_one(LiveLog)
        log.write_lines(numbered(0, 1_500))
        log.write_lines(numbered(1_500, 1_000))
        await pilot.pause()
        assert log.line_count == 1_000
        assert log.total_written == 2_500
        assert log.first_line_number == 1_500
        assert log.line_text(1_500) == "line 1500"
        log.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        assert screen_text(log)[0] == "line 1500"


async def test_follow_released_by_scrolling_up_and_reengaged_by_end() -> None:
    async with LogApp().run_test(size=(80, 24)) as pilot:
        log = pilot.app.query_one(LiveLog)
        log.focus()
        log.write_lines(numbered(0, 500))
        await pilot.pause()
        assert log.follow and log.is_vertical_scroll_end

        await pilot.press("up", "up", "up")
        assert not log.follow
        held_at = log.scroll_offset.y
        log.write_lines(numbered(500, 100))
        await pilot.pause()
        assert log.scroll_offset.y == held_at
        assert "line 599" not in screen_text(log)

        await pilot.press("end")
        assert log.follow
        log.write_lines(numbered(600, 100))
        await pilot.pause()
        assert log.is_vertical_scroll_end
        assert screen_text(log)[-1] == "line 699"


async def test_view_stays_put_while_old_lines_are_evicted() -> None:
    async with LogApp(max_lines=2_000).run_test(size=(80, 24)) as pilot:
        log = pilot.app.query_one(LiveLog)
        log.focus()
        log.write_lines(numbered(0, 2_000))
        await pilot.pause()
        await pilot.press("pageup")
        top_line = screen_text(log)[0]
        log.write_lines(numbered(2_000, 300))
        await pilot.pause()
        assert not log.follow
        assert screen_text(log)[0] == top_line


async def test_search_finds_highlights_and_moves_between_matches() -> None:
    async with LogApp().run_test(size=(80, 24)) as pilot:
        log = pilot.app.query_one(LiveLog)
        log.focus()
        lines = numbered(0, 1_000)
        for number in (100, 400, 900):
            lines[number] = f"line {number} has the NEEDLE in it"
        log.write_lines(lines)
        log.scroll_home(animate=False, immediate=True)
        await pilot.pause()

        await pilot.press("slash")
        await pilot.press(*"needle", "enter")
        await pilot.pause()
        assert log.search_query == "needle"
        assert log.current_match == 100
        assert not log.follow
        row = log.row_of(100)
        assert row is not None
        strip = log.render_line(row - log.scroll_offset.y)
        match_style = log.get_component_rich_style("live-log--current-match")
        highlighted = [
            seg.text for seg in strip if seg.style and seg.style.bgcolor == match_style.bgcolor
        ]
        assert highlighted == ["NEEDLE"]

        await pilot.press("n")
        assert log.current_match == 400
        await pilot.press("n")
        assert log.current_match == 900
        await pilot.press("n")
        assert log.current_match == 100
        await pilot.press("N")
        assert log.current_match == 900
        assert log.search("nothing like this") is False


async def test_filter_by_run_id_and_text() -> None:
    async with LogApp().run_test(size=(80, 24)) as pilot:
        log = pilot.app.query_one(LiveLog)
        log.write_lines(numbered(0, 50, "alpha"), run_id="run-a")
        log.write_lines(["beta ok", "beta ERROR boom", "beta ok"], run_id="run-b")
        log.write_lines(numbered(0, 50, "alpha-again"), run_id="run-a")
        log.set_filter(run_id="run-b")
        await pilot.pause()
        assert log.row_count == 3
        assert screen_text(log)[:3] == ["beta ok", "beta ERROR boom", "beta ok"]

        log.set_filter(text="error")
        await pilot.pause()
        assert log.row_count == 1
        log.write_lines(["late error line", "late fine line"], run_id="run-c")
        await pilot.pause()
        assert log.row_count == 2
        assert screen_text(log)[:2] == ["beta ERROR boom", "late error line"]

        log.set_filter(run_id="run-a", text="again 4")
        assert log.row_count == 11  # "again 4" and "again 40".."again 49"

        log.clear_filter()
        assert log.row_count == log.line_count == 105


async def test_ansi_colours_survive_into_rendered_strips() -> None:
    async with LogApp().run_test(size=(80, 24)) as pilot:
        log = pilot.app.query_one(LiveLog)
        log.write_lines(["\x1b[31mred\x1b[0m plain \x1b[1;32mgreen\x1b[0m"])
        await pilot.pause()
        strip = log.render_line(0)
        assert strip.text.rstrip() == "red plain green"
        styles = {segment.text: segment.style for segment in strip}
        red, green, plain = styles["red"], styles["green"], styles[" plain "]
        assert red is not None and red.color is not None
        assert red.color.number == Color.parse("red").number == 1
        assert green is not None and green.color is not None and green.bold
        assert green.color.number == Color.parse("green").number == 2
        assert plain is not None and plain.color is not None and plain.color.number is None
        assert log.line_text(0).startswith("\x1b[31m")


async def test_copy_puts_visible_lines_on_the_clipboard() -> None:
    async with LogApp().run_test(size=(80, 24)) as pilot:
        log = pilot.app.query_one(LiveLog)
        log.focus()
        log.write_lines(["\x1b[33mwarn\x1b[0m first", "second"])
        await pilot.pause()
        await pilot.press("c")
        assert pilot.app.clipboard == "warn first\nsecond"


async def test_clear_empties_the_log_and_numbering_continues() -> None:
    async with LogApp().run_test(size=(80, 24)) as pilot:
        log = pilot.app.query_one(LiveLog)
        log.write_lines(numbered(0, 10))
        log.clear()
        assert log.line_count == 0 and log.row_count == 0
        log.write_lines(["fresh"])
        await pilot.pause()
        assert log.first_line_number == 10
        assert screen_text(log)[0] == "fresh"


async def test_multi_line_items_are_split_into_rows() -> None:
    async with LogApp().run_test(size=(80, 24)) as pilot:
        log = pilot.app.query_one(LiveLog)
        log.write_lines(["one\ntwo", "three"])
        assert log.line_count == 3
        assert log.line_text(1) == "two"


async def test_selection_is_extracted_without_ansi_codes() -> None:
    async with LogApp().run_test(size=(80, 24)) as pilot:
        log = pilot.app.query_one(LiveLog)
        log.write_lines(["zero", "\x1b[32mone\x1b[0m line", "two line", "three"])
        await pilot.pause()
        extracted = log.get_selection(Selection(Offset(2, 1), Offset(3, 2)))
        assert extracted == ("e line\ntwo", "\n")


async def test_a_line_without_ansi_codes_gets_the_log_background() -> None:
    async with LogApp().run_test(size=(80, 24)) as pilot:
        log = pilot.app.query_one(LiveLog)
        log.write_lines(["plain line", "\x1b[32mgreen\x1b[0m then plain"])
        await pilot.pause()
        background = log.rich_style.bgcolor
        assert background is not None
        for y in (0, 1):
            for segment in log.render_line(y):
                if segment.text.strip():
                    assert segment.style is not None, segment.text
                    assert segment.style.bgcolor == background, segment.text


async def test_run_filter_key_cycles_through_runs_then_all() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 24)) as pilot:
        log = app.query_one(LiveLog)
        log.run_labels.update({"r1": "run 1: candidate #1", "r2": "run 2: validate"})
        log.write_lines(["session header"])
        log.write_lines(["one a", "one b"], run_id="r1")
        log.write_lines(["two a"], run_id="r2")
        log.write_lines(["one c"], run_id="r1")
        assert log.run_ids() == ["r1", "r2"]
        log.focus()

        await pilot.press("f")
        await pilot.pause()
        assert log.log_filter is not None and log.log_filter.run_id == "r1"
        assert screen_text(log)[:3] == ["one a", "one b", "one c"]
        await pilot.press("f")
        await pilot.pause()
        assert screen_text(log)[:1] == ["two a"] and log.row_count == 1
        await pilot.press("f")
        await pilot.pause()
        assert log.log_filter is None and log.row_count == 5
        assert app.filter_changes == [
            ("r1", "run 1: candidate #1"),
            ("r2", "run 2: validate"),
            (None, None),
        ]
        log.clear()
        await pilot.press("f")
        assert log.log_filter is None and log.run_ids() == []
