"""Topic patterns: one-segment ``*``, multi-segment ``#``, lone ``*`` = all."""

from __future__ import annotations

import pytest

from regoose_tui.bus.topics import compile_pattern, validate_topic
from regoose_tui.errors import BusError


@pytest.mark.parametrize(
    ("pattern", "topic", "expected"),
    [
        ("run.output", "run.output", True),
        ("run.output", "run.outputs", False),
        ("run.output", "run", False),
        ("agent.*", "agent.started", True),
        ("agent.*", "agent", False),
        ("agent.*", "agent.x.y", False),
        ("agent.*", "agents.started", False),
        ("*.failed", "agent.failed", True),
        ("*.failed", "agent.finished", False),
        ("run.#", "run", True),
        ("run.#", "run.output", True),
        ("run.#", "run.output.stderr", True),
        ("run.#", "runs.output", False),
        ("#.failed", "failed", True),
        ("#.failed", "plan.node.failed", True),
        ("#.failed", "plan.node.failed.x", False),
        ("plan.#.status", "plan.status", True),
        ("plan.#.status", "plan.a.b.status", True),
        ("plan.*.status", "plan.status", False),
        ("*", "session.started", True),
        ("*", "request", True),
        ("#", "a.b.c.d", True),
        ("#.#", "x", True),
    ],
)
def test_pattern_matches(pattern: str, topic: str, expected: bool) -> None:
    assert compile_pattern(pattern).matches(topic) is expected


@pytest.mark.parametrize("pattern", ["", "agent.", ".agent", "a..b", "ag*", "run.#x", "*x.y"])
def test_malformed_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(BusError, match="pattern"):
        compile_pattern(pattern)


@pytest.mark.parametrize("topic", ["", "a..b", "run.*", "run.#", "."])
def test_malformed_topics_are_refused(topic: str) -> None:
    with pytest.raises(BusError, match="topic"):
        validate_topic(topic)


def test_exactness_is_reported() -> None:
    assert compile_pattern("run.output").is_exact
    assert not compile_pattern("run.*").is_exact
    assert not compile_pattern("*").is_exact
