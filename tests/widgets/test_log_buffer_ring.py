"""LogBuffer on its own: paging, eviction, filtered views and search."""

from __future__ import annotations

import re

import pytest

from regoose_tui.widgets.log_buffer import PAGE_SIZE, LogBuffer, LogFilter, plain_text


def test_lines_are_addressed_by_absolute_number_across_pages() -> None:
    buffer = LogBuffer(max_lines=3 * PAGE_SIZE)
    buffer.append([f"l{n}" for n in range(5 * PAGE_SIZE + 7)])
    assert buffer.kept == 3 * PAGE_SIZE
    first = buffer.first_number
    assert first == 2 * PAGE_SIZE + 7
    assert buffer.line(first) == f"l{first}"
    assert buffer.line(buffer.total_written - 1) == f"l{5 * PAGE_SIZE + 6}"
    with pytest.raises(IndexError):
        buffer.line(first - 1)


def test_append_reports_rows_that_fell_off_the_top() -> None:
    buffer = LogBuffer(max_lines=10)
    assert buffer.append([str(n) for n in range(8)]) == 0
    assert buffer.append([str(n) for n in range(5)]) == 3
    assert buffer.first_number == 3


def test_filtered_view_follows_appends_and_eviction() -> None:
    buffer = LogBuffer(max_lines=6)
    buffer.append(["a1", "a2"], run_id="a")
    buffer.append(["b1"], run_id="b")
    buffer.set_filter(LogFilter(run_id="a"))
    assert [buffer.line(buffer.number_at(r)) for r in range(buffer.row_count)] == ["a1", "a2"]
    buffer.append(["a3", "a4", "a5", "a6"], run_id="a")
    rows = [buffer.line(buffer.number_at(r)) for r in range(buffer.row_count)]
    assert rows == ["a2", "a3", "a4", "a5", "a6"]  # 7 written, 6 kept: a1 is gone
    assert buffer.run_id(buffer.number_at(0)) == "a"
    assert buffer.row_of(0) is None


def test_find_wraps_both_ways_and_ignores_ansi_codes() -> None:
    buffer = LogBuffer(max_lines=100)
    buffer.append(["x", "\x1b[1mhit\x1b[0m one", "y", "hit two", "z"])
    pattern = re.compile("hit one", re.IGNORECASE)
    assert buffer.find(pattern, 2) == 1
    hits = re.compile("hit")
    assert buffer.find(hits, 2) == 3
    assert buffer.find(hits, 4) == 1
    assert buffer.find(hits, 2, forward=False) == 1
    assert buffer.find(hits, 0, forward=False) == 3
    assert buffer.find(re.compile("absent"), 0) is None
    assert plain_text("\x1b[31mred\x1b[0m") == "red"


def test_clear_keeps_numbering_and_filter() -> None:
    buffer = LogBuffer(max_lines=50)
    buffer.append([str(n) for n in range(30)], run_id="r")
    buffer.set_filter(LogFilter(text="1"))
    buffer.clear()
    assert buffer.row_count == 0 and buffer.kept == 0
    buffer.append(["11", "22"], run_id="r")
    assert buffer.first_number == 30
    assert buffer.row_count == 1
    assert buffer.line(buffer.number_at(0)) == "11"


def test_run_ids_in_first_seen_order_and_an_empty_buffer_has_none() -> None:
    buffer = LogBuffer(10)
    assert buffer.run_ids() == []
    buffer.set_filter(LogFilter(run_id="r1"))
    assert buffer.row_count == 0
    buffer.set_filter(None)
    buffer.append(["header"])
    buffer.append(["a1", "a2"], "r1")
    buffer.append(["b1"], "r2")
    buffer.append(["a3"], "r1")
    assert buffer.run_ids() == ["r1", "r2"]
    buffer.append([f"b{n}" for n in range(2, 12)], "r2")  # every r1 line falls off the front
    assert buffer.run_ids() == ["r2"]
