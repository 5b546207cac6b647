"""Whether an engine's per-container limits hold: a rootless engine on cgroup v1 ignores them.

A rootless Podman (or rootless Docker) on a cgroup v1 host cannot create
cgroups for its containers: it runs them, but ignores every memory, pids
and CPU limit (Podman says "Resource limits are not supported and ignored
on cgroups V1 rootless systems"). Regoose must then say that the whole-run
limits do not hold, the way bwrap says it when no cgroup is usable.

Asking the engine costs seconds (libpod's ``/info`` walks its whole store;
the docker-compatible ``/info`` does not even tell rootless Podman apart),
so this looks at the host instead, which is where a unix socket's engine
runs: the socket of a rootless engine belongs to its user, not root, and a
cgroup v2 host lists its controllers at the root of /sys/fs/cgroup. An
engine over TCP is presumed to hold its limits (nothing to look at).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

#: Present at the root of a unified (cgroup v2) hierarchy only.
_V2_MARKER = Path("/sys/fs/cgroup/cgroup.controllers")


def rootless(url: str) -> bool:
    """True when the engine at ``url`` is a unix socket owned by a user other than root."""
    parsed = urlparse(url)
    if parsed.scheme != "unix":
        return False
    try:
        return os.stat(parsed.path).st_uid != 0
    except OSError:
        return False


def host_cgroup_v1() -> bool:
    """True on a host without a unified (v2) cgroup hierarchy."""
    return not _V2_MARKER.exists()


def limits_ignored(url: str, kind: str) -> str:
    """Why the engine at ``url`` ignores per-container limits ("" when they hold)."""
    if rootless(url) and host_cgroup_v1():
        return f"rootless {kind} on cgroup v1 ignores memory, pids and CPU limits"
    return ""
