"""The script one sandboxed verification runs: pytest, its reruns and coverage, one process.

It is staged as a read-only input and run by the sandbox's interpreter
(``python verify_driver.py OUT TEST_FILE TARGET_FILE PASSES COVER``), so it
imports nothing of Regoose's and only the standard library, pytest and
coverage.py, which the sandbox has. coverage.py is started in-process before
pytest imports anything; the collected tests run ``PASSES`` times in one
session (the first pass in file order, measured, then shuffled with fixed
seeds and unmeasured, so an order dependence shows at once at little cost);
each test's outcome per pass and the
coverage JSON are written to OUT. One interpreter start instead of a
``coverage run`` per pass plus a ``coverage json``.
"""

SCRIPT = r'''
import json
import os
import random
import sys

out_dir, test_file, target_file, passes, cover = sys.argv[1:6]
passes = max(1, int(passes))
cov = None
if cover == "1":
    try:
        import coverage

        cov = coverage.Coverage(branch=True, include=[target_file], data_file=None)
        cov.start()
    except Exception:
        cov = None

import pytest  # noqa: E402  (after coverage started, so the target's import is measured)


class Passes:
    """Runs the collected items ``passes`` times and records every outcome."""

    def __init__(self):
        self.outcomes = {}
        self.errors = []
        self.collected = 0

    def pytest_collectreport(self, report):
        if report.failed:
            self.errors.append(str(report.longrepr)[-2000:])

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session):
        items = list(session.items)
        self.collected = len(items)
        if self.errors:
            return True
        for number in range(passes):
            order = items if number == 0 else random.Random(number).sample(items, len(items))
            for index, item in enumerate(order):
                following = order[index + 1] if index + 1 < len(order) else None
                item.config.hook.pytest_runtest_protocol(item=item, nextitem=following)
            if number == 0 and cov is not None:
                # The first pass measured every test; the reruns only check they pass.
                cov.stop()
        return True

    def pytest_runtest_logreport(self, report):
        if report.when != "call" and report.passed:
            return
        if report.when == "teardown" and not report.failed:
            return
        message = ""
        if report.failed:
            crash = getattr(report.longrepr, "reprcrash", None)
            message = crash.message if crash is not None else str(report.longrepr)[-500:]
        outcome = "skipped" if report.skipped else ("failed" if report.failed else "passed")
        self.outcomes.setdefault(report.nodeid, []).append([outcome, message[:500]])


plugin = Passes()
code = pytest.main(
    [
        "-q",
        "-p", "no:cacheprovider",
        "-p", "no:randomly",
        "--rootdir", os.path.dirname(test_file),
        "-c", os.path.join(os.path.dirname(test_file), "pytest.ini"),
        test_file,
    ],
    plugins=[plugin],
)
if cov is not None:
    cov.stop()  # again: harmless when the first pass stopped it already
    try:
        cov.json_report(outfile=os.path.join(out_dir, "coverage.json"))
    except Exception:
        pass
result = {
    "exit": int(code),
    "collected": plugin.collected,
    "passes": passes,
    "outcomes": plugin.outcomes,
    "errors": plugin.errors,
}
with open(os.path.join(out_dir, "verify.json"), "w", encoding="utf-8") as handle:
    json.dump(result, handle)
'''
