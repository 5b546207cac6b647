"""Recorded events of real offline generations (see record_events.py) and a hand-moved clock."""

from __future__ import annotations

from pathlib import Path

import pytest
from viewstate_support import ManualClock

from regoose_tui.bus.events import Event, event_from_json

RECORDED = Path(__file__).resolve().parent / "recorded"


def _load(name: str) -> list[Event]:
    lines = (RECORDED / f"{name}.jsonl").read_text().splitlines()
    return [event_from_json(line) for line in lines]


@pytest.fixture(scope="session")
def generation_events() -> list[Event]:
    """`shop/pricing.py` generated to the end: two iterations, six runs, 33 tests kept."""
    return _load("generation")


@pytest.fixture(scope="session")
def cancelled_events() -> list[Event]:
    """The same generation cancelled while the executor's first run printed its output."""
    return _load("cancelled")


@pytest.fixture
def clock() -> ManualClock:
    """A clock at 500 s that only moves when the test says so."""
    return ManualClock()
