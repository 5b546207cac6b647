"""Where a container engine listens, and whether it answers (cheap, cached, no SDK).

Docker: ``DOCKER_HOST`` (or [runtime] ``docker_host``), then the usual
sockets. Podman: [runtime] ``podman_host``, ``CONTAINER_HOST``, then the
rootless and rootful sockets of ``podman system service``. A candidate
counts only when ``GET /_ping`` answers within a fraction of a second; the
``Libpod-Api-Version`` header tells a Podman socket from Docker's, so a
``DOCKER_HOST`` pointing at Podman serves the podman runtime, not docker.
"""

from __future__ import annotations

import functools
import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

EngineKind = Literal["docker", "podman"]

#: Seconds a socket ping may take before the engine counts as absent.
PING_TIMEOUT = 0.5
#: How long an answer (either way) is remembered.
CACHE_SECONDS = 30.0


@dataclass(frozen=True)
class Endpoint:
    """One engine socket that answered, and what kind of engine it is."""

    kind: EngineKind
    url: str
    api_version: str = ""


@dataclass(frozen=True)
class Probe:
    """The outcome of looking for one kind of engine."""

    endpoint: Endpoint | None
    reason: str


#: Hosts named in the configuration (set by ``registry.configure``).
_configured: dict[EngineKind, str | None] = {"docker": None, "podman": None}
_lock = threading.Lock()
_cache: dict[EngineKind, tuple[float, Probe]] = {}


def set_hosts(docker_host: str | None = None, podman_host: str | None = None) -> None:
    """Use these engine URLs first (config [runtime] docker_host / podman_host)."""
    with _lock:
        changed = (_configured["docker"], _configured["podman"]) != (docker_host, podman_host)
        _configured["docker"], _configured["podman"] = docker_host, podman_host
        if changed:
            _cache.clear()


def forget() -> None:
    """Drop remembered probes (an engine was started or stopped)."""
    with _lock:
        _cache.clear()


def _as_url(value: str) -> str:
    return value if "://" in value else f"unix://{value}"


def candidates(kind: EngineKind) -> list[str]:
    """Engine URLs to try for ``kind``, most explicit first."""
    urls: list[str] = []
    if named := _configured[kind]:
        urls.append(_as_url(named))
    if kind == "docker":
        if host := os.environ.get("DOCKER_HOST"):
            urls.append(_as_url(host))
        urls += ["unix:///var/run/docker.sock", f"unix://{Path.home()}/.docker/run/docker.sock"]
    else:
        if host := os.environ.get("CONTAINER_HOST"):
            urls.append(_as_url(host))
        runtime_dir = os.environ.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"
        urls += [
            f"unix://{runtime_dir}/podman/podman.sock",
            "unix:///run/podman/podman.sock",
            "unix:///var/run/podman/podman.sock",
        ]
        # A DOCKER_HOST that is really Podman's socket serves podman too.
        if host := os.environ.get("DOCKER_HOST"):
            urls.append(_as_url(host))
    return list(dict.fromkeys(urls))


def ping(url: str, timeout: float = PING_TIMEOUT) -> Endpoint | str:
    """``GET /_ping`` on ``url``: the endpoint that answered, or why it did not."""
    parsed = urlparse(url)
    try:
        if parsed.scheme == "unix":
            if not Path(parsed.path).exists():
                return f"no socket at {parsed.path}"
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            sock.connect(parsed.path)
        elif parsed.scheme in ("tcp", "http"):
            sock = socket.create_connection(
                (parsed.hostname or "localhost", parsed.port or 2375), timeout=timeout
            )
        else:
            return f"unsupported engine URL {url!r}"
    except OSError as exc:
        return f"{url}: {exc.strerror or exc}"
    try:
        sock.sendall(b"GET /_ping HTTP/1.1\r\nHost: engine\r\nConnection: close\r\n\r\n")
        reply = b""
        while b"\r\n\r\n" not in reply and len(reply) < 16384:
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
    except OSError as exc:
        return f"{url}: no answer ({exc.strerror or exc})"
    finally:
        sock.close()
    head = reply.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    lines = head.split("\r\n")
    if not lines or " 200" not in lines[0]:
        return f"{url}: unexpected answer {lines[0] if lines else '(nothing)'!r}"
    headers = {
        k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])
    }
    kind: EngineKind = "podman" if "libpod-api-version" in headers else "docker"
    return Endpoint(kind, url, headers.get("api-version", ""))


def find(kind: EngineKind) -> Probe:
    """The first answering endpoint of ``kind`` (remembered for a while)."""
    now = time.monotonic()
    with _lock:
        hit = _cache.get(kind)
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            return hit[1]
    probe = _search(kind)
    with _lock:
        _cache[kind] = (time.monotonic(), probe)
    return probe


def _search(kind: EngineKind) -> Probe:
    misses: list[str] = []
    for url in candidates(kind):
        found = ping(url)
        if isinstance(found, str):
            misses.append(found)
            continue
        if found.kind != kind:
            misses.append(f"{url} is {found.kind}, not {kind}")
            continue
        return Probe(found, f"{kind} engine answered at {url}")
    hint = _START_HINTS[kind]
    return Probe(None, f"no {kind} engine answered ({'; '.join(misses[:3])}); {hint}")


_START_HINTS: dict[EngineKind, str] = {
    "docker": "start dockerd (e.g. `dockerd &` or `systemctl start docker`) or set DOCKER_HOST",
    "podman": "start `podman system service --time=0 &` or set CONTAINER_HOST",
}


@functools.cache
def owner_token() -> str:
    """This process, as the labels name it: host, pid and the pid's start time."""
    return f"{socket.gethostname()}:{os.getpid()}:{process_start(os.getpid())}"


def process_start(pid: int) -> str:
    """The start time of ``pid`` in clock ticks since boot ('' when it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else ""
