"""Shortcuts of the validator that keep its rule: reuse a keep session, tidy a suite.

A candidate module that already ran as the very keep session the validator
needs (same module, the keep rule's rounds and seed, per-test coverage, no
test failing any run) need not run again. The offline engine's last
verification in the sandbox IS that session (synth/verify_driver.py runs the
keep-rule plugin with the session's seed, and each test alone first), so
the executor hands it on (``verified_keep_session``) instead of running the
module a second time; any other candidate runs as the keep session at once
(engine/generation.py, keep_rule.candidate_rounds).
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
from regoose_tui.synth.keep_session import VerifiedSuite


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


def verified_keep_session(
    verified: object, source: str, *, rounds: int, seed: int, test_path: Path
) -> PytestReport | None:
    """The keep session the offline engine ran on ``source``, named after ``test_path``.

    Trusted only when it is the same rules on the same bytes: ``verified`` ran
    exactly ``source``, ``rounds`` (> 1) times per test in the order of ``seed``,
    every run passed (synth/keep_session.py builds nothing else), with
    per-test coverage. None otherwise: the executor then runs the module.
    """
    if not isinstance(verified, VerifiedSuite) or verified.source != source or rounds < 2:
        return None
    report = verified.report
    if report.rounds != rounds or report.seed != seed or report.status != "passed":
        return None
    if not report.arcs_by_test or any(t.outcome not in ("passed", "skipped") for t in report.tests):
        return None
    return rebased(report, test_path)


def rebased(report: PytestReport, test_path: Path) -> PytestReport:
    """``report`` with its node ids on ``test_path`` (they ran as a staged copy of it)."""

    def move(nodeid: str) -> str:
        return f"{test_path}::{nodeid.split('::', 1)[1]}" if "::" in nodeid else str(test_path)

    tests = [replace(case, nodeid=move(case.nodeid), file=test_path) for case in report.tests]
    runs = {move(nodeid): outcomes for nodeid, outcomes in report.runs.items()}
    return replace(report, tests=tests, runs=runs)


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
