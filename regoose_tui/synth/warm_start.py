"""The sandbox's start-ahead wrapper: import a harness early, then run the job it is sent.

This file is staged as ``_regoose_warm.py`` beside the probe harness or the
verification driver and run by the *target's* interpreter inside the
sandbox, so it is self-contained and uses the standard library only. It is
never imported by Regoose itself (synth/probe.py stages it).

usage: python _regoose_warm.py --preload KIND [--import MODULE ...] [--job FILE]

1. ``--preload``: ``probe`` imports the probe harness (and its describe
   helper); ``pytest`` hands over to the verification driver staged beside
   it (``verify_driver.ahead``, synth/verify_ahead.py), which imports pytest
   and starts the verification's own pytest session (plugins autoloaded and
   configured, coverage.py started once for the target the host named in
   ``verify_target.txt``); the session reads the job itself at its
   collection and runs it. A job of another shape comes back and runs as
   below (when it is already waiting, no session is started for it).
   Without that driver, coverage.py (started and stopped once on no file)
   and pytest are imported and one warm-up pytest session on three tests of
   its own runs, unless the job is already waiting. ``none`` imports
   nothing. Nothing of the project is imported before the job comes, except
   by a probe sandbox given ``--import MODULE`` (with ``--import-timeout S``,
   ``--random-seed N`` and ``--perturb-time``, the settings of the request it
   will serve): the harness imports the target under those settings before
   the job comes (``preimport``), and the job finds it imported as it would
   have imported it itself. With ``--serve`` too it is the generation's probe
   worker: instead of one job it serves requests one per line
   (``_regoose_probe_serve.py``). What the preload made is then frozen out of
   the garbage collector's scans.
2. The job, one JSON object, is read from stdin to its end (or from FILE on
   runtimes that cannot stream it): ``files`` (plain names -> text) are
   written into a fresh ``job`` folder in the cwd (the run's own writable
   folder), ``{job}`` in ``argv`` becomes that folder's path, and then either
   ``main`` (a preloaded module: its ``main()`` is the exit code) or the
   script ``argv[0]`` runs as ``__main__`` with ``sys.argv`` set to ``argv``.
"""

import gc
import importlib
import importlib.util
import io
import json
import os
import runpy
import select
import sys

#: The largest job accepted (the generated test module travels inside it).
_JOB_CAP = 64 * 1024 * 1024


#: The warm-up session's tests: what a generated module does (a class, parametrized
#: cases, pytest.raises), so pytest's running and reporting code is imported too.
_WARM_TEST = """
import pytest


@pytest.mark.parametrize("n", [1, 2])
def test_warm(n):
    assert n + 1 > n


class TestWarm:
    def test_raises(self):
        with pytest.raises(ValueError, match="x"):
            raise ValueError("x")
"""


def _preload_coverage():
    try:
        import coverage

        # Started and stopped at once on no file: what coverage.py imports and sets up
        # as it first starts is done; the job's own Coverage object measures the target.
        warm = coverage.Coverage(branch=True, data_file=None, include=[os.path.abspath("none")])
        warm.start()
        warm.stop()
    except Exception:
        pass


#: Beside this file in a verification's inputs: the target's file as the host names it.
_TARGET_HINT = "verify_target.txt"


def _preload_pytest():
    """The job when it is not the driver's to run (see the docstring), else None."""
    driver = _driver()
    if driver is None:
        _preload_coverage()
        import pytest

        if not _job_waiting():  # else the job's own session does it: no time to do it ahead
            _warm_up_session(pytest)
        return None
    try:
        with open(os.path.join(os.path.dirname(__file__), _TARGET_HINT), encoding="utf-8") as f:
            hint = f.read().strip()
    except OSError:
        hint = ""
    if not hint:
        _preload_coverage()
    if _job_waiting():
        # Already here: no time to win, but the session is still the driver's (its
        # configuration is not traced by coverage.py), unless the job is another one.
        job = _read_job("")
        if driver.fitting(job, os.path.abspath("job")) is None:
            return job
        return driver.ahead(lambda _fd: job, hint)
    return driver.ahead(_read_stream, hint)


def _driver():
    """The verification driver staged beside this file (it imports pytest), or None."""
    try:
        driver = importlib.import_module("verify_driver")
    except ImportError:
        return None
    return driver if hasattr(driver, "ahead") else None


def _warm_up_session(pytest):
    """One pytest session on three tests of its own: plugins and running code imported."""
    warm = os.path.abspath("warm")
    os.mkdir(warm)
    ini = os.path.join(warm, "pytest.ini")
    with open(ini, "w") as handle:
        handle.write("[pytest]\n")
    with open(os.path.join(warm, "test_warm.py"), "w") as handle:
        handle.write(_WARM_TEST)
    args = ["-q", "-p", "no:cacheprovider", "-p", "no:randomly"]
    if importlib.util.find_spec("regoose_keep_plugin") is not None:
        # Imported by pytest itself, so it is rewritten as in the job's own session.
        args += ["-p", "regoose_keep_plugin"]
    out, err = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = io.StringIO()
    try:
        pytest.main([*args, "-c", ini, "--rootdir", warm, warm])
    except BaseException:
        pass
    finally:
        sys.stdout, sys.stderr = out, err


def _job_waiting():
    """True when the job (or the end of stdin) can already be read."""
    try:
        ready, _, _ = select.select([sys.stdin], [], [], 0)
    except (OSError, ValueError, TypeError):  # no stdin to look at: do the whole preload
        return False
    return bool(ready)


def _option(args, name, default=""):
    return args[args.index(name) + 1] if name in args else default


def _preload(kind, args=()):
    """Import what ``kind`` needs; the job, when the preload already read it (else None)."""
    job = None
    if kind == "probe":
        harness = importlib.import_module("_regoose_probe")
        if "--import" in args:
            harness.preimport(
                _option(args, "--import"),
                float(_option(args, "--import-timeout", "20")),
                int(_option(args, "--random-seed", "0")),
                "--perturb-time" in args,
            )
    elif kind == "pytest":
        job = _preload_pytest()
    # What the preload made lives as long as the job (modules, pytest's and coverage.py's
    # objects): moved out of the collector's reach, a collection during the job only
    # scans what the job made. pytest's session end alone collects five times over.
    if hasattr(gc, "freeze"):
        if job is None and not _job_waiting():
            gc.collect()
        gc.freeze()
    return job


def _read_job(path):
    if path:
        with open(path, "rb") as handle:
            return _parse_job(handle.read(_JOB_CAP + 1))
    return _parse_job(sys.stdin.buffer.read(_JOB_CAP + 1))


def _read_stream(fd):
    """The job from file descriptor ``fd`` (a copy of stdin), read to its end and closed."""
    with os.fdopen(fd, "rb") as handle:
        return _parse_job(handle.read(_JOB_CAP + 1))


def _parse_job(data):
    if len(data) > _JOB_CAP:
        raise SystemExit("regoose: the job is larger than the cap")
    return json.loads(data.decode("utf-8"))


def _write_files(files):
    folder = os.path.abspath("job")
    os.mkdir(folder)
    for name, text in files.items():
        if os.sep in name or name in ("", ".", ".."):
            raise SystemExit(f"regoose: not a plain file name: {name!r}")
        with open(os.path.join(folder, name), "w", encoding="utf-8") as handle:
            handle.write(text)
    return folder


def main():
    args = sys.argv[1:]
    kind = _option(args, "--preload", "none")
    path = _option(args, "--job")
    job = _preload(kind, args)
    if kind == "probe" and "--serve" in args:
        # The generation's probe worker: requests come one per line, not one job.
        code = importlib.import_module("_regoose_probe_serve").serve()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code or 0)
    if job is None:
        job = _read_job(path)
    folder = _write_files(job.get("files", {}))
    argv = [str(a).replace("{job}", folder) for a in job["argv"]]
    sys.argv = argv
    if job.get("main"):
        module = importlib.import_module(job["main"])
        sys.stdout.flush()
        code = module.main()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code or 0)
    sys.path[0] = os.path.dirname(os.path.abspath(argv[0]))
    runpy.run_path(argv[0], run_name="__main__")


if __name__ == "__main__":
    main()
