"""The per-test keep rule: pass every run of one random-order session, and add coverage.

The validator runs the merged suite once with every test repeated
``KEEP_ROUNDS`` times in seeded random order (runtime/keep_plugin.py). Here
are the pure decisions on what that run reported: which new tests reach
code the suite did not (greedy, in source order, from coverage.py's
per-test contexts), why each one is kept or dropped, and which failing tests
are still worth sending back to the model for repair.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from regoose_tui.domain.feedback import FailedTest
from regoose_tui.runtime.keep_runs import name_key
from regoose_tui.runtime.pytest_results import Arc
from regoose_tui.runtime.pytest_runner import PytestReport

#: Runs of every test in the keep session (TestGen-LLM's "pass repeatedly").
KEEP_ROUNDS = 3
#: Times a failing test goes back to the model before it is given up on.
DEFAULT_REPAIRS = 2
#: The drop reason of a test that reached nothing new.
NO_COVERAGE = "adds no coverage"
#: The drop reason of a model's test that reaches only what the project's own tests run.
PROJECT_COVERS = "adds nothing the project's tests don't cover"
#: Why a test of the offline engine's batch stays although a batch-mate reaches its lines.
BATCH_BEHAVIOUR = "no lines beyond its batch-mates, but an output the offline engine checks"


@dataclass(frozen=True)
class Choice:
    """The new tests kept for their coverage (name, why) and those dropped (name, why)."""

    kept: tuple[tuple[str, str], ...]
    dropped: tuple[tuple[str, str], ...]


def _lines(arcs: Iterable[Arc]) -> set[int]:
    return {n for arc in arcs for n in arc if n > 0}


def _ranges(numbers: Iterable[int]) -> str:
    """1, 2, 3, 7 -> "1-3, 7"."""
    out: list[list[int]] = []
    for n in sorted(set(numbers)):
        if out and out[-1][-1] == n - 1:
            out[-1].append(n)
        else:
            out.append([n])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in out)


def gain_phrase(new_arcs: set[Arc], covered: set[Arc]) -> str:
    """``adds lines 4-5`` / ``adds 2 branch transitions`` (what a test reached first)."""
    lines = _lines(new_arcs) - _lines(covered)
    if lines:
        word = "line" if len(lines) == 1 else "lines"
        return f"adds {word} {_ranges(lines)}"
    count = len(new_arcs)
    return f"adds {count} branch transition{'s' if count != 1 else ''}"


def candidate_rounds(origin: object, *, alone: bool) -> int:
    """Runs of each test in a candidate's first run: the keep session's, or one.

    The offline engine's module (``origin`` "offline") already passed its own
    shuffled runs in the sandbox, so it almost always goes to the keep session
    unchanged. When no suite is kept yet (``alone``), running the candidate as
    that keep session (KEEP_ROUNDS, the session's seed) lets the validator reuse
    the run instead of repeating it. A model's module often loses failing tests
    first, and a later round merges with the kept suite, so one run does there.
    """
    return KEEP_ROUNDS if origin == "offline" and alone else 1


def passed_phrase(rounds: int) -> str:
    """``passed 3 of 3 runs in random order``."""
    return f"passed {rounds} of {rounds} runs in random order"


def choose_by_coverage(
    report: PytestReport,
    old: Sequence[str],
    new: Sequence[str],
    *,
    always: Mapping[str, str] | None = None,
    greedy: bool = True,
    project: Collection[Arc] = (),
) -> Choice:
    """Keep each new test (in order) that reaches an arc no earlier kept test reached.

    ``old`` are the suite's tests already kept; ``always`` maps tests kept
    whatever their coverage (suspected bugs, locked in as strict xfail) to why.
    ``greedy=False`` is for a batch the offline engine chose itself (its cover
    already picked each call for a line, a branch or a distinct checked
    behaviour): a new test must reach what the suite kept BEFORE this round
    did not, not what its batch-mates reach; in the first round each stays.
    ``project`` are the arcs the project's own tests run (the baseline): a
    model's test (``greedy``) must reach an arc beyond them too, as the offline
    engine's calls must (synth/engine.py ``reaches_missing``), which already
    chose its batch for what the project's tests miss.
    """
    always = always or {}
    arcs = report.arcs_by_test
    before: set[Arc] = set()
    for name in old:
        before.update(arcs.get(name, ()))
    ours = set(before)  # what the suite reaches, this round's kept tests included
    theirs = set(project) if greedy else set()
    kept: list[tuple[str, str]] = []
    dropped: list[tuple[str, str]] = []
    passed = passed_phrase(report.rounds)
    for name in new:
        reached = set(arcs.get(name, ()))
        covered = ours | theirs
        fresh = reached - covered
        if name in always:
            kept.append((name, f"{always[name]} ({passed})"))
        elif fresh:
            kept.append((name, f"{passed}; {gain_phrase(fresh, covered)}"))
        elif not greedy and (not old or reached - before):
            kept.append((name, f"{passed}; {BATCH_BEHAVIOUR}"))
        elif reached - ours:
            dropped.append(
                (name, f"{PROJECT_COVERS} ({passed}, but the project's own tests run all it runs)")
            )
            continue
        else:
            dropped.append(
                (name, f"{NO_COVERAGE} ({passed}, but every line it reaches is covered)")
            )
            continue
        ours |= reached
    return Choice(tuple(kept), tuple(dropped))


@dataclass(frozen=True)
class RepairSplit:
    """Failing tests to send back, those given up on, and the updated repair counts."""

    send_back: tuple[FailedTest, ...]
    given_up: tuple[tuple[str, str], ...]
    counts: dict[str, int]


def split_repairs(
    failures: Sequence[FailedTest], counts: Mapping[str, int], max_repairs: int
) -> RepairSplit:
    """Each failing test goes back for repair until it has had ``max_repairs`` tries."""
    updated = dict(counts)
    send: list[FailedTest] = []
    given_up: list[tuple[str, str]] = []
    for failure in failures:
        tries = updated.get(failure.name, 0)
        if tries < max_repairs:
            updated[failure.name] = tries + 1
            send.append(failure)
        else:
            times = "repair" if max_repairs == 1 else "repairs"
            given_up.append(
                (failure.name, f"failed after {max_repairs} {times}: {failure.message}")
            )
    return RepairSplit(tuple(send), tuple(given_up), updated)


def runs_of(report: PytestReport, name: str) -> tuple[str, ...]:
    """The run-by-run outcomes of test ``name`` (``Class::test``) in a keep session."""
    for nodeid, outcomes in report.runs.items():
        if name_key(nodeid) == name:
            return outcomes
    return ()


def without_tests(report: PytestReport, names: set[str]) -> PytestReport:
    """``report`` without the results of tests ``names`` (dropped for adding nothing)."""
    return replace(
        report,
        tests=[case for case in report.tests if name_key(case.nodeid) not in names],
        runs={k: v for k, v in report.runs.items() if name_key(k) not in names},
        arcs_by_test={k: v for k, v in report.arcs_by_test.items() if k not in names},
    )
