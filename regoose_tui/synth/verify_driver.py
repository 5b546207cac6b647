"""The script one sandboxed verification runs: pytest, its reruns and coverage, one process.

It is staged as a read-only input and run by the sandbox's interpreter
(``python verify_driver.py OUT TEST_FILE TARGET_FILE PASSES COVER ALONE SEED``), so
it imports nothing of Regoose's but the keep-rule plugin staged beside it
(runtime/keep_plugin.py, also stdlib + pytest + coverage only). coverage.py is
started in-process before pytest imports anything.

With PASSES > 1 the run follows the validator's keep session to the letter:
the same plugin (``-p regoose_keep_plugin``) makes every test PASSES test cases,
runs them round by round, each round shuffled from SEED, switches coverage.py's
context to each test in round 1 and stops measuring after it. The per-test arcs
and every executed arc are written beside the coverage JSON, so the host can
hand this run to the validator as its keep session (synth/verify.py) instead
of running the same module again. With PASSES 1 the tests run once, in file order.

With ALONE "1", every test (its round-1 case) runs by itself in a fork of the
freshly collected session (a test that passes only after another one fails
there): one child forked before the first pass forks those, a few at a time,
untraced, while the parent runs the passes (two cores: both at once).
Each test's outcome per pass, the forks' outcomes and the coverage reports are
written to OUT. One interpreter start instead of a pytest run per pass plus a
``coverage json``.
"""

SCRIPT = r'''
import json
import os
import re
import sys
import time

out_dir, test_file, target_file, passes, cover = sys.argv[1:6]
alone = len(sys.argv) > 6 and sys.argv[6] == "1" and hasattr(os, "fork")
seed = sys.argv[7] if len(sys.argv) > 7 else "0"
passes = max(1, int(passes))
#: More than one pass: the keep-rule plugin makes them, exactly as in the keep session.
keep = passes > 1
if keep:
    os.environ["REGOOSE_KEEP_ROUNDS"] = str(passes)
    os.environ["REGOOSE_KEEP_SEED"] = seed
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
        self.alone = {}
        self.errors = []
        self.collected = 0

    def pytest_collectreport(self, report):
        if report.failed:
            self.errors.append(str(report.longrepr)[-2000:])

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session):
        items = list(session.items)
        # The plugin pytest loaded by -p (imported by pytest, so its asserts are rewritten).
        rules = session.config.pluginmanager.get_plugin("regoose_keep_plugin") if keep else None
        firsts = [item for item in items if rules is None or rules._round_of(item) == 1]
        self.collected = len(firsts)
        if self.errors:
            return True
        # Before any pass: each test alone starts from the freshly collected session,
        # in a fork taken now; the passes run meanwhile, here.
        zygote = start_alone(self, firsts) if alone else None
        try:
            if keep:
                # The plugin ordered the cases round by round; it stops coverage after round 1.
                run_pass(items)
                return True
            for number in range(passes):
                run_pass(items)
                if number == 0 and cov is not None:
                    # The first pass measured every test; the reruns only check they pass.
                    cov.stop()
            return True
        finally:
            if zygote is not None:
                self.alone = finish_alone(zygote, firsts)

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
        entry = [outcome, message[:500], round(float(report.duration), 6)]
        self.outcomes.setdefault(report.nodeid, []).append(entry)


def run_pass(order):
    for index, item in enumerate(order):
        following = order[index + 1] if index + 1 < len(order) else None
        item.config.hook.pytest_runtest_protocol(item=item, nextitem=following)


def start_alone(plugin, items):
    """Fork the child that runs each test alone (``run_alone``); its pid.

    It is forked before any test ran, with coverage.py paused (a child forked
    while it traces runs several times slower, and its arcs are never kept),
    and writes what its own children saw to OUT/alone.json.
    """
    if cov is not None:
        cov.stop()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            results = run_alone(plugin, items)
            with open(os.path.join(out_dir, "alone.json"), "w", encoding="utf-8") as handle:
                json.dump(results, handle)
            code = 0
        finally:
            os._exit(code)
    if cov is not None:
        cov.start()
    return pid


def finish_alone(pid, items):
    """Wait for the child ``start_alone`` forked; each test's outcomes by itself."""
    os.waitpid(pid, 0)
    try:
        with open(os.path.join(out_dir, "alone.json"), encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {item.nodeid: [["failed", "alone: no outcome reported"]] for item in items}


def run_alone(plugin, items):
    """Run each item by itself in a forked copy of the collected session; their outcomes.

    Each child starts from the state right after collection (the module under
    test imported, no test run yet), runs its one test and exits: exactly the
    test alone in its own session, for the price of a fork. A few children run
    at once. Each failing outcome is marked "alone: " so the host can say why
    the test went. Runs in the child ``start_alone`` forked, coverage.py paused.
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
            [kind, "alone: " + message if kind == "failed" else message, *rest]
            for kind, message, *rest in entries
        ]
    return marked or {item.nodeid: [["failed", "alone: no outcome reported"]]}


def arcs_by_context(data):
    """Each test's arcs of the target (by coverage context) and every executed arc."""
    files = list(data.measured_files())
    by_test = {}
    for context in sorted(data.measured_contexts()):
        if not context:
            continue  # import time and collection: nobody's test
        data.set_query_contexts(["^" + re.escape(context) + "$"])
        arcs = set()
        for name in files:
            arcs.update(data.arcs(name) or ())
        by_test[context] = sorted(arcs)
    data.set_query_contexts(None)
    executed = sorted({arc for name in files for arc in (data.arcs(name) or ())})
    return {"by_test": by_test, "executed": executed}


plugin = Passes()
code = pytest.main(
    [
        "-q",
        "-p", "no:cacheprovider",
        "-p", "no:randomly",
        *(["-p", "regoose_keep_plugin"] if keep else []),
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
        if keep:
            with open(os.path.join(out_dir, "arcs.json"), "w", encoding="utf-8") as handle:
                json.dump(arcs_by_context(cov.get_data()), handle)
    except Exception:
        pass
result = {
    "exit": int(code),
    "collected": plugin.collected,
    "passes": passes,
    "seed": seed,
    "outcomes": plugin.outcomes,
    "alone": plugin.alone,
    "errors": plugin.errors,
}
with open(os.path.join(out_dir, "verify.json"), "w", encoding="utf-8") as handle:
    json.dump(result, handle)
# Everything is written: the interpreter's own teardown (hundreds of modules, the code
# under test's atexit hooks) would only delay the host noticing the end.
sys.stdout.flush()
sys.stderr.flush()
os._exit(0)
'''
