"""Why tests were dropped, in the few words a count can carry.

The validator records each dropped test with a sentence (``failed: assert …``,
``flaky: failed on a rerun: …``, ``adds no coverage``, ``duplicate of a kept
test``). Every place that shows how many tests were kept also says how many
were dropped and why, grouped by these kinds, so the counts a user sees add up.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

#: Reason prefixes the validator writes, and the kind each one counts as.
_KINDS: tuple[tuple[str, str], ...] = (
    ("duplicate", "duplicate"),
    ("flaky", "flaky"),
    ("failed", "failing"),
    ("adds no coverage", "no new coverage"),
)
#: Display order of the kinds (anything else is "not collected": a whole module).
KIND_ORDER = ("duplicate", "flaky", "failing", "no new coverage", "not collected")

#: What the validator says when a candidate test repeats one the suite has.
DUPLICATE_REASON = "duplicate of a kept test"


def drop_kind(reason: str | None) -> str:
    """The kind of one drop reason (``failing``, ``flaky``, ``duplicate``, …)."""
    text = (reason or "").strip().lower()
    for prefix, kind in _KINDS:
        if text.startswith(prefix):
            return kind
    return "not collected"


def drop_counts(reasons: Iterable[str | None]) -> dict[str, int]:
    """How many drops of each kind, in display order, kinds with none left out."""
    counts = Counter(drop_kind(reason) for reason in reasons)
    return {kind: counts[kind] for kind in KIND_ORDER if counts[kind]}


def drops_phrase(reasons: Iterable[str | None]) -> str:
    """``6 dropped (4 duplicate, 2 no new coverage)``, or "" when none was dropped."""
    counts = drop_counts(reasons)
    total = sum(counts.values())
    if not total:
        return ""
    return f"{total} dropped (" + ", ".join(f"{n} {kind}" for kind, n in counts.items()) + ")"
