"""The project's own tests around one generation: the baseline and the final check.

Before the generator runs, the project's tests that import the target run in
the sandbox under coverage of it (the baseline); the generator then aims at
what they miss. After the loop, the same tests and the kept suite run
together once (the final check): its coverage is the session's final
figure, and a project test that passed before and fails now is said. This
module holds the figures and the small decisions; the runs themselves are
the ProjectTestsAgent's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from regoose_tui.agents.project_tests import SuiteRun
from regoose_tui.domain.existing_tests import existing_tests_for, project_test_folders
from regoose_tui.domain.feedback import Feedback
from regoose_tui.domain.layout import ProjectLayout
from regoose_tui.domain.test_identity import name_in_file


@dataclass(frozen=True)
class CoverageDelta:
    """Coverage of the target before the session (the project's tests) and after."""

    #: The project's test files that import the target (none: the baseline is 0%).
    files: tuple[Path, ...]
    tests: int
    #: Project tests failing before generation (reported once; they never stop a session).
    failing_before: int
    line_before: float
    branch_before: float
    line_after: float
    branch_after: float
    #: Project tests that passed before and fail beside the new file.
    broken: tuple[str, ...] = ()
    note: str = ""
    #: New tests that fail in the final run (beside the project's tests, or joined
    #: into the project's own file, whose fixtures then apply): not the project's.
    new_failing: tuple[str, ...] = ()

    @property
    def line_delta(self) -> float:
        return self.line_after - self.line_before

    @property
    def branch_delta(self) -> float:
        return self.branch_after - self.branch_before

    def as_json(self) -> dict[str, object]:
        """The ``baseline`` object of `generate --json`."""
        return {
            "files": [str(path) for path in self.files],
            "tests": self.tests,
            "failing_before": self.failing_before,
            "line_before": round(self.line_before, 1),
            "branch_before": round(self.branch_before, 1),
            "line_after": round(self.line_after, 1),
            "branch_after": round(self.branch_after, 1),
            "line_delta": round(self.line_delta, 1),
            "branch_delta": round(self.branch_delta, 1),
            "broken": list(self.broken),
            "new_failing": list(self.new_failing),
            "note": self.note or None,
        }

    def phrase(self) -> str:
        """``baseline 40.0% -> 95.0% lines (+55.0), ... ; 2 of the project's tests fail ...``."""
        if not self.files:
            head = "no project tests import the target: baseline 0%"
        else:
            head = (
                f"project tests: {self.tests} in {len(self.files)} files; lines "
                f"{self.line_before:.1f}% -> {self.line_after:.1f}% ({self.line_delta:+.1f}), "
                f"branches {self.branch_before:.1f}% -> {self.branch_after:.1f}% "
                f"({self.branch_delta:+.1f})"
            )
        if self.failing_before:
            head += f"; {self.failing_before} of the project's tests fail before generation"
        if self.broken:
            head += f"; {len(self.broken)} of the project's tests fail beside the new file"
        if self.new_failing:
            head += f"; {len(self.new_failing)} of the new tests fail beside the project's"
        if self.note:
            head += f"; {self.note}"
        return head


async def find_project_tests(
    layout: ProjectLayout, module: str, out_path: Path | None
) -> tuple[Path, ...]:
    """The project's test files for ``module``; the file Regoose (re)writes is not one."""
    exclude = (out_path,) if out_path is not None else ()
    found = await asyncio.to_thread(existing_tests_for, layout, module, exclude=exclude)
    return tuple(found)


def sandbox_read_paths(layout: ProjectLayout) -> tuple[Path, ...]:
    """Test folders the sandbox must read that the import root does not hold (src layouts).

    Blocking (it stats folders): call it in a thread.
    """
    folders = project_test_folders(layout)
    outside = [f for f in folders if not f.is_relative_to(layout.import_root)]
    return (*outside, *project_conftests(layout, folders))


def project_conftests(layout: ProjectLayout, folders: list[Path]) -> tuple[Path, ...]:
    """The files pytest reads for the project's tests above their folders (src layouts).

    Its root ``conftest.py`` (and one in each folder between the root and a test
    folder) holds fixtures the tests use; its settings file (pytest.ini,
    pyproject.toml, ...) makes that root pytest's rootdir, so those conftests
    load at all (pytest reads none above its rootdir). Without them the project's
    own tests fail in the sandbox with "fixture not found". Only what the import
    root and the test folders do not already hold. Blocking: call it in a thread.
    """
    root = layout.root
    found: list[Path] = []
    if layout.pytest.source is not None:
        found.append(layout.pytest.source)
    for folder in folders:
        if not folder.is_relative_to(root):
            continue
        between = [root, *(p for p in folder.parents if p.is_relative_to(root) and p != root)]
        found.extend(p / "conftest.py" for p in between if (p / "conftest.py").is_file())
    held = (layout.import_root, *folders)
    return tuple(
        p
        for p in dict.fromkeys(found)
        if p.is_file() and not any(p.is_relative_to(h) for h in held)
    )


def aim(feedback: Feedback | None, baseline: SuiteRun | None) -> Feedback | None:
    """The validator's feedback with only what the project's tests also miss."""
    if feedback is None or baseline is None:
        return feedback
    return feedback.within(baseline.feedback())


def delta(
    baseline: SuiteRun | None,
    final: SuiteRun | None,
    kept: tuple[float, float],
    new_tests: Collection[str] = (),
) -> CoverageDelta | None:
    """The session's coverage figures; ``kept`` is the new suite's own (line, branch).

    ``new_tests`` are the kept suite's test names (``Cls::test``): a failing test of
    the final run that is one of them is the new file's, not a project test broken.
    """
    if baseline is None:
        return None
    if not baseline.files:
        # Nothing of the project's runs the target: the new suite's coverage is the gain.
        return CoverageDelta((), 0, 0, 0.0, 0.0, kept[0], kept[1])
    measured = final is not None and final.measured
    failing = set(baseline.failed)
    ours = {name.split("[", 1)[0] for name in new_tests}
    newly = [name for name in (final.failed if final else ()) if name not in failing]
    mine = tuple(n for n in newly if name_in_file(n).split("[", 1)[0] in ours)
    broken = tuple(n for n in newly if n not in mine)
    note = baseline.note or (final.note if final is not None else "")
    return CoverageDelta(
        files=baseline.files,
        tests=baseline.tests,
        failing_before=len(baseline.failed),
        line_before=baseline.line_percent,
        branch_before=baseline.branch_percent,
        line_after=final.line_percent
        if measured and final
        else max(baseline.line_percent, kept[0]),
        branch_after=(
            final.branch_percent if measured and final else max(baseline.branch_percent, kept[1])
        ),
        broken=broken,
        note=note,
        new_failing=mine,
    )


def fully_covered(baseline: SuiteRun | None) -> bool:
    """Whether the project's own tests already run every line and branch of the target.

    Only a clean run counts: a project test failing before generation may be the
    very sign of a bug the generator should look for.
    """
    return (
        baseline is not None
        and baseline.measured
        and not baseline.failed
        and not baseline.missing_lines
        and not baseline.missing_branches
        and baseline.line_percent >= 100.0
        and baseline.branch_percent >= 100.0
    )


def nothing_to_add(baseline: SuiteRun, root: Path, module: str, *, reached: bool = False) -> str:
    """The one line a session says when the project's tests leave it nothing to add.

    ``already fully covered by tests/test_cart.py: nothing to add``; with
    ``reached``, the project's tests miss something, but nothing the offline
    engine's calls reach.
    """
    stem = module.rsplit(".", 1)[-1]

    def shown(path: Path) -> str:
        return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)

    # The file named after the module first: the one a reader expects to hold its tests.
    files = sorted(baseline.files, key=lambda p: (stem not in p.stem, shown(p)))
    named = ", ".join(shown(p) for p in files[:2])
    if len(files) > 2:
        named += f" (+{len(files) - 2} more)"
    if reached:
        return (
            f"every line and branch the generator reaches is already covered by {named}: "
            "nothing to add"
        )
    return f"already fully covered by {named}: nothing to add"
