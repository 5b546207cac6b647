"""The sandbox and the interpreter of one generation, found side by side.

Both start a process on the host (a trial sandbox; the interpreter's probe,
unless probe_cache.py still knows its answer) and neither needs the other,
so they run at once: the start of a generation waits for the longer one only.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from regoose_tui.domain.layout import ProjectLayout, detect_layout
from regoose_tui.engine.options import GenerateOptions
from regoose_tui.runtime.base import Runtime
from regoose_tui.runtime.python_env import PythonEnv, resolve_python_async
from regoose_tui.runtime.registry import get_runtime


async def runtime_and_python(
    options: GenerateOptions,
    *,
    masked: tuple[Path, ...],
    runtime: Runtime | None = None,
    python: PythonEnv | None = None,
) -> tuple[Runtime, PythonEnv, ProjectLayout]:
    """The runtime ``options`` name, the project's interpreter and its layout.

    A ``runtime`` or ``python`` given is used as it is. Errors are raised as
    one at a time would: the runtime's first (both steps always finish).
    """

    async def find_runtime() -> Runtime:
        if runtime is not None:
            return runtime
        return await asyncio.to_thread(get_runtime, options.runtime, masked=masked)

    async def find_python() -> tuple[PythonEnv, ProjectLayout]:
        layout = await asyncio.to_thread(detect_layout, options.target, options.project)
        if python is not None:
            return python, layout
        # The project's own interpreter: --python, its .venv, VIRTUAL_ENV.
        found = await resolve_python_async(project=layout.root, explicit=options.python)
        return found, layout

    ran_runtime, ran_python = await asyncio.gather(
        find_runtime(), find_python(), return_exceptions=True
    )
    for result in (ran_runtime, ran_python):
        if isinstance(result, BaseException):
            raise result
    assert isinstance(ran_runtime, Runtime) and isinstance(ran_python, tuple)
    return ran_runtime, *ran_python
