"""Run the probe harness in the sandbox and read back what it observed.

One process imports the target once and runs a batch of candidates. When a
candidate kills the interpreter (segfault, ``os._exit``, a hang the alarm
cannot break), the batch is rerun without it, so one bad call costs one
restart, not the batch.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from regoose_tui.domain.target import TargetModule
from regoose_tui.errors import SandboxTimeout, TargetImportError
from regoose_tui.runtime.base import Limits, RunResult, RunSpec, Runtime

_SCRIPT = Path(__file__).with_name("probe_script.py")
_DESCRIBE = Path(__file__).with_name("probe_describe.py")
_MAX_RESTARTS = 12


class Prober:
    """Runs candidate batches for one target through a Runtime."""

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
    ) -> None:
        self.runtime = runtime
        self.target = target
        self.python = python
        self.work_dir = work_dir
        self.deadline = deadline
        self.log = log or (lambda _msg: None)
        self._counter = itertools.count()
        self.script = work_dir / "_regoose_probe.py"
        self.script.write_text(_SCRIPT.read_text(encoding="utf-8"), encoding="utf-8")
        # The harness imports its helper module from its own folder.
        helper = work_dir / "_regoose_probe_describe.py"
        helper.write_text(_DESCRIBE.read_text(encoding="utf-8"), encoding="utf-8")
        paths = [str(target.project_dir), *(str(p) for p in extra_pythonpath)]
        self.pythonpath = os.pathsep.join(paths)
        self.runs = 0

    def env(self, hash_seed: int = 0) -> dict[str, str]:
        """Environment of every sandboxed command of this engine run."""
        return {
            "PYTHONPATH": self.pythonpath,
            "PYTHONHASHSEED": str(hash_seed),
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONIOENCODING": "utf-8",
        }

    def remaining(self) -> float:
        """Seconds left before the engine's deadline."""
        return self.deadline - time.monotonic()

    async def run_argv(
        self, argv: list[str], *, wall: float, hash_seed: int = 0, label: str = ""
    ) -> RunResult:
        """Run one command in the sandbox with this engine's environment."""
        self.runs += 1
        spec = RunSpec(
            argv=argv,
            project_dir=self.target.project_dir,
            work_dir=self.work_dir,
            env=self.env(hash_seed),
            limits=Limits(wall_seconds=max(3.0, wall)),
            label=label,
        )
        return await self.runtime.run(spec)

    async def _harness(
        self, request: dict[str, Any], *, wall: float, hash_seed: int = 0
    ) -> tuple[list[dict[str, Any]], RunResult]:
        n = next(self._counter)
        req_path = self.work_dir / f"probe_req_{n}.json"
        out_path = self.work_dir / f"probe_out_{n}.jsonl"
        req_path.write_text(json.dumps(request), encoding="utf-8")
        out_path.write_text("", encoding="utf-8")
        result = await self.run_argv(
            [self.python, str(self.script), str(req_path), str(out_path)],
            wall=wall,
            hash_seed=hash_seed,
            label=f"probe {request['mode']}",
        )
        lines = []
        for raw in out_path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                lines.append(json.loads(raw))
            except json.JSONDecodeError:
                continue
        return lines, result

    async def introspect(self) -> dict[str, Any]:
        """Import the target in the sandbox and describe its members."""
        request = {"mode": "introspect", "module": self.target.module, "import_timeout": 30}
        lines, result = await self._harness(request, wall=min(60.0, max(10.0, self.remaining())))
        for line in lines:
            if "import_error" in line:
                raise TargetImportError(
                    f"importing {self.target.module} failed: {line['import_error']}"
                )
            if "introspect" in line:
                return line["introspect"]
        if result.timed_out:
            raise TargetImportError(f"importing {self.target.module} did not finish in time")
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise TargetImportError(
            f"could not import {self.target.module}: {' | '.join(tail) or 'no output'}"
        )

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
            if budget < 2.0:
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
