"""The sandbox image: built offline FROM scratch, or from a Dockerfile with a registry.

The offline image holds no software at all: only empty mount points, the
host's top-level links (``/bin -> usr/bin`` on merged-/usr systems) and
the folders a read-only root needs. Every run mounts the host's system
folders, a few harmless /etc files, the interpreter's folders and the
project read-only into it (the same allow-list bubblewrap binds), so
the user's own Python and virtualenv run unchanged and nothing is pulled.
Its ``regoose.sandbox-image`` label is a digest of the layout it was built
from: a host whose layout changed gets a fresh build.
"""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from regoose_tui.errors import SandboxError
from regoose_tui.runtime._allowlist import SANDBOX_HOME
from regoose_tui.runtime.container import labels
from regoose_tui.runtime.container.defaults import DEFAULT_IMAGE

if TYPE_CHECKING:
    import docker

#: Top-level names that are links on merged-/usr hosts, or folders elsewhere.
_TOP_LEVEL = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
#: Empty folders the image provides as mount points.
_FOLDERS = ("usr", "etc", "tmp", "var", "var/tmp", "proc", "dev", "sys", "run", "home", "root")

_built_lock = threading.Lock()
#: Images this process built automatically (so it says so once).
_auto_built: set[str] = set()


@dataclass(frozen=True)
class ImageStatus:
    """Whether the sandbox image exists on an engine, and whether it is current."""

    name: str
    present: bool
    current: bool
    detail: str


def _rootfs() -> bytes:
    """The image's whole filesystem as a tar (deterministic for one host layout)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name in (*_FOLDERS, SANDBOX_HOME.strip("/")):
            info = tarfile.TarInfo(name)
            info.type, info.mode = tarfile.DIRTYPE, 0o1777 if "tmp" in name else 0o755
            archive.addfile(info)
        for name in _TOP_LEVEL:
            host = f"/{name}"
            info = tarfile.TarInfo(name)
            if os.path.islink(host):
                info.type, info.linkname = tarfile.SYMTYPE, os.readlink(host)
            elif os.path.isdir(host):
                info.type, info.mode = tarfile.DIRTYPE, 0o755
            else:
                continue
            archive.addfile(info)
    return buffer.getvalue()


def layout_digest() -> str:
    """A short digest of what the offline image would hold on this host."""
    return hashlib.sha256(_rootfs()).hexdigest()[:16]


def _context(rootfs: bytes, digest: str) -> io.BytesIO:
    dockerfile = f'FROM scratch\nADD rootfs.tar /\nLABEL {labels.IMAGE}="{digest}"\n'.encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in (("Dockerfile", dockerfile), ("rootfs.tar", rootfs)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    return buffer


def status(client: docker.DockerClient, name: str = DEFAULT_IMAGE) -> ImageStatus:
    """Whether ``name`` exists on the engine, and whether it matches this host's layout."""
    import docker

    try:
        image = client.images.get(name)
    except docker.errors.ImageNotFound:
        return ImageStatus(name, False, False, f"image {name} is missing")
    except docker.errors.APIError as exc:
        raise SandboxError(f"cannot look up image {name}: {exc.explanation or exc}") from None
    built_from = (image.labels or {}).get(labels.IMAGE)
    if built_from is None:
        return ImageStatus(name, True, True, f"image {name} present (built from a Dockerfile)")
    current = built_from == layout_digest()
    state = "current" if current else "stale (this host's layout changed)"
    return ImageStatus(name, True, current, f"image {name} present, {state}")


def build(
    client: docker.DockerClient, name: str = DEFAULT_IMAGE, dockerfile: Path | None = None
) -> str:
    """Build the sandbox image (offline unless ``dockerfile`` says otherwise); its id."""
    import docker

    try:
        if dockerfile is not None:
            dockerfile = dockerfile.expanduser().resolve()
            if not dockerfile.is_file():
                raise SandboxError(f"no Dockerfile at {dockerfile}")
            image, _ = client.images.build(
                path=str(dockerfile.parent), dockerfile=dockerfile.name, tag=name, rm=True
            )
        else:
            rootfs = _rootfs()
            digest = hashlib.sha256(rootfs).hexdigest()[:16]
            image, _ = client.images.build(
                fileobj=_context(rootfs, digest), custom_context=True, tag=name, rm=True
            )
    except docker.errors.BuildError as exc:
        raise SandboxError(f"building {name} failed: {exc.msg}") from None
    except docker.errors.APIError as exc:
        raise SandboxError(f"building {name} failed: {exc.explanation or exc}") from None
    return str(image.id)


def ensure(client: docker.DockerClient, name: str = DEFAULT_IMAGE) -> str | None:
    """Make sure ``name`` is usable; build it when missing (or stale). A note when built."""
    found = status(client, name)
    if found.present and found.current:
        return None
    if found.present and not found.current:
        pass  # stale offline image: rebuild below
    elif name != DEFAULT_IMAGE:
        raise SandboxError(
            f"image {name} is missing: build it (`regoose sandbox build --dockerfile PATH "
            f"--image {name}`) or use {DEFAULT_IMAGE}"
        )
    with _built_lock:
        again = status(client, name)
        if again.present and again.current:
            return None
        build(client, name)
        first = name not in _auto_built
        _auto_built.add(name)
    return f"built the sandbox image {name} (offline, a few KB)" if first else None


def remove(client: docker.DockerClient, name: str = DEFAULT_IMAGE) -> bool:
    """Remove the sandbox image; False when it was not there."""
    import docker

    try:
        client.images.remove(name, force=True)
    except docker.errors.ImageNotFound:
        return False
    return True
