"""LiveLog: a Line API view over a ring buffer of raw (ANSI-coloured) lines.

Writing a batch costs a deque extend plus one refresh; ANSI is parsed only
for the rows on screen, and the resulting Strips are cached by absolute line
number so eviction at the front never invalidates the cache.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import var
from textual.selection import Selection
from textual.strip import Strip

from .live_log_search import RenderedLine, SearchableLog
from .log_buffer import LogBuffer, LogFilter, plain_text

_CONTROL_CHARS = re.compile("[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f]")
"""Control characters (except tab, newline and ESC) that would corrupt the screen."""

MAX_TRACKED_WIDTH = 1_000
"""Cap on the virtual width: a megabyte-long line must not make a megabyte-wide view."""


class LiveLog(SearchableLog, can_focus=True):
    """A follow-mode log for a flood of lines: ring buffer, lazy ANSI, search, filter, copy."""

    DEFAULT_CSS = """
    LiveLog {
        background: $surface;
        color: $text;
        overflow-y: scroll;
        overflow-x: auto;
        &:focus {
            background-tint: $foreground 5%;
        }
        & > .live-log--match {
            background: $warning 40%;
        }
        & > .live-log--current-match {
            background: $accent;
            color: $text;
            text-style: bold;
        }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"live-log--match", "live-log--current-match"}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "end",
            "follow",
            "Follow",
            id="live_log.follow",
            tooltip="Jump to the newest line and keep following new output",
        ),
        Binding(
            "slash",
            "search",
            "Search",
            id="live_log.search",
            tooltip="Search the log; matches are highlighted",
        ),
        Binding(
            "n",
            "next_match",
            "Next match",
            id="live_log.next_match",
            tooltip="Move to the next search match",
        ),
        Binding(
            "N",
            "previous_match",
            "Previous match",
            id="live_log.previous_match",
            tooltip="Move to the previous search match",
        ),
        Binding(
            "f",
            "cycle_run",
            "Run filter",
            id="live_log.cycle_run",
            tooltip="Show one run's output at a time, cycling through the runs, then all",
        ),
        Binding(
            "c",
            "copy",
            "Copy",
            id="live_log.copy",
            tooltip="Copy the selection, or the visible lines, to the clipboard",
        ),
    ]

    @dataclass
    class FollowChanged(Message):
        """Follow mode was engaged or released (by scrolling, End, or a search jump)."""

        live_log: LiveLog
        """The log whose follow mode changed."""
        following: bool
        """True when the log now sticks to the newest line."""

        @property
        def control(self) -> LiveLog:
            """The log that sent the message (for `@on(..., "#id")`)."""
            return self.live_log

    @dataclass
    class FilterChanged(Message):
        """The run filter changed (by the run-filter key or `set_filter`)."""

        live_log: LiveLog
        """The log whose filter changed."""
        run_id: str | None
        """The run shown alone, or None when every run is shown."""
        label: str | None
        """That run's label (see `run_labels`), or None."""

        @property
        def control(self) -> LiveLog:
            """The log that sent the message."""
            return self.live_log

    follow: var[bool] = var(True)
    """Stick to the newest line; released when the user scrolls up."""

    def __init__(
        self,
        max_lines: int = 200_000,
        *,
        cache_size: int = 1_024,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Create a log keeping at most `max_lines` lines."""
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._buffer = LogBuffer(max_lines)
        # Segments, not Strips: every Strip carries seven caches of derived Strips,
        # and a thousand of those trees make each full GC pass noticeably longer.
        self._strip_cache: LRUCache[int, RenderedLine] = LRUCache(cache_size)
        self._widest = 0
        self.run_labels: dict[str, str] = {}
        """Display names of run ids (set by the parent), used by the run filter."""

    # -- read-only state -------------------------------------------------------

    @property
    def max_lines(self) -> int:
        """The ring buffer's capacity."""
        return self._buffer.max_lines

    @property
    def line_count(self) -> int:
        """How many lines are kept (filtered or not)."""
        return self._buffer.kept

    @property
    def row_count(self) -> int:
        """How many rows are shown (the filtered count when a filter is active)."""
        return self._buffer.row_count

    @property
    def total_written(self) -> int:
        """How many lines were ever written (absolute numbering)."""
        return self._buffer.total_written

    @property
    def first_line_number(self) -> int:
        """Absolute number of the oldest kept line."""
        return self._buffer.first_number

    @property
    def log_filter(self) -> LogFilter | None:
        """The active filter, if any."""
        return self._buffer.filter

    def line_text(self, number: int) -> str:
        """The raw text (ANSI included) of absolute line `number`."""
        return self._buffer.line(number)

    def row_of(self, number: int) -> int | None:
        """The row that shows absolute line `number`, or None if it is not shown."""
        return self._buffer.row_of(number)

    def visible_line_numbers(self) -> list[int]:
        """Absolute numbers of the lines currently on screen."""
        first_row = self.scroll_offset.y
        last_row = min(self.row_count, first_row + self.scrollable_content_region.height)
        return [self._buffer.number_at(row) for row in range(first_row, last_row)]

    # -- writing ---------------------------------------------------------------

    def write_lines(self, lines: Sequence[str], run_id: str | None = None) -> None:
        """Append a batch of lines (one per item) tagged with `run_id`; refresh once."""
        if not lines:
            return
        joined = "\n".join(lines)
        if joined.count("\n") != len(lines) - 1:
            # Some items hold several lines: split them so rows stay one line each.
            lines = joined.split("\n")
        # Measure only the longest raw line (a C-level max); its escape codes are
        # stripped so colour does not widen the view. A line that is wider once
        # rendered widens the view when it is drawn (see _rendered_line).
        longest = plain_text(max(lines, key=len)).expandtabs()
        self._widest = max(self._widest, min(len(longest), MAX_TRACKED_WIDTH))
        removed_rows = self._buffer.append(lines, run_id)
        self._sync_after_change(removed_rows)

    def write_line(self, line: str, run_id: str | None = None) -> None:
        """Append a single line (prefer `write_lines` for batches)."""
        self.write_lines([line], run_id)

    def clear(self) -> None:
        """Drop every line; filter and search stay set for the lines to come."""
        self._buffer.clear()
        self._strip_cache.clear()
        self._widest = 0
        self._current_match = None
        self.virtual_size = Size(0, 0)
        self.refresh()

    def _sync_after_change(self, removed_rows: int) -> None:
        """Resize the virtual space, then stick to the end or hold the view still."""
        self.virtual_size = Size(self._widest, self._buffer.row_count)
        if self.follow and not self.is_vertical_scrollbar_grabbed:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        elif removed_rows:
            # Rows fell off the top: shift up so the lines under the reader stay put.
            self.scroll_to(y=max(0, self.scroll_y - removed_rows), animate=False)
        self.refresh()

    def _sync_width(self) -> None:
        """Apply a width learnt while rendering (deferred: not during a render)."""
        if self.virtual_size.width < self._widest:
            self.virtual_size = Size(self._widest, self._buffer.row_count)

    # -- follow mode -----------------------------------------------------------

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """Release follow when the view moves up; re-engage it at the very end."""
        super().watch_scroll_y(old_value, new_value)
        at_end = round(new_value) >= self.max_scroll_y
        if at_end:
            self.follow = True
        elif new_value < old_value:
            self.follow = False

    def watch_follow(self, following: bool) -> None:
        """Tell the parent, so it can show whether the log is following."""
        self.post_message(self.FollowChanged(self, following))

    def action_follow(self) -> None:
        """Jump to the newest line and follow new output."""
        self.follow = True
        self.scroll_end(animate=False, immediate=True, x_axis=False)

    # -- filtering -------------------------------------------------------------

    def set_filter(self, run_id: str | None = None, text: str | None = None) -> None:
        """Show only lines of `run_id` and/or containing `text`; no arguments shows all."""
        previous = self.log_filter.run_id if self.log_filter else None
        self._buffer.set_filter(LogFilter(run_id=run_id, text=text or None))
        self._current_match = None
        self.virtual_size = Size(self._widest, self._buffer.row_count)
        if self.follow:
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        self.refresh()
        if run_id != previous:
            self.post_message(self.FilterChanged(self, run_id, self.run_label(run_id)))

    def run_ids(self) -> list[str]:
        """Run ids of the kept lines, in the order they first appear."""
        return self._buffer.run_ids()

    def run_label(self, run_id: str | None) -> str | None:
        """How the run filter names `run_id` (its label, else the id itself)."""
        if run_id is None:
            return None
        return self.run_labels.get(run_id, run_id)

    def action_cycle_run(self) -> None:
        """Show the next run's lines alone; after the last run, show every line again."""
        runs = self.run_ids()
        current = self.log_filter.run_id if self.log_filter else None
        text = self.log_filter.text if self.log_filter else None
        if current in runs:
            index = runs.index(current) + 1
            following = runs[index] if index < len(runs) else None
        else:
            following = runs[0] if runs else None
        self.set_filter(following, text)

    def clear_filter(self) -> None:
        """Show every kept line again."""
        self.set_filter()

    # -- copy ------------------------------------------------------------------

    def action_copy(self) -> None:
        """Copy the selected text, or else the visible lines, without ANSI codes."""
        selection = self.text_selection
        extracted = self.get_selection(selection) if selection is not None else None
        if extracted is not None and extracted[0]:
            text = extracted[0]
        else:
            numbers = self.visible_line_numbers()
            text = "\n".join(plain_text(self._buffer.line(n)) for n in numbers)
        self.app.copy_to_clipboard(text)
        self.notify(f"Copied {len(text.splitlines())} lines", timeout=2)

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected text; rows above the selection are left empty to keep it cheap."""
        rows = self.row_count
        if not rows:
            return None
        first_row = 0 if selection.start is None else min(selection.start.y, rows - 1)
        last_row = rows - 1 if selection.end is None else min(selection.end.y, rows - 1)
        body = "\n".join(
            _clean(plain_text(self._buffer.line(self._buffer.number_at(row))))
            for row in range(first_row, last_row + 1)
        )
        return selection.extract("\n" * first_row + body), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        """Selected rows render uncached; drop what is cached so highlights show."""
        self._strip_cache.clear()
        self.refresh()

    # -- rendering -------------------------------------------------------------

    def notify_style_update(self) -> None:
        """Styles changed (theme, focus): cached strips carry old colours."""
        super().notify_style_update()
        self._strip_cache.clear()

    def render_line(self, y: int) -> Strip:
        """Render row `y` of the viewport from the buffer, parsing ANSI on demand."""
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        width = self.scrollable_content_region.width
        rich_style = self.rich_style
        if row >= self._buffer.row_count:
            return Strip.blank(width, rich_style)
        segments, cell_length = self._rendered_line(row, rich_style)
        strip = Strip(segments, cell_length)
        return strip.crop_extend(scroll_x, scroll_x + width, rich_style).apply_offsets(
            scroll_x, row
        )

    def _rendered_line(self, row: int, rich_style: Style) -> RenderedLine:
        """The uncropped segments for `row`, from the cache unless a selection is shown."""
        number = self._buffer.number_at(row)
        selection = self.text_selection
        if selection is None:
            cached = self._strip_cache.get(number)
            if cached is not None:
                return cached
        text = Text.from_ansi(
            _clean(self._buffer.line(number)), style=rich_style, no_wrap=True, end=""
        )
        if "\t" in text.plain:
            text.expand_tabs()
        if self._search_pattern is not None:
            component = (
                "live-log--current-match" if number == self._current_match else "live-log--match"
            )
            match_style = self.get_component_rich_style(component)
            for match in self._search_pattern.finditer(text.plain):
                text.stylize(match_style, match.start(), match.end())
        if selection is not None and (span := selection.get_span(row)) is not None:
            start, end = span
            text.stylize(
                self.screen.get_component_rich_style("screen--selection"),
                start,
                len(text) if end == -1 else end,
            )
        # Rich renders a Text without spans as one unstyled segment (its own style is
        # dropped), so a line without ANSI codes would lose the log's colours: put
        # the widget's style under every segment.
        segments = Segment.apply_style(text.render(self.app.console), rich_style)
        rendered = (list(segments), text.cell_len)
        if self._widest < text.cell_len <= MAX_TRACKED_WIDTH:
            self._widest = text.cell_len
            self.call_later(self._sync_width)
        if selection is None:
            self._strip_cache[number] = rendered
        return rendered


def _clean(raw: str) -> str:
    """Replace control characters that would corrupt the terminal."""
    return _CONTROL_CHARS.sub("\ufffd", raw)
