"""Topic patterns: dotted topics matched with ``*`` and ``#`` wildcards.

A topic is an event's ``kind``: dot-separated, non-empty segments
(``run.output``, ``plan.node``, ``approval.shell``). A pattern is a topic in
which a whole segment may be a wildcard:

- ``*`` matches exactly one segment: ``agent.*`` matches ``agent.started``
  but neither ``agent`` nor ``agent.x.y``.
- ``#`` matches zero or more segments (the AMQP convention): ``run.#``
  matches ``run``, ``run.output`` and ``run.output.stderr``; ``#.failed``
  matches ``agent.failed`` and ``failed``.
- A pattern that is a lone ``*`` (or a lone ``#``) matches every topic, so
  ``subscribe("*")`` means "everything", as the event docs promise.

Wildcards only stand for whole segments: ``ag*`` and ``run.#x`` are refused.
Matching is done once per (pattern, topic) pair by the bus's route cache, so
this module favours clarity over speed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from regoose_tui.errors import BusError

ONE_SEGMENT = "*"
ANY_SEGMENTS = "#"
_WILDCARDS = frozenset({ONE_SEGMENT, ANY_SEGMENTS})


def validate_topic(topic: str) -> str:
    """Return ``topic`` when it is a concrete topic; raise BusError when not."""
    if not isinstance(topic, str) or not topic:
        raise BusError(f"bus topic must be a non-empty string, got {topic!r}")
    for segment in topic.split("."):
        if not segment:
            raise BusError(f"bus topic {topic!r} has an empty segment")
        if ONE_SEGMENT in segment or ANY_SEGMENTS in segment:
            raise BusError(f"bus topic {topic!r} contains a wildcard; only patterns may")
    return topic


@dataclass(frozen=True, slots=True)
class TopicPattern:
    """A compiled subscription pattern."""

    text: str
    segments: tuple[str, ...]
    matches_all: bool

    def matches(self, topic: str) -> bool:
        """True when ``topic`` (a concrete, dotted topic) matches this pattern."""
        if self.matches_all:
            return True
        return _match(self.segments, tuple(topic.split(".")))

    @property
    def is_exact(self) -> bool:
        """True when the pattern has no wildcard and matches one topic only."""
        return not self.matches_all and not any(s in _WILDCARDS for s in self.segments)


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> TopicPattern:
    """Parse and validate a subscription pattern (cached per pattern string)."""
    if not isinstance(pattern, str) or not pattern:
        raise BusError(f"bus pattern must be a non-empty string, got {pattern!r}")
    segments = tuple(pattern.split("."))
    for segment in segments:
        if not segment:
            raise BusError(f"bus pattern {pattern!r} has an empty segment")
        if segment not in _WILDCARDS and (ONE_SEGMENT in segment or ANY_SEGMENTS in segment):
            raise BusError(f"bus pattern {pattern!r}: wildcards '*' and '#' must be whole segments")
    matches_all = pattern in _WILDCARDS or all(s == ANY_SEGMENTS for s in segments)
    return TopicPattern(text=pattern, segments=segments, matches_all=matches_all)


def _match(pattern: tuple[str, ...], topic: tuple[str, ...]) -> bool:
    """Segment-wise match; ``#`` tries every split (patterns are short)."""
    if not pattern:
        return not topic
    head, rest = pattern[0], pattern[1:]
    if head == ANY_SEGMENTS:
        return any(_match(rest, topic[i:]) for i in range(len(topic) + 1))
    if not topic:
        return False
    if head == ONE_SEGMENT or head == topic[0]:
        return _match(rest, topic[1:])
    return False
