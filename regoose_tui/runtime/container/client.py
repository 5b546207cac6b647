"""The docker SDK client of one engine endpoint (imported lazily, one per URL).

The SDK is synchronous: callers run every call through ``asyncio.to_thread``.
Its import costs a tenth of a second, so nothing here loads it until a
container run, a build or ``regoose sandbox`` needs it.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from regoose_tui.errors import SandboxUnavailable

if TYPE_CHECKING:
    import docker

#: Seconds an ordinary API call may take (a build or a pull-free create is quick).
API_TIMEOUT = 60
#: Connections kept per client: each streaming run holds one while it runs.
POOL_CONNECTIONS = 32

_lock = threading.Lock()
_clients: dict[str, docker.DockerClient] = {}


def client_for(url: str) -> docker.DockerClient:
    """A client for the engine at ``url`` (made once, shared by threads)."""
    with _lock:
        found = _clients.get(url)
        if found is not None:
            return found
    try:
        import docker
    except ImportError as exc:  # a broken install: say what is missing
        raise SandboxUnavailable(f"the docker SDK is not installed ({exc})") from None
    made = docker.DockerClient(base_url=url, timeout=API_TIMEOUT, max_pool_size=POOL_CONNECTIONS)
    with _lock:
        return _clients.setdefault(url, made)


def close_all() -> None:
    """Close every client (their connection pools)."""
    with _lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        client.close()
