"""Suite-wide isolation: no developer config, no real user data dir, no API keys."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

#: `auto` means bwrap in this suite, whether or not a Docker or Podman engine runs on the
#: machine: tests that want a container runtime name it. Set at import, so fixtures of any
#: scope (a module's shared generation runs before the per-test fixture below) see it.
AUTO_ORDER = '["bwrap"]'
os.environ["REGOOSE_RUNTIME__AUTO_ORDER"] = AUTO_ORDER


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups (--dist loadgroup)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Lay the tests out for pytest-xdist (see support/scheduling.py)."""
    from support.scheduling import group_container_tests, group_module_fixtures, whole_runs_first

    group_container_tests(items)
    group_module_fixtures(items)
    whole_runs_first(items)


@pytest.fixture(autouse=True)
def _isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Every test gets its own data dir and none of the developer's REGOOSE_* settings."""
    for name in list(os.environ):
        if name.startswith("REGOOSE_") or name.endswith("_API_KEY"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REGOOSE_DATA_DIR", str(tmp_path_factory.mktemp("regoose-data")))
    monkeypatch.setenv("REGOOSE_RUNTIME__AUTO_ORDER", AUTO_ORDER)
    # Commands run in-process configure the registry for the process: undo it after each test.
    from regoose_tui.runtime import registry

    monkeypatch.setattr(registry, "_config", registry.RuntimeConfig())
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    yield


@pytest.fixture
def repo_root() -> Path:
    """The checkout this suite runs from."""
    return Path(__file__).resolve().parent.parent


#: Read once, before the autouse fixture above clears every REGOOSE_* variable.
REQUIRE_CONTAINERS = os.environ.get("REGOOSE_REQUIRE_CONTAINERS") == "1"


@pytest.fixture
def require_engine() -> Callable[[str], None]:
    """``require_engine("docker")``: skip when that engine does not answer, FAIL in CI.

    .ci/run sets REGOOSE_REQUIRE_CONTAINERS=1 after starting dockerd and the
    podman service, so a real container test never passes by skipping there.
    """

    def require(kind: str) -> None:
        from regoose_tui.runtime.container import endpoints

        endpoints.forget()
        probe = endpoints.find("docker" if kind == "docker" else "podman")
        if probe.endpoint is not None:
            return
        if REQUIRE_CONTAINERS:
            pytest.fail(f"{kind} is required here: {probe.reason}", pytrace=False)
        pytest.skip(f"{kind} not reachable: {probe.reason}")

    return require
