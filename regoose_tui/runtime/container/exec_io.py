"""Inputs in and results out through exec itself: no archive API round trips.

The engines' archive endpoints (``put_archive`` / ``get_archive``) cost a
tenth of a second or more each, most of a warm run. So a run's inputs ride
on its own exec: a tiny bootstrap (the sandbox's Python, as the sandbox
user) unpacks a tar passed in its arguments, makes the work folder, changes
into it and execs the command. Results come back with one more exec that
first kills whatever the command left running (so the folder is final),
then writes the work folder as a tar to its stdout, which the host unpacks
with ``transfer.unpack_work_folder`` (capped, no link followed, nothing but
folders and regular files). Inputs too large for a command line go through
``put_archive`` instead.
"""

from __future__ import annotations

import base64
import io
import tarfile
from collections.abc import Iterator, Mapping

#: Bytes of base64 per argument (Linux caps one argument at 128 KiB).
_ARG_CHUNK = 120 * 1024
#: Most base64 carried on one command line (the whole of it is capped near 2 MiB).
MAX_INLINE = 1024 * 1024

#: argv: BOOTSTRAP <n> <chunk 1> ... <chunk n> <work folder> -- <command...>
#: With no command it only unpacks: run as root (no capabilities) it can create the work
#: folder below folders the engine made as root (mount points), so what the sandbox user
#: must write is made writable for everyone in the container instead of chowned.
BOOTSTRAP = """
import base64, io, os, sys, tarfile
n = int(sys.argv[1])
data = base64.b64decode("".join(sys.argv[2:2 + n]))
work, command = sys.argv[2 + n], sys.argv[4 + n:]
shared = not command
def mode_of(mode):
    return (0o777 if mode & 0o100 else 0o666) if shared and mode & 0o200 else mode
modes = []
with tarfile.open(fileobj=io.BytesIO(data or bytes(1024))) as archive:
    for member in archive:
        path = "/" + member.name
        if member.isdir():
            os.makedirs(path, exist_ok=True)
            modes.append((path, mode_of(member.mode)))
        elif member.isreg():
            with open(path, "wb") as out:
                out.write(archive.extractfile(member).read())
            os.chmod(path, mode_of(member.mode))
for path, mode in reversed(modes):
    os.chmod(path, mode)
if shared:
    sys.exit(0)
os.makedirs(work, mode=0o700, exist_ok=True)
os.chdir(work)
try:
    os.execvp(command[0], command)
except OSError as exc:
    print(f"cannot start {command[0]!r}: {exc.strerror}", file=sys.stderr)
    os._exit(127)
"""

#: argv: COLLECT <work folder>. Kills every process but the reaper and itself, then
#: writes the work folder to stdout as a tar (links stored as links, never followed).
COLLECT = """
import os, signal, sys, tarfile, time
me = os.getpid()
for _ in range(100):
    alive = [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, me)]
    alive = [p for p in alive if not open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[0] == "Z"] if alive else []
    if not alive:
        break
    try:
        os.kill(-1, signal.SIGKILL)
    except ProcessLookupError:
        pass
    time.sleep(0.01)
work = sys.argv[1]
with tarfile.open(fileobj=sys.stdout.buffer, mode="w|") as archive:
    if os.path.isdir(work):
        archive.add(work, arcname=os.path.basename(work), recursive=True)
"""


def combined_tar(payloads: Mapping[str, bytes]) -> bytes:
    """The per-scratch-folder tars as one, named from the container's root."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as combined:
        for root, payload in payloads.items():
            prefix = root.strip("/")
            with tarfile.open(fileobj=io.BytesIO(payload)) as part:
                for member in part:
                    data = part.extractfile(member) if member.isreg() else None
                    member.name = f"{prefix}/{member.name}" if prefix else member.name
                    combined.addfile(member, data)
    return out.getvalue()


def inline_args(payloads: Mapping[str, bytes]) -> list[str] | None:
    """The bootstrap's payload arguments, or None when they are too big for a command line."""
    encoded = base64.b64encode(combined_tar(payloads)).decode("ascii") if payloads else ""
    if len(encoded) > MAX_INLINE:
        return None
    chunks = [encoded[i : i + _ARG_CHUNK] for i in range(0, len(encoded), _ARG_CHUNK)]
    return [str(len(chunks)), *chunks]


def stdout_only(chunks: Iterator[tuple[bytes | None, bytes | None]]) -> Iterator[bytes]:
    """The stdout bytes of a demultiplexed exec stream (stderr dropped)."""
    for out, _ in chunks:
        if out:
            yield out
