"""`--commit`: the written tests as one commit on a new branch, the user's state untouched.

Only git's plumbing is used, with a temporary index: the blobs of the files the
session wrote are added to a copy of HEAD's tree, committed with HEAD as the
parent, and the new branch ``regoose/<session>`` is created pointing at it
(refused if it exists). The working tree, the user's index, HEAD and the
current branch are never touched. git is found once with ``shutil.which`` on
the absolute entries of PATH and always run with a fixed argv list.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from regoose_tui.errors import UsageError

#: The identity of a commit when the repository has none configured.
FALLBACK_IDENTITY = ("-c", "user.name=Regoose", "-c", "user.email=regoose@localhost")
#: Git's own settings that could redirect it; a commit run never inherits them.
_GIT_ENV_DROPPED = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY")


class GitError(UsageError):
    """git is missing, the folder is no repository, or a git step failed."""


def find_git() -> str:
    """The git executable, searched on the absolute entries of PATH only."""
    path = os.pathsep.join(
        entry for entry in os.environ.get("PATH", "").split(os.pathsep) if os.path.isabs(entry)
    )
    found = shutil.which("git", path=path)
    if found is None:
        raise GitError("--commit needs git, and no git is on PATH")
    return os.path.realpath(found)


@dataclass(frozen=True)
class Git:
    """One repository, driven by one git executable."""

    executable: str
    top: Path

    def run(
        self,
        *args: str,
        stdin: bytes | None = None,
        env: Mapping[str, str] | None = None,
        check: bool = True,
    ) -> str:
        """``git ARGS`` in the repository; its stdout; GitError with stderr on failure."""
        full_env = {k: v for k, v in os.environ.items() if k not in _GIT_ENV_DROPPED}
        full_env.update({"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"})
        full_env.update(env or {})
        proc = subprocess.run(
            [self.executable, "-C", str(self.top), *args],
            input=stdin,
            capture_output=True,
            env=full_env,
            timeout=60,
            check=False,
        )
        if check and proc.returncode != 0:
            message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise GitError(f"git {args[0]} failed: {message[-1] if message else proc.returncode}")
        return proc.stdout.decode("utf-8", "replace").strip()


def open_repository(folder: Path, executable: str | None = None) -> Git:
    """The repository ``folder`` is in; GitError when it is in none (blocking)."""
    git = executable or find_git()
    proc = subprocess.run(
        [git, "-C", str(folder), "rev-parse", "--show-toplevel"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if proc.returncode != 0:
        raise GitError(f"--commit: {folder} is not in a git repository")
    return Git(git, Path(proc.stdout.strip()))


def commit_files(repo: Git, files: Sequence[tuple[Path, bytes]], branch: str, message: str) -> str:
    """Commit ``files`` (path, the bytes written) on a new ``branch``; its sha (blocking)."""
    head = repo.run("rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
    identity = () if repo.run("config", "user.email", check=False) else FALLBACK_IDENTITY
    with tempfile.TemporaryDirectory(prefix="regoose-git-") as scratch:
        env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        repo.run("read-tree", *([head] if head else ["--empty"]), env=env)
        for path, data in files:
            try:
                relative = path.resolve().relative_to(repo.top.resolve()).as_posix()
            except ValueError:
                raise GitError(f"--commit: {path} is outside the repository {repo.top}") from None
            blob = repo.run("hash-object", "-w", "--stdin", stdin=data)
            repo.run("update-index", "--add", "--cacheinfo", f"100644,{blob},{relative}", env=env)
        tree = repo.run("write-tree", env=env)
    parents = ("-p", head) if head else ()
    sha = repo.run(*identity, "commit-tree", tree, *parents, "-m", message)
    # The empty old value makes git refuse when the branch exists already.
    repo.run("update-ref", "-m", "regoose --commit", f"refs/heads/{branch}", sha, "")
    return sha


async def delete_branch(top: Path, branch: str, sha: str) -> tuple[bool | None, str]:
    """Delete ``branch`` only while it still points at ``sha`` and is not checked out.

    ``(True, what)`` when deleted, ``(None, what)`` when already gone, ``(False, why)``
    when left alone.
    """

    def work() -> tuple[bool | None, str]:
        try:
            repo = open_repository(top)
        except GitError as error:
            return False, f"{error.msg}; left alone"
        ref = f"refs/heads/{branch}"
        current = repo.run("rev-parse", "--verify", "--quiet", ref, check=False)
        if not current:
            return None, "already gone"
        if current != sha:
            return False, "has new commits since; left alone"
        if repo.run("symbolic-ref", "--quiet", "HEAD", check=False) == ref:
            return False, "is checked out; left alone"
        repo.run("update-ref", "-d", ref, sha)
        return True, "deleted (it still pointed at the session's commit)"

    return await asyncio.to_thread(work)
