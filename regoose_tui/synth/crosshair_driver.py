"""Solve for inputs of the functions sampling left unfinished, with CrossHair (sandbox side).

Staged as ``_regoose_crosshair.py`` beside ``_regoose_probe_draw.py`` and run
in the sandbox (the code under test is hostile; CrossHair executes it
symbolically, so it runs where the probe runs). CrossHair and z3 reach it on a
links folder last on this one command's path. Runs under the target's
interpreter, so it is written for any Python 3 and types are `# type:` comments.

For each requested function, ``crosshair.path_cover`` explores its paths
(PATH coverage) within a time box; every path's realized arguments are written
out as soon as CrossHair reports them, as source that evaluates back to an
equal value (``source_of``, as the Hypothesis draws are): a box that runs out,
or a solver killed at the command's deadline, keeps what it found so far.
Nothing here decides what is kept: the host probes each answer under coverage
and keeps a call only when it reaches new arcs.

Output, one JSON object a line: ``{"loaded": s}`` once CrossHair imports (or
``{"unavailable": why}``), ``{"key", "args"}`` per path, ``{"key", "end", "spent"}``
per function, then ``{"done": true}``.
"""

import builtins
import contextlib
import copy
import importlib
import inspect
import io
import json
import signal
import sys
import time
import typing

#: Longest a path's argument source may be (a test reads it).
_MAX_SRC = 120


class _Deadline(BaseException):
    """Ends one function's time box (a BaseException: CrossHair lets it through)."""


def _on_alarm(signum, frame):
    signal.setitimer(signal.ITIMER_REAL, 0.05)  # re-armed: code that swallows one is cut again
    raise _Deadline()


def _arm(seconds):
    signal.setitimer(signal.ITIMER_REAL, max(0.01, seconds))


def _disarm():
    signal.setitimer(signal.ITIMER_REAL, 0)


def main():
    req_path, out_path = sys.argv[1], sys.argv[2]
    with open(req_path) as fh:
        req = json.load(fh)
    signal.signal(signal.SIGALRM, _on_alarm)
    started = time.monotonic()
    with open(out_path, "a") as out:

        def write(obj):
            out.write(json.dumps(obj) + "\n")
            out.flush()

        try:
            _arm(float(req.get("load_seconds", 10)))
            loaded = _load()
            _disarm()
        except BaseException as exc:  # not installed, built for another Python, too slow
            _disarm()
            write({"unavailable": f"{type(exc).__name__}: {exc}"})
            return 0
        write({"loaded": round(time.monotonic() - started, 2)})
        try:
            _arm(float(req.get("import_timeout", 20)))
            with contextlib.redirect_stdout(io.StringIO()):
                mod = importlib.import_module(req["module"])
            _disarm()
        except BaseException as exc:
            _disarm()
            write({"import_error": f"{type(exc).__name__}: {exc}"})
            return 3
        from _regoose_probe_draw import source_of

        # The solving's own seconds; loading is the host's allowance on top (its wall limit).
        end = time.monotonic() + float(req["seconds"])
        for target in req["targets"]:
            left = end - time.monotonic()
            if left < 0.2:
                break
            box = min(float(target["seconds"]), left)
            t0 = time.monotonic()
            outcome = _cover(loaded, mod, target, box, req, source_of, write)
            write({"key": target["key"], "end": outcome, "spent": round(time.monotonic() - t0, 2)})
        write({"done": True})
    return 0


def _load():
    import crosshair.core_and_libs  # noqa: F401  (registers CrossHair's symbolic builtins)
    from crosshair.fnutil import FunctionInfo
    from crosshair.options import DEFAULT_OPTIONS, AnalysisOptionSet
    from crosshair.path_cover import CoverageType, path_cover
    from crosshair.tracers import NoTracing

    return FunctionInfo, DEFAULT_OPTIONS, AnalysisOptionSet, CoverageType, path_cover, NoTracing


def _resolve(mod, target):
    """The function to solve for, with ``self`` bound when the target is a method.

    A method runs on a copy of a receiver the probe built (its construction
    and prior calls, from the request), fresh for every path: one path must
    not see the state another left behind.
    """
    owner = target.get("owner")
    if not owner:
        return getattr(mod, target["name"]), None
    cls = getattr(mod, owner)
    receiver = target.get("receiver")
    if receiver is None:  # a static or class method: the class gives it bound as it is
        return getattr(cls, target["name"]), None
    ns = {"__builtins__": builtins}
    ns.update(vars(mod))
    for symbol, attr in (target.get("names") or {}).items():
        if hasattr(mod, attr):
            ns[symbol] = getattr(mod, attr)
    for line in receiver.get("imports") or ():
        exec(compile(line, "<imports>", "exec"), ns)
    with contextlib.redirect_stdout(io.StringIO()):
        for line in receiver["setup"]:
            exec(compile(line, "<setup>", "exec"), ns)
    proto = ns[receiver["var"]]
    copy.deepcopy(proto)  # fails here, before any path, when the receiver cannot be copied
    return getattr(proto, target["name"]), proto


def _solvable(fn, proto, wanted, NoTracing):
    """A function CrossHair can call: only the ``wanted`` parameters, their hints resolved.

    Parameters outside ``wanted`` (optional ones with no usable annotation) keep
    their defaults instead of becoming symbolic ``object`` values.
    """
    func = getattr(fn, "__func__", fn)
    hints = typing.get_type_hints(func)
    sig = inspect.signature(fn)
    params = [
        p.replace(annotation=hints.get(p.name, p.annotation))
        for p in sig.parameters.values()
        if p.name in wanted
    ]
    name = getattr(fn, "__name__", "call")

    def call(*args, **kwargs):
        bound = fn
        if proto is not None:
            with NoTracing():
                bound = getattr(copy.deepcopy(proto), name)
        return bound(*args, **kwargs)

    call.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]  # inspect.signature reads it; functions do not declare it
    call.__annotations__ = {p.name: p.annotation for p in params}
    call.__name__ = name
    return call


def _cover(loaded, mod, target, box, req, source_of, write):
    """Explore one function's paths for ``box`` seconds; returns how it ended."""
    FunctionInfo, DEFAULT_OPTIONS, AnalysisOptionSet, CoverageType, path_cover, NoTracing = loaded
    key = target["key"]
    wanted = set(target.get("params") or ())
    if not wanted:
        return "no parameters to solve for"
    seen = set()

    def record(bound):
        # Called by path_cover with each path's realized arguments, as it finds them.
        with NoTracing():
            args = {}
            for name, value in bound.arguments.items():
                try:
                    item = source_of(value, type(value), mod)
                except Exception:
                    item = None
                if item is None or len(str(item["src"])) > _MAX_SRC:
                    return ""
                args[name] = item
            text = json.dumps(args, sort_keys=True)
            if text not in seen:
                seen.add(text)
                write({"key": key, "args": args})
        return ""

    # Seeded runs bound the search by a count of paths, so two runs solve alike: CrossHair's
    # own clock (CPU seconds) is off, and the alarm's box ends an overrun as "deadline".
    iterations = req.get("max_iterations")
    options = DEFAULT_OPTIONS.overlay(
        AnalysisOptionSet(
            per_condition_timeout=float("inf") if iterations else box,
            per_path_timeout=float(req.get("per_path", 2.0)),
            max_iterations=int(iterations) if iterations else None,
            max_uninteresting_iterations=int(req.get("uninteresting", 40)),
        )
    )
    buf = io.StringIO()
    try:
        _arm(box)  # building a receiver runs the target's code too
        fn, proto = _resolve(mod, target)
        ctxfn = FunctionInfo.from_fn(_solvable(fn, proto, wanted, NoTracing))
        with contextlib.redirect_stdout(buf):
            path_cover(ctxfn, options, CoverageType.PATH, arg_formatter=record)
        return "explored"
    except _Deadline:
        return "deadline"
    except BaseException as exc:  # CrossHair cannot analyse this one; go on with the next
        return f"error: {type(exc).__name__}"
    finally:
        _disarm()


if __name__ == "__main__":
    import os

    code = main()
    sys.stdout.flush()
    os._exit(code)
