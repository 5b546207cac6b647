"""Hostile tests and modules, run through `regoose run` / `regoose generate` on every sandbox.

bwrap always; docker and podman when their engine answers (CI requires them:
REGOOSE_REQUIRE_CONTAINERS=1 turns a missing engine into a failure). Every
attack ends as a clear per-test or per-run result, and from the host: the
canary outside every sandbox keeps its bytes, the project is unchanged, no
secret shows up in any output, the loopback server and the unix sockets saw
nobody, and no process, cgroup, container, volume or temp folder is left behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from regoose_tui.runtime import cgroup

pytestmark = pytest.mark.bwrap

#: Every isolating runtime the suite attacks.
SANDBOXES = ["bwrap", "docker", "podman"]

DATA = Path(__file__).parent / "data"
SSH_SECRET = "SSH-CANARY-" + uuid.uuid4().hex
DOTENV_SECRET = "DOTENV-CANARY-" + uuid.uuid4().hex
ENV_SECRET = "sk-ENVIRON-CANARY-" + uuid.uuid4().hex
CANARY = b"canary bytes that must never change\n"


class _Listener:
    """A TCP server on the host's loopback counting who reached it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.hits += 1
            conn.close()

    def close(self) -> None:
        self._stop = True
        self._thread.join()
        self.sock.close()


@dataclass
class Arena:
    """A throw-away host: fake home, config root, project, store, canary, servers."""

    root: Path
    home: Path
    config: Path
    project: Path
    data: Path
    tmp: Path
    canary: Path
    marker: str
    tcp: _Listener
    unix_socks: list[socket.socket] = field(default_factory=list)
    #: Every `regoose` process this arena ran: the leftover checks look at theirs only.
    pids: list[int] = field(default_factory=list)

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("REGOOSE_")}
        env.pop("VIRTUAL_ENV", None)
        env.update(
            HOME=str(self.home),
            TMPDIR=str(self.tmp),
            XDG_CACHE_HOME=str(self.home / ".cache"),
            REGOOSE_DATA_DIR=str(self.data),
            FAKE_OPENAI_API_KEY=ENV_SECRET,
            REGOOSE_RUNTIME__TMPFS_MB="16",
            REGOOSE_RUNTIME__OUTPUT_MB="4",
            REGOOSE_RUNTIME__AUTO_ORDER='["bwrap"]',
        )
        env.update(extra)
        return env

    def regoose(self, *args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
        with subprocess.Popen(
            [sys.executable, "-m", "regoose_tui", *args],
            cwd=self.config,
            env=self.env(**env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as proc:
            self.pids.append(proc.pid)
            try:
                out, err = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
                raise
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def _sandbox(name: str, require_engine: Callable[[str], None]) -> str:
    if name != "bwrap":
        require_engine(name)
    return name


def _dead_owners_containers(name: str, arena: Arena) -> list[str]:
    """Containers and volumes on ``name`` of this arena's runs, left after they exited.

    Only its own: under pytest-xdist another worker may SIGKILL a Regoose on purpose.
    """
    if name == "bwrap":
        return []
    from support.leftovers import left_by

    return left_by("docker" if name == "docker" else "podman", arena.pids)


def _tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file() and not path.is_symlink():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return [p for p in found if p != os.getpid()]


def _listen_unix(path: Path) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(path))
    sock.listen(4)
    sock.settimeout(0.1)
    return sock


def _accepted(sock: socket.socket) -> bool:
    try:
        sock.accept()[0].close()
        return True
    except OSError:
        return False


@pytest.fixture
def arena() -> Iterator[Arena]:
    """The host to attack (outside /tmp, which older sandboxes hid anyway)."""
    root = Path(tempfile.mkdtemp(prefix="rg-esc-", dir="/var/tmp"))
    home, config, data, tmp = root / "home", root / "config", root / "data", root / "tmp"
    project = config / "mid" / "proj"
    for folder in (home / ".ssh", project / "tests", data, tmp):
        folder.mkdir(parents=True)
    (home / ".ssh" / "id_ed25519").write_text(SSH_SECRET)
    (home / ".git-credentials").write_text(SSH_SECRET)
    (config / ".env").write_text(f"ESCAPE_CANARY={DOTENV_SECRET}\n")
    (config / "mid" / ".env").write_text(f"ESCAPE_CANARY={DOTENV_SECRET}\n")
    (project / ".env").write_text(f"ESCAPE_CANARY={DOTENV_SECRET}\n")
    (project / "pyproject.toml").write_text("[project]\nname = 'proj'\n")
    canary = root / "canary.txt"
    canary.write_bytes(CANARY)
    marker = "rg-escape-daemon-" + uuid.uuid4().hex
    made = Arena(root, home, config, project, data, tmp, canary, marker, _Listener())
    try:
        yield made
    finally:
        made.tcp.close()
        for sock in made.unix_socks:
            sock.close()
        for pid in _processes_with(marker):
            os.kill(pid, 9)
        # Nothing of the runs may be left: cgroups and temp folders. Only the cgroups of
        # this arena's runs count (their creator has exited): a live session elsewhere,
        # or a Regoose another xdist worker SIGKILLed on purpose, is not this test's.
        mine = [p for p in cgroup.orphaned() if cgroup.creator_pid(p) in made.pids]
        assert not mine, f"cgroups left behind: {mine}"
        left = sorted(p.name for p in tmp.iterdir())
        shutil.rmtree(root, ignore_errors=True)
        assert not left, f"temp folders left behind: {left}"


def _targets(arena: Arena, sockets: list[str]) -> dict[str, object]:
    data_files = [arena.data / "sessions.db"]
    return {
        "port": arena.tcp.port,
        "marker": arena.marker,
        "env_secret": ENV_SECRET,
        "sockets": sockets,
        "write": [
            str(arena.canary),
            str(arena.project / "pwned.py"),
            str(arena.project / "tests" / "conftest.py"),
            "/pwned",
            "/usr/pwned",
            str(arena.home / "pwned"),
            str(arena.data / "sessions.db"),
        ],
        "secrets": [
            str(arena.home / ".ssh" / "id_ed25519"),
            str(arena.home / ".git-credentials"),
            str(arena.config / ".env"),
            str(arena.config / "mid" / ".env"),
            str(arena.project / ".env"),
            *map(str, data_files),
            str(arena.canary),
        ],
    }


def _check_host_unchanged(arena: Arena, outputs: str, project_digest: str) -> None:
    assert arena.canary.read_bytes() == CANARY
    assert _tree_digest(arena.project) == project_digest
    for secret in (SSH_SECRET, DOTENV_SECRET, ENV_SECRET):
        assert secret not in outputs
    assert arena.tcp.hits == 0
    assert not any(_accepted(s) for s in arena.unix_socks)
    assert not Path("/pwned").exists() and not Path("/usr/pwned").exists()
    assert not (arena.home / "pwned").exists()
    survivors = _processes_with(arena.marker)
    assert not survivors, f"daemon survived the run: {survivors}"


def _summary(result: subprocess.CompletedProcess) -> dict[str, object]:
    return json.loads(result.stdout)


@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_hostile_tests_change_nothing_on_the_host(
    arena: Arena, sandbox: str, require_engine: Callable[[str], None]
) -> None:
    sandbox = _sandbox(sandbox, require_engine)
    inside = arena.project / "host.sock"
    outside = arena.root / "outside.sock"
    arena.unix_socks += [_listen_unix(inside), _listen_unix(outside)]
    sockets = [str(inside), str(outside)]
    sockets += [
        p for p in ("/run/dbus/system_bus_socket", "/var/run/docker.sock") if Path(p).exists()
    ]
    shutil.copy(DATA / "hostile_tests" / "test_escape_attacks.py", arena.project / "tests")
    (arena.project / "tests" / "targets.json").write_text(json.dumps(_targets(arena, sockets)))
    digest = _tree_digest(arena.project)
    result = arena.regoose(
        "run",
        str(arena.project / "tests"),
        "--project",
        str(arena.project),
        "--runtime",
        sandbox,
        "--memory",
        "256",
        "--pids",
        "64",
        "--timeout",
        "60",
    )
    _check_host_unchanged(arena, result.stdout + result.stderr, digest)
    assert "FAILED" not in result.stdout, result.stdout[-4000:]
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "10 passed" in result.stdout
    assert "cgroup" in result.stderr  # the run header says how the limits hold
    assert _dead_owners_containers(sandbox, arena) == []


@pytest.mark.parametrize(
    ("sandbox", "name"),
    [
        ("bwrap", "test_escape_busy.py"),
        ("bwrap", "test_escape_never_ends.py"),
        ("docker", "test_escape_busy.py"),
        ("podman", "test_escape_never_ends.py"),
    ],
)
def test_a_run_past_its_timeout_is_killed(
    arena: Arena, sandbox: str, name: str, require_engine: Callable[[str], None]
) -> None:
    sandbox = _sandbox(sandbox, require_engine)
    shutil.copy(DATA / "hostile_tests" / name, arena.project / "tests")
    started = time.monotonic()
    result = arena.regoose(
        "run",
        str(arena.project / "tests"),
        "--project",
        str(arena.project),
        "--runtime",
        sandbox,
        "--timeout",
        "4",
        "--json",
    )
    assert time.monotonic() - started < 30
    assert result.returncode == 1, result.stderr
    summary = _summary(result)
    assert summary["status"] != "passed" and "4 s limit and was killed" in str(summary["reason"])
    assert _dead_owners_containers(sandbox, arena) == []


@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_fifty_megabytes_of_output_are_cut(
    arena: Arena, sandbox: str, require_engine: Callable[[str], None]
) -> None:
    sandbox = _sandbox(sandbox, require_engine)
    shutil.copy(DATA / "hostile_tests" / "test_escape_output_flood.py", arena.project / "tests")
    result = arena.regoose(
        "run",
        str(arena.project / "tests"),
        "--project",
        str(arena.project),
        "--runtime",
        sandbox,
    )
    assert result.returncode == 1
    assert "output cut at 4 MB" in result.stdout
    assert len(result.stdout) < 8 * 1024**2
    store = arena.data / "sessions.db"
    sizes = sum(p.stat().st_size for p in arena.data.glob("sessions.db*"))
    assert store.exists() and sizes < 16 * 1024**2, sizes


@pytest.mark.parametrize("sandbox", ["bwrap", "docker"])
def test_hostile_module_under_generate_changes_nothing(
    arena: Arena, sandbox: str, require_engine: Callable[[str], None]
) -> None:
    sandbox = _sandbox(sandbox, require_engine)
    package = arena.project / "evil_pkg"
    package.mkdir()
    shutil.copy(DATA / "hostile_module" / "evil.py", package / "evil.py")
    (package / "targets.json").write_text(json.dumps(_targets(arena, [])))
    digest = _tree_digest(arena.project)
    out = arena.root / "generated"
    result = arena.regoose(
        "generate",
        str(package / "evil.py"),
        "--project",
        str(arena.project),
        "--runtime",
        sandbox,
        "--out",
        str(out),
        "--budget",
        "40",
        "--iterations",
        "1",
        "--timeout",
        "20",
        "--json",
    )
    _check_host_unchanged(arena, result.stdout + result.stderr, digest)
    assert result.returncode in (0, 1), result.stderr[-3000:]
    assert _summary(result)["runtime"] == sandbox
    assert _dead_owners_containers(sandbox, arena) == []


def test_local_runtime_hides_the_parent_environment_and_kills_daemons(arena: Arena) -> None:
    shutil.copy(DATA / "hostile_tests" / "test_escape_local_env.py", arena.project / "tests")
    (arena.project / "tests" / "targets.json").write_text(json.dumps(_targets(arena, [])))
    result = arena.regoose(
        "run",
        str(arena.project / "tests"),
        "--project",
        str(arena.project),
        "--runtime",
        "local",
        "--timeout",
        "30",
    )
    assert ENV_SECRET not in result.stdout + result.stderr
    assert result.returncode == 0, result.stdout[-3000:]
    assert "NOT ISOLATED" in result.stderr
    assert not _processes_with(arena.marker), "daemon survived the local run"


def test_auto_without_a_sandbox_stops_with_one_line(arena: Arena) -> None:
    shutil.copy(DATA / "hostile_tests" / "test_escape_local_env.py", arena.project / "tests")
    (arena.project / "tests" / "targets.json").write_text(json.dumps(_targets(arena, [])))
    result = arena.regoose(
        "run", str(arena.project / "tests"), "--project", str(arena.project), PATH="/nonexistent"
    )
    assert result.returncode not in (0, 1)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "install bubblewrap" in lines[0], result.stderr
    assert not _processes_with(arena.marker)  # nothing ran
