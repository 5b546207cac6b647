"""The local runtime: a plain host subprocess, limited but NOT isolated.

It exists so Regoose works where no sandbox does. The command gets rlimits,
its own process group (killed as a whole), a scrubbed environment and the
work folder as cwd and HOME, but it sees the host's files and network: the
UI and reports say so.
"""

from __future__ import annotations

from regoose_tui.runtime._process import run_process, scrubbed_env
from regoose_tui.runtime._spec import check_spec
from regoose_tui.runtime.base import Availability, OutputSink, RunResult, RunSpec, Runtime


class LocalRuntime(Runtime):
    """Runs commands directly on the host, with limits and a clean environment."""

    name = "local"
    isolated = False
    strength = 0

    @classmethod
    def availability(cls) -> Availability:
        """Always usable: it only needs this machine."""
        return Availability(True, "runs on the host: NOT isolated (files and network reachable)")

    async def run(self, spec: RunSpec, on_output: OutputSink | None = None) -> RunResult:
        """Run ``spec.argv`` on the host in ``spec.work_dir``."""
        check_spec(spec)
        return await run_process(
            spec.argv,
            cwd=spec.work_dir,
            env=scrubbed_env(spec),
            limits=spec.limits,
            on_output=on_output,
        )
