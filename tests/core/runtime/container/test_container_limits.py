"""The container's cgroup limits, said in the result: an OOM kill is limit_hit "memory"."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace

import pytest

from regoose_tui.runtime.base import Limits, RunSpec
from regoose_tui.runtime.container.runtime import ContainerRuntime

pytestmark = pytest.mark.containers

_HOG = "b = b'x' * (400 * 1024**2)\nprint('survived', len(b))\n"


def test_a_process_killed_by_the_memory_limit_is_limit_hit_memory(
    container_runtime: ContainerRuntime, spec_for: Callable[..., RunSpec]
) -> None:
    spec = spec_for(_HOG)
    spec = replace(spec, limits=Limits(wall_seconds=60, memory_bytes=128 * 1024**2))

    async def scenario() -> None:
        result = await container_runtime.run(spec)
        assert "survived" not in result.stdout
        assert result.exit_code not in (0, None) and not result.timed_out
        assert result.limit_hit == "memory", (result.exit_code, result.stderr[-2000:])
        noted = [line for line in result.stderr.splitlines() if "memory limit" in line]
        assert noted == [
            "[regoose: the run hit its memory limit (128 MiB): the kernel killed a process (OOM)]"
        ]
        # The same container (or its replacement) serves the next run, which hits nothing.
        calm = replace(spec_for("print('calm')"), limits=spec.limits)
        again = await container_runtime.run(calm)
        assert again.ok and again.stdout.strip() == "calm" and again.limit_hit == ""

    asyncio.run(scenario())
