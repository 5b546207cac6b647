"""Review a staged session per file and per test, then write only what was accepted.

:func:`load_review` reads what a session staged (engine/review.py) beside what
the project holds now; :class:`ReviewDecisions` keeps the user's accept / reject
per file and per test (a class decides for its methods); :func:`apply_review`
writes each file's accepted tests through the same checked write and write log
as ``regoose apply``, so ``regoose undo SESSION`` takes exactly them back. A
rejected test never reaches the project.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from regoose_tui.engine.joined_prune import is_joined, prune_joined
from regoose_tui.engine.review import settle_staged, staged_bases, write_into_project
from regoose_tui.engine.suite_diff import SuiteDiff, suite_diff
from regoose_tui.engine.suite_parts import SuiteParts, SuiteTest, prune_suite, split_suite
from regoose_tui.errors import UsageError
from regoose_tui.store.store import SessionStore
from regoose_tui.store.write_log import WriteReceipt
from regoose_tui.tools.base import Publish


@dataclass(frozen=True)
class ReviewFile:
    """One staged suite: where it goes, what is there now, and its reviewable tests."""

    destination: Path
    shown: str
    """The destination as the user reads it (relative to the project)."""
    current: str | None
    """What the project's file holds now (None: no such file)."""
    proposed: str
    parts: SuiteParts
    reviewable: tuple[SuiteTest, ...]
    """The tests the proposal adds or changes (an unchanged test is not asked about)."""
    restore: dict[str, str] = field(default_factory=dict)
    """Test id -> the project's own text, for tests the proposal changes."""
    base_sha256: str | None = None
    """When the proposal is the project's own file with tests added as new classes: the
    sha256 of the bytes it was computed from (the write needs the file unchanged since)."""

    @property
    def joined(self) -> bool:
        """True when the proposal adds classes to the project's own file (not a file of ours)."""
        return is_joined(self.current, self.proposed)

    def content(self, rejected: set[str]) -> str:
        """The file to write when ``rejected`` tests are left out ('' when none is left)."""
        if not rejected:
            return self.proposed
        if self.current is not None and self.joined:
            return prune_joined(self.current, self.proposed, rejected, self.restore)
        return prune_suite(self.proposed, rejected, self.restore)

    def diff(self, rejected: set[str]) -> SuiteDiff:
        """What writing it with ``rejected`` left out would change in the project."""
        return suite_diff(self.current, self.content(rejected) or (self.current or ""))


def review_file(
    destination: Path,
    shown: str,
    current: str | None,
    proposed: str,
    base_sha256: str | None = None,
) -> ReviewFile:
    """A :class:`ReviewFile` for ``proposed`` against ``current`` (pure)."""
    parts = split_suite(proposed)
    before = split_suite(current) if current else SuiteParts("", ())
    old = {test.id: test.source for test in before.tests}
    changed = {test.id for test in parts.tests if old.get(test.id) != test.source}
    # A class is asked about when any of its methods is; a method only when it changed.
    reviewable = tuple(
        test
        for test in parts.tests
        if test.id in changed
        or (test.kind == "class" and any(m.id in changed for m in parts.methods(test.id)))
    )
    restore = {test.id: old[test.id] for test in reviewable if test.id in old}
    return ReviewFile(
        destination, shown, current, proposed, parts, reviewable, restore, base_sha256
    )


@dataclass
class ReviewDecisions:
    """The user's accept / reject, per file and per test; everything starts accepted."""

    rejected_files: set[str] = field(default_factory=set)
    rejected_tests: dict[str, set[str]] = field(default_factory=dict)

    def file_accepted(self, file: ReviewFile) -> bool:
        """Whether ``file`` is to be written at all."""
        return file.shown not in self.rejected_files

    def set_file(self, file: ReviewFile, accepted: bool) -> None:
        """Accept or reject a whole file (its tests' own decisions are reset)."""
        self.rejected_tests.pop(file.shown, None)
        if accepted:
            self.rejected_files.discard(file.shown)
        else:
            self.rejected_files.add(file.shown)

    def rejected(self, file: ReviewFile) -> set[str]:
        """The ids left out of ``file`` (a class counts when all its methods are out)."""
        out = set(self.rejected_tests.get(file.shown, set()))
        for test in file.reviewable:
            if test.kind == "class" and all(m.id in out for m in file.parts.methods(test.id)):
                out.add(test.id)
        return out

    def test_accepted(self, file: ReviewFile, test_id: str) -> bool:
        """Whether one test (or every test of a class) is to be written."""
        return self.file_accepted(file) and test_id not in self.rejected(file)

    def set_test(self, file: ReviewFile, test_id: str, accepted: bool) -> None:
        """Accept or reject one test; a class passes the decision to its methods."""
        test = file.parts.get(test_id)
        if test is None:
            raise KeyError(test_id)
        ids = {test_id}
        if test.kind == "class":
            ids |= {m.id for m in file.parts.methods(test_id)}
        rejected = self.rejected_tests.setdefault(file.shown, set())
        if accepted:
            rejected.difference_update(ids)
            rejected.discard(test.parent or "")
            if not self.file_accepted(file):
                # Accepting one test of a rejected file keeps the file but only that test.
                self.rejected_files.discard(file.shown)
                rejected.update(t.id for t in file.reviewable if t.id not in ids)
                rejected.discard(test.parent or "")
        else:
            rejected.update(ids)

    def toggle_test(self, file: ReviewFile, test_id: str) -> bool:
        """Flip one test's decision; the new one (True: accepted)."""
        accepted = not self.test_accepted(file, test_id)
        self.set_test(file, test_id, accepted)
        return accepted

    def leaves_kept(self, file: ReviewFile) -> tuple[int, int]:
        """(accepted, rejected) reviewable tests pytest would collect, for the summary."""
        leaves = [t for t in file.reviewable if t.kind != "class"]
        if not self.file_accepted(file):
            return 0, len(leaves)
        out = self.rejected(file)
        rejected = sum(1 for t in leaves if t.id in out or (t.parent or "") in out)
        return len(leaves) - rejected, rejected


@dataclass(frozen=True)
class ReviewSet:
    """Every suite one session staged, ready to review."""

    session_id: str
    files: tuple[ReviewFile, ...]


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def _shown(path: Path, project: Path | None) -> str:
    if project is not None:
        try:
            return path.resolve().relative_to(project.resolve()).as_posix()
        except ValueError:
            pass
    return str(path)


async def load_review(
    store: SessionStore, session_id: str, project: Path | None = None
) -> ReviewSet:
    """The suites ``session_id`` staged, each beside the project's file as it is now."""
    session_id = await store.resolve_session_id(session_id)
    proposals = await store.writes.proposals(session_id)
    if not proposals:
        raise UsageError(f"nothing to review: session {session_id} staged no tests")
    files = []
    bases = await staged_bases(store, session_id)
    for proposal in proposals:
        staged = await asyncio.to_thread(_read, Path(proposal.staged))
        if staged is None:
            raise UsageError(f"{proposal.staged}: the staged suite is gone; nothing to review")
        destination = Path(proposal.path)
        current = await asyncio.to_thread(_read, destination)
        try:
            shown = _shown(destination, project)
            base = bases.get(proposal.path)
            files.append(review_file(destination, shown, current, staged, base))
        except SyntaxError as exc:
            raise UsageError(f"{proposal.staged}: the staged suite does not parse: {exc}") from None
    return ReviewSet(session_id, tuple(files))


@dataclass(frozen=True)
class ReviewWrite:
    """One file apply_review wrote, and how many of its proposed tests went in."""

    receipt: WriteReceipt
    shown: str
    accepted: int
    rejected: int


async def apply_review(
    store: SessionStore,
    review: ReviewSet,
    decisions: ReviewDecisions,
    *,
    force: bool = False,
    publish: Publish | None = None,
) -> list[ReviewWrite]:
    """Write each file's accepted tests into the project; a file with none is not touched.

    Each file is decided once written (or left out): its staged copy then holds
    what was written, or is gone, so ``regoose apply SESSION`` never writes a
    rejected test.
    """
    written = []
    for file in review.files:
        session = review.session_id
        accepted, rejected = decisions.leaves_kept(file)
        content = file.content(decisions.rejected(file)) if decisions.file_accepted(file) else ""
        if not content or not accepted or content == file.current:
            await settle_staged(store, session, file.destination, None)
            continue
        # Joined into the project's file: the tests this session added, not the file's.
        tests = accepted if file.joined else len(split_suite(content).leaves)
        receipt = await write_into_project(
            store,
            session,
            file.destination,
            content,
            tests=tests,
            force=force,
            publish=publish,
            base_sha256=file.base_sha256,
        )
        await settle_staged(store, session, file.destination, content, tests)
        written.append(ReviewWrite(receipt, file.shown, accepted, rejected))
    return written
