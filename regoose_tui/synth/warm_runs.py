"""Harness jobs in sandboxes started ahead of time (one fresh sandbox per job still).

A probe round, a determinism run and the verification each need a sandbox,
an interpreter and the harness's imports (pytest, coverage.py and the
keep-rule plugin for the verification) before their first useful
instruction. ``WarmRuns`` starts those ahead, while the host still analyses
or probes (``Runtime.standby``): the sandboxed wrapper (synth/warm_start.py)
imports the harness and then waits for its job on stdin. Each job still
gets a sandbox of its own, used once (its own tmpfs, cwd, cgroup and hash
seed), so nothing one job leaves behind reaches another, exactly as with
one-shot runs; the job's wall clock starts at the hand-over.

The trust boundary is the one-shot runs' (runtime/safe_io.py): the host
writes nothing where a sandbox could write (the job goes in over stdin and
the wrapper writes its files into the run's own folder), results are read
back from the run's fresh output folder with capped no-follow reads, every
folder is removed. On a runtime that cannot stream a job into a started
command (docker, podman) each job is staged as a read-only file and run
one-shot, through the same wrapper. ``close`` kills every sandbox still
waiting: none outlives the generation.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from regoose_tui.errors import SandboxError, SandboxUnavailable
from regoose_tui.runtime._standby import Standby
from regoose_tui.runtime.base import Limits, OutputSink, RunResult, RunSpec

if TYPE_CHECKING:
    from regoose_tui.synth.probe import Prober

WRAPPER = "_regoose_warm.py"
_WRAPPER_SOURCE = Path(__file__).with_name("warm_start.py")
#: A standby's own wall cap: the job's wall (and the configured ceiling) apply at hand-over.
_STANDBY_WALL = 3600.0
#: How long past the generation's deadline an unused standby may still wait.
_STANDBY_SLACK = 5.0

#: A started sandbox serves a job of its kind, hash seed, extra path and preload options.
Key = tuple[str, int, tuple[str, ...], tuple[str, ...]]


@dataclass
class Spare:
    """A started sandbox waiting for its job, and the folder it may write (its cwd)."""

    standby: Standby
    out_dir: Path


@dataclass(frozen=True)
class Job:
    """One harness run: ``argv`` and ``files`` as synth/warm_start.py takes them.

    In ``argv``, ``{inputs}`` is the kind's staged read-only folder and ``{out}``
    the run's output folder (both filled in on the host), ``{job}`` the folder
    the wrapper writes ``files`` into (filled in in the sandbox). ``main``: a
    module of the inputs folder whose ``main()`` runs instead of ``argv[0]``.
    """

    kind: str
    argv: Sequence[str]
    files: Mapping[str, str]
    main: str = ""

    def payload(self, inputs: Path, out: Path) -> bytes:
        argv = [a.replace("{inputs}", str(inputs)).replace("{out}", str(out)) for a in self.argv]
        return json.dumps({"argv": argv, "files": dict(self.files), "main": self.main}).encode()


class WarmRuns:
    """Runs one Prober's harness jobs, each in a sandbox started ahead where possible."""

    def __init__(
        self, prober: Prober, kinds: Mapping[str, Callable[[], Mapping[str, str]]]
    ) -> None:
        #: Per kind ("probe", "pytest"): the files its inputs folder holds (read in a thread).
        self.kinds = kinds
        self.prober = prober
        self._inputs: dict[str, Path] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._pending: dict[Key, asyncio.Task[Spare | None]] = {}
        self._leftover: list[asyncio.Task[Spare | None]] = []
        #: Kills of sandboxes :meth:`release` let go, still under way.
        self._releasing: list[asyncio.Task[None]] = []
        #: False once the runtime said it cannot stream a job (then: one-shot runs).
        self.streams = True
        #: False: no sandbox is started before its job comes (each starts at hand-over).
        self.ahead = False
        self.closed = False
        #: Jobs that found their sandbox already started (for the log and the tests).
        self.warm_hits = 0

    async def inputs(self, kind: str) -> Path:
        """The kind's read-only inputs folder (staged once): its harness and the wrapper."""
        # One lock per kind: the introspection never waits for the verification's staging.
        async with self._locks.setdefault(kind, asyncio.Lock()):
            if kind not in self._inputs:
                files = await asyncio.to_thread(self._files, kind)
                self._inputs[kind] = await self.prober.stage_inputs(files)
            return self._inputs[kind]

    def _files(self, kind: str) -> dict[str, str]:
        return {WRAPPER: _WRAPPER_SOURCE.read_text(encoding="utf-8"), **self.kinds[kind]()}

    def prestart(
        self,
        kind: str,
        hash_seed: int = 0,
        extra_path: Sequence[Path] = (),
        preload: Sequence[str] = (),
    ) -> None:
        """Start a sandbox for the next job of this kind now, in the background.

        ``preload``: more options for the wrapper (synth/warm_start.py), such as the
        probe harness's ``--import``; only a job asking for the same ones takes it.
        """
        key = _key(kind, hash_seed, extra_path, preload)
        if not self.ahead or self.closed or not self.streams or key in self._pending:
            return
        self._pending[key] = asyncio.create_task(self._start(kind, hash_seed, extra_path, preload))

    async def wait_started(self, kind: str, hash_seed: int = 0) -> None:
        """Return once the sandboxes started ahead for such jobs are up (none taken)."""
        tasks = [task for key, task in self._pending.items() if key[:2] == (kind, hash_seed)]
        if tasks:
            await asyncio.wait(tasks)

    async def _start(
        self, kind: str, hash_seed: int, extra_path: Sequence[Path], preload: Sequence[str] = ()
    ) -> Spare | None:
        prober = self.prober
        inputs = await self.inputs(kind)
        readable = await prober.readable(extra_path)
        # Made last: from here to the standby's start nothing is awaited outside the try.
        out = await prober.output_folder()
        spec = RunSpec(
            argv=[prober.python, str(inputs / WRAPPER), "--preload", kind, *preload],
            project_dir=prober.target.project_dir,
            work_dir=out,
            env=prober.env(hash_seed, extra_path),
            limits=Limits(wall_seconds=_STANDBY_WALL),
            read_only_paths=(inputs, *readable),
            label=f"standby {kind}",
        )
        try:
            standby = await prober.runtime.standby(
                spec, standby_seconds=max(1.0, prober.remaining()) + _STANDBY_SLACK
            )
        except BaseException:
            await prober.discard(out)
            raise
        if standby is None:
            self.streams = False
            await prober.discard(out)
            return None
        return Spare(standby, out)

    async def _take(self, key: Key) -> Spare | None:
        task = self._pending.pop(key, None)
        if task is None:
            return None
        try:
            spare = await asyncio.shield(task)
        except asyncio.CancelledError:
            self._leftover.append(task)
            raise
        except SandboxError:
            return None
        if spare is not None and not spare.standby.waiting:
            # It died while it waited (killed, out of memory): a fresh one serves the job.
            await spare.standby.close()
            await self.prober.discard(spare.out_dir)
            return None
        if spare is not None:
            self.warm_hits += 1
        return spare

    async def acquire(
        self, kind: str, hash_seed: int, extra_path: Sequence[Path], preload: Sequence[str]
    ) -> Spare | None:
        """A started sandbox of its own for the caller (taken, or started now), or None
        where the runtime cannot stream a job into a started command. The caller closes
        it (:meth:`let_go`)."""
        if self.closed:
            raise SandboxError("the generation's sandboxes are closed")
        await self.inputs(kind)
        spare = await self._take(_key(kind, hash_seed, extra_path, preload))
        if spare is None and self.streams:
            try:
                spare = await self._start(kind, hash_seed, extra_path, preload)
            except SandboxUnavailable:
                raise
            except SandboxError:
                return None  # could not start: the caller's one-shot run reports why
        return spare

    def let_go(self, spare: Spare) -> None:
        """Kill ``spare`` (from :meth:`acquire`) in the background; :meth:`close` awaits it."""
        self._releasing.append(asyncio.create_task(self._close_spare(spare)))

    async def _close_spare(self, spare: Spare) -> None:
        await spare.standby.close()
        await self.prober.discard(spare.out_dir)

    async def run(
        self,
        job: Job,
        *,
        wall: float,
        hash_seed: int = 0,
        extra_path: Sequence[Path] = (),
        on_output: OutputSink | None = None,
        refill: bool = False,
        preload: Sequence[str] = (),
    ) -> tuple[RunResult, Path]:
        """Run ``job``; returns its result and its output folder (the caller discards it).

        ``refill``: start the next sandbox of this kind and seed right away.
        ``preload``: the wrapper's options the job's sandbox starts with (see prestart).
        """
        if self.closed:
            raise SandboxError("the generation's sandboxes are closed")
        key = _key(job.kind, hash_seed, extra_path, preload)
        # Staged first: from the moment a sandbox is this job's, nothing is awaited until
        # the run that owns (and, cancelled, kills) it, so a cancel cannot leave it behind.
        inputs = await self.inputs(job.kind)
        spare = await self._take(key)
        if spare is None and self.streams:
            try:
                spare = await self._start(job.kind, hash_seed, extra_path, preload)
            except SandboxUnavailable:
                raise
            except SandboxError:
                spare = None  # could not start: the one-shot run reports why, as ever
        if refill:
            self.prestart(job.kind, hash_seed, extra_path, preload)
        self.prober.runs += 1
        if spare is None:
            return await self._one_shot(job, inputs, wall, hash_seed, extra_path, on_output)
        try:
            result = await spare.standby.run(
                job.payload(inputs, spare.out_dir),
                wall_seconds=max(3.0, wall),
                on_output=on_output,
            )
        except BaseException:
            await self.prober.discard(spare.out_dir)
            raise
        return result, spare.out_dir

    async def _one_shot(
        self,
        job: Job,
        inputs: Path,
        wall: float,
        hash_seed: int,
        extra_path: Sequence[Path],
        on_output: OutputSink | None,
    ) -> tuple[RunResult, Path]:
        """The job as a staged file, run by the wrapper in a one-shot sandbox."""
        prober = self.prober
        out = await prober.output_folder()
        try:
            staged = await prober.stage_inputs({"job.json": job.payload(inputs, out).decode()})
        except BaseException:
            await prober.discard(out)
            raise
        try:
            result = await prober.run_argv(
                [prober.python, str(inputs / WRAPPER), "--job", str(staged / "job.json")],
                wall=wall,
                hash_seed=hash_seed,
                label=f"{job.kind} job",
                out_dir=out,
                read_only=(inputs, staged),
                extra_path=extra_path,
                on_output=on_output,
                count=False,
            )
        except BaseException:
            await prober.discard(out)
            raise
        finally:
            await prober.discard(staged)
        return result, out

    def release(self, kind: str, hash_seed: int | None = None) -> None:
        """No more jobs of ``kind`` (of ``hash_seed`` if given) will come: kill the sandboxes
        started ahead for them.

        They would only take CPU from the jobs still to come (two cores: the
        verification's). The kill runs in the background; :meth:`close` awaits it.
        A job of that kind that comes after all starts its own sandbox, as ever.
        """
        keys = [
            key
            for key in self._pending
            if key[0] == kind and (hash_seed is None or key[1] == hash_seed)
        ]
        tasks = [self._pending.pop(key) for key in keys]
        if tasks:
            self._releasing.append(asyncio.create_task(self._close_all(tasks)))

    async def close(self) -> None:
        """Kill every sandbox still waiting for a job and remove its folder; idempotent."""
        self.closed = True
        tasks = [*self._pending.values(), *self._leftover]
        self._pending.clear()
        self._leftover.clear()
        releasing, self._releasing = self._releasing, []
        if tasks or releasing:
            # Shielded: a cancel of the generation must still reach every sandbox.
            await asyncio.shield(self._close_all(tasks, releasing))

    async def _close_all(
        self, tasks: list[asyncio.Task[Spare | None]], releasing: Sequence[asyncio.Task[None]] = ()
    ) -> None:
        # A release's kill under way is waited for: it too must be over when close returns.
        await asyncio.gather(*releasing, return_exceptions=True)
        for task in tasks:
            # Never cancelled mid-start (a process could be left half-supervised): awaited.
            try:
                spare = await task
            except Exception:
                continue
            if spare is not None:
                await self._close_spare(spare)

    def describe(self) -> dict[str, Any]:
        """What the runs did, for the log: streamed or one-shot, and warm hand-overs."""
        return {"streams": self.streams, "warm_hits": self.warm_hits}


def _key(kind: str, hash_seed: int, extra_path: Sequence[Path], preload: Sequence[str]) -> Key:
    return (kind, hash_seed, tuple(map(str, extra_path)), tuple(preload))
