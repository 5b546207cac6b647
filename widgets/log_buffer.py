"""The ring buffer behind LiveLog: raw lines keyed by absolute line number.

Pure data, no Textual. Lines live in pages of `PAGE_SIZE`: full pages are
tuples, which the garbage collector stops tracking, so a buffer of 200,000
lines adds almost nothing to each full GC pass (a plain deque of strings adds
milliseconds to every pass, felt as frame lag). Oldest pages drop off the
front once `max_lines` is exceeded. Run ids are stored run-length encoded
(a batch shares one), the filtered view is an `array` of absolute numbers.
Absolute numbers only grow, so render caches keyed by them stay valid when
old lines fall off the front.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

PAGE_SIZE = 1_024
"""Lines per page; full pages become GC-untracked tuples."""

ANSI_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
"""CSI, OSC and two-character escape sequences."""


def plain_text(raw: str) -> str:
    """Return `raw` without ANSI escape sequences (cheap when there are none)."""
    return ANSI_ESCAPE.sub("", raw) if "\x1b" in raw else raw


@dataclass(frozen=True)
class LogFilter:
    """Which lines a filtered view keeps: a run id, a text, or both."""

    run_id: str | None = None
    """Keep only lines written with this run id (None: any run)."""
    text: str | None = None
    """Keep only lines containing this text, case-insensitively (None: any text)."""

    @property
    def is_empty(self) -> bool:
        """True when the filter keeps every line."""
        return self.run_id is None and not self.text


class LogBuffer:
    """A bounded store of raw log lines with an optional filtered view."""

    def __init__(self, max_lines: int) -> None:
        """Keep at most `max_lines` lines; older ones are dropped first."""
        if max_lines < 1:
            raise ValueError("max_lines must be at least 1")
        self.max_lines = max_lines
        self._pages: deque[tuple[str, ...]] = deque()
        self._first_page = 0
        self._tail: list[str] = []
        self._total = 0
        self._floor = 0
        self._run_starts: list[int] = []
        self._run_values: list[str | None] = []
        self._filter: LogFilter | None = None
        self._filter_pattern: re.Pattern[str] | None = None
        self._view: array[int] | None = None

    # -- sizes and addressing -------------------------------------------------

    @property
    def total_written(self) -> int:
        """How many lines were ever appended (the next absolute line number)."""
        return self._total

    @property
    def first_number(self) -> int:
        """The absolute number of the oldest kept line."""
        return max(self._floor, self._total - self.max_lines)

    @property
    def kept(self) -> int:
        """How many lines are held (at most `max_lines`)."""
        return self._total - self.first_number

    @property
    def row_count(self) -> int:
        """How many rows are shown: all kept lines, or those the filter keeps."""
        return self.kept if self._view is None else len(self._view)

    @property
    def filter(self) -> LogFilter | None:
        """The active filter, if any."""
        return self._filter

    def number_at(self, row: int) -> int:
        """The absolute line number shown at `row`."""
        if self._view is None:
            return self.first_number + row
        return self._view[row]

    def row_of(self, number: int) -> int | None:
        """The row showing absolute line `number`, or None if it is not shown."""
        if number < self.first_number or number >= self._total:
            return None
        if self._view is None:
            return number - self.first_number
        row = bisect_left(self._view, number)
        if row < len(self._view) and self._view[row] == number:
            return row
        return None

    def line(self, number: int) -> str:
        """The raw text (ANSI included) of kept absolute line `number`."""
        if not self.first_number <= number < self._total:
            raise IndexError(f"line {number} is not kept")
        page, offset = divmod(number, PAGE_SIZE)
        index = page - self._first_page
        if index < len(self._pages):
            return self._pages[index][offset]
        return self._tail[offset]

    def run_ids(self) -> list[str]:
        """Run ids of the kept lines, each once, in the order they first appear."""
        return list(dict.fromkeys(run_id for _, _, run_id in self._runs() if run_id is not None))

    def run_id(self, number: int) -> str | None:
        """The run id absolute line `number` was written with."""
        index = bisect_right(self._run_starts, number) - 1
        return self._run_values[index] if index >= 0 else None

    # -- writing ---------------------------------------------------------------

    def append(self, lines: Sequence[str], run_id: str | None = None) -> int:
        """Append a batch of lines; return how many previously shown rows fell off the top."""
        count = len(lines)
        if not count:
            return 0
        old_first = self.first_number
        start_number = self._total
        self._store(lines)
        if not self._run_values or self._run_values[-1] != run_id:
            self._run_starts.append(start_number)
            self._run_values.append(run_id)
        self._total += count
        new_first = self.first_number
        self._drop_before(new_first)
        view = self._view
        if view is None:
            return min(new_first - old_first, start_number - old_first)
        first_new = max(new_first, start_number)
        if self._run_kept(run_id):
            view.extend(
                number for number in range(first_new, self._total) if self._text_kept(number)
            )
        dropped = bisect_left(view, new_first)
        if dropped:
            del view[:dropped]
        return dropped

    def _store(self, lines: Sequence[str]) -> None:
        """Fill the tail page, sealing each full page as a tuple."""
        tail = self._tail
        position = 0
        count = len(lines)
        while position < count:
            room = PAGE_SIZE - len(tail)
            tail.extend(lines[position : position + room])
            position += room
            if len(tail) == PAGE_SIZE:
                self._pages.append(tuple(tail))
                tail.clear()

    def _drop_before(self, first_number: int) -> None:
        """Free whole pages, and run-length entries, older than `first_number`."""
        first_page = first_number // PAGE_SIZE
        while self._pages and self._first_page < first_page:
            self._pages.popleft()
            self._first_page += 1
        stale_runs = bisect_right(self._run_starts, first_number) - 1
        if stale_runs > 0:
            del self._run_starts[:stale_runs]
            del self._run_values[:stale_runs]

    def clear(self) -> None:
        """Drop every line; absolute numbering carries on from where it was."""
        self._floor = self._total
        self._pages.clear()
        self._first_page, offset = divmod(self._total, PAGE_SIZE)
        # Pad the tail so in-page offsets keep matching absolute numbers.
        self._tail = [""] * offset
        self._run_starts = [self._total]
        self._run_values = [self._run_values[-1] if self._run_values else None]
        if self._view is not None:
            self._view = array("q")

    # -- filtering -------------------------------------------------------------

    def set_filter(self, log_filter: LogFilter | None) -> None:
        """Show only the lines `log_filter` keeps (None or an empty filter shows all)."""
        if log_filter is None or log_filter.is_empty:
            self._filter = None
            self._filter_pattern = None
            self._view = None
            return
        self._filter = log_filter
        self._filter_pattern = (
            re.compile(re.escape(log_filter.text), re.IGNORECASE) if log_filter.text else None
        )
        view: array[int] = array("q")
        for start, stop, run_id in self._runs():
            if self._run_kept(run_id):
                view.extend(number for number in range(start, stop) if self._text_kept(number))
        self._view = view

    def _runs(self) -> Iterator[tuple[int, int, str | None]]:
        """(start, stop, run id) for each stretch of kept lines sharing a run id."""
        if not self._run_starts:
            return
        first = self.first_number
        stops = [*self._run_starts[1:], self._total]
        for start, stop, run_id in zip(self._run_starts, stops, self._run_values, strict=True):
            if stop > first:
                yield max(start, first), stop, run_id

    def _run_kept(self, run_id: str | None) -> bool:
        """Whether the active filter keeps lines of `run_id`."""
        wanted = None if self._filter is None else self._filter.run_id
        return wanted is None or run_id == wanted

    def _text_kept(self, number: int) -> bool:
        """Whether the active filter's text (if any) occurs in line `number`."""
        pattern = self._filter_pattern
        return pattern is None or pattern.search(plain_text(self.line(number))) is not None

    # -- searching -------------------------------------------------------------

    def find(self, pattern: re.Pattern[str], start_row: int, forward: bool = True) -> int | None:
        """The first row from `start_row` (inclusive, wrapping) whose text matches."""
        rows = self.row_count
        if not rows:
            return None
        start_row = min(max(start_row, 0), rows - 1)
        if forward:
            order = [range(start_row, rows), range(0, start_row)]
        else:
            order = [range(start_row, -1, -1), range(rows - 1, start_row, -1)]
        line, number_at, search = self.line, self.number_at, pattern.search
        for rows_in_order in order:
            for row in rows_in_order:
                if search(plain_text(line(number_at(row)))):
                    return row
        return None
