"""One exec per run: inputs in, the command, results out, the container reset.

The engines' archive endpoints (``put_archive`` / ``get_archive``) cost a
tenth of a second or more each, and every extra exec costs as much again,
most of a warm run. So a run is a single exec of a tiny bootstrap (the
sandbox's Python, as the sandbox user):

1. it unpacks the inputs passed in its own arguments (the base64 of a
   marshalled list the host made: ``bootstrap``) and makes the work folder;
2. it runs the command there as its child, with the exec's stdout/stderr;
3. when the child ends it kills every other process of the sandbox user
   (so the work folder is final and nothing lives on into the next run),
   writes ``TRAILER`` + the exit status + the work folder as a tar to stdout
   (written by hand: the bootstrap imports no ``tarfile``),
   which the host splits off the output (``ResultSplitter``) and unpacks
   with ``transfer.unpack_work_folder`` (capped, no link followed, nothing
   but folders and regular files);
4. it empties every writable place (scratch volumes, $HOME, /dev/shm),
   keeping mount points, so a warm container is ready for the next run.

Nothing the sandbox prints can do harm by imitating the trailer: what
follows it is the run's own results, which the host never trusts anyway.
When a read-only mount lies below a scratch folder the engine made its
parent folders as root; then a first exec as root (no capabilities) empties
what root unpacked before and unpacks the inputs shared-writable
(``prepare`` in the config). Inputs too large for a command line go in on
the stdin of a first exec (``staging``), never through ``put_archive``: the
engine's extraction runs as root and re-owns the folders it made for mount
points, which a later root-prepare (no capabilities) then cannot write in.
"""

from __future__ import annotations

import base64
import io
import marshal
import tarfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from regoose_tui.runtime.container import bootstrap

#: Bytes of base64 per argument (Linux caps one argument at 128 KiB).
_ARG_CHUNK = 120 * 1024
#: Most base64 carried on one command line (the whole of it is capped near 2 MiB).
MAX_INLINE = 1024 * 1024
#: Starts the results on stdout: then "<code> <clean> <limits hit>\n", then the tar of the
#: work folder.
TRAILER = b"\x00\x00REGOOSE-RESULTS\x00"

#: argv: BOOTSTRAP <config> <n> <chunk 1> ... <chunk n> [-- <command...>]
BOOTSTRAP = bootstrap.BOOTSTRAP


def _folders_only(payloads: Mapping[str, bytes]) -> bool:
    for payload in payloads.values():
        with tarfile.open(fileobj=io.BytesIO(payload)) as part:
            if any(not member.isdir() for member in part):
                return False
    return True


def entries(payloads: Mapping[str, bytes]) -> list[tuple[str, int, bytes | None]]:
    """The per-scratch-folder tars as the bootstrap's list: (path, mode, data or None)."""
    found: list[tuple[str, int, bytes | None]] = []
    for root, payload in payloads.items():
        prefix = root.rstrip("/")
        with tarfile.open(fileobj=io.BytesIO(payload)) as part:
            for member in part:
                path = f"{prefix}/{member.name}"
                if member.isdir():
                    found.append((path, member.mode, None))
                elif member.isreg():
                    source = part.extractfile(member)
                    found.append((path, member.mode, source.read() if source else b""))
    return found


def stdin_payload(payloads: Mapping[str, bytes]) -> bytes:
    """The inputs as the bootstrap reads them from stdin (``<config> - --``)."""
    return marshal.dumps(entries(payloads))


def inline_args(payloads: Mapping[str, bytes]) -> list[str] | None:
    """The bootstrap's payload arguments, or None when they are too big for a command line.

    Only empty folders (the work folder and its parents, which the bootstrap
    makes itself): no payload at all.
    """
    if _folders_only(payloads):
        return ["0"]
    listed = entries(payloads)
    encoded = base64.b64encode(marshal.dumps(listed)).decode("ascii") if listed else ""
    if len(encoded) > MAX_INLINE:
        return None
    chunks = [encoded[i : i + _ARG_CHUNK] for i in range(0, len(encoded), _ARG_CHUNK)]
    return [str(len(chunks)), *chunks]


def config_arg(work: str, wipe: Sequence[str], keep: Sequence[str], *, prepare: bool) -> str:
    """The bootstrap's first argument (hex of a marshalled dict: no json import inside)."""
    config = {"work": work, "wipe": list(wipe), "keep": list(keep), "prepare": prepare}
    return marshal.dumps(config).hex()


@dataclass
class ResultSplitter:
    """Separates the trailer and the results tar from a run's stdout bytes.

    ``feed`` returns the bytes that are ordinary output. A few bytes are held
    back while they could be the start of the trailer.
    """

    cap: int
    held: bytes = b""
    found: bool = False
    header: bytes = b""
    results: bytearray = field(default_factory=bytearray)
    overflow: bool = False

    def feed(self, chunk: bytes) -> bytes:
        """Ordinary output in ``chunk`` (the rest is the results)."""
        if self.found:
            self._take(chunk)
            return b""
        data = self.held + chunk
        at = data.find(TRAILER)
        if at >= 0:
            self.found = True
            self.held = b""
            self._take(data[at + len(TRAILER) :])
            return data[:at]
        keep = 0
        for size in range(min(len(TRAILER) - 1, len(data)), 0, -1):
            if TRAILER.startswith(data[-size:]):
                keep = size
                break
        self.held = data[len(data) - keep :] if keep else b""
        return data[: len(data) - keep]

    def flush(self) -> bytes:
        """What was held back when the stream ended without a trailer."""
        held, self.held = self.held, b""
        return b"" if self.found else held

    def _take(self, data: bytes) -> None:
        if not self.header:
            self.results += data
            line_end = self.results.find(b"\n")
            if line_end < 0:
                return
            self.header = bytes(self.results[: line_end + 1])
            del self.results[: line_end + 1]
            return self._check()
        self.results += data
        self._check()

    def _check(self) -> None:
        if len(self.results) > self.cap:
            self.overflow = True
            del self.results[self.cap :]

    def status(self) -> tuple[int | None, bool]:
        """(the command's exit code, whether every other process was gone)."""
        parts = self.header.decode("ascii", "replace").split()
        if len(parts) not in (2, 3) or not parts[0].lstrip("-").isdigit():
            return None, False
        return int(parts[0]), parts[1] == "1"

    def limits_hit(self) -> str:
        """The container cgroup's limits that struck during the command ("memory", "pids").

        Only names it knows are kept: the header is in the sandbox's output stream.
        """
        parts = self.header.decode("ascii", "replace").split()
        named = parts[2].split(",") if len(parts) == 3 else []
        return ",".join(name for name in ("memory", "pids") if name in named)
