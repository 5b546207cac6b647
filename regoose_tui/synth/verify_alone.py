"""The verification driver's runs of each test alone: forks of the freshly collected session.

Part of the driver's script (synth/verify_driver.py joins the parts; it runs in
the sandbox, standard library and pytest only). Before the first pass, one
child is forked (coverage.py paused); it forks one grandchild per test, a few
at a time, each running its one test from the state right after collection
and exiting: exactly the test alone in its own session, for the price of a
fork. Their outcomes are marked "alone: " when they fail.
"""

ALONE = r'''

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
        if past_stop():
            waiting = []  # past the stop time: the tests not started yet report nothing
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
            stopped = not done and past_stop()
            if not done and (time.monotonic() > deadline or stopped):
                os.kill(pid, 9)
                os.waitpid(pid, 0)
                done = pid
            if done:
                del running[pid]
                if stopped:
                    continue  # killed at the stop time: not run, not failed
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
'''
