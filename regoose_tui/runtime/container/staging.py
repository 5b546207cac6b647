"""Putting a run's inputs into a leased container before the exec of its command.

Most runs need nothing here: their inputs ride on the command line of the
run's own exec (``exec_io.inline_args``). Two cases take a first exec:

- a read-only mount lies below a scratch folder, so the engine made folders
  there as root (``Layout.root_prepare``): the container's root (no
  capabilities) empties what it unpacked for the previous run and unpacks
  the inputs shared-writable;
- the inputs are too big for a command line: they go in on that exec's stdin
  (as root when root must prepare, else as the sandbox user).

All blocking (SDK calls): run them in a thread.
"""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING, cast

from regoose_tui.errors import SandboxError
from regoose_tui.runtime.container import exec_io, lifecycle
from regoose_tui.runtime.container.layout import Layout
from regoose_tui.runtime.container.pool import Lease

if TYPE_CHECKING:
    import docker

#: Most bytes of a staging exec's own output kept for an error message.
_OUTPUT_CAP = 64 * 1024


def writable_places(layout: Layout) -> list[str]:
    """Every folder a run may write in (emptied between two runs)."""
    return [*layout.scratch, *layout.tmpfs, "/dev/shm"]


def mount_points(layout: Layout) -> list[str]:
    """The read-only mounts' targets (a reset keeps them and the folders holding them)."""
    return [b.target for b in layout.binds]


def bootstrap_argv(config: str, inline: list[str]) -> list[str]:
    """The bootstrap's command line, up to (not including) ``--``."""
    return [lifecycle.sandbox_python(), "-I", "-S", "-c", exec_io.BOOTSTRAP, config, *inline]


def stage(
    api: docker.APIClient, lease: Lease, inline: list[str] | None, payload: bytes | None
) -> list[str]:
    """Stage what the run's exec cannot carry itself; the inline arguments it still takes.

    ``inline`` None means too big for a command line: ``payload`` (from
    ``exec_io.stdin_payload``) goes in on stdin.
    """
    layout = lease.layout
    if inline is None:
        assert payload is not None
        _exec_staging(api, lease, ["-"], payload, as_root=layout.root_prepare)
        return ["0"]
    if layout.root_prepare:
        _exec_staging(api, lease, inline, None, as_root=True)
        return ["0"]
    return inline


def _exec_staging(
    api: docker.APIClient,
    lease: Lease,
    inline: list[str],
    payload: bytes | None,
    *,
    as_root: bool,
) -> None:
    layout, box = lease.layout, lease.box
    # Root empties what root unpacked for the previous run (the sandbox user cannot).
    wipe = writable_places(layout) if as_root and box.uses else []
    config = exec_io.config_arg(str(layout.work_dir), wipe, mount_points(layout), prepare=as_root)
    made = api.exec_create(
        box.id,
        [*bootstrap_argv(config, inline), "--"],
        stdin=payload is not None,
        workdir="/",
        user="0:0" if as_root else layout.user,
    )
    if payload is None:
        output = api.exec_start(made["Id"])
        text = output if isinstance(output, bytes) else b""
    else:
        text = _through_stdin(api, made["Id"], payload)
    if api.exec_inspect(made["Id"]).get("ExitCode") != 0:
        shown = text.decode("utf-8", "replace")[-300:]
        raise SandboxError(f"could not stage the run's inputs in the container: {shown}")


def _through_stdin(api: docker.APIClient, exec_id: str, payload: bytes) -> bytes:
    """Start ``exec_id`` with ``payload`` on its stdin; its (capped) output."""
    hijacked = api.exec_start(exec_id, socket=True)
    # The SDK hands a SocketIO over a unix socket: half-closing needs the socket itself.
    raw = cast(socket.socket, getattr(hijacked, "_sock", hijacked))
    try:
        raw.sendall(payload)
        raw.shutdown(socket.SHUT_WR)  # end of stdin: the engine closes the exec's
        kept = b""
        while chunk := raw.recv(65536):
            kept = (kept + chunk)[-_OUTPUT_CAP:]
        return kept
    finally:
        hijacked.close()
