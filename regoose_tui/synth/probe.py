"""Run the probe harness in the sandbox and read back what it observed.

One process imports the target once and runs a batch of candidates. When a
candidate kills the interpreter (segfault, ``os._exit``, a hang the alarm
cannot break), the batch is rerun without it, so one bad call costs one
restart, not the batch.

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
from regoose_tui.domain.import_check import import_failed, import_hung, import_limit
from regoose_tui.domain.target import TargetModule
from regoose_tui.errors import SandboxTimeout, TargetImportError
from regoose_tui.runtime.base import Limits, OutputSink, RunResult, RunSpec, Runtime
from regoose_tui.runtime.keep_staging import PLUGIN_MODULE, plugin_source
from regoose_tui.runtime.python_env import draw_shim_dir
from regoose_tui.runtime.safe_io import (
    private_folder,
    read_result_text_async,
    stage_file,
)
from regoose_tui.synth.verify_driver import SCRIPT as VERIFY_DRIVER
from regoose_tui.synth.warm_runs import Job, WarmRuns

_SCRIPT = Path(__file__).with_name("probe_script.py")
_DESCRIBE = Path(__file__).with_name("probe_describe.py")
_DRAW = Path(__file__).with_name("probe_draw.py")
#: The introspection's Hypothesis draws (probe_draw.py): at most this share of the
#: budget, and never more than _DRAW_CAP seconds.
_DRAW_SHARE = 0.08
_DRAW_CAP = 4.0
#: Less than this is not worth importing Hypothesis for.
_DRAW_MIN = 0.5
_MAX_RESTARTS = 12
#: Cap on one probe output file (a batch's observed values).
_PROBE_OUTPUT_CAP = 64 * 1024**2
_OUT_NAME = "probe_out.jsonl"
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
        return await asyncio.to_thread(_stage_folder, self.work_dir, "inputs-", files)

    async def output_folder(self) -> Path:
        """A fresh, empty, private folder to be one run's writable cwd."""
        return await asyncio.to_thread(private_folder, self.work_dir, "run-")

    async def readable(self, extra_path: Sequence[Path]) -> list[Path]:
        """What a run with ``extra_path`` (links folders) on its path must be able to read."""
        return [p for folder in extra_path for p in await asyncio.to_thread(_readable, folder)]

    async def close(self) -> None:
        """Kill the sandboxes started ahead that no job took (none outlives the generation)."""
        await self.jobs.close()

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
        cwd = await self.output_folder() if out_dir is None else out_dir
        readable = await self.readable(extra_path)
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

    async def _harness(
        self,
        request: dict[str, Any],
        *,
        wall: float,
        hash_seed: int = 0,
        extra_path: Sequence[Path] = (),
    ) -> tuple[list[dict[str, Any]], RunResult]:
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
        lines = []
        for raw in text.splitlines():
            try:
                lines.append(json.loads(raw))
            except json.JSONDecodeError:
                continue
        return lines, result

    def start_before_import(self) -> None:
        """Start the sandboxes of the verification and of the first probe round now.

        Neither imports anything of the project before its job comes, so neither
        need wait for the introspection: the verification's preload (pytest and
        coverage.py) is the longest of all, about half a second, and a first round
        started after the introspection waited for its own interpreter to start.
        """
        self.jobs.prestart("pytest", 0)
        self.jobs.prestart("probe", 0)

    def start_ahead(self) -> None:
        """Start the sandboxes the next jobs take: a probe round, both determinism runs
        (their hash seeds, synth/finalize.py) and the verification (pytest imported)."""
        for seed in (0, 1, 2):
            self.jobs.prestart("probe", seed)
        self.jobs.prestart("pytest", 0)

    async def introspect(self) -> dict[str, Any]:
        """Import the target in the sandbox and describe its members."""
        # Hypothesis reaches only this command, on a links folder put last on its path.
        shim = await asyncio.to_thread(draw_shim_dir)
        draw_seconds = min(_DRAW_CAP, max(0.0, self.remaining()) * _DRAW_SHARE) if shim else 0.0
        draw_seconds = draw_seconds if draw_seconds >= _DRAW_MIN else 0.0
        # The generation's one import of the target (the analyzer skips its own check
        # for this provider): the analyzer's limit, and its one-line errors.
        limit = import_limit(self.remaining())
        request = {
            "mode": "introspect",
            "module": self.target.module,
            "import_timeout": limit,
            "draw_seconds": draw_seconds,
        }
        lines, result = await self._harness(
            request,
            wall=min(60.0, max(10.0, self.remaining())),
            extra_path=(shim,) if shim else (),
        )
        for line in lines:
            if line.get("import_timed_out"):
                raise import_hung(self.target, limit)
            if "import_error" in line:
                raise import_failed(self.target, str(line["import_error"]))
            if "introspect" in line:
                if line["introspect"].get("draws"):
                    self.log(f"typed inputs: {line['introspect']['draws']}")
                # The target imports: the sandboxes of the jobs to come can start now.
                self.start_ahead()
                return line["introspect"]
        if result.timed_out:
            raise import_hung(self.target, limit)
        raise import_failed(self.target, result.stderr or result.stdout)

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
        results: dict[int, dict[str, Any]] = {}
        skip: set[int] = set()
        # One deadline for all restarts: a restart must not get a fresh allowance.
        deadline = self.deadline if wall is None else time.monotonic() + wall
        pending = [c for c in candidates]
        for _attempt in range(_MAX_RESTARTS):
            todo = [c for c in pending if c["id"] not in results and c["id"] not in skip]
            if not todo:
                break
            budget = deadline - time.monotonic()
            # Below half a second (not 2 s): the explorer hands a round as little as 1 s
            # of wall, and "now + 2 s" was already under 2 s here, so such a round ran nothing.
            if budget < 0.5:
                break
            request = {
                "mode": "run",
                "module": self.target.module,
                "names": names,
                "candidates": todo,
                "timeout": call_timeout,
                "trace": trace,
                "perturb_time": perturb_time,
                "random_seed": random_seed,
                "import_timeout": 30,
            }
            wall_limit = min(budget, 15.0 + len(todo) * (call_timeout + 0.05))
            lines, outcome = await self._harness(request, wall=wall_limit, hash_seed=hash_seed)
            started: int | None = None
            done = False
            for line in lines:
                if "start" in line:
                    started = line["start"]
                elif "id" in line:
                    results[line["id"]] = line
                    started = None
                elif line.get("done"):
                    done = True
                elif "import_error" in line:
                    raise TargetImportError(
                        f"importing {self.target.module} failed: {line['import_error']}"
                    )
            if done:
                break
            if started is not None:
                kind = "timeout" if outcome.timed_out else "crash"
                results[started] = {"id": started, "outcome": kind}
                self.log(f"candidate {started} ended the probe process ({kind}); continuing")
            elif outcome.timed_out:
                raise SandboxTimeout("the probe process ran out of time")
            else:
                break
        return results


def _harness_files() -> dict[str, str]:
    """The probe harness and the helpers it imports from its own folder."""
    return {
        "_regoose_probe.py": _SCRIPT.read_text(encoding="utf-8"),
        "_regoose_probe_describe.py": _DESCRIBE.read_text(encoding="utf-8"),
        "_regoose_probe_draw.py": _DRAW.read_text(encoding="utf-8"),
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
