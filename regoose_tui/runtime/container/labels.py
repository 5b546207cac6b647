"""Labels on everything Regoose starts, and removal of what a dead process left.

Every container carries ``regoose.owner=<host>:<pid>:<start time>``. A
process that crashes (or is SIGKILLed) cannot remove its containers, so the
next Regoose process that talks to the engine removes those whose owner is
no longer running on this host (same host name, and no live process with
that pid and start time).
"""

from __future__ import annotations

import logging
import socket
from typing import TYPE_CHECKING

from regoose_tui.runtime.container.endpoints import EngineKind, owner_token, process_start

if TYPE_CHECKING:
    import docker

_log = logging.getLogger(__name__)

#: Present on every container Regoose creates (the value is its owner).
OWNER = "regoose.owner"
#: "run" (one command) or "pool" (a warm container reused with exec).
ROLE = "regoose.role"
#: The pool key of a warm container (a digest of its mounts and limits).
POOL_KEY = "regoose.pool-key"
#: On the sandbox image: the digest of what it was built from.
IMAGE = "regoose.sandbox-image"


def labels(role: str, **extra: str) -> dict[str, str]:
    """The labels of a container this process creates."""
    return {OWNER: owner_token(), ROLE: role, **extra}


def owner_alive(token: str) -> bool:
    """True when the process named by an owner label may still be running.

    A label from another host is presumed alive (we cannot look), a
    malformed one is not.
    """
    host, _, rest = token.partition(":")
    pid_text, _, started = rest.partition(":")
    if host != socket.gethostname():
        return True
    if not pid_text.isdigit():
        return False
    return bool(started) and process_start(int(pid_text)) == started


def remove_orphans(client: docker.DockerClient) -> list[str]:
    """Force-remove Regoose containers whose owner is dead; their short ids."""
    removed: list[str] = []
    for container in client.containers.list(all=True, filters={"label": OWNER}):
        token = container.labels.get(OWNER, "")
        if owner_alive(token):
            continue
        try:
            container.remove(force=True, v=True)
            removed.append(container.short_id)
        except Exception as exc:  # gone already, or being removed by someone else
            _log.debug("could not remove leftover container %s: %s", container.short_id, exc)
    return removed


def own_containers(client: docker.DockerClient) -> list[docker.models.containers.Container]:
    """Containers this process created (still present)."""
    token = owner_token()
    return client.containers.list(all=True, filters={"label": f"{OWNER}={token}"})


def left_by_dead_owners(kind: EngineKind) -> list[str]:
    """Regoose containers and volumes on the ``kind`` engine whose owner has exited.

    What ``regoose sandbox status`` counts as leftovers, and what the tests
    check is empty after a run (blocking; the engine must answer).
    """
    from regoose_tui.runtime.container.client import client_for
    from regoose_tui.runtime.container.endpoints import find

    probe = find(kind)
    if probe.endpoint is None:
        return []
    client = client_for(probe.endpoint.url)
    found = [
        c.short_id
        for c in client.containers.list(all=True, filters={"label": OWNER})
        if not owner_alive(c.labels.get(OWNER, ""))
    ]
    found += [
        str(v.name)
        for v in client.volumes.list(filters={"label": OWNER})
        if not owner_alive((v.attrs.get("Labels") or {}).get(OWNER, ""))
    ]
    return found
