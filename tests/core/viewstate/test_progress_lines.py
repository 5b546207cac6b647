"""`regoose generate` prints its progress from the reducer: the same text as before the split."""

from __future__ import annotations

import pytest

from regoose_tui.bus.bus import MessageBus
from regoose_tui.bus.events import AgentProgress, Event, RunOutput
from regoose_tui.cli.generate_command import _progress_printer
from regoose_tui.viewstate.progress import ProgressLines


def _expected(events: list[Event]) -> list[str]:
    """The lines the printer wrote before it used the reducer (its documented format)."""
    notes = ["provider offline, runtime local (NOT ISOLATED)"]
    notes += [f"  {e.agent}: {e.message}" for e in events if isinstance(e, AgentProgress)]
    return notes


def test_a_recorded_generation_prints_the_session_line_and_each_agent_note(
    generation_events: list[Event],
) -> None:
    progress = ProgressLines()
    printed = [line for event in generation_events for line in progress.lines_for(event)]
    assert printed == _expected(generation_events)
    assert printed[1] == "  analyzer: shop.pricing: 115 lines"
    assert printed[-1] == "  reporter: wrote 33 tests to /scratch/out/test_shop_pricing.py"
    # Nothing draws a log here, so the reducer keeps none of it pending.
    assert progress.reducer.take_log() == [] and progress.reducer.take_run_labels() == {}
    assert progress.reducer.status.passed == 33


def test_run_output_is_printed_raw_and_indented_only_when_asked(
    cancelled_events: list[Event],
) -> None:
    output = next(e for e in cancelled_events if isinstance(e, RunOutput))
    quiet, loud = ProgressLines(), ProgressLines(show_output=True)
    assert quiet.lines_for(output) == []
    assert loud.lines_for(output) == [f"    {line}" for line in output.lines]


async def test_the_cli_subscriber_writes_those_lines_on_stderr(
    cancelled_events: list[Event], capsys: pytest.CaptureFixture[str]
) -> None:
    bus = MessageBus()
    bus.subscribe("#", _progress_printer(show_output=False), name="cli-progress")
    for event in cancelled_events:
        bus.publish_nowait(event)
    await bus.close()
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "".join(f"{line}\n" for line in _expected(cancelled_events))
