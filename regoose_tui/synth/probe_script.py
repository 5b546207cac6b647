"""The probe harness: runs candidate calls against the target module, in the sandbox.

This file is copied into the work dir and run by the *target's* interpreter
(which may be an older Python and has only the standard library), so it is
self-contained and portable (types, where mypy needs them, are `# type:` comments).
It is never imported by Regoose itself.

usage: python _regoose_probe.py REQUEST.json RESULTS.jsonl
(or, as the generation's probe worker, ``_regoose_probe_serve.py``'s ``serve()``.)
(``_regoose_probe_describe.py``, a copy of probe_describe.py, sits beside it.)

Modes:
- ``introspect``: import the module, describe its functions, classes,
  signatures (with type descriptors), compiled regexes and constants.
- ``run``: execute candidates one by one, each with a per-call timeout,
  tracing the line transitions (arcs) inside the target file, and write one
  JSON line per candidate (a ``start`` line first, so a candidate that kills
  the interpreter can be named by the caller).
"""

import builtins
import contextlib
import importlib
import inspect
import io
import itertools
import json
import os
import random
import signal
import sys
import time
import traceback

from _regoose_probe_describe import _attrs, _introspect, _qual_ref, _value_info

#: The fake clock's first reading and its step per read (synth/clock.py: START, STEP).
_CLOCK_START = 1.5
_CLOCK_STEP = 2.25


class _ProbeTimeout(BaseException):
    """Raised by the alarm handler; a BaseException so `except Exception` misses it."""


def _on_alarm(signum, frame):
    # Re-arm briefly: code that swallows the first one still gets interrupted.
    signal.setitimer(signal.ITIMER_REAL, 0.05)
    raise _ProbeTimeout()


# ---------------------------------------------------------------- running


class _Tracer:
    def __init__(self, target_files):
        self.targets = target_files
        self.arcs = set()

    def global_trace(self, frame, event, arg):
        if event != "call" or frame.f_code.co_filename not in self.targets:
            return None
        arcs = self.arcs
        last = [-frame.f_code.co_firstlineno]

        def local(frame, event, arg):
            if event == "line":
                ln = frame.f_lineno
                arcs.add((last[0], ln))
                last[0] = ln
            elif event == "return":
                arcs.add((last[0], -frame.f_code.co_firstlineno))
            return local

        return local


def _perturb_time():
    """Make time-dependent values differ from a normal run (determinism check)."""
    state = {"n": 0}

    def wrap(fn, scale):
        def shifted(*a):
            state["n"] += 1
            return fn(*a) + scale * (7919.37 + 0.731 * state["n"])

        return shifted

    for name in ("time", "perf_counter", "monotonic", "process_time"):
        if hasattr(time, name):
            setattr(time, name, wrap(getattr(time, name), 1.0))
    # Another time zone too (POSIX form, no tz database needed: UTC+5:45): a local time
    # from a fixed clock reading (the fake clock, synth/clock.py) is not locked in.
    if hasattr(time, "tzset"):
        os.environ["TZ"] = "RGS-5:45"
        time.tzset()
    for name in ("time_ns", "perf_counter_ns", "monotonic_ns"):
        if hasattr(time, name):
            orig = getattr(time, name)
            setattr(time, name, lambda orig=orig: orig() + 7919370000000)


def _install_clocks(targets):
    """Replace each named clock (``time.perf_counter``) by a fresh fake one; returns undo pairs.

    The same counter the test installs with monkeypatch (synth/clock.py): start, step.
    """
    undo = []
    for target in targets:
        owner_name, _, attr = target.rpartition(".")
        try:
            owner = importlib.import_module(owner_name)
            undo.append((owner, attr, getattr(owner, attr)))
        except Exception:
            continue
        setattr(owner, attr, itertools.count(_CLOCK_START, _CLOCK_STEP).__next__)
    return undo


def _restore(undo):
    for owner, attr, value in reversed(undo):
        setattr(owner, attr, value)


def _run(req, mod, out):
    ns = {"__builtins__": builtins, "__name__": "__regoose_probe__"}
    for sym, attr in req.get("names", {}).items():
        if hasattr(mod, attr):
            ns[sym] = getattr(mod, attr)
    target_file = os.path.realpath(mod.__file__)
    target_files = frozenset([target_file, mod.__file__, os.path.abspath(mod.__file__)])
    trace = req.get("trace", True)
    timeout = float(req.get("timeout", 1.0))
    skip = set(req.get("skip", []))
    max_group_timeouts = int(req.get("max_group_timeouts", 2))
    group_timeouts = {}  # type: dict[object, int]
    real_stdin = sys.stdin
    for cand in req["candidates"]:
        cid = cand["id"]
        if cid in skip:
            continue
        group = cand.get("group")
        if group is not None and group_timeouts.get(group, 0) >= max_group_timeouts:
            # This callee keeps hanging: do not spend a timeout on each of its calls.
            out.write(json.dumps({"id": cid, "outcome": "skipped"}) + "\n")
            continue
        out.write(json.dumps({"start": cid}) + "\n")
        out.flush()
        res = {"id": cid}
        local_ns = dict(ns)
        tracer = _Tracer(target_files)
        buf = io.StringIO()
        sys.stdin = io.StringIO("")
        t0 = time.perf_counter()
        phase = "setup"
        before = {}  # type: dict[str, dict[str, object]]
        clocks = _install_clocks(cand.get("clock", []))
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            if trace:
                sys.settrace(tracer.global_trace)
            with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()):
                for line in cand.get("imports", []):
                    exec(line, local_ns)
                for line in cand.get("setup", []):
                    exec(line, local_ns)
                phase = "call"
                before = {}
                for name in cand.get("observe", []):
                    if name in local_ns:
                        before[name] = _attrs(local_ns[name], local_ns)
                if cand.get("stmt"):
                    exec(cand["call"], local_ns)
                    value = None
                    res["outcome"] = "stmt"
                else:
                    value = eval(cand["call"], local_ns)
                    res["outcome"] = "return"
                    if inspect.iscoroutine(value) and cand.get("await"):
                        import asyncio

                        value = asyncio.run(value)
            sys.settrace(None)
            if res["outcome"] == "return":
                # Still under the alarm: a repr or __eq__ may hang too.
                phase = "describe"
                res["value"] = _value_info(value, local_ns, mod)
            signal.setitimer(signal.ITIMER_REAL, 0)
        except _ProbeTimeout:
            sys.settrace(None)
            signal.setitimer(signal.ITIMER_REAL, 0)
            res["outcome"] = "timeout"
        except BaseException as exc:  # the target may raise anything, even SystemExit
            sys.settrace(None)
            signal.setitimer(signal.ITIMER_REAL, 0)
            if isinstance(exc, _ProbeTimeout):
                res["outcome"] = "timeout"
            elif phase == "describe":
                res["outcome"] = "unserializable"
            else:
                res["outcome"] = "raise" if phase == "call" else "setup_error"
                msg = ""
                try:
                    msg = str(exc)
                except Exception:
                    pass
                tb = exc.__traceback__
                while tb is not None and tb.tb_next is not None:
                    tb = tb.tb_next
                origin = (
                    "target"
                    if tb is not None and tb.tb_frame.f_code.co_filename in target_files
                    else "other"
                )
                res["exc"] = {
                    "ref": _qual_ref(type(exc), mod),
                    "name": type(exc).__name__,
                    "msg": msg[:500],
                    "origin": origin,
                    "line": tb.tb_lineno if tb is not None else 0,
                    "pos": _failing_position(tb),
                    "mro": [c.__name__ for c in type(exc).__mro__[1:4]],
                }
                if res["exc"]["ref"] is None:
                    for base in type(exc).__mro__[1:]:
                        ref = _qual_ref(base, mod)
                        if ref is not None:
                            res["exc"]["ref"] = ref
                            res["exc"]["name"] = base.__name__
                            break
        finally:
            sys.settrace(None)
            signal.setitimer(signal.ITIMER_REAL, 0)
            sys.stdin = real_stdin
            _restore(clocks)
        res["elapsed"] = round(time.perf_counter() - t0, 5)
        if res["outcome"] == "timeout" and group is not None:
            group_timeouts[group] = group_timeouts.get(group, 0) + 1
        if res["outcome"] in ("return", "stmt", "raise"):
            for name in cand.get("observe", []):
                if name in local_ns:
                    # Only what the call changed: the rest is the constructor's business.
                    after = _attrs(local_ns[name], local_ns)
                    old = before.get(name, {})
                    changed = dict((k, v) for k, v in after.items() if old.get(k) != v)
                    if changed:
                        res.setdefault("observed", {})[name] = changed
        stdout = buf.getvalue()
        if stdout:
            res["stdout"] = stdout[:2000]
        if trace:
            res["arcs"] = sorted(tracer.arcs)
        try:
            line = json.dumps(res)
        except Exception:
            line = json.dumps({"id": cid, "outcome": "unserializable"})
        out.write(line + "\n")
        out.flush()


def _failing_position(tb):
    """[line, end_line, col, end_col] of the expression that raised (Python 3.11+), or None."""
    if tb is None or not hasattr(tb.tb_frame.f_code, "co_positions"):
        return None
    try:
        for index, pos in enumerate(tb.tb_frame.f_code.co_positions()):
            if index == tb.tb_lasti // 2:
                return list(pos) if None not in pos else None
    except Exception:
        pass
    return None


#: The target as the start-ahead wrapper imported it before the job came (preimport):
#: the settings it was imported under and what the import gave.
_PRELOADED = None  # type: dict[str, object] | None


def _import_target(module, timeout):
    """("ok", module), ("timeout", message) or ("error", the traceback's last line)."""
    buf = io.StringIO()
    real_stdin = sys.stdin
    try:
        signal.setitimer(signal.ITIMER_REAL, float(timeout))
        # What the module reads or prints at import goes nowhere (stdin: the job's pipe).
        sys.stdin = io.StringIO("")
        with contextlib.redirect_stdout(buf):
            mod = importlib.import_module(module)
        signal.setitimer(signal.ITIMER_REAL, 0)
        return "ok", mod
    except _ProbeTimeout:
        signal.setitimer(signal.ITIMER_REAL, 0)
        return "timeout", f"importing {module} did not finish in time"
    except BaseException as exc:
        signal.setitimer(signal.ITIMER_REAL, 0)
        # The traceback's last line, as the analyzer's own import check reports it.
        return "error", traceback.format_exception_only(type(exc), exc)[-1].strip()
    finally:
        sys.stdin = real_stdin


def _prepare(random_seed, perturb):
    """What every run sets up before the target's import: its seed, its clocks, the alarm."""
    random.seed(random_seed)
    if perturb:
        _perturb_time()
    signal.signal(signal.SIGALRM, _on_alarm)


def preimport(module, timeout, random_seed=0, perturb=False):
    """Set up and import the target ahead of the job (the wrapper's ``--import``).

    The job's ``main`` then finds it imported exactly as it would have imported
    it itself: same random seed, same shifted clocks, same alarm, same process.
    """
    global _PRELOADED
    _prepare(random_seed, perturb)
    outcome = _import_target(module, timeout)
    _PRELOADED = {
        "module": module,
        "random_seed": random_seed,
        "perturb_time": bool(perturb),
        "outcome": outcome,
    }


def _preloaded_for(req):
    """The import done ahead, when it was done under the settings ``req`` asks for."""
    pre = _PRELOADED
    if pre is None:
        return None
    asked = (req["module"], req.get("random_seed", 0), bool(req.get("perturb_time")))
    if (pre["module"], pre["random_seed"], pre["perturb_time"]) != asked:
        return None
    return pre["outcome"]


def _answer(req, out_path, outcome):
    """Do what ``req`` asks with the target's import ``outcome``; its results go to ``out_path``.

    Returns the exit code a one-shot run ends with (3: the target did not import).
    """
    with open(out_path, "a") as out:
        kind, mod = outcome
        if kind != "ok":
            failed = {"import_error": mod}
            if kind == "timeout":
                failed["import_timed_out"] = True
            out.write(json.dumps(failed) + "\n")
            return 3
        if req["mode"] == "introspect":
            draws = float(req.get("draw_seconds", 0))
            intro = _introspect(mod, draws, not req.get("draw_elsewhere"))
            out.write(json.dumps({"introspect": intro}) + "\n")
        else:
            _run(req, mod, out)
        out.write(json.dumps({"done": True}) + "\n")
        out.flush()
    return 0


def main():
    req_path, out_path = sys.argv[1], sys.argv[2]
    with open(req_path) as fh:
        req = json.load(fh)
    outcome = _preloaded_for(req)
    if outcome is None:
        _prepare(req.get("random_seed", 0), req.get("perturb_time"))
        outcome = _import_target(req["module"], req.get("import_timeout", 20))
    return _answer(req, out_path, outcome)


if __name__ == "__main__":
    sys.stdout.flush()
    code = main()
    sys.stdout.flush()
    os._exit(code)
