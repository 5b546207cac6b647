"""The kept suite joined into the project's own test file for the module, as new classes.

The generation validates its suite as a file of its own (that is how the keep
rule runs it); at the end, when the project already has a test file for the
target, the suite goes into that file instead (domain.class_insert). Tests that
repeat one of the file's tests are left out here, so the store, the reports and
the written file name the same tests. The host's bytes are read once, at the
start: the write replaces the file only while it still holds exactly them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from regoose_tui.agents.validator import KeptSuite
from regoose_tui.domain.class_insert import Insertion, insert_suite
from regoose_tui.domain.layout import ProjectLayout
from regoose_tui.domain.suite_edit import remove_tests
from regoose_tui.domain.test_identity import name_in_file
from regoose_tui.engine.output_check import host_test_file
from regoose_tui.store.safe_write import sha256_text


@dataclass(frozen=True)
class HostFile:
    """The project's own test file for the target, as read before generating."""

    path: Path
    text: str
    sha256: str


@dataclass(frozen=True)
class Joined:
    """The host with the suite inside, and the suite as it now stands in it."""

    content: str
    kept: KeptSuite
    #: (suite test name, why it was left out) for each test the host already has.
    duplicates: tuple[tuple[str, str], ...]


def read_host(layout: ProjectLayout, module: str) -> HostFile | None:
    """The host file for ``module``, or None (blocking: call it in a thread)."""
    path = host_test_file(layout, module)
    if path is None:
        return None
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if text.startswith("\ufeff") or "\r" in text:
        return None  # a BOM or CRLF file is not re-spliced line by line: write beside it
    return HostFile(path, text, sha256_text(text))


def join(host: HostFile, kept: KeptSuite, module: str) -> Joined | None:
    """``kept`` inside ``host``; None when they cannot be joined (a separate file then)."""
    insertion = insert_suite(host.text, kept.source, module)
    if insertion is None:
        return None
    return Joined(insertion.text, _as_joined(kept, insertion), _why(insertion))


def _why(insertion: Insertion) -> tuple[tuple[str, str], ...]:
    return tuple(
        (name, f"repeats the project's own test {theirs}: left out")
        for name, theirs in insertion.duplicates
    )


def _as_joined(kept: KeptSuite, insertion: Insertion) -> KeptSuite:
    """The kept suite without the repeats, its tests named as in the joined file."""
    left_out = {name for name, _ in insertion.duplicates}
    source = remove_tests(kept.source, left_out) if left_out else kept.source
    tests = tuple(insertion.renamed.get(n, n) for n in kept.tests if n not in left_out)
    report = kept.report
    if report is not None:
        cases = []
        for case in report.tests:
            name = name_in_file(case.nodeid)
            bare = name.split("[", 1)[0]
            if bare in left_out:
                continue
            moved = insertion.renamed.get(bare)
            if moved is not None:
                head = case.nodeid[: len(case.nodeid) - len(name)]
                case = dataclasses.replace(case, nodeid=head + moved + name[len(bare) :])
            cases.append(case)
        report = dataclasses.replace(report, tests=cases)
    return dataclasses.replace(kept, source=source, tests=tests, report=report)
