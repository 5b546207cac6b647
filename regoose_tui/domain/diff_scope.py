"""``--diff REF``: the functions and methods that changed since a git revision.

``git diff -U0 REF -- FILES`` lists the changed lines of each file (the
new side of every hunk; a pure deletion marks the lines around it); each
line maps onto the innermost function or method holding it in the current
source (``ast``). Files git does not track yet count as changed throughout.
git is found with ``shutil.which`` and run with a list argv, no shell, and a
timeout; every failure is one UsageError that says what git said.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

from regoose_tui.domain.defs import callable_at, definitions
from regoose_tui.errors import UsageError

#: Seconds one git command may take.
GIT_TIMEOUT_SECONDS = 30.0
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def _git(argv: Sequence[str], cwd: Path) -> str:
    git = shutil.which("git")
    if git is None:
        raise UsageError("--diff needs git, and no git is on PATH")
    try:
        done = subprocess.run(
            [git, *argv],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise UsageError(f"git {argv[0]} did not finish in {GIT_TIMEOUT_SECONDS:.0f} s") from None
    except OSError as exc:
        raise UsageError(f"cannot run git: {exc.strerror}") from None
    if done.returncode != 0:
        said = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        raise UsageError(f"git {' '.join(argv[:2])} failed: {said}")
    return done.stdout


def repo_root(path: Path) -> Path:
    """The top of the git work tree holding ``path``."""
    folder = path if path.is_dir() else path.parent
    return Path(_git(["rev-parse", "--show-toplevel"], folder).strip()).resolve()


def parse_hunks(diff: str, top: Path) -> dict[Path, set[int]]:
    """Changed line numbers (new side) per file of a ``git diff -U0`` output."""
    changed: dict[Path, set[int]] = {}
    current: set[int] | None = None
    for line in diff.splitlines():
        if line.startswith("+++ "):
            name = line[4:].strip()
            if name == "/dev/null":
                current = None  # the file is gone: nothing of it to test
                continue
            name = name.removeprefix("b/")
            current = changed.setdefault((top / name).resolve(), set())
            continue
        found = _HUNK.match(line)
        if found and current is not None:
            start, count = int(found.group(1)), int(found.group(2) or "1")
            if count == 0:
                # Lines removed after ``start``: the code on both sides of the cut changed.
                current.update({start, start + 1})
            else:
                current.update(range(start, start + count))
    return changed


def changed_lines(ref: str, paths: Sequence[Path]) -> dict[Path, set[int] | None]:
    """Changed lines per file since ``ref``; None for a file git does not track (all new).

    Blocking (runs git): call it in a thread.
    """
    if not paths:
        return {}
    if ref.startswith("-"):
        raise UsageError(f"--diff {ref}: not a git revision")
    top = repo_root(paths[0])
    names = [str(path) for path in paths]
    diff = _git(["diff", "-U0", "--no-color", "--no-ext-diff", ref, "--", *names], top)
    changed: dict[Path, set[int] | None] = dict(parse_hunks(diff, top))
    untracked = _git(["ls-files", "--others", "--exclude-standard", "--", *names], top)
    for name in untracked.splitlines():
        if name.strip():
            changed[(top / name.strip()).resolve()] = None
    return changed


def changed_names(source: str, lines: Iterable[int] | None) -> tuple[str, ...]:
    """The functions and methods of ``source`` holding any of ``lines`` (None: all of them)."""
    defs = definitions(source)
    if lines is None:
        return tuple(d.qualname for d in defs if d.kind != "class")
    hit = {d.qualname for line in lines if (d := callable_at(defs, line)) is not None}
    return tuple(d.qualname for d in defs if d.qualname in hit)
