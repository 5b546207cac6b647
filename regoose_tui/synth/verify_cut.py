"""What a verification cut at its deadline still showed: the tests that ran every run.

The driver (synth/verify_driver.py) starts no test after the host's stop time
and says ``"cut": true``. Tests that ran all their passes, and alone, and
passed each time were shown to pass exactly as in a full run; the others
never got their runs, so they are neither passed nor failed: *unfinished*.
Keeping the first and leaving the second out is what the cut run proved, and
no second session past the deadline is needed to know it.

The reports are cut down to the finished tests too (``restrict``): their
per-test arcs, and coverage.py's figures recomputed from what those tests
(and the import of the module) ran, so the keep session built from them
(synth/keep_session.py) says what the kept module covers, not what the
left-out tests reached.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from regoose_tui.runtime.keep_runs import name_key
from regoose_tui.synth.keep_session import by_bare_nodeid

Arc = tuple[int, int]


def finished_tests(data: Mapping[str, Any], passes: int, alone: bool) -> tuple[set[str], set[str]]:
    """(finished, unfinished) bare node ids of a driver report (``verify.json``).

    A test is finished when every one of its ``passes`` runs reported (in keep
    mode the runs are numbered rounds; else its entries are counted) and, with
    ``alone``, its run alone did too. A test that failed anywhere is finished:
    a failure needs no more runs to be known.
    """
    runs = by_bare_nodeid(data.get("outcomes", {}) or {})
    solo = by_bare_nodeid(data.get("alone", {}) or {})
    finished: set[str] = set()
    unfinished: set[str] = set()
    for nodeid in {*runs, *solo}:
        entries = runs.get(nodeid, [])
        kinds = [str(entry[0]) for _, entry in entries] + [
            str(e[0]) for _, e in solo.get(nodeid, [])
        ]
        rounds = {number for number, _ in entries}
        complete = (
            rounds == set(range(1, passes + 1)) if passes > 1 else len(entries) >= passes
        ) and (not alone or nodeid in solo)
        if complete or "failed" in kinds:
            finished.add(nodeid)
        else:
            unfinished.add(nodeid)
    return finished, unfinished


def restrict(
    data: Mapping[str, Any], coverage_json: bytes, arcs_json: bytes, keep: Iterable[str]
) -> tuple[dict[str, Any], bytes, bytes]:
    """The driver's three reports as if only the tests ``keep`` (bare node ids) had run.

    Outcomes and alone runs of other tests are left out; the per-test arcs keep
    only ``keep``'s; the executed arcs are theirs plus those no test's context
    holds (the import of the module); coverage.py's lines and branches are
    recomputed from those arcs. ValueError/KeyError/TypeError when a report
    does not have the driver's shape.
    """
    kept_names = {name_key(nodeid) for nodeid in keep}
    outcomes = {
        nodeid: seen
        for nodeid, seen in dict(data.get("outcomes", {})).items()
        if name_key(str(nodeid)) in kept_names
    }
    solo = {
        nodeid: seen
        for nodeid, seen in dict(data.get("alone", {})).items()
        if name_key(str(nodeid)) in kept_names
    }
    arcs = json.loads(arcs_json.decode("utf-8", "replace"))
    by_test = dict(arcs["by_test"])
    tested: set[Arc] = {(int(a), int(b)) for raw in by_test.values() for a, b in raw}
    kept_tests = {c: raw for c, raw in by_test.items() if name_key(str(c)) in kept_names}
    executed = {(int(a), int(b)) for a, b in arcs["executed"]}
    ran = (executed - tested) | {(int(a), int(b)) for raw in kept_tests.values() for a, b in raw}
    new_arcs = {"by_test": kept_tests, "executed": sorted(ran)}
    cov = _recount(json.loads(coverage_json.decode("utf-8", "replace")), ran)
    new_data = dict(data, outcomes=outcomes, alone=solo, collected=len(kept_names), cut=True)
    return new_data, json.dumps(cov).encode(), json.dumps(new_arcs).encode()


def _recount(cov: dict[str, Any], ran: set[Arc]) -> dict[str, Any]:
    """coverage.py's JSON report with every file's lines and branches limited to ``ran``."""
    lines = {n for arc in ran for n in arc if n > 0}
    totals = {"num_statements": 0, "covered_lines": 0, "num_branches": 0, "covered_branches": 0}
    for entry in cov.get("files", {}).values():
        statements = set(entry.get("executed_lines", [])) | set(entry.get("missing_lines", []))
        branches = [
            (int(a), int(b))
            for a, b in [*entry.get("executed_branches", []), *entry.get("missing_branches", [])]
        ]
        executed_lines = sorted(statements & lines)
        executed_branches = sorted(b for b in set(branches) if b in ran)
        entry["executed_lines"] = executed_lines
        entry["missing_lines"] = sorted(statements - lines)
        entry["executed_branches"] = [list(b) for b in executed_branches]
        entry["missing_branches"] = [
            list(b) for b in sorted(set(branches) - set(executed_branches))
        ]
        summary = entry.setdefault("summary", {})
        summary.update(
            num_statements=len(statements),
            covered_lines=len(executed_lines),
            missing_lines=len(statements) - len(executed_lines),
            num_branches=len(set(branches)),
            covered_branches=len(executed_branches),
            missing_branches=len(set(branches)) - len(executed_branches),
        )
        for key in totals:
            totals[key] += int(summary[key])
    cov["totals"] = {**cov.get("totals", {}), **totals}
    return cov
