"""What a test's own `regoose` processes left on a container engine.

The suite runs under pytest-xdist: while one test checks that its runs left no
container behind, another worker may have just SIGKILLed a Regoose on purpose
(its container waits for the next process's cleanup). So a test asks about the
processes it started, by the pid in the ``regoose.owner`` label, never about
every dead owner on the engine.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable

from regoose_tui.runtime.container.endpoints import EngineKind


def _owned_by(token: str, pids: set[int]) -> bool:
    """True when an owner label (host:pid:start) names one of ``pids`` on this host."""
    host, _, rest = token.partition(":")
    pid_text = rest.partition(":")[0]
    return host == socket.gethostname() and pid_text.isdigit() and int(pid_text) in pids


def left_by(kind: EngineKind, pids: Iterable[int]) -> list[str]:
    """Containers and volumes on ``kind`` whose owner is one of ``pids`` and has exited.

    The same test as ``labels.left_by_dead_owners`` (what `regoose sandbox status`
    counts as leftovers), narrowed to these processes; the engine must answer.
    """
    from regoose_tui.runtime.container import labels
    from regoose_tui.runtime.container.client import client_for
    from regoose_tui.runtime.container.endpoints import find

    wanted = set(pids)
    probe = find(kind)
    assert probe.endpoint is not None, f"{kind} does not answer: {probe.reason}"
    client = client_for(probe.endpoint.url)
    found = [
        c.short_id
        for c in client.containers.list(all=True, filters={"label": labels.OWNER})
        if _owned_by(token := c.labels.get(labels.OWNER, ""), wanted)
        and not labels.owner_alive(token)
    ]
    found += [
        str(v.name)
        for v in client.volumes.list(filters={"label": labels.OWNER})
        if _owned_by(token := (v.attrs.get("Labels") or {}).get(labels.OWNER, ""), wanted)
        and not labels.owner_alive(token)
    ]
    return found
