"""The local runtime: a plain host subprocess, limited but NOT isolated.

It exists so Regoose works where no sandbox does, and runs only when the
user asks for it (``--runtime local``, or ``allow_unisolated = true`` in the
config's [runtime]): ``auto`` never picks it silently. The command sees the
host's files and network (the UI and reports say so), but:

- it runs in its own pid namespace where ``unshare`` can make one (as root,
  or with an unprivileged user namespace), behind a tiny init. There it
  cannot see Regoose's process at all, so ``/proc/$PPID/environ`` (API keys)
  is out of reach, and when the init exits the kernel kills everything left
  in the namespace: a double-forked daemon cannot outlive the run. A clean
  environment alone would not do: the child could still read the parent's
  ``/proc/<pid>/environ`` by pid. PR_SET_DUMPABLE would not do for root.
- it gets rlimits, its own session, a scrubbed environment, the work folder
  as cwd and HOME, and a run cgroup capping memory and pids when one can
  be made (``runtime.cgroup``), which also kills the whole tree at the end.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys

from regoose_tui.runtime._process import run_process, scrubbed_env
from regoose_tui.runtime._spec import check_spec
from regoose_tui.runtime._standby import Standby, start_standby
from regoose_tui.runtime.base import Availability, OutputSink, RunResult, RunSpec, Runtime

#: pid 1 of the namespace: forwards nothing, reaps orphans, exits with the
#: command's status. Without it the command itself would be pid 1, which
#: ignores signals it has no handler for (a test's own SIGTERM would hang).
_INIT = (
    "import os,sys\n"
    "pid=os.fork()\n"
    "if pid==0:\n"
    " try: os.execvp(sys.argv[1],sys.argv[1:])\n"
    " except OSError as e:\n"
    "  sys.stderr.write(f'cannot start {sys.argv[1]!r}: {e.strerror}\\n'); os._exit(127)\n"
    "while True:\n"
    " try: p,st=os.wait()\n"
    " except ChildProcessError: os._exit(1)\n"
    " if p==pid: os._exit(os.waitstatus_to_exitcode(st) if os.WIFEXITED(st) else 128+os.WTERMSIG(st))\n"
)


@functools.cache
def pid_namespace_prefix() -> tuple[str, ...]:
    """The argv prefix that starts a command in a fresh pid namespace, or () if none works.

    Probed once: ``unshare`` must exist and be allowed to make the namespaces.
    """
    unshare = shutil.which("unshare")
    if unshare is None:
        return ()
    prefix = [unshare, "--pid", "--fork", "--kill-child", "--mount-proc"]
    if os.geteuid() != 0:
        prefix[1:1] = ["--user", "--map-root-user"]
    prefix += ["--", sys.executable, "-I", "-S", "-c", _INIT]
    true = shutil.which("true") or "/bin/true"
    try:
        done = subprocess.run([*prefix, true], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return tuple(prefix) if done.returncode == 0 else ()


class LocalRuntime(Runtime):
    """Runs commands directly on the host, with limits and a clean environment."""

    name = "local"
    isolated = False
    strength = 0

    @classmethod
    def availability(cls) -> Availability:
        """Always usable: it only needs this machine."""
        hidden = (
            "own pid namespace (parent environment hidden)"
            if pid_namespace_prefix()
            else "no pid namespace here: the parent's environment is readable"
        )
        return Availability(True, f"runs on the host: NOT isolated (files and network); {hidden}")

    async def run(self, spec: RunSpec, on_output: OutputSink | None = None) -> RunResult:
        """Run ``spec.argv`` on the host in ``spec.work_dir``."""
        check_spec(spec)
        return await run_process(
            [*pid_namespace_prefix(), *spec.argv],
            cwd=spec.work_dir,
            env=scrubbed_env(spec),
            limits=self.effective_limits(spec),
            on_output=on_output,
        )

    async def standby(self, spec: RunSpec, *, standby_seconds: float) -> Standby | None:
        """Start ``spec.argv`` on the host now; it reads its job from stdin (``Standby``)."""
        check_spec(spec)
        return await start_standby(
            [*pid_namespace_prefix(), *spec.argv],
            cwd=spec.work_dir,
            env=scrubbed_env(spec),
            limits=self.effective_limits(spec),
            standby_seconds=standby_seconds,
        )
