"""Helpers shared by the viewstate tests (a distinct name: no clash with other conftests)."""

from __future__ import annotations


class ManualClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, start: float = 500.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now
