"""Two shortcuts of the validator that keep its rule: reuse a keep session, tidy a suite.

A candidate module that already ran as the very keep session the validator
needs (same module, the keep rule's rounds and seed, per-test coverage, no
test failing any run) need not run again: the offline engine's modules are
run that way at once (engine/generation.py, keep_rule.candidate_rounds).
And a suite the validator edited (merged with the kept one, tests cut out)
is ruff-formatted again, so the written file passes ``ruff format --check``.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from regoose_tui.domain.target import TargetModule
from regoose_tui.runtime.pytest_runner import PytestReport
from regoose_tui.synth.formatting import first_party_for, format_source


def reusable_keep_session(
    report: PytestReport, nothing_kept: bool, unchanged: bool, *, rounds: int, seed: int
) -> PytestReport | None:
    """The candidate's own ``report`` when it already is the keep session to run.

    That holds when no suite is kept yet (``nothing_kept``), the module to check
    is byte for byte the one that ran (``unchanged``: nothing cut, marked or
    merged), it ran ``rounds`` times in the order of ``seed`` under per-test
    coverage, and no test failed any run (a strict xfail is "skipped" each run).
    """
    if not (nothing_kept and unchanged):
        return None
    if report.rounds < rounds or report.seed != seed or not report.arcs_by_test:
        return None
    if report.status != "passed" or any(t.outcome in ("failed", "error") for t in report.tests):
        return None
    if any(len(set(outcomes)) != 1 for outcomes in report.runs.values()):
        return None
    return report


async def tidy_suite(target: TargetModule, written_as: Path | None, source: str) -> str:
    """``source`` ruff-formatted, its imports sorted as the written file is checked.

    Cutting tests out of a class or merging two modules leaves blank lines and
    import blocks ``ruff format --check`` would change; only whitespace and the
    import order change here, so what ran is what is written. The imports are
    sectioned as ruff sees them where the file goes (first_party_for).
    """
    if written_as is not None:
        target = replace(target, out_path=written_as)
    first_party = await asyncio.to_thread(first_party_for, target)
    return await format_source(source, first_party=first_party)
