"""Whether an engine's per-container limits hold: rootless Podman on cgroup v1 ignores them."""

from __future__ import annotations

import glob
from collections.abc import Callable, Iterator

import pytest

from regoose_tui.runtime.container import endpoints
from regoose_tui.runtime.container.engine_info import limits_ignored
from regoose_tui.runtime.container.runtime import PodmanRuntime

pytestmark = pytest.mark.containers


def _rootless_socket() -> tuple[str, bool] | None:
    """A rootless podman that answers, and whether it runs on cgroup v1, asked the slow
    way (libpod's own /info), to hold Regoose's quick look at the host against."""
    from regoose_tui.runtime.container.client import client_for

    for path in sorted(glob.glob("/run/user/*/podman/podman.sock")):
        url = f"unix://{path}"
        found = endpoints.ping(url)
        if not (isinstance(found, endpoints.Endpoint) and found.kind == "podman"):
            continue
        api = client_for(url).api
        host = api.get(f"{api.base_url}/v4.0.0/libpod/info", timeout=30).json()["host"]
        if host["security"]["rootless"]:
            return url, str(host["cgroupVersion"]) == "v1"
    return None


@pytest.fixture
def forget_probes() -> Iterator[None]:
    endpoints.forget()
    yield
    endpoints.forget()


def test_a_rootful_engine_holds_its_limits(
    engine: str, require_engine: Callable[[str], None]
) -> None:
    probe = endpoints.find("docker" if engine == "docker" else "podman")
    assert probe.endpoint is not None
    if "/run/user/" in probe.endpoint.url:
        pytest.skip("the podman found here is a rootless one")
    assert limits_ignored(probe.endpoint.url, probe.endpoint.kind) == ""


def test_rootless_podman_says_whether_its_limits_hold(
    monkeypatch: pytest.MonkeyPatch, forget_probes: None
) -> None:
    found = _rootless_socket()
    if found is None:
        pytest.skip("no rootless podman socket answers under /run/user/*/podman")
    url, on_v1 = found
    monkeypatch.setenv("CONTAINER_HOST", url)
    endpoints.forget()
    said = PodmanRuntime().enforcement()
    if on_v1:
        assert "NOT capped" in said and "rootless podman on cgroup v1" in said, said
    else:
        assert said == "memory and pids capped per run by the container's cgroup"
