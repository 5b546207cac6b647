"""The generation's first probe process: the introspection, then the first probe round.

One sandbox, started ahead with the target imported (``preimport``,
synth/warm_start.py), serves the introspection and then the first probe
round over its stdin (``serve``, synth/probe_serve.py): the
round needs no import of its own and starts the moment the introspection is
read. Each later round runs in a fresh sandbox of its own, as before
(nothing one round leaves behind reaches the next). Each request's answer is
a file of its own in the worker's output folder, read back with the capped
no-follow reads of every sandbox result; the worker says it is done with a
line on stdout (``Standby.request``).

The worker is let go after the first round, or before it (the round then
runs in a sandbox of its own, synth/warm_runs.py) when it cannot serve: the
runtime cannot stream (docker, podman), or it crashed or ran out of time
(the batch's restart starts a fresh sandbox, as for any round). Its path is
the rounds' (no Hypothesis links folder): when the target's signatures want
drawn examples, a sandbox of its own describes the target again with the
draws (Prober.introspect). The determinism runs never come here: they
need processes of their own, with other hash seeds.
"""

from __future__ import annotations

import itertools
import json
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from regoose_tui.runtime.base import RunResult
from regoose_tui.runtime.safe_io import json_lines, read_result_text_async
from regoose_tui.synth.warm_runs import Spare, WarmRuns

#: Added to the wrapper's options of the sandbox that is the worker.
SERVE = "--serve"
#: Cap on one answer file (a round's observed values), as for a one-shot round.
_ANSWER_CAP = 64 * 1024**2


class ProbeWorker:
    """One long-lived probe sandbox for a generation (see the module docstring)."""

    def __init__(self, jobs: WarmRuns) -> None:
        self.jobs = jobs
        self._spare: Spare | None = None
        self._count = itertools.count(1)
        #: True once the worker is let go: no request comes here any more.
        self.gone = False
        #: Requests it answered (for the log and the tests).
        self.served = 0

    def prestart(self, extra_path: Sequence[Path], preload: Sequence[str]) -> None:
        """Start the worker's sandbox now (its first request's path and import options)."""
        self.jobs.prestart("probe", 0, extra_path, (*preload, SERVE))

    @property
    def alive(self) -> bool:
        """Whether a request may come here: not let go, and owned by one who closes it
        (``WarmRuns.ahead``: a caller that never closes the prober gets one-shot runs)."""
        return not self.gone and self.jobs.ahead and not self.jobs.closed

    async def request(
        self,
        request: dict[str, Any],
        *,
        wall: float,
        extra_path: Sequence[Path] = (),
        preload: Sequence[str] = (),
        last: bool = False,
    ) -> tuple[list[dict[str, Any]], RunResult] | None:
        """The answer's lines and the run's result; None when the worker cannot serve it.

        The first request sets the worker's sandbox (``extra_path``, ``preload``);
        the later ones are served by that sandbox whatever they name.
        ``last`` lets the worker go once it is answered.
        """
        if not self.alive:
            return None
        spare = self._spare
        if spare is None:
            spare = await self.jobs.acquire("probe", 0, extra_path, (*preload, SERVE))
            if spare is None:
                self.gone = True
                return None
            self._spare = spare
        if not spare.standby.waiting and not spare.standby.serving:
            self.let_go()  # it died while it waited: the caller runs the request elsewhere
            return None
        number = next(self._count)
        name = f"answer-{number}.jsonl"
        reply = f"regoose-answered {number} {secrets.token_hex(8)}"
        message = {"request": request, "out": name, "reply": reply}
        self.jobs.prober.runs += 1
        try:
            result = await spare.standby.request(
                (json.dumps(message) + "\n").encode("utf-8"),
                wall_seconds=max(3.0, wall),
                reply=reply,
            )
            try:
                text = await read_result_text_async(
                    spare.out_dir / name, max_bytes=_ANSWER_CAP, name=name
                )
            except FileNotFoundError:
                text = ""  # it died before its first line
        except BaseException:
            self.let_go()
            raise
        lines = json_lines(text)
        self.served += 1
        done = any(line.get("worker") == "last" for line in lines)
        if last or done or result.exit_code is not None:
            self.let_go()
        return lines, result

    def let_go(self) -> None:
        """No more requests come here: the sandbox is killed in the background."""
        self.gone = True
        spare, self._spare = self._spare, None
        if spare is not None:
            self.jobs.let_go(spare)
