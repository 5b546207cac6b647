"""The chat's account of a generation's verdicts: why tests stayed or went, suspected bugs.

Markdown appended to the generation summary. Long suites are cut to the
first few of each list (the report has every row).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from regoose_tui.engine.outcome import GenerationOutcome

#: Rows per list shown in the chat.
MAX_ROWS = 8


def _short(nodeid: str) -> str:
    return nodeid.split("::", 1)[-1]


def _cut(rows: list[str], total: int) -> list[str]:
    if total > len(rows):
        rows.append(f"- …and {total - len(rows)} more (see the report)")
    return rows


def verdict_markdown(outcome: GenerationOutcome) -> str:
    """Stop reason, notes, suspected bugs, and why each test was kept or dropped."""
    parts: list[str] = []
    if outcome.stop_detail:
        parts.append(outcome.stop_detail[:1].upper() + outcome.stop_detail[1:] + ".")
    parts += [f"Note: {line}." for line in outcome.notes]
    bugs = outcome.suspected_bugs
    if bugs:
        rows = [
            f"- `{bug['test']}`: `{bug['input'] or '?'}` {bug['observed']} — {bug['why']}"
            for bug in bugs[:MAX_ROWS]
        ]
        parts.append(
            f"**Suspected bugs ({len(bugs)})**, kept as `xfail(strict=True)` with the "
            "expected behaviour:\n" + "\n".join(_cut(rows, len(bugs)))
        )
    kept = [r for r in outcome.records if r.why]
    if kept:
        rows = [f"- `{_short(r.name)}`: {r.why}" for r in kept[:MAX_ROWS]]
        parts.append("**Kept** because:\n" + "\n".join(_cut(rows, len(kept))))
    if outcome.dropped:
        rows = [
            f"- `{_short(name)}`: {why.splitlines()[0] if why else 'dropped'}"
            for name, why in outcome.dropped[:MAX_ROWS]
        ]
        parts.append("**Dropped**:\n" + "\n".join(_cut(rows, len(outcome.dropped))))
    return "\n\n".join(parts)
