"""One exec per run: inputs in, the command, results out, the container reset.

The engines' archive endpoints (``put_archive`` / ``get_archive``) cost a
tenth of a second or more each, and every extra exec costs as much again,
most of a warm run. So a run is a single exec of a tiny bootstrap (the
sandbox's Python, as the sandbox user):

1. it unpacks the inputs passed in its own arguments (a base64 tar) and
   makes the work folder;
2. it runs the command there as its child, with the exec's stdout/stderr;
3. when the child ends it kills every other process of the sandbox user
   (so the work folder is final and nothing lives on into the next run),
   writes ``TRAILER`` + the exit status + the work folder as a tar to stdout,
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
(``prepare`` in the config). Inputs too large for a command line go through
``put_archive`` instead.
"""

from __future__ import annotations

import base64
import io
import json
import tarfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

#: Bytes of base64 per argument (Linux caps one argument at 128 KiB).
_ARG_CHUNK = 120 * 1024
#: Most base64 carried on one command line (the whole of it is capped near 2 MiB).
MAX_INLINE = 1024 * 1024
#: Starts the results on stdout: then "<status>\n", then the tar of the work folder.
TRAILER = b"\x00\x00REGOOSE-RESULTS\x00"

#: argv: BOOTSTRAP <config json> <n> <chunk 1> ... <chunk n> [-- <command...>]
BOOTSTRAP = r"""
import json, os, signal, sys, time
config = json.loads(sys.argv[1])
n = int(sys.argv[2])
command = sys.argv[4 + n:]
uid = os.getuid()
keep = set(config["keep"])

def mine(path):
    try:
        return os.lstat(path).st_uid == uid
    except OSError:
        return False

def wipe(folder):
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        path = entry.path
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            if any(k == path or k.startswith(path + "/") for k in keep):
                if path not in keep and is_dir:
                    wipe(path)
                continue
            if not is_dir:
                os.unlink(path)
                continue
            import shutil
            for top, dirs, _ in os.walk(path):
                for name in dirs:
                    if mine(os.path.join(top, name)):
                        os.chmod(os.path.join(top, name), 0o700, follow_symlinks=False)
            if mine(path):
                os.chmod(path, 0o700)
            shutil.rmtree(path, ignore_errors=True)
        except OSError:
            pass

def kill_others():
    me = os.getpid()
    for _ in range(200):
        alive = []
        for name in os.listdir("/proc"):
            if name.isdigit() and int(name) not in (1, me):
                try:
                    state = open(f"/proc/{name}/stat").read().rsplit(")", 1)[1].split()[0]
                except OSError:
                    continue
                if state != "Z":
                    alive.append(name)
        if not alive:
            return True
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            pass
        time.sleep(0.005)
    return False

if config["prepare"]:
    for root in config["wipe"]:
        wipe(root)
shared = config["prepare"]
def mode_of(mode):
    return (0o777 if mode & 0o100 else 0o666) if shared and mode & 0o200 else mode
modes = []
if n:
    import base64, io, tarfile
    data = base64.b64decode("".join(sys.argv[3:3 + n]))
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
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
work = config["work"]
if not command:
    os.makedirs(work, exist_ok=True)
    os.chmod(work, 0o777)
    sys.exit(0)
os.makedirs(work, mode=0o700, exist_ok=True)
pid = os.fork()
if pid == 0:
    try:
        os.chdir(work)
        os.execvp(command[0], command)
    except OSError as exc:
        print(f"cannot start {command[0]!r}: {exc.strerror}", file=sys.stderr, flush=True)
    os._exit(127)
signal.signal(signal.SIGINT, signal.SIG_IGN)
_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
clean = kill_others()
import tarfile
out = sys.stdout.buffer
out.write(b"\x00\x00REGOOSE-RESULTS\x00" + f"{code} {int(clean)}\n".encode())
with tarfile.open(fileobj=out, mode="w|") as archive:
    if os.path.isdir(work):
        archive.add(work, arcname=os.path.basename(work), recursive=True)
out.flush()
for root in config["wipe"]:
    wipe(root)
sys.exit(0 if clean else 3)
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


def _folders_only(payloads: Mapping[str, bytes]) -> bool:
    for payload in payloads.values():
        with tarfile.open(fileobj=io.BytesIO(payload)) as part:
            if any(not member.isdir() for member in part):
                return False
    return True


def inline_args(payloads: Mapping[str, bytes]) -> list[str] | None:
    """The bootstrap's payload arguments, or None when they are too big for a command line.

    Only empty folders (the work folder and its parents, which the bootstrap
    makes itself): no archive at all, so the bootstrap need not load tarfile.
    """
    if _folders_only(payloads):
        return ["0"]
    encoded = base64.b64encode(combined_tar(payloads)).decode("ascii") if payloads else ""
    if len(encoded) > MAX_INLINE:
        return None
    chunks = [encoded[i : i + _ARG_CHUNK] for i in range(0, len(encoded), _ARG_CHUNK)]
    return [str(len(chunks)), *chunks]


def config_arg(work: str, wipe: Sequence[str], keep: Sequence[str], *, prepare: bool) -> str:
    """The bootstrap's first argument."""
    return json.dumps({"work": work, "wipe": list(wipe), "keep": list(keep), "prepare": prepare})


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
        if len(parts) != 2 or not parts[0].lstrip("-").isdigit():
            return None, False
        return int(parts[0]), parts[1] == "1"
