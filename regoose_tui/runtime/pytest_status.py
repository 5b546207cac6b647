"""How one sandboxed pytest run ended, in one status and one sentence.

pytest's exit code, whether it wrote its JUnit report, a timeout or a
signal decide the status; the reason quotes the last meaningful output when
pytest crashed before reporting. Split from pytest_runner (which runs it).
"""

from __future__ import annotations

import re
import signal
from typing import Literal

from regoose_tui.runtime.base import RunResult
from regoose_tui.runtime.pytest_results import TestCaseResult

RunStatus = Literal["passed", "failed", "no_tests", "error", "timed_out"]

#: pytest's exit codes (pytest.ExitCode), named here so the sandboxed Python
#: need not match ours.
_EXIT_OK, _EXIT_TESTS_FAILED, _EXIT_NO_TESTS = 0, 1, 5
_EXIT_REASONS = {
    2: "pytest stopped early (errors during collection, or interrupted)",
    3: "pytest hit an internal error",
    4: "pytest rejected its command line",
}
#: Characters of combined output kept in the report.
TAIL_CHARS = 8000


def run_status(
    result: RunResult, tests: list[TestCaseResult], junit_ok: bool, refused: str = ""
) -> tuple[RunStatus, str]:
    """Classify a run from pytest's exit code and what the reports say.

    ``refused`` is why the host would not read the JUnit report (planted link,
    FIFO, over the cap): the run is an error that says so.
    """
    code = result.exit_code
    if refused:
        return "error", f"pytest's report was refused: {refused}"
    if result.timed_out:
        # Floored: the wall time includes the kill and the drain, past the limit itself.
        return "timed_out", f"pytest ran past its {int(result.wall_seconds)} s limit and was killed"
    # A signal death shows as -N from a host process and 128+N through bwrap.
    signum = -code if code is not None and code < 0 else (code or 0) - 128
    if 0 < signum <= 64:
        name = _signal_name(signum)
        return "error", f"pytest was killed by {name} (a memory, CPU or file size limit?)"
    if code == _EXIT_NO_TESTS:
        return "no_tests", "pytest collected no tests"
    if not junit_ok:
        return "error", f"pytest crashed before reporting (exit code {code}): {_last_words(result)}"
    if code == _EXIT_OK:
        return "passed", f"{len(tests)} tests passed"
    if code == _EXIT_TESTS_FAILED:
        bad = sum(1 for t in tests if t.outcome in ("failed", "error"))
        return "failed", f"{bad} of {len(tests)} tests failed or errored"
    if code is not None and code in _EXIT_REASONS:
        return "error", f"{_EXIT_REASONS[code]} (exit code {code})"
    return "error", f"pytest exited with unexpected code {code}"


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
#: coverage.py's own warnings (e.g. "No data was collected") say nothing about the crash.
_COVERAGE_NOISE = re.compile(r"CoverageWarning|self\._warn\(|coverage\.readthedocs")


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def _last_words(result: RunResult, lines: int = 4) -> str:
    """The last few meaningful output lines, without colour codes, on one line."""
    text = _ANSI.sub("", result.stdout + "\n" + result.stderr)
    kept = [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not _COVERAGE_NOISE.search(line)
    ][-lines:]
    return " | ".join(kept) if kept else "no output"


def output_tail(result: RunResult) -> str:
    text = result.stdout + (("\n" + result.stderr) if result.stderr.strip() else "")
    return text[-TAIL_CHARS:]
