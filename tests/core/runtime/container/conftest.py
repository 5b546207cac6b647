"""Fixtures for the container runtime tests: real engines, real containers."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from regoose_tui.runtime.base import Limits, RunSpec
from regoose_tui.runtime.container import labels
from regoose_tui.runtime.container.client import client_for
from regoose_tui.runtime.container.endpoints import find, owner_token
from regoose_tui.runtime.container.runtime import (
    ContainerRuntime,
    DockerRuntime,
    PodmanRuntime,
    drain_all,
)

PYTHON = sys.executable


@pytest.fixture(params=["docker", "podman"])
def engine(request: pytest.FixtureRequest, require_engine: Callable[[str], None]) -> str:
    """Each engine in turn (skipped when absent, failed when CI requires it)."""
    require_engine(request.param)
    return str(request.param)


def leftovers(kind: str) -> list[str]:
    """This process's containers and volumes still on the engine."""
    probe = find("docker" if kind == "docker" else "podman")
    assert probe.endpoint is not None
    client = client_for(probe.endpoint.url)
    mine = f"{labels.OWNER}={owner_token()}"
    names = [c.short_id for c in client.containers.list(all=True, filters={"label": mine})]
    names += [str(v.name) for v in client.volumes.list(filters={"label": mine})]
    return names


@pytest.fixture(name="leftovers")
def leftovers_fixture() -> Callable[[str], list[str]]:
    """``leftovers(engine)``: this process's containers and volumes still there."""
    return leftovers


@pytest.fixture
def container_runtime(engine: str) -> Iterator[ContainerRuntime]:
    """A runtime of ``engine`` with a pool of 2; nothing of it may be left afterwards."""
    cls = DockerRuntime if engine == "docker" else PodmanRuntime
    runtime = cls(pool_size=2)
    yield runtime
    drain_all()
    assert leftovers(engine) == []


@pytest.fixture
def spec_for(tmp_path: Path) -> Callable[..., RunSpec]:
    """A RunSpec for a Python snippet in a fresh world-readable project and work folder."""
    project = tmp_path / "project"
    project.mkdir(mode=0o755)
    project.chmod(0o755)
    counter = iter(range(1000))

    def make(code: str, *, wall: float = 30.0, **extra: object) -> RunSpec:
        work = tmp_path / f"work{next(counter)}"
        work.mkdir(mode=0o700)
        return RunSpec(
            argv=[PYTHON, "-c", code],
            project_dir=project,
            work_dir=work,
            limits=Limits(wall_seconds=wall),
            **extra,  # type: ignore[arg-type]  # read_only_paths / env, checked by RunSpec
        )

    return make
