"""`generate --apply --commit`: the session's written tests on a branch of their own."""

from __future__ import annotations

import asyncio
from pathlib import Path

from regoose_tui.engine.git_branch import commit_files, find_git, open_repository
from regoose_tui.engine.outcome import GenerationOutcome
from regoose_tui.store.store import SessionStore

#: ``regoose/<this many characters of the session id>``.
SHORT_ID = 8


def branch_name(session_id: str) -> str:
    """The branch ``--commit`` creates for a session."""
    return f"regoose/{session_id[:SHORT_ID]}"


def commit_message(outcome: GenerationOutcome, files: list[Path], top: Path) -> str:
    """Subject and body: what was added and the coverage it gives (with the gain, if known)."""
    try:
        target = outcome.target.resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        target = outcome.target.name
    delta = outcome.coverage_delta
    if delta is not None:
        # The project's own tests before, and with the new file beside them after.
        gain = (
            f"line coverage of {target}: {delta.line_before:.1f}% -> {delta.line_after:.1f}% "
            f"({delta.line_delta:+.1f} points); branch {delta.branch_before:.1f}% -> "
            f"{delta.branch_after:.1f}% ({delta.branch_delta:+.1f})"
        )
    else:
        # No measured baseline: the gain is what these tests cover on their own.
        gain = (
            f"coverage of {target} by these tests: {outcome.line_percent:.1f}% line, "
            f"{outcome.branch_percent:.1f}% branch"
        )
    shown = "\n".join(f"- {path.resolve().relative_to(top.resolve()).as_posix()}" for path in files)
    return (
        f"Regoose: {outcome.tests} test{'' if outcome.tests == 1 else 's'} for "
        f"{outcome.module}\n\n"
        f"{gain}\n\n{shown}\n\nsession {outcome.session_id} ({outcome.provider})\n"
    )


async def commit_session(store: SessionStore, outcome: GenerationOutcome) -> tuple[str, str]:
    """Commit the files the session wrote on ``regoose/<id>``; (branch, sha); store it."""
    executable = await asyncio.to_thread(find_git)
    files = await store.files(outcome.session_id)
    if not files:
        raise ValueError("commit_session: the session wrote no file")
    first = Path(files[0].path)
    repo = await asyncio.to_thread(open_repository, first.parent, executable)
    paths = [Path(record.path) for record in files]
    branch = branch_name(outcome.session_id)
    message = commit_message(outcome, paths, repo.top)
    sha = await asyncio.to_thread(
        commit_files,
        repo,
        [(Path(r.path), r.content.encode("utf-8")) for r in files],
        branch,
        message,
    )
    await store.writes.record_commit(outcome.session_id, repo.top, branch, sha)
    return branch, sha
