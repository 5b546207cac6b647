"""Search for LiveLog: a query, its highlighted matches and the current one.

A base class rather than code in LiveLog so the log widget stays about
writing and drawing. Matches are found in the plain text of the buffer (no
ANSI codes), case-insensitively; the current match is an absolute line number,
so it survives old lines falling off the front.
"""

from __future__ import annotations

import re

from rich.segment import Segment
from textual.cache import LRUCache
from textual.scroll_view import ScrollView

from .log_buffer import LogBuffer
from .search_prompt import SearchPrompt

RenderedLine = tuple[list[Segment], int]
"""A parsed line: its segments and their cell length."""


class SearchableLog(ScrollView):
    """A scroll view over a LogBuffer that can search it and step between matches."""

    _buffer: LogBuffer
    """Set by the subclass before anything is searched."""
    _strip_cache: LRUCache[int, RenderedLine]
    """Rendered lines by absolute number; matches drop out of it when they change."""

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """Start with no search."""
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._search_query = ""
        self._search_pattern: re.Pattern[str] | None = None
        self._current_match: int | None = None

    @property
    def search_query(self) -> str:
        """The active search text ('' when not searching)."""
        return self._search_query

    @property
    def current_match(self) -> int | None:
        """Absolute line number of the current search match, if any."""
        return self._current_match

    # -- search ----------------------------------------------------------------

    def search(self, query: str) -> bool:
        """Highlight `query` (case-insensitive) and jump to its first match from the top of the view."""
        self._search_query = query
        self._search_pattern = re.compile(re.escape(query), re.IGNORECASE) if query else None
        self._current_match = None
        self._strip_cache.clear()
        self.refresh()
        if self._search_pattern is None:
            return False
        return self._jump_to_match(self.scroll_offset.y, forward=True)

    def clear_search(self) -> None:
        """Remove search highlights."""
        self.search("")

    def action_search(self) -> None:
        """Ask for a query in a small prompt, then search for it."""

        def apply(query: str | None) -> None:
            if query is not None:
                self.search(query)

        self.app.push_screen(SearchPrompt(self._search_query), apply)

    def action_next_match(self) -> None:
        """Move to the next match after the current one (wrapping)."""
        self._step_match(forward=True)

    def action_previous_match(self) -> None:
        """Move to the match before the current one (wrapping)."""
        self._step_match(forward=False)

    def _step_match(self, forward: bool) -> None:
        """Search from just past the current match in the given direction."""
        if self._search_pattern is None:
            return
        current_row = (
            None if self._current_match is None else self._buffer.row_of(self._current_match)
        )
        if current_row is None:
            start = self.scroll_offset.y
        else:
            start = current_row + (1 if forward else -1)
            if start >= self._buffer.row_count:
                start = 0
            elif start < 0:
                start = self._buffer.row_count - 1
        self._jump_to_match(start, forward)

    def _jump_to_match(self, start_row: int, forward: bool) -> bool:
        """Find a match from `start_row`, make it current and scroll it into the middle."""
        assert self._search_pattern is not None
        row = self._buffer.find(self._search_pattern, start_row, forward)
        if row is None:
            return False
        previous = self._current_match
        self._current_match = self._buffer.number_at(row)
        for number in (previous, self._current_match):
            if number is not None:
                self._strip_cache.discard(number)
        target_y = max(0, row - self.scrollable_content_region.height // 2)
        if row < self.scroll_offset.y or row >= self.scroll_offset.y + self.size.height:
            self.scroll_to(y=min(target_y, self.max_scroll_y), animate=False)
        self.refresh()
        return True
