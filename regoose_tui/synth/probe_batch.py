"""One batch of candidate calls in the sandbox, restarted past a call that kills it.

A process imports the target once and runs the batch; when a candidate ends
the interpreter (segfault, ``os._exit``, a hang the alarm cannot break) the
batch is rerun without it, so one bad call costs one restart, not the batch.
A seed-0 batch (a probe round) goes to the probe worker while it serves
(synth/probe_worker.py); a restart runs in a sandbox of its own.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from regoose_tui.errors import SandboxTimeout, TargetImportError

if TYPE_CHECKING:
    from regoose_tui.synth.probe import Prober

_MAX_RESTARTS = 12
#: Seconds a probe run's import of the target may take (the run's own wall clock bounds it).
RUN_IMPORT_TIMEOUT = 30


async def run_batch(
    prober: Prober,
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
    deadline = prober.deadline if wall is None else time.monotonic() + wall
    pending = [c for c in candidates]
    explored = hash_seed == 0 and random_seed == 0 and not perturb_time
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
            "module": prober.target.module,
            "names": names,
            "candidates": todo,
            "timeout": call_timeout,
            "trace": trace,
            "perturb_time": perturb_time,
            "random_seed": random_seed,
            "import_timeout": RUN_IMPORT_TIMEOUT,
        }
        wall_limit = min(budget, 15.0 + len(todo) * (call_timeout + 0.05))
        lines, outcome = await prober.harness(
            request,
            wall=wall_limit,
            hash_seed=hash_seed,
            # The other seeds' (the determinism runs') sandboxes import the target ahead.
            preload=() if explored else prober.import_options(random_seed, perturb_time),
            # The worker imported the target as a seed-0 round does: it serves the first.
            worker=explored,
        )
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
                    f"importing {prober.target.module} failed: {line['import_error']}"
                )
        if done:
            break
        if started is not None:
            kind = "timeout" if outcome.timed_out else "crash"
            results[started] = {"id": started, "outcome": kind}
            prober.log(f"candidate {started} ended the probe process ({kind}); continuing")
        elif outcome.timed_out:
            raise SandboxTimeout("the probe process ran out of time")
        else:
            break
    return results
