"""Regoose's pytest plugin for the keep rule: every test N times, in seeded random order.

This file runs INSIDE the sandbox, in the user's interpreter, as
``-p regoose_keep_plugin`` (runtime/keep_staging.py stages a read-only copy
under that name). It imports nothing of Regoose, only pytest, coverage and
the standard library, so it works with whatever Python the project uses.

- Each test function is parametrized ``REGOOSE_KEEP_ROUNDS`` times (the way
  pytest-repeat does it): every run is its own test case, ``[regoose-runK]``.
- The runs go round by round (all of round 1, then all of round 2, ...) and
  each round is shuffled with ``random.Random(f"{seed}:{round}")``: the same
  seed gives the same order, a different round a different one. A test that
  passes only in some orders is caught in one pytest session, not three.
- Under ``coverage run``, each test switches coverage.py's dynamic context to
  its node id (round part left out), so the host can tell which test reached
  which arc and keep only tests that add coverage. Round 1 runs every test
  once, so it alone is measured: coverage.py stops after it and the later
  rounds (which only check that each test passes again) run untraced.
- With ``REGOOSE_COVERAGE_JSON`` set (any number of rounds), the session writes
  coverage.py's JSON report there as it ends, from the very Coverage object
  ``coverage run`` started: no second ``coverage json`` process per run.
"""

from __future__ import annotations

import os
import random
import re
from collections.abc import Iterator

import pytest

ROUND_FIXTURE = "_regoose_keep_round"
ROUND_ID = "regoose-run{}"
_ROUND_PART = re.compile(r"(-?regoose-run\d+)(?=\])")
#: Where the session writes coverage.py's JSON report as it ends (unset: nowhere);
#: keep_staging.COVERAGE_JSON_ENV on the host (this file imports nothing of Regoose).
COVERAGE_JSON_ENV = "REGOOSE_COVERAGE_JSON"
#: The Coverage object measuring this session, taken before round 1 can stop it.
_SESSION_COVERAGE: list[object] = []


def _rounds(config: pytest.Config) -> int:
    try:
        return max(1, int(os.environ.get("REGOOSE_KEEP_ROUNDS", "1")))
    except ValueError:
        return 1


def _seed() -> str:
    return os.environ.get("REGOOSE_KEEP_SEED", "0")


@pytest.fixture
def _regoose_keep_round(request: pytest.FixtureRequest) -> int:
    """The run number of this test case (1-based); only a parametrization carrier."""
    return int(getattr(request, "param", 1))


@pytest.hookimpl(trylast=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    rounds = _rounds(metafunc.config)
    if rounds < 2:
        return
    metafunc.fixturenames.append(ROUND_FIXTURE)
    metafunc.parametrize(
        ROUND_FIXTURE,
        range(1, rounds + 1),
        indirect=True,
        ids=[ROUND_ID.format(n) for n in range(1, rounds + 1)],
    )


def _round_of(item: pytest.Item) -> int:
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return 1  # not parametrizable by us (unittest classes): it runs once, in round 1
    return int(callspec.params.get(ROUND_FIXTURE, 1))


def bare_nodeid(nodeid: str) -> str:
    """``f.py::test_a[3-regoose-run2]`` -> ``f.py::test_a[3]``; ``...[regoose-run1]`` -> ``...``."""
    bare = _ROUND_PART.sub("", nodeid)
    return bare[:-2] if bare.endswith("[]") else bare


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if _rounds(config) < 2:
        return
    by_round: dict[int, list[pytest.Item]] = {}
    for item in items:
        by_round.setdefault(_round_of(item), []).append(item)
    ordered: list[pytest.Item] = []
    for number in sorted(by_round):
        batch = sorted(by_round[number], key=lambda item: item.nodeid)
        random.Random(f"{_seed()}:{number}").shuffle(batch)
        ordered.extend(batch)
    items[:] = ordered


def _coverage() -> object | None:
    try:
        import coverage
    except ImportError:
        return None
    return coverage.Coverage.current()


def last_of_first_round(item: pytest.Item, nextitem: pytest.Item | None) -> bool:
    """True for the last test case of round 1 when more rounds follow it."""
    if _rounds(item.config) < 2 or _round_of(item) != 1:
        return False
    return nextitem is not None and _round_of(nextitem) > 1


def pytest_configure(config: pytest.Config) -> None:
    cov = _coverage()
    if cov is not None and os.environ.get(COVERAGE_JSON_ENV):
        _SESSION_COVERAGE.append(cov)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    path = os.environ.get(COVERAGE_JSON_ENV)
    if not path or not _SESSION_COVERAGE:
        return
    cov = _SESSION_COVERAGE.pop()
    # Stopped here, the report holds all a test reached; ``coverage run`` still saves
    # the same data file at exit (the per-test contexts are read from it).
    cov.stop()  # type: ignore[attr-defined]  # coverage.Coverage, typed as object to keep coverage optional
    try:
        cov.json_report(outfile=path)  # type: ignore[attr-defined]  # same
    except Exception:
        return


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    # After round 1 coverage.py is stopped (current() is None then): the later rounds
    # only check that every test passes again, in another order, and run untraced.
    # A single run needs no per-test contexts (the keep rule's rounds do).
    cov = _coverage() if _rounds(item.config) > 1 else None
    if cov is not None:
        cov.switch_context(bare_nodeid(item.nodeid))  # type: ignore[attr-defined]  # coverage.Coverage, typed as object to keep coverage optional
    yield
    if cov is not None:
        cov.switch_context("")  # type: ignore[attr-defined]  # same
        if last_of_first_round(item, nextitem):
            # Round 1 ran every test once, measured: what each reaches is known.
            cov.stop()  # type: ignore[attr-defined]  # same
