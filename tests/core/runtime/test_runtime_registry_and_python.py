"""Choosing a runtime by name, and choosing the Python that runs the user's code."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from sandbox_helpers import require_bwrap

from regoose_tui.errors import SandboxUnavailable, UsageError
from regoose_tui.runtime import python_env
from regoose_tui.runtime.base import Limits, RunSpec
from regoose_tui.runtime.python_env import resolve_python, resolve_python_async
from regoose_tui.runtime.registry import (
    available_runtimes,
    configure,
    get_runtime,
    runtime_report,
)


def test_auto_picks_the_strongest_usable_runtime() -> None:
    require_bwrap()
    runtime = get_runtime("auto")
    assert runtime.name == "bwrap" and runtime.isolated
    assert get_runtime(" BWRAP ").name == "bwrap"


def test_local_is_available_by_name_and_flagged() -> None:
    runtime = get_runtime("local")
    assert runtime.name == "local" and not runtime.isolated
    assert "NOT ISOLATED" in runtime.describe()


def test_auto_never_falls_back_to_local_silently(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(SandboxUnavailable, match="install bubblewrap") as caught:
        get_runtime("auto")
    assert "\n" not in str(caught.value) and "--runtime local" in str(caught.value)
    with pytest.raises(SandboxUnavailable, match="not installed"):
        get_runtime("bwrap")
    assert get_runtime("local").name == "local"  # an explicit choice still works


def test_auto_falls_back_to_local_only_when_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    runtime = get_runtime("auto", allow_unisolated=True)
    assert runtime.name == "local" and not runtime.isolated
    try:
        configure(allow_unisolated=True)
        assert get_runtime("auto").name == "local"
    finally:
        configure()


def test_configured_limits_cap_every_run() -> None:
    ceiling = Limits(wall_seconds=5, memory_bytes=128 * 1024**2, nproc=32)
    try:
        configure(ceiling)
        runtime = get_runtime("local")
    finally:
        configure()
    assert runtime.limits == ceiling
    assert get_runtime("local").limits is None
    own = RunSpec(argv=["x"], project_dir=Path("/"), work_dir=Path("/"), limits=Limits())
    got = runtime.effective_limits(own)
    assert (got.wall_seconds, got.memory_bytes, got.nproc) == (5, 128 * 1024**2, 32)
    looser = Limits(wall_seconds=1, memory_bytes=10**12, nproc=10)
    got = runtime.effective_limits(replace(own, limits=looser))
    assert (got.wall_seconds, got.memory_bytes, got.nproc) == (1, 128 * 1024**2, 10)


def test_unknown_runtime_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown runtime 'chroot'"):
        get_runtime("chroot")


@pytest.mark.parametrize("name", ["docker", "podman"])
def test_a_container_engine_that_is_not_there_is_one_clear_line(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from regoose_tui.runtime.container import endpoints

    missing = f"unix://{tmp_path}/no-engine.sock"
    monkeypatch.setattr(endpoints, "candidates", lambda kind: [missing])
    endpoints.forget()
    try:
        with pytest.raises(SandboxUnavailable, match=f"runtime '{name}' is not usable") as caught:
            get_runtime(name)
    finally:
        endpoints.forget()
    message = str(caught.value)
    assert "\n" not in message and f"no {name} engine answered" in message
    assert "start" in message  # says how to get one


def test_auto_order_comes_from_the_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    from regoose_tui.runtime.registry import auto_order

    assert auto_order() == ("bwrap",)  # the suite's own setting (tests/conftest.py)
    monkeypatch.delenv("REGOOSE_RUNTIME__AUTO_ORDER")
    assert auto_order() == ("docker", "podman", "bwrap")
    try:
        configure(auto_order=["podman", "bwrap"])
        assert auto_order() == ("podman", "bwrap")
        configure(auto_order=["local"])
        with pytest.raises(UsageError, match="auto_order"):
            get_runtime("auto")
    finally:
        configure()


def test_auto_says_which_runtime_it_picked_and_why() -> None:
    require_bwrap()
    runtime = get_runtime("auto")
    assert runtime.selection.startswith("auto picked bwrap: bubblewrap at ")


def test_doctor_report_lists_every_runtime_strongest_first() -> None:
    rows = runtime_report()
    assert [name for name, _, _ in rows] == ["docker", "podman", "bwrap", "local"]
    usable = {name: ok for name, ok, _ in rows}
    assert usable["local"]
    for name in ("docker", "podman", "bwrap"):
        assert usable[name] == available_runtimes()[name].usable
    assert all(reason for _, _, reason in rows)


def test_regoose_python_has_the_tools() -> None:
    env = resolve_python({})
    assert env.source == "regoose"
    assert env.executable == Path(sys.executable)
    assert env.has_pytest and env.has_coverage and env.extra_pythonpath == ()
    assert env.version == ".".join(map(str, sys.version_info[:3]))


def test_missing_venv_falls_back_with_a_note(tmp_path: Path) -> None:
    env = resolve_python({"VIRTUAL_ENV": str(tmp_path / "gone")})
    assert env.source == "regoose" and "has no bin/python" in env.note


def test_venv_without_tools_borrows_regooses(bare_venv: Path, private_cache: Path) -> None:
    env = resolve_python({"VIRTUAL_ENV": str(bare_venv)})
    assert env.source == "VIRTUAL_ENV"
    assert env.executable == bare_venv / "bin" / "python"
    assert not env.has_pytest and not env.has_coverage
    assert "pytest and coverage borrowed" in env.note
    (shim,) = env.extra_pythonpath
    assert shim.is_relative_to(private_cache)
    names = {p.name for p in shim.iterdir()}
    assert {"pytest", "_pytest", "pluggy", "coverage"} <= names
    # Only the tools: none of Regoose's other packages or pytest plugins.
    assert not names & {"textual", "hypothesis", "pytest_asyncio", "regoose_tui", "pydantic"}
    # The shim really makes the bare interpreter able to run coverage + pytest.
    done = subprocess.run(
        [str(env.executable), "-c", "import pytest, coverage; print('ok')"],
        env={"PYTHONPATH": str(shim)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.stdout.strip() == "ok", done.stderr
    # Built once, then reused.
    assert python_env.tool_shim_dir() == shim


async def test_async_resolution_matches_the_blocking_one() -> None:
    assert await resolve_python_async({}) == resolve_python({})
