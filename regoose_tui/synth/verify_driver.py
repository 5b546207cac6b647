"""The script one sandboxed verification runs: pytest, its reruns and coverage, one process.

It is staged as a read-only input and run by the sandbox's interpreter
(``python verify_driver.py OUT TEST_FILE TARGET_FILE PASSES COVER ALONE SEED [STOP EPOCH]``), so
it imports nothing of Regoose's but the keep-rule plugin staged beside it
(runtime/keep_plugin.py, also stdlib + pytest + coverage only). Run as a
script, it starts coverage.py in-process before pytest imports anything. In
a sandbox started ahead, the wrapper imports it instead and its session is
set up before the job comes (``ahead``, synth/verify_ahead.py).

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
written to OUT. An optional STOP (seconds, after SEED) is the host's deadline: no
test starts after it (a fork still running then is killed and reports nothing),
and the report says ``"cut": true``, so the tests that did run all their runs
still count (synth/verify_cut.py). With a stop time the rest of the run is
narrowed, when the pace of round 1's first cases (and again of the later rounds')
shows it cannot all run by then, to the best-ranked tests (``ranking.txt`` beside
the module, from the host) that can run all their cases; the alone runs go in
that order too. One interpreter start instead of a pytest run per pass plus a
``coverage json``.

The script is joined from parts: this module's, the alone runs'
(synth/verify_alone.py) and the session started ahead (synth/verify_ahead.py).
"""

from regoose_tui.synth.verify_ahead import AHEAD
from regoose_tui.synth.verify_alone import ALONE

_HEAD = r'''
import json
import os
import re
import sys
import time


def setup(argv):
    """The run's settings from the driver's arguments (the job's argv after the script)."""
    global out_dir, test_file, target_file, passes, cover, alone, seed, stop_seconds
    global BEGAN, stop_at, keep, RANKING
    out_dir, test_file, target_file, passes, cover = argv[:5]
    alone = len(argv) > 5 and argv[5] == "1" and hasattr(os, "fork")
    seed = argv[6] if len(argv) > 6 else "0"
    #: Seconds from now after which no further test starts (0: none): the host's deadline,
    #: so a run that cannot finish still reports every test it did run.
    stop_seconds = float(argv[7]) if len(argv) > 7 else 0.0
    #: The same stop as a wall-clock time (the host's time.time() + STOP when it sent the
    #: job): a sandbox that took its time to start does not get those seconds again.
    stop_epoch = float(argv[8]) if len(argv) > 8 else 0.0
    BEGAN = time.monotonic()
    stop_at = BEGAN + stop_seconds if stop_seconds > 0 else None
    if stop_at is not None and stop_epoch > 0:
        # ...but never less than half the planned time: a test needs some room to finish.
        stop_at = min(stop_at, BEGAN + max(stop_seconds / 2, stop_epoch - time.time()))
    passes = max(1, int(passes))
    #: More than one pass: the keep-rule plugin makes them, exactly as in the keep session.
    keep = passes > 1
    if keep:
        os.environ["REGOOSE_KEEP_ROUNDS"] = str(passes)
        os.environ["REGOOSE_KEEP_SEED"] = seed
    RANKING = _order_file()


def _order_file():
    """The host's ranking of the tests (best first), one name a line, beside the module."""
    try:
        with open(os.path.join(os.path.dirname(test_file), "ranking.txt"), encoding="utf-8") as f:
            return {name: rank for rank, name in enumerate(f.read().split())}
    except OSError:
        return {}


def pytest_args(test_path, with_keep):
    """pytest's arguments for the module at ``test_path`` (its own ini file beside it)."""
    folder = os.path.dirname(test_path)
    return [
        "-q",
        "-p", "no:cacheprovider",
        "-p", "no:randomly",
        *(["-p", "regoose_keep_plugin"] if with_keep else []),
        "--rootdir", folder,
        "-c", os.path.join(folder, "pytest.ini"),
        test_path,
    ]


def new_coverage(path):
    """A Coverage object measuring ``path`` (branches, in memory), or None without coverage.py."""
    try:
        import coverage

        return coverage.Coverage(branch=True, include=[path], data_file=None)
    except Exception:
        return None


#: Seconds from the start to each step (collected, passes, alone, end): what a cut run spent.
MARKS = {}
#: Longest one test may take when run alone, before its child is killed.
ALONE_SECONDS = 30.0
#: Tests run alone at the same time (each in its own forked child).
ALONE_AT_ONCE = 4
cov = None
if __name__ == "__main__":
    # Run as a script (a one-shot sandbox, or a job that did not fit a session started
    # ahead): coverage.py starts before pytest is imported, so all the target's import
    # is measured whoever imports it.
    setup(sys.argv[1:])
    if cover == "1":
        cov = new_coverage(target_file)
        try:
            if cov is not None:
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
        #: True when the stop time came before every test had run.
        self.cut = False

    def pytest_collectreport(self, report):
        if report.failed:
            self.errors.append(str(report.longrepr)[-2000:])

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session):
        if UNFIT:
            return True  # a session started ahead for a job of another shape: it runs nothing
        items = list(session.items)
        # The plugin pytest loaded by -p (imported by pytest, so its asserts are rewritten).
        rules = session.config.pluginmanager.get_plugin("regoose_keep_plugin") if keep else None
        firsts = [item for item in items if rules is None or rules._round_of(item) == 1]
        self.collected = len(firsts)
        if self.errors:
            return True
        # Before any pass: each test alone starts from the freshly collected session,
        # in a fork taken now; the passes run meanwhile, here.
        MARKS["collected"] = round(time.monotonic() - BEGAN, 3)
        global stop_at
        if stop_at is not None:
            # A slow start (a container's cold interpreter, pytest and collection) is not
            # the tests' fault: they still get half the planned time from here.
            stop_at = max(stop_at, time.monotonic() + stop_seconds / 2)
        zygote = start_alone(self, by_rank(firsts)) if alone else None
        try:
            if keep:
                # The plugin ordered the cases round by round; it stops coverage after round 1.
                self.cut = not run_pass(items)
                return True
            for number in range(passes):
                if not run_pass(items):
                    self.cut = True
                    break
                if number == 0 and cov is not None:
                    # The first pass measured every test; the reruns only check they pass.
                    cov.stop()
            return True
        finally:
            MARKS["passes"] = round(time.monotonic() - BEGAN, 3)
            if zygote is not None:
                self.alone = finish_alone(zygote, firsts)
                MARKS["alone"] = round(time.monotonic() - BEGAN, 3)

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


def past_stop():
    return stop_at is not None and time.monotonic() >= stop_at


RANKING = {}
#: Set when the later rounds were narrowed: some tests did not get all their runs.
NARROWED = []


def _name(item):
    """``test_x.py::TestA::test_b[regoose-run2]`` -> ``TestA::test_b``."""
    return item.nodeid.split("::", 1)[-1].split("[", 1)[0]


def by_rank(items):
    return sorted(items, key=lambda item: RANKING.get(_name(item), len(RANKING)))


#: A later round's case next to one of round 1 (untraced against traced, with per-test
#: contexts): measured about 0.12 on typesystem.fields' suite; a cautious guess until
#: the later rounds' own first cases are timed.
LATER_SHARE = 0.3


def narrowed(rest, first_case, later_case, room):
    """``rest`` (cases still to run) kept to the best-ranked tests that fit ``room``.

    A test costs ``first_case`` seconds for its round-1 case and ``later_case``
    for each later one still in ``rest``. Tests left out get no further run; the best
    one always stays (the stop time still ends it if it cannot finish).
    """
    cost = {}
    for item in rest:
        seconds = first_case if rules_of(item)._round_of(item) == 1 else later_case
        cost[_name(item)] = cost.get(_name(item), 0.0) + seconds
    keep = set()
    for name in sorted(cost, key=lambda name: RANKING.get(name, len(RANKING))):
        if cost[name] > room and keep:
            break
        room -= cost[name]
        keep.add(name)
    return [item for item in rest if _name(item) in keep]


def rules_of(item):
    return item.config.pluginmanager.get_plugin("regoose_keep_plugin")


def run_pass(order):
    """Run ``order``; False when the stop time came first (the rest did not run).

    In keep mode with a stop time, every few cases the pace so far of round 1,
    and of the later rounds (untraced, several times faster), says whether the
    rest can run by the stop time; if not, the rest is narrowed to the
    best-ranked tests that can run all their cases: whole tests finished, not
    a random part of the rounds.
    """
    order = list(order)
    watch = keep and stop_at is not None and bool(order)
    sample = max(5, min(30, len(order) // (10 * passes)))
    spent = {1: [0, 0.0], 2: [0, 0.0]}
    index = checked = 0
    while index < len(order):
        item = order[index]
        if past_stop():
            return False
        phase = min(2, rules_of(item)._round_of(item)) if watch else 1
        done = spent[phase][0]
        # Early (after 1, 2, 4... cases: slow tests leave no time for a long sample),
        # then every ``sample`` cases.
        due = done and (done % sample == 0 or (done < sample and done & (done - 1) == 0))
        if watch and due and checked != index:
            checked = index
            first = spent[1][1] / max(1, spent[1][0])
            later = spent[2][1] / spent[2][0] if spent[2][0] else first * LATER_SHARE
            rest = order[index:]
            room = (stop_at - time.monotonic()) * 0.85
            need = sum(first if rules_of(i)._round_of(i) == 1 else later for i in rest)
            # A few quick cases say little (the first ones set things up): they decide
            # only once they took a tenth of the time left, or filled the sample.
            sure = done >= sample or spent[phase][1] >= 0.1 * room
            if need > room and sure:
                kept = narrowed(rest, first, later, room)
                NARROWED.append(len(kept))
                order = order[:index] + kept
                if index >= len(order):
                    break
                item = order[index]
                phase = min(2, rules_of(item)._round_of(item))
        following = order[index + 1] if index + 1 < len(order) else None
        began = time.monotonic()
        item.config.hook.pytest_runtest_protocol(item=item, nextitem=following)
        if watch:
            spent[phase][0] += 1
            spent[phase][1] += time.monotonic() - began
        index += 1
    return True


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


def finish(code):
    """Write the reports of the session that ended with exit ``code``; end the process."""
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
        "cut": plugin.cut or past_stop() or bool(NARROWED),
        "marks": dict(MARKS, end=round(time.monotonic() - BEGAN, 3)),
        #: True when the session was started ahead (synth/verify_ahead.py).
        "ahead": bool(STARTED_AHEAD),
    }
    with open(os.path.join(out_dir, "verify.json"), "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    # Everything is written: the interpreter's own teardown (hundreds of modules, the code
    # under test's atexit hooks) would only delay the host noticing the end.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
'''

#: Run as a script: one pytest session from the command line's arguments.
_MAIN = r"""

if __name__ == "__main__":
    finish(pytest.main(pytest_args(test_file, keep), plugins=[plugin]))
"""

SCRIPT = _HEAD + ALONE + AHEAD + _MAIN
