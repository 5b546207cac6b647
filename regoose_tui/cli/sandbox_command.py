"""`regoose sandbox build | status | prune`: the container sandbox image and leftovers.

``build`` makes the sandbox image on every reachable engine (or the one
named with ``--engine``) with no registry: FROM scratch, the host's
folders mounted at run time. ``--dockerfile PATH`` builds from a Dockerfile
instead, for users who have a registry. ``status`` says, per engine,
whether it answers, whether the image exists and how many Regoose
containers and volumes are there. ``prune`` removes leftover containers
and volumes of dead Regoose processes (``--all``: every Regoose container,
live owners' included), and the image too with ``--image``.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from regoose_tui.cli.common import settings_for
from regoose_tui.errors import SandboxError, SandboxUnavailable
from regoose_tui.runtime.container import endpoints, image, labels, lifecycle
from regoose_tui.runtime.container.client import client_for

if TYPE_CHECKING:  # the docker SDK loads only when an engine is asked
    from docker import DockerClient

ENGINES: tuple[endpoints.EngineKind, ...] = ("docker", "podman")


def _engines(args: argparse.Namespace) -> list[endpoints.EngineKind]:
    settings = settings_for(args)
    endpoints.set_hosts(settings.runtime.docker_host, settings.runtime.podman_host)
    wanted = getattr(args, "engine", None)
    return [wanted] if wanted else list(ENGINES)


def _image_name(args: argparse.Namespace) -> str:
    return getattr(args, "image_name", None) or settings_for(args).runtime.image


def sandbox_command(args: argparse.Namespace) -> int:
    """Dispatch build / status / prune; 0 on success."""
    action = args.sandbox_command
    if action == "build":
        return _build(args)
    if action == "status":
        return _status(args)
    return _prune(args)


def _build(args: argparse.Namespace) -> int:
    name = _image_name(args)
    dockerfile = Path(args.dockerfile) if args.dockerfile else None
    built = 0
    for kind in _engines(args):
        probe = endpoints.find(kind)
        if probe.endpoint is None:
            if args.engine:
                raise SandboxUnavailable(probe.reason)
            print(f"{kind}: skipped ({probe.reason})")
            continue
        client = client_for(probe.endpoint.url)
        if args.if_reachable and dockerfile is None:
            found = image.status(client, name)
            if found.present and found.current:
                print(f"{kind}: {found.detail}")
                built += 1
                continue
        image_id = image.build(client, name, dockerfile)
        how = f"from {dockerfile}" if dockerfile else "offline, FROM scratch"
        print(f"{kind}: built {name} ({how}) {image_id[:19]}")
        built += 1
    if not built and not args.if_reachable:
        raise SandboxUnavailable("no container engine answered: start dockerd or podman first")
    return 0


def _reachable(args: argparse.Namespace) -> Iterator[tuple[str, str, DockerClient]]:
    """Each asked-for engine that answers, as (kind, url, client); the others are said."""
    for kind in _engines(args):
        probe = endpoints.find(kind)
        if probe.endpoint is None:
            print(f"{kind}: not reachable ({probe.reason})")
            continue
        yield kind, probe.endpoint.url, client_for(probe.endpoint.url)


def _status(args: argparse.Namespace) -> int:
    name = _image_name(args)
    for kind, url, client in _reachable(args):
        found = image.status(client, name)
        containers = client.containers.list(all=True, filters={"label": labels.OWNER})
        volumes = client.volumes.list(filters={"label": labels.OWNER})
        print(f"{kind}: reachable at {url}; {found.detail}")
        if not found.present:
            print(f"  build it with `regoose sandbox build --engine {kind}`")
        print(f"  regoose containers: {len(containers)}, volumes: {len(volumes)}")
    return 0


def _prune(args: argparse.Namespace) -> int:
    name = _image_name(args)
    for kind, _url, client in _reachable(args):
        if args.all:
            gone = []
            for container in client.containers.list(all=True, filters={"label": labels.OWNER}):
                container.remove(force=True, v=True)
                gone.append(container.short_id)
            for volume in client.volumes.list(filters={"label": labels.OWNER}):
                try:
                    volume.remove(force=True)
                    gone.append(str(volume.name))
                except Exception as exc:
                    raise SandboxError(f"could not remove volume {volume.name}: {exc}") from None
        else:
            gone = labels.remove_orphans(client) + lifecycle.remove_orphan_volumes(client)
        print(f"{kind}: removed {len(gone)} leftover containers/volumes")
        if args.image and image.remove(client, name):
            print(f"{kind}: removed image {name}")
    return 0


def doctor_lines() -> list[str]:
    """`regoose doctor`'s container lines: engine reachable, image present, how to build."""
    lines: list[str] = []
    for kind in ENGINES:
        probe = endpoints.find(kind)
        if probe.endpoint is None:
            lines.append(f"  {kind}: engine not reachable")
            continue
        try:
            found = image.status(client_for(probe.endpoint.url), image.DEFAULT_IMAGE)
        except SandboxError as exc:
            lines.append(f"  {kind}: engine reachable, image unknown ({exc.msg})")
            continue
        hint = "" if found.present else " (built on first use, or `regoose sandbox build`)"
        lines.append(f"  {kind}: engine reachable, {found.detail}{hint}")
    return lines
