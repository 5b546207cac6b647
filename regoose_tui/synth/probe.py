"""Run the probe harness in the sandbox and read back what it observed.

One process imports the target once and runs a batch of candidates
(probe_batch.py restarts it past a call that kills it); the generation's
first process serves the introspection and the first round (probe_worker.py).

The sandbox boundary (see ``regoose_tui.runtime.safe_io``): ``work_dir`` is a
host-private folder no sandbox ever gets to write. The harness scripts are
staged in an inputs folder inside it that every run sees read-only; each
request goes in over the run's stdin (synth/warm_runs.py: the sandbox is
started ahead where the runtime can, one per job); each command gets a fresh
output folder as its writable cwd, read back with capped no-follow reads off
the event loop, then removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import json
import os
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from regoose_tui.bus.events import Event
from regoose_tui.domain.import_check import import_limit
from regoose_tui.domain.target import TargetModule
from regoose_tui.runtime.base import Limits, OutputSink, RunResult, RunSpec, Runtime
from regoose_tui.runtime.keep_staging import PLUGIN_MODULE, plugin_source
from regoose_tui.runtime.python_env import draw_shim_dir
from regoose_tui.runtime.safe_io import (
    json_lines,
    private_folder,
    read_result_text_async,
    stage_file,
)
from regoose_tui.synth.introspection import introspect
from regoose_tui.synth.probe_batch import RUN_IMPORT_TIMEOUT, run_batch
from regoose_tui.synth.probe_worker import ProbeWorker
from regoose_tui.synth.verify_driver import SCRIPT as VERIFY_DRIVER
from regoose_tui.synth.warm_runs import Job, WarmRuns

_SCRIPT = Path(__file__).with_name("probe_script.py")
_DESCRIBE = Path(__file__).with_name("probe_describe.py")
_DRAW = Path(__file__).with_name("probe_draw.py")
_SERVE = Path(__file__).with_name("probe_serve.py")
#: Cap on one probe output file (a batch's observed values).
_PROBE_OUTPUT_CAP = 64 * 1024**2
_OUT_NAME = "probe_out.jsonl"
#: The determinism check's two runs (synth/finalize.py): their hash and random seed, and
#: whether the run shifts the clocks.
CHECK_RUNS = ((1, False), (2, True))
#: The verification driver's name in its staged inputs folder (synth/verify.py runs it).
VERIFY_SCRIPT = "verify_driver.py"
#: Beside it: the target's file, for a session started ahead (synth/warm_start.py's name).
VERIFY_TARGET = "verify_target.txt"


class Prober:
    """Runs candidate batches for one target through a Runtime.

    ``work_dir`` must be a host folder no sandbox can write (a fresh temp
    folder): runs only ever get fresh folders inside it as their cwd.
    """

    def __init__(
        self,
        runtime: Runtime,
        target: TargetModule,
        *,
        python: str,
        work_dir: Path,
        extra_pythonpath: Sequence[Path] = (),
        deadline: float,
        log: Callable[[str], None] | None = None,
        announce: Callable[[Event], object] | None = None,
        session_id: str | None = None,
        start_ahead: bool = False,
    ) -> None:
        self.runtime = runtime
        #: Publishes the runs people watch (the verification's pytest) on the bus.
        self.announce = announce
        self.session_id = session_id
        self.target = target
        self.python = python
        self.work_dir = work_dir
        self.deadline = deadline
        self.log = log or (lambda _msg: None)
        self._counter = itertools.count()
        #: Every harness job (probe rounds, determinism runs, the verification) runs
        #: through it, in a sandbox started ahead where the runtime can (warm_runs.py).
        self.jobs = WarmRuns(
            self, {"probe": _harness_files, "pytest": functools.partial(_verify_files, target)}
        )
        #: Start the next jobs' sandboxes in the background: only for an owner that
        #: awaits :meth:`close` (the engine), so none is left to a closing event loop.
        self.jobs.ahead = start_ahead
        #: The generation's long-lived probe process (introspection, then the rounds).
        self.worker = ProbeWorker(self.jobs)
        self.draws_ahead: asyncio.Future[None] | None = None
        #: The introspection's import options: its limit is the analyzer's, set at the start.
        self.intro_options = (
            "--import",
            target.module,
            "--import-timeout",
            str(import_limit(self.remaining())),
        )
        paths = [str(target.project_dir), *(str(p) for p in extra_pythonpath)]
        self.pythonpath = os.pathsep.join(paths)
        self.runs = 0

    def env(self, hash_seed: int = 0, extra_path: Sequence[Path] = ()) -> dict[str, str]:
        """Environment of every sandboxed command of this engine run."""
        return {
            "PYTHONPATH": os.pathsep.join([self.pythonpath, *map(str, extra_path)]),
            "PYTHONHASHSEED": str(hash_seed),
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONIOENCODING": "utf-8",
        }

    def remaining(self) -> float:
        """Seconds left before the engine's deadline."""
        return self.deadline - time.monotonic()

    async def stage_inputs(self, files: Mapping[str, str]) -> Path:
        """A fresh folder holding ``files`` (name -> text) that runs only read."""
        return await self._made(_stage_folder, self.work_dir, "inputs-", files)

    async def output_folder(self) -> Path:
        """A fresh, empty, private folder to be one run's writable cwd."""
        return await self._made(private_folder, self.work_dir, "run-")

    async def _made(self, make: Callable[..., Path], *args: Any) -> Path:
        """``make(*args)`` in a thread; a cancel meanwhile removes what it made, then goes on.

        The thread runs to its end whatever the cancel: without this, the folder it
        made would outlive the generation with nobody knowing its name.
        """
        made = asyncio.ensure_future(asyncio.to_thread(make, *args))
        try:
            return await asyncio.shield(made)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await self.discard(await made)
            raise

    async def readable(self, extra_path: Sequence[Path]) -> list[Path]:
        """What a run with ``extra_path`` (links folders) on its path must be able to read."""
        return [p for folder in extra_path for p in await asyncio.to_thread(_readable, folder)]

    async def close(self) -> None:
        """Kill the sandboxes started ahead that no job took (none outlives the generation)."""
        ahead, self.draws_ahead = self.draws_ahead, None
        if ahead is not None:
            await asyncio.gather(ahead, return_exceptions=True)
        self.worker.let_go()
        await self.jobs.close()

    def release_probes(self, hash_seed: int | None = None) -> None:
        """No more probe jobs (of ``hash_seed``) come: let their sandboxes go now.

        They would only take CPU from the jobs still to come (two cores: the
        verification's); the worker is seed 0's.
        """
        if hash_seed in (None, 0):
            self.worker.let_go()
        self.jobs.release("probe", hash_seed)

    async def discard(self, *folders: Path) -> None:
        """Remove folders of finished runs (rmtree never follows a planted link)."""
        for folder in folders:
            await asyncio.to_thread(shutil.rmtree, folder, True)

    async def run_argv(
        self,
        argv: list[str],
        *,
        wall: float,
        hash_seed: int = 0,
        label: str = "",
        out_dir: Path | None = None,
        read_only: Sequence[Path] = (),
        extra_path: Sequence[Path] = (),
        on_output: OutputSink | None = None,
        count: bool = True,
    ) -> RunResult:
        """Run one command in the sandbox with this engine's environment.

        ``out_dir`` (from :meth:`output_folder`) is the command's only writable
        folder; without one a fresh folder is made and removed afterwards.
        ``read_only`` are staged inputs the command reads; ``extra_path`` (links
        folders) goes last on its PYTHONPATH, readable with what its links point to.
        """
        self.runs += int(count)
        own = out_dir is None
        readable = await self.readable(extra_path)
        # Made last: from here to the try nothing is awaited that a cancel could cut.
        cwd = await self.output_folder() if out_dir is None else out_dir
        spec = RunSpec(
            argv=argv,
            project_dir=self.target.project_dir,
            work_dir=cwd,
            env=self.env(hash_seed, extra_path),
            limits=Limits(wall_seconds=max(3.0, wall)),
            read_only_paths=(*read_only, *readable),
            label=label,
        )
        try:
            return await self.runtime.run(spec, on_output)
        finally:
            if own:
                await self.discard(cwd)

    async def harness(
        self,
        request: dict[str, Any],
        *,
        wall: float,
        hash_seed: int = 0,
        extra_path: Sequence[Path] = (),
        preload: Sequence[str] = (),
        worker: bool = False,
    ) -> tuple[list[dict[str, Any]], RunResult]:
        """One probe request's answer lines and its run.

        ``worker``: served by the probe worker while it serves (probe_worker.py; its
        first request's ``extra_path`` and ``preload`` start its sandbox), else by a
        sandbox of its own, started with ``preload`` (the wrapper's options).
        """
        if worker and self.worker.alive:
            first_round = self.worker.served > 0
            if first_round:
                # The worker's last request: the next round runs in a sandbox of its own,
                # started now (a module this round covers lets it go: release_probes).
                self.jobs.prestart("probe", 0)
            served = await self.worker.request(
                request,
                wall=wall,
                extra_path=extra_path,
                preload=preload,
                last=first_round,
            )
            if served is not None:
                return served
        job = Job(
            kind="probe",
            argv=["{inputs}/_regoose_probe.py", "{job}/request.json", "{out}/" + _OUT_NAME],
            files={"request.json": json.dumps(request)},
            main="_regoose_probe",
        )
        # The exploration's next round finds its sandbox started (seed 0 only: the
        # determinism runs take theirs once, see start_ahead).
        result, out_dir = await self.jobs.run(
            job,
            wall=wall,
            hash_seed=hash_seed,
            extra_path=extra_path,
            refill=hash_seed == 0 and not extra_path,
            preload=preload,
        )
        try:
            try:
                text = await read_result_text_async(
                    out_dir / _OUT_NAME, max_bytes=_PROBE_OUTPUT_CAP, name=_OUT_NAME
                )
            except FileNotFoundError:
                text = ""  # the process died before its first line
        finally:
            await self.discard(out_dir)
        lines = json_lines(text)
        return lines, result

    def start_before_import(self, draws: bool = False) -> None:
        """Start the probe worker's sandbox and the verification's now, before anything
        waits for them.

        The worker imports the target as it starts (``preimport``,
        synth/warm_start.py): the import the generation waits for; it then serves
        the introspection and the first probe round (synth/probe_worker.py). The
        verification's imports nothing of the project before its job comes; its
        preload (pytest and coverage.py) is the longest of all, about half a second.
        ``draws``: the introspection will likely want Hypothesis draws
        (synth/draw_guess.py): their sandbox starts now too.
        """
        # The worker first: its start is the generation's critical path.
        self.worker.prestart((), self.intro_options)
        self.jobs.prestart("pytest", 0)
        if draws:
            # The draws' own introspection (see introspect), beside the worker's.
            self.draws_ahead = asyncio.ensure_future(self._start_draws())

    async def _start_draws(self) -> None:
        shim = await asyncio.to_thread(draw_shim_dir)
        if shim is not None:
            self.jobs.prestart("probe", 0, (shim,), self.intro_options)

    def import_options(self, random_seed: int, perturb_time: bool = False) -> tuple[str, ...]:
        """The wrapper's options that import the target as a probe run's request would."""
        options = ["--import", self.target.module, "--import-timeout", str(RUN_IMPORT_TIMEOUT)]
        options += ["--random-seed", str(random_seed)]
        return (*options, "--perturb-time") if perturb_time else tuple(options)

    def start_ahead(self) -> None:
        """Start the sandboxes the next jobs take: a probe round, both determinism runs
        (their hash seeds, synth/finalize.py: the target imported as each would import
        it) and the verification (pytest imported)."""
        if not self.worker.alive:
            self.jobs.prestart("probe", 0)  # the first round, where the worker cannot run it
        for seed, perturb in CHECK_RUNS:
            self.jobs.prestart("probe", seed, preload=self.import_options(seed, perturb))
        self.jobs.prestart("pytest", 0)

    async def introspection_starting(self) -> None:
        """Return once the introspection's sandbox is started (at once if none is coming)."""
        await self.jobs.wait_started("probe", 0)

    async def introspect(self) -> dict[str, Any]:
        """Import the target in the sandbox and describe its members (introspection.py)."""
        return await introspect(self)

    async def run(
        self,
        candidates: list[dict[str, Any]],
        names: dict[str, str],
        *,
        trace: bool = True,
        call_timeout: float = 1.0,
        hash_seed: int = 0,
        perturb_time: bool = False,
        random_seed: int = 0,
        wall: float | None = None,
    ) -> dict[int, dict[str, Any]]:
        """Execute candidates; returns results by candidate id (crashes included)."""
        return await run_batch(
            self,
            candidates,
            names,
            trace=trace,
            call_timeout=call_timeout,
            hash_seed=hash_seed,
            perturb_time=perturb_time,
            random_seed=random_seed,
            wall=wall,
        )


def _harness_files() -> dict[str, str]:
    """The probe harness and the helpers it imports from its own folder."""
    return {
        "_regoose_probe.py": _SCRIPT.read_text(encoding="utf-8"),
        "_regoose_probe_describe.py": _DESCRIBE.read_text(encoding="utf-8"),
        "_regoose_probe_draw.py": _DRAW.read_text(encoding="utf-8"),
        "_regoose_probe_serve.py": _SERVE.read_text(encoding="utf-8"),
    }


def _verify_files(target: TargetModule) -> dict[str, str]:
    """The verification driver, the keep rule's own pytest plugin and the target's file.

    The file (as the host names it; bwrap binds the project at the same path) lets a
    sandbox started ahead set coverage.py up for it (synth/verify_ahead.py).
    Blocking: it resolves the path (WarmRuns reads a kind's files in a thread).
    """
    return {
        VERIFY_SCRIPT: VERIFY_DRIVER,
        f"{PLUGIN_MODULE}.py": plugin_source(),
        VERIFY_TARGET: os.path.realpath(target.path) + "\n",
    }


def _stage_folder(work_dir: Path, prefix: str, files: Mapping[str, str]) -> Path:
    folder = private_folder(work_dir, prefix)
    for name, text in files.items():
        stage_file(folder, name, text.encode("utf-8"))
    return folder


def _readable(shim: Path) -> tuple[Path, ...]:
    """The links folder first (it goes on the path), then the folders its links point into."""
    targets = (link.resolve().parent for link in shim.iterdir() if link.is_symlink())
    return tuple(dict.fromkeys([shim, *targets]))
