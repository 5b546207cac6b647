"""The verification driver's session started ahead: pytest set up before the job comes.

Part of the driver's script (synth/verify_driver.py joins the parts; it runs in
the sandbox, standard library and pytest only). A verification's sandbox is
started early (synth/warm_runs.py); its wrapper (synth/warm_start.py) imports
the driver and calls ``ahead``, which starts the very pytest session a
verification runs (``pytest_args`` of the module the host always names,
``test_generated.py``, with the keep rule's plugin) before the job exists:
the command line and ini file parsed, the autoloaded plugins and the keep
rule's imported and configured, the session started, and coverage.py's
first start (its tracer and checks) done on a Coverage object for the file
the host named as the target. The session then waits for the job at the
first step of its collection: the job's module and ranking are written into
the folder the session was started on, its settings read (``setup``), and
coverage.py started; then pytest's own collection imports the module, and
through it the target, measured, exactly as in a run from the command line.

A job of another shape (another module name or ini file, a single pass, not
the driver at all) does not fit: the session ends at once, collecting
nothing (as a warm-up session would have), and the wrapper runs the job the
usual way. Nothing of the project is imported before the job comes.
"""

AHEAD = r'''

#: The module a verification sends (synth/verify.py's file name) and its ini file.
AHEAD_MODULE = "test_generated.py"
AHEAD_INI = "[pytest]\n"
#: The files a job may bring into a session started ahead (plain names, known ones).
AHEAD_FILES = frozenset({"pytest.ini", AHEAD_MODULE, "ranking.txt"})
#: Set when the job ran in the session started ahead (the report says so).
STARTED_AHEAD = []
#: Set when the job did not fit the session started ahead: the session runs nothing.
UNFIT = []


def fitting(job, folder):
    """The job's argv (``{job}`` filled in) when it is the run ``ahead`` prepared, else None."""
    try:
        argv = [str(a).replace("{job}", folder) for a in job["argv"]]
        files = dict(job.get("files") or {})
        rounds = int(argv[4]) if len(argv) > 5 else 0
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    if job.get("main") or rounds < 2 or os.path.realpath(argv[0]) != os.path.realpath(__file__):
        return None
    if argv[2] != os.path.join(folder, AHEAD_MODULE) or files.get("pytest.ini") != AHEAD_INI:
        return None
    if not set(files) <= AHEAD_FILES or not all(isinstance(t, str) for t in files.values()):
        return None
    return argv


def _ready(fd):
    """True when the job (or the end of stdin) can already be read from ``fd``."""
    import select

    try:
        return bool(select.select([fd], [], [], 0)[0])
    except (OSError, ValueError):
        return False


class Ahead:
    """Holds the session started ahead at its collection until the job has come."""

    def __init__(self, read_job, job_fd, folder, hint, warm):
        self.read_job = read_job
        self.job_fd = job_fd
        self.folder = folder
        #: The target the host named, and the Coverage object started once for it.
        self.hint = hint
        self.warm = warm
        #: The job, when it did not fit (the wrapper runs it), or what reading it raised.
        self.unfit = None
        self.failure = None
        #: Whether the session got as far as its collection (where the job is read).
        self.collected = False

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection(self, session):
        import gc

        self.collected = True

        # What the preload and the session's start made lives as long as the job: out
        # of the collector's scans. A job already waiting does not wait for a collection.
        if not _ready(self.job_fd):
            gc.collect()
        gc.freeze()
        try:
            job = self.read_job(self.job_fd)
            argv = fitting(job, self.folder)
        except BaseException as exc:  # noqa: BLE001  (raised again once the session ended)
            self.failure, job, argv = exc, None, None
        if argv is None:
            self.unfit = job
            UNFIT.append(True)
            session.items = []
            session.testscollected = 0
            return True
        for name, text in job["files"].items():
            if name != "pytest.ini":
                with open(os.path.join(self.folder, name), "w", encoding="utf-8") as handle:
                    handle.write(text)
        sys.argv = argv
        setup(argv[1:])
        STARTED_AHEAD.append(True)
        global cov
        if cover == "1":
            same = self.warm is not None and target_file == self.hint
            cov = self.warm if same else new_coverage(target_file)
            try:
                if cov is not None:
                    cov.start()
            except Exception:
                cov = None
        return None


def ahead(read_job, hint=""):
    """Start the verification's session now; it runs the job ``read_job(fd)`` returns.

    ``hint`` is the target's file as the host names it (the job's own target is
    used when they differ). Returns the job when it did not fit the session (see
    the module's docstring); otherwise the process ends with the job's run.
    """
    folder = os.path.abspath("job")
    os.mkdir(folder)
    with open(os.path.join(folder, "pytest.ini"), "w", encoding="utf-8") as handle:
        handle.write(AHEAD_INI)
    warm = new_coverage(hint) if hint else None
    try:
        if warm is not None:
            warm.start()
            warm.stop()
    except Exception:
        warm = None
    # pytest's capture stands in for stdin during the session: the job is read from a copy.
    gate = Ahead(read_job, os.dup(0), folder, hint, warm)
    code = pytest.main(
        pytest_args(os.path.join(folder, AHEAD_MODULE), True), plugins=[plugin, gate]
    )
    if gate.failure is not None:
        raise gate.failure
    if not gate.collected:
        # pytest ended before its collection (a plugin of the project's environment
        # failing at its configuration, a usage error): the job was never read. It runs
        # the usual way, whose report says how pytest ended.
        gate.unfit = read_job(gate.job_fd)
    if gate.unfit is None:
        finish(code)
    os.unlink(os.path.join(folder, "pytest.ini"))
    os.rmdir(folder)
    return gate.unfit
'''
