"""Run the rendered module with pytest (under coverage.py when present) in the sandbox.

One sandboxed process per verification: pytest runs the module in-process
under coverage.py, the same session runs the tests again in shuffled order
(``passes``), and writes its outcomes and the coverage JSON (verify_driver.py).

Nothing the sandbox could write is trusted: the module is staged read-only,
reports are read with capped no-follow reads off the event loop.

The engine calls ``run_suite`` until every test passes: failing tests are cut
out of the module and the rest rerun. The coverage figures reported with the
result come from the last (all-green) run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from regoose_tui.runtime.safe_io import UnsafeResultFile, read_result_bytes_async
from regoose_tui.synth.probe import Prober
from regoose_tui.synth.verify_driver import SCRIPT

_DRIVER = "verify_driver.py"
#: How the driver marks a failure of a test run by itself.
_ALONE = "alone: "

#: Cap on junit.xml and coverage.json of one generated module's run.
_REPORT_CAP = 64 * 1024**2


@dataclass
class SuiteRun:
    """Outcome of one pytest run of the generated module."""

    passed: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)
    collected: int = 0
    line_percent: float | None = None
    branch_percent: float | None = None
    missing_lines: list[int] = field(default_factory=list)
    missing_branches: list[tuple[int, int]] = field(default_factory=list)
    error: str = ""
    wall_seconds: float = 0.0


async def run_suite(
    prober: Prober,
    source: str,
    *,
    target_file: str,
    with_coverage: bool,
    wall: float,
    filename: str = "test_generated.py",
    passes: int = 1,
    alone: bool = False,
) -> SuiteRun:
    """Stage ``source`` in a fresh read-only folder and run it ``passes`` times in the sandbox.

        One sandboxed interpreter does it all (synth/verify_driver.py): coverage.py
        started in-process, one pytest session whose collected tests run once in
        file order and then in shuffled orders (with ``alone``, each test first by
    itself in a fork of the collected session), and the coverage JSON. A test that
        fails in any pass is failed. The module, its ini file and the driver are
        inputs (the sandbox only reads them); the reports land in a fresh output
        folder, read back with capped no-follow reads; every folder is removed.
    """
    # An ini file of our own keeps the user's pytest config (addopts, plugins) out.
    inputs = await prober.stage_inputs(
        {"pytest.ini": "[pytest]\n", filename: source, _DRIVER: SCRIPT}
    )
    out = await prober.output_folder()
    try:
        argv = [
            prober.python,
            str(inputs / _DRIVER),
            str(out),
            str(inputs / filename),
            target_file,
            str(max(1, passes)),
            "1" if with_coverage else "0",
            "1" if alone else "0",
        ]
        result = await prober.run_argv(
            argv, wall=wall, label="pytest generated tests", out_dir=out, read_only=(inputs,)
        )
        run = SuiteRun(wall_seconds=result.wall_seconds)
        try:
            report = await read_result_bytes_async(
                out / "verify.json", max_bytes=_REPORT_CAP, name="verify.json"
            )
        except FileNotFoundError:
            run.error = (result.stdout + result.stderr)[-2000:] or "pytest produced no report"
            return run
        except UnsafeResultFile as exc:
            run.error = str(exc)
            return run
        _read_outcomes(report, run)
        if with_coverage and not run.error:
            try:
                data = await read_result_bytes_async(
                    out / "coverage.json", max_bytes=_REPORT_CAP, name="coverage.json"
                )
            except (FileNotFoundError, UnsafeResultFile) as exc:
                # No figures rather than wrong ones; say why when the file was refused.
                if isinstance(exc, UnsafeResultFile):
                    run.error = str(exc)
                return run
            _read_coverage(data, run)
        return run
    finally:
        await prober.discard(inputs, out)


def _read_outcomes(report: bytes, run: SuiteRun) -> None:
    """Fill ``run`` from the driver's verify.json (written in the sandbox: shape-checked)."""
    try:
        data = json.loads(report.decode("utf-8", "replace"))
        outcomes = data.get("outcomes", {})
        errors = data.get("errors", [])
        run.collected = int(data.get("collected", 0))
        if not isinstance(outcomes, dict) or not isinstance(errors, list):
            raise TypeError("unexpected report shape")
    except (ValueError, TypeError, AttributeError) as exc:
        run.error = f"unreadable verification report: {exc}"
        return
    if errors:
        run.error = "the generated module failed to collect: " + str(errors[0])[-500:]
        return
    for nodeid, seen in outcomes.items():
        name = _test_name(str(nodeid))
        kinds = [str(entry[0]) for entry in seen if isinstance(entry, list) and entry]
        if "failed" in kinds:
            first = next(e for e in seen if isinstance(e, list) and e and e[0] == "failed")
            message = str(first[1]) if len(first) > 1 else ""
            if message.startswith(_ALONE):
                message = f"fails when run alone: {message[len(_ALONE) :]}"
            elif "passed" in kinds:
                message = f"flaky across {len(kinds)} runs in shuffled order: {message}"
            run.failed[name] = message[:500]
        elif kinds and all(kind == "passed" for kind in kinds):
            run.passed.add(name)


def _test_name(nodeid: str) -> str:
    """``test_generated.py::TestX::test_y[1]`` -> ``TestX::test_y`` (the suite editor's name)."""
    return nodeid.split("::", 1)[-1].split("[")[0]


def _read_coverage(report: bytes, run: SuiteRun) -> None:
    try:
        data = json.loads(report.decode("utf-8", "replace"))
        _coverage_figures(data, run)
    except (ValueError, TypeError, AttributeError, ZeroDivisionError):
        # Written in the sandbox, so possibly not coverage.py's shape: no figures then.
        run.line_percent = run.branch_percent = None


def _coverage_figures(data: dict[str, Any], run: SuiteRun) -> None:
    totals = data.get("totals", {})
    statements = totals.get("num_statements", 0)
    branches = totals.get("num_branches", 0)
    if statements:
        run.line_percent = round(100.0 * totals.get("covered_lines", 0) / statements, 1)
    run.branch_percent = (
        round(100.0 * totals.get("covered_branches", 0) / branches, 1) if branches else 100.0
    )
    for info in data.get("files", {}).values():
        run.missing_lines = sorted(info.get("missing_lines", []))
        run.missing_branches = [tuple(b) for b in info.get("missing_branches", [])]
