"""The introspection: import the target in the sandbox and describe its members.

The probe worker (probe_worker.py) describes the target without Hypothesis
on its path, its first round must run as the tests do; only when a signature
names a class to draw examples for (probe_draw.py) does a sandbox of its own,
with Hypothesis's links folder last on its path, describe it again with the
draws (started beside the worker when the source suggests it: draw_guess.py).
Where no worker serves (docker, podman; a prober nobody closes) one sandbox
with the links folder does both, as before.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from regoose_tui.domain.import_check import import_failed, import_hung
from regoose_tui.runtime.base import RunResult
from regoose_tui.runtime.python_env import draw_shim_dir

if TYPE_CHECKING:
    from regoose_tui.synth.probe import Prober

#: The introspection's Hypothesis draws (probe_draw.py): at most this share of the
#: budget, and never more than _DRAW_CAP seconds.
_DRAW_SHARE = 0.08
_DRAW_CAP = 4.0
#: Less than this is not worth importing Hypothesis for.
_DRAW_MIN = 0.5


async def introspect(prober: Prober) -> dict[str, Any]:
    """The target's description (its import's error raised as TargetImportError)."""
    worker = prober.worker.alive
    shim = None if worker else await asyncio.to_thread(draw_shim_dir)
    draw_seconds = min(_DRAW_CAP, max(0.0, prober.remaining()) * _DRAW_SHARE)
    draw_seconds = draw_seconds if draw_seconds >= _DRAW_MIN else 0.0
    # The generation's one import of the target (the analyzer skips its own check
    # for this provider): the analyzer's limit (the one its sandbox started with,
    # when it was started ahead), and its one-line errors.
    limit = float(prober.intro_options[prober.intro_options.index("--import-timeout") + 1])
    request = {
        "mode": "introspect",
        "module": prober.target.module,
        "import_timeout": limit,
        "draw_seconds": draw_seconds if worker or shim else 0.0,
        "draw_elsewhere": worker,
    }
    wall = min(60.0, max(10.0, prober.remaining()))
    extra = (shim,) if shim else ()
    lines, result = await prober.harness(
        request, wall=wall, extra_path=extra, preload=prober.intro_options, worker=worker
    )
    intro = _described(prober, lines, result, limit)
    ahead, prober.draws_ahead = prober.draws_ahead, None
    if ahead is not None:
        await asyncio.shield(ahead)  # its sandbox is among the jobs' from then on
    if intro.get("draws_wanted"):
        shim = await asyncio.to_thread(draw_shim_dir)
        if shim is not None:
            request["draw_elsewhere"] = False
            lines, result = await prober.harness(
                request, wall=wall, extra_path=(shim,), preload=prober.intro_options
            )
            intro = _described(prober, lines, result, limit)
    else:
        prober.jobs.release("probe", 0)  # the draws' sandbox, if one was started for them
    if intro.get("draws"):
        prober.log(f"typed inputs: {intro['draws']}")
    # The target imports: the sandboxes of the jobs to come can start now.
    prober.start_ahead()
    return intro


def _described(prober: Prober, lines: list[dict[str, Any]], result: RunResult, limit: float) -> Any:
    """The introspection's description, or the import's error."""
    for line in lines:
        if line.get("import_timed_out"):
            raise import_hung(prober.target, limit)
        if "import_error" in line:
            raise import_failed(prober.target, str(line["import_error"]))
        if "introspect" in line:
            return line["introspect"]
    if result.timed_out:
        raise import_hung(prober.target, limit)
    raise import_failed(prober.target, result.stderr or result.stdout)
