"""The solver step: CrossHair, sandboxed, solves for the branches random sampling misses.

``unlock`` opens only for ``x * 7 + 3 == 2026 and y - x == 11`` (x=289, y=300):
no pool or mutation of the probe rounds finds that pair, CrossHair does, and
the probe confirms it under coverage before a test keeps it. A function the
solver cannot finish costs its own box, a solver that blocks the alarm is
killed at the command's deadline, and a module the sampling already covers
never starts it.
"""

from __future__ import annotations

import ast
import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from synth_samples import make_target, sandbox_for

from regoose_tui.domain.target import TargetModule
from regoose_tui.runtime import python_env
from regoose_tui.runtime.bwrap import BwrapRuntime
from regoose_tui.runtime.python_env import resolve_python
from regoose_tui.synth import crosshair_solve
from regoose_tui.synth.crosshair_solve import (
    SolverOutcome,
    SolverTarget,
    answer_args,
    solve,
    usable,
)
from regoose_tui.synth.engine import SynthResult, synthesize
from regoose_tui.synth.model import Callee, Param
from regoose_tui.synth.pools import SymbolTable
from regoose_tui.synth.probe import Prober

pytestmark = pytest.mark.bwrap

LOCK = '''
from __future__ import annotations


def unlock(x: int, y: int) -> str:
    """A combination lock."""
    if x * 7 + 3 == 2026 and y - x == 11:
        return "open"
    return "shut"


class Vault:
    """The same lock as a method: CrossHair runs it on a copy of a probed instance."""

    def __init__(self, owner: str = "ann") -> None:
        self.owner = owner
        self.opened = 0

    def unlock(self, pin: int, salt: int, note=None) -> str:
        if pin * 3 - 1 == 2024 and salt + pin == 1000:
            self.opened += 1
            return "open"
        return "shut"


def echo(text: str) -> str:
    if text == "ping":
        return "pong"
    return text
'''

HARD = '''
def unlock(x: int, y: int) -> str:
    if x * 7 + 3 == 2026 and y - x == 11:
        return "open"
    return "shut"


def churn(n: int, m: int) -> int:
    """Collatz steps: every step forks the symbolic search, it never runs out of paths."""
    steps = 0
    while n > 1 and steps < 10_000:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    if steps == m and m > 97:
        return -1
    return steps
'''

#: Blocks SIGALRM, so it also hangs the probe: kept out of the generation tests.
STUBBORN = '''
import signal


def unlock(x: int, y: int) -> str:
    if x * 7 + 3 == 2026 and y - x == 11:
        return "open"
    return "shut"


def stubborn(n: int) -> int:
    """Blocks the alarm that ends a box, then spins: only the sandbox's deadline stops it."""
    if n == 4242:
        return 1
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    while True:
        pass
'''

COVERED = """
def sign(x: int) -> str:
    if x < 0:
        return "negative"
    return "positive"
"""

UNTYPED = """
def knot(a, b):
    if a * 3 == b + 1000001 and b > 77777:
        return "tied"
    return "loose"
"""


def _bwrap() -> BwrapRuntime:
    available = BwrapRuntime.availability()
    if not available.usable:
        if os.environ.get("REGOOSE_ALLOW_NO_BWRAP") == "1":
            pytest.skip(f"bubblewrap unusable: {available.reason}")
        pytest.fail(f"bubblewrap is required for these tests: {available.reason}")
    return BwrapRuntime()


def _generate(
    tmp: Path, module: str, source: str, *, budget: float = 30, seed: int | None = 0
) -> tuple[SynthResult, list[str]]:
    target = make_target(tmp, module, source)
    said: list[str] = []
    result = asyncio.run(
        synthesize(
            target,
            sandbox_for(_bwrap(), target, tmp / "sandbox"),
            python=sys.executable,
            budget_seconds=budget,
            work_dir=tmp / "work",
            progress=said.append,
            seed=seed,
        )
    )
    return result, said


@pytest.fixture
def no_crosshair(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An installation without CrossHair: its distribution is not found."""
    python_env.solver_shim_dir.cache_clear()
    monkeypatch.setattr(python_env, "_SOLVER_DISTRIBUTIONS", ("crosshair-tool-not-installed",))
    yield
    monkeypatch.undo()
    python_env.solver_shim_dir.cache_clear()


@pytest.fixture(scope="module")
def lock_suite(tmp_path_factory: pytest.TempPathFactory) -> tuple[SynthResult, list[str]]:
    return _generate(tmp_path_factory.mktemp("lock"), "lockbox", LOCK)


def test_crosshair_solves_the_combination_and_a_test_keeps_it(lock_suite) -> None:
    result, said = lock_suite
    assert 'unlock(289, 300) == "open"' in result.test_source
    # The method, on the instance the probe built (its untyped ``note`` keeps its default).
    assert "vault.unlock(675, 325)" in result.test_source
    assert result.branch_percent == 100.0
    assert any(line.startswith("asking CrossHair for inputs of 2 functions") for line in said)
    # ``echo`` was finished by sampling: only the two locks went to the solver.
    assert any(line.startswith("CrossHair: ") and "for 2 functions" in line for line in said)


def test_the_tests_hold_plain_literals_and_never_import_crosshair(lock_suite) -> None:
    result, _ = lock_suite
    tree = ast.parse(result.test_source)
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert "crosshair" not in imported and "z3" not in imported
    assert "crosshair" not in result.test_source.lower()


def test_without_crosshair_the_branch_stays_missed_and_one_line_says_so(
    tmp_path: Path, no_crosshair: None
) -> None:
    result, said = _generate(tmp_path, "lockbox_bare", LOCK)
    assert '"open"' not in result.test_source
    assert result.branch_percent is not None and result.branch_percent < 100.0
    notes = [line for line in said if "CrossHair" in line and "not installed" in line]
    assert notes == ["CrossHair: not installed, the solver step is skipped"]


def test_a_module_sampling_covers_never_starts_the_solver(tmp_path: Path) -> None:
    result, said = _generate(tmp_path, "signs", COVERED, budget=20)
    assert result.branch_percent == 100.0
    assert not [line for line in said if "CrossHair" in line]


def test_unannotated_parameters_are_skipped_with_one_line_saying_why(tmp_path: Path) -> None:
    result, said = _generate(tmp_path, "knots", UNTYPED, budget=20)
    assert '== "tied"' not in result.test_source
    notes = [line for line in said if "CrossHair" in line]
    assert notes == [
        "CrossHair skips 1 functions: parameters without annotations CrossHair can use (knot)"
    ]


# ------------------------------------------------------------- the solver on its own


def _callee(name: str, *params: tuple[str, str]) -> Callee:
    return Callee(
        key=name,
        kind="function",
        symbol=name,
        name=name,
        params=[Param(n, "POSITIONAL_OR_KEYWORD", False, {"k": k}) for n, k in params],
    )


def _prober(tmp: Path, target: TargetModule, python: str, budget: float = 60.0) -> Prober:
    work = tmp / "work"
    work.mkdir()
    return Prober(
        _bwrap(), target, python=python, work_dir=work, deadline=time.monotonic() + budget
    )


def _solve(
    tmp: Path,
    callees: list[Callee],
    seconds: float,
    seeded: bool = False,
    source: str = HARD,
    python: str = sys.executable,
) -> tuple[SolverOutcome, float]:
    tmp.mkdir(exist_ok=True)
    target = make_target(tmp, "hard_kit", source)
    started = time.monotonic()
    prober = _prober(tmp, target, python)
    targets = [SolverTarget(c, c.key) for c in callees]
    outcome = asyncio.run(solve(prober, targets, seconds=seconds, seeded=seeded))
    return outcome, time.monotonic() - started


def _values(outcome: SolverOutcome, key: str) -> list[dict[str, Any]]:
    return [
        {name: ast.literal_eval(item["src"]) for name, item in answer.items()}
        for answer in outcome.answers.get(key, [])
    ]


def test_a_function_the_solver_cannot_finish_ends_at_its_box(tmp_path: Path) -> None:
    unlock = _callee("unlock", ("x", "int"), ("y", "int"))
    churn = _callee("churn", ("n", "int"), ("m", "int"))
    outcome, wall = _solve(tmp_path, [churn, unlock], seconds=6.0)
    # 6 s for two functions: 3 s each. ``churn`` used its box, ``unlock`` still got solved.
    assert outcome.ends["churn"] == "deadline"
    assert outcome.ends["unlock"] == "explored"
    assert {"x": 289, "y": 300} in _values(outcome, "unlock")
    assert wall < 6.0 + 8.0  # the boxes, plus starting the sandbox and loading z3


def test_a_solver_that_blocks_the_alarm_is_killed_at_the_deadline(tmp_path: Path) -> None:
    unlock = _callee("unlock", ("x", "int"), ("y", "int"))
    stubborn = _callee("stubborn", ("n", "int"))
    outcome, wall = _solve(tmp_path, [unlock, stubborn], seconds=4.0, source=STUBBORN)
    # Killed by the sandbox's wall limit; what was written before the kill is kept.
    assert outcome.note == "stopped at its deadline"
    assert "stubborn" not in outcome.ends
    assert {"x": 289, "y": 300} in _values(outcome, "unlock")
    assert wall < 4.0 + 4.0 + 5.0  # the step's seconds, its load allowance, sandbox start


def _processes_mentioning(text: str) -> list[str]:
    """Command lines of live processes that mention ``text`` (a test's own tmp folder)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if text in argv:
            found.append(argv)
    return found


def test_cancelling_the_step_kills_the_sandboxed_solver(tmp_path: Path) -> None:
    target = make_target(tmp_path, "hard_kit", STUBBORN)
    prober = _prober(tmp_path, target, sys.executable)
    stubborn = _callee("stubborn", ("n", "int"))

    async def cancel_midway() -> float:
        task = asyncio.create_task(
            solve(prober, [SolverTarget(stubborn, "stubborn")], seconds=60.0, seeded=False)
        )
        await asyncio.sleep(4.0)  # long enough to load z3 and reach the spin
        assert _processes_mentioning(str(tmp_path / "work"))
        started = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return time.monotonic() - started

    assert asyncio.run(cancel_midway()) < 5.0
    assert _processes_mentioning(str(tmp_path / "work")) == []


def test_seeded_solving_gives_the_same_answers_in_the_same_order(tmp_path: Path) -> None:
    unlock = _callee("unlock", ("x", "int"), ("y", "int"))
    churn = _callee("churn", ("n", "int"), ("m", "int"))
    first, _ = _solve(tmp_path / "a", [unlock, churn], seconds=6.0, seeded=True)
    again, _ = _solve(tmp_path / "b", [unlock, churn], seconds=6.0, seeded=True)
    assert first.answers == again.answers and first.answers["unlock"]
    # Only searches that ended by their path count are kept: a clock cut could differ.
    assert all(first.ends[label] == "explored" for label in first.answers)


def test_a_seeded_generation_writes_the_same_bytes_again(lock_suite, tmp_path: Path) -> None:
    result, _ = lock_suite
    again, said = _generate(tmp_path, "lockbox", LOCK)
    assert any(line.startswith("asking CrossHair") for line in said)
    assert again.test_source == result.test_source


def test_a_generation_with_an_endless_solver_still_ends_within_its_budget(
    tmp_path: Path,
) -> None:
    result, said = _generate(tmp_path, "hard_gen", HARD, budget=30, seed=None)
    assert result.wall_seconds <= 30 * 1.1
    assert any(line.startswith("asking CrossHair") for line in said)
    assert 'unlock(289, 300) == "open"' in result.test_source


def test_a_crosshair_that_does_not_load_in_the_sandbox_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The target's own interpreter lacks CrossHair (a fresh venv) and the links folder holds
    # nothing that imports there (as a CrossHair built for another Python would not).
    bare = tmp_path / "bare-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    python = resolve_python(explicit=bare / "bin" / "python")
    empty = tmp_path / "empty-shim"
    empty.mkdir()
    monkeypatch.setattr(crosshair_solve, "solver_shim_dir", lambda: empty)
    unlock = _callee("unlock", ("x", "int"), ("y", "int"))
    outcome, _ = _solve(tmp_path, [unlock], 4.0, python=str(python.executable))
    assert outcome.answers == {}
    assert outcome.note.startswith("does not load here (ModuleNotFoundError")


# ------------------------------------------------------------- what suits the solver


def test_usable_asks_for_annotations_and_no_receiver() -> None:
    assert usable(_callee("f", ("x", "int"))) is None
    assert usable(_callee("f", ("x", "none"))) == (
        "parameters without annotations CrossHair can use"
    )
    assert usable(_callee("f", ("x", "any"))) is not None
    assert usable(_callee("f")) == "takes no arguments"
    method = _callee("m", ("x", "int"))
    method.kind = "method"
    assert usable(method) == "no instance to call it on"


def test_answers_become_pool_values_or_nothing() -> None:
    symbols = SymbolTable()
    callee = _callee("unlock", ("x", "int"), ("y", "int"))
    item = {"src": "289", "imports": [], "needs": []}
    args = answer_args(
        callee, {"x": item, "y": {"src": "300", "imports": [], "needs": []}}, symbols
    )
    assert args is not None and args["x"].obj == 289 and args["y"].src == "300"
    # A required parameter without a value, or a name the callee does not take: no call.
    assert answer_args(callee, {"x": item}, symbols) is None
    assert answer_args(callee, {"x": item, "z": item}, symbols) is None
