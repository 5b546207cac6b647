"""The script one sandboxed verification runs: pytest, its reruns and coverage, one process.

It is staged as a read-only input and run by the sandbox's interpreter
(``python verify_driver.py OUT TEST_FILE TARGET_FILE PASSES COVER ALONE``), so it
imports nothing of Regoose's and only the standard library, pytest and
coverage.py, which the sandbox has. coverage.py is started in-process before
pytest imports anything; the collected tests run ``PASSES`` times in one
session (the first pass in file order, measured, then shuffled with fixed
seeds and unmeasured, so an order dependence shows at once at little cost);
with ALONE "1", every test first runs
by itself in a fork of the freshly collected session (a test that passes
only after another one fails there). Each test's outcome per pass and the
coverage JSON are written to OUT. One interpreter start instead of a
``coverage run`` per pass plus a ``coverage json``.
"""

SCRIPT = r'''
import json
import os
import random
import sys
import time

out_dir, test_file, target_file, passes, cover = sys.argv[1:6]
alone = len(sys.argv) > 6 and sys.argv[6] == "1" and hasattr(os, "fork")
passes = max(1, int(passes))
#: Longest one test may take when run alone, before its child is killed.
ALONE_SECONDS = 30.0
#: Tests run alone at the same time (each in its own forked child).
ALONE_AT_ONCE = 4
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
        if alone:
            # Before any pass: each child starts from the freshly collected session.
            for nodeid, seen in run_alone(self, items).items():
                self.outcomes.setdefault(nodeid, []).extend(seen)
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


def run_alone(plugin, items):
    """Run each item by itself in a forked copy of the collected session; their outcomes.

    Each child starts from the state right after collection (the module under
    test imported, no test run yet), runs its one test and exits: exactly the
    test alone in its own session, for the price of a fork. A few children run
    at once. Each failing outcome is marked "alone: " so the host can say why
    the test went.
    """
    results = {}
    waiting = list(enumerate(items))
    running = {}
    while waiting or running:
        while waiting and len(running) < ALONE_AT_ONCE:
            index, item = waiting.pop(0)
            path = os.path.join(out_dir, "alone-%d.json" % index)
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    if cov is not None:
                        cov.stop()  # the child's arcs are never saved: no tracing costs
                    plugin.outcomes = {}
                    item.config.hook.pytest_runtest_protocol(item=item, nextitem=None)
                    with open(path, "w", encoding="utf-8") as handle:
                        json.dump(plugin.outcomes, handle)
                    code = 0
                finally:
                    os._exit(code)
            running[pid] = (item, path, time.monotonic() + ALONE_SECONDS)
        for pid, (item, path, deadline) in list(running.items()):
            done, _ = os.waitpid(pid, os.WNOHANG)
            if not done and time.monotonic() > deadline:
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                done = pid
            if done:
                del running[pid]
                for nodeid, seen in _alone_outcomes(item, path).items():
                    results.setdefault(nodeid, []).extend(seen)
        if running:
            time.sleep(0.002)
    return results


def _alone_outcomes(item, path):
    try:
        with open(path, encoding="utf-8") as handle:
            seen = json.load(handle)
        os.unlink(path)
    except (OSError, ValueError):
        seen = {item.nodeid: [["failed", "did not finish"]]}
    marked = {}
    for nodeid, entries in seen.items():
        marked[nodeid] = [
            [kind, "alone: " + message if kind == "failed" else message]
            for kind, message in entries
        ]
    return marked or {item.nodeid: [["failed", "alone: no outcome reported"]]}


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
