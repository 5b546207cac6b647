"""What the bubblewrap sandbox forbids, checked from inside a real sandbox."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import tempfile
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from regoose_tui.runtime.base import Limits, RunSpec
from regoose_tui.runtime.bwrap import BwrapRuntime, build_argv
from regoose_tui.runtime.local import LocalRuntime

pytestmark = pytest.mark.bwrap

_CONNECT = textwrap.dedent(
    """
    import socket, sys
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=3).close()
        print("connected")
    except OSError as exc:
        print("refused", type(exc).__name__)
    """
)


@pytest.fixture
def listening_port() -> Iterator[int]:
    """A TCP port listening on the host's loopback."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    try:
        yield server.getsockname()[1]
    finally:
        server.close()


async def test_no_network_even_to_host_loopback(
    bwrap_runtime: BwrapRuntime, make_spec, listening_port: int
) -> None:
    spec = make_spec(argv=[_python(), "-c", _CONNECT, str(listening_port)])
    inside = await bwrap_runtime.run(spec)
    assert inside.stdout.startswith("refused"), inside
    # Control: the same probe on the host reaches the port, so the probe can succeed.
    outside = await LocalRuntime().run(spec)
    assert outside.stdout.strip() == "connected"


def _python() -> str:
    import sys

    return sys.executable


_WRITE = textwrap.dedent(
    """
    import sys
    for path in sys.argv[1:]:
        try:
            with open(path, "w") as f:
                f.write("x")
            print("wrote", path)
        except OSError as exc:
            print("denied", path, exc.errno)
    """
)


async def test_root_is_read_only_tmp_is_private_work_is_writable(
    bwrap_runtime: BwrapRuntime, make_spec, dirs
) -> None:
    project, work = dirs
    name = f"regoose-{uuid.uuid4().hex}"
    targets = [f"/usr/{name}", f"/tmp/{name}", str(work / "out.txt"), str(project / "x.py")]
    result = await bwrap_runtime.run(make_spec(argv=[_python(), "-c", _WRITE, *targets]))
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"denied /usr/{name} ")
    assert lines[1] == f"wrote /tmp/{name}"
    assert lines[2] == f"wrote {work / 'out.txt'}"
    assert lines[3].startswith(f"denied {project / 'x.py'} ")
    assert not Path(f"/usr/{name}").exists()
    assert not Path(f"/tmp/{name}").exists()  # the sandbox's /tmp is its own tmpfs
    assert (work / "out.txt").read_text() == "x"
    assert not (project / "x.py").exists()


async def test_work_dir_inside_the_project_stays_writable(
    bwrap_runtime: BwrapRuntime, dirs
) -> None:
    project, _ = dirs
    work = project / ".regoose-work"
    work.mkdir()
    spec = RunSpec(
        argv=[_python(), "-c", _WRITE, str(work / "ok"), str(project / "no")],
        project_dir=project,
        work_dir=work,
        limits=Limits(wall_seconds=30),
    )
    result = await bwrap_runtime.run(spec)
    lines = result.stdout.splitlines()
    assert lines[0] == f"wrote {work / 'ok'}"
    assert lines[1].startswith(f"denied {project / 'no'} ")


async def test_capabilities_are_dropped(bwrap_runtime: BwrapRuntime, make_spec) -> None:
    code = (
        "print([l.split()[1] for l in open('/proc/self/status')"
        " if l.startswith(('CapEff', 'CapPrm', 'CapBnd'))])"
    )
    result = await bwrap_runtime.run(make_spec(code))
    assert result.stdout.strip() == str(["0000000000000000"] * 3)


async def test_pid_namespace_hides_host_processes(bwrap_runtime: BwrapRuntime, make_spec) -> None:
    code = (
        "import os, sys; pids = [p for p in os.listdir('/proc') if p.isdigit()];"
        " print(os.getpid(), len(pids), os.path.exists(f'/proc/{sys.argv[1]}'))"
    )
    host_pid = os.getpid()
    result = await bwrap_runtime.run(make_spec(argv=[_python(), "-c", code, str(host_pid)]))
    pid, count, sees_host = result.stdout.split()
    assert int(pid) < 10 and int(count) < 10
    if host_pid >= 10:
        assert sees_host == "False"


@pytest.fixture
def fake_home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A home folder with credentials, outside /tmp (which the sandbox hides anyway)."""
    home = Path(tempfile.mkdtemp(prefix="regoose-home-", dir="/var/tmp"))
    (home / ".ssh").mkdir()
    (home / ".ssh" / "id_ed25519").write_text("PRIVATE KEY")
    (home / ".netrc").write_text("machine x password hunter2")
    (home / "notes.txt").write_text("harmless")
    monkeypatch.setenv("HOME", str(home))
    try:
        yield home
    finally:
        shutil.rmtree(home, ignore_errors=True)


async def test_home_credentials_and_project_dotenv_are_masked(
    bwrap_runtime: BwrapRuntime, make_spec, dirs, fake_home: Path
) -> None:
    project, _ = dirs
    (project / ".env").write_text("OPENAI_API_KEY=sk-secret\n")
    code = textwrap.dedent(
        """
        import sys
        for path in sys.argv[1:]:
            try:
                print(repr(open(path).read()))
            except OSError as exc:
                print("unreadable", exc.errno)
        """
    )
    paths = [
        fake_home / ".ssh" / "id_ed25519",
        fake_home / ".netrc",
        fake_home / "notes.txt",
        project / ".env",
    ]
    result = await bwrap_runtime.run(make_spec(argv=[_python(), "-c", code, *map(str, paths)]))
    key, netrc, notes, dotenv = result.stdout.splitlines()
    # The home folder is not on the allow-list at all: nothing of it is there.
    assert key.startswith("unreadable") and netrc.startswith("unreadable")
    assert notes.startswith("unreadable")
    assert dotenv == "''"  # the project's .env is replaced by an empty file


async def test_secrets_inside_a_bound_folder_are_masked(
    bwrap_runtime: BwrapRuntime, fake_home: Path
) -> None:
    """A project that lives in the home folder exposes none of its credentials."""
    project, work = fake_home, fake_home / "work"
    work.mkdir()
    (project / ".env").write_text("OPENAI_API_KEY=sk-secret\n")
    code = (
        "import os, sys\n"
        "for p in sys.argv[1:]:\n"
        "    try: print(repr(open(p).read()) if os.path.isfile(p) else sorted(os.listdir(p)))\n"
        "    except OSError as exc: print('unreadable', exc.errno)\n"
    )
    paths = [project / ".ssh", project / ".netrc", project / ".env", project / "notes.txt"]
    spec = RunSpec(
        argv=[_python(), "-c", code, *map(str, paths)],
        project_dir=project,
        work_dir=work,
        limits=Limits(wall_seconds=30),
    )
    result = await bwrap_runtime.run(spec)
    assert len(result.stdout.splitlines()) == 4, result
    ssh, netrc, dotenv, notes = result.stdout.splitlines()
    assert ssh == "[]" and netrc == "''" and dotenv == "''"
    assert notes == "'harmless'"


def test_argv_binds_work_last_and_clears_env(dirs) -> None:
    project, work = dirs
    spec = RunSpec(argv=["/bin/true"], project_dir=project, work_dir=work, env={"A": "1"})
    argv = build_argv("/usr/bin/bwrap", spec)
    pairs = list(itertools.pairwise(argv))
    # An allow-list: the host root is never bound, only remounted read-only at the end.
    assert ("--ro-bind", "/") not in pairs and ("--bind", "/") not in pairs
    assert ("--remount-ro", "/") in pairs
    for hidden in ("/run", "/var", "/home", "/root", "/etc"):
        assert ("--ro-bind", hidden) not in pairs and ("--bind", hidden) not in pairs
    assert ("--ro-bind", "/etc/passwd") not in pairs  # a minimal one is generated
    assert argv[argv.index("--bind") + 1] == str(work)
    for flag in ("--unshare-all", "--die-with-parent", "--new-session", "--clearenv"):
        assert flag in argv
    assert argv[argv.index("--cap-drop") + 1] == "ALL"
    assert argv[-2:] == ["--", "/bin/true"]
    assert ["--setenv", "A", "1"] == argv[argv.index("A") - 1 : argv.index("A") + 2]


def test_availability_is_probed_once(bwrap_runtime: BwrapRuntime) -> None:
    first = BwrapRuntime.availability()
    assert first.usable and "bubblewrap" in first.reason
    assert BwrapRuntime.availability() is first
    assert bwrap_runtime.describe() == "bwrap"


def test_missing_bwrap_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    available = BwrapRuntime.availability()
    assert not available.usable
    assert "not installed" in available.reason


def test_a_planted_interpreter_is_never_run_on_the_host(dirs) -> None:
    """Building the command line must not start a ``python*`` the sandbox could write."""
    project, work = dirs
    marker = work / "ran-on-the-host"
    planted = work / "venv" / "bin" / "python3"
    planted.parent.mkdir(parents=True)
    planted.write_text(f"#!/bin/sh\ntouch {marker}\necho '{{}}'\n")
    planted.chmod(0o755)
    spec = RunSpec(argv=[str(planted), "-c", "1"], project_dir=project, work_dir=work)
    argv = build_argv("/usr/bin/bwrap", spec)
    assert not marker.exists()
    assert str(planted.parent.parent) not in argv[: argv.index("--bind")]


async def test_a_planted_interpreter_named_to_the_container_tool_never_runs_on_the_host(
    bwrap_runtime: BwrapRuntime, dirs, tmp_path: Path
) -> None:
    """The path an LLM takes: ``container.run`` with a work-folder ``python3`` as argv[0].

    The marker lies outside every folder the sandbox can write, so it can only
    appear if the planted file ran on the host (it may run inside the sandbox).
    """
    from regoose_tui.tools.sandbox import SandboxTool

    project, work = dirs
    outside = tmp_path / "host-only"
    outside.mkdir()
    marker = outside / "ran-on-the-host"
    planted = work / "venv" / "bin" / "python3"
    planted.parent.mkdir(parents=True)
    planted.write_text(f"#!/bin/sh\ntouch {marker}\necho '{{}}'\n")
    planted.chmod(0o755)
    tool = SandboxTool(bwrap_runtime, project, work)
    result = await tool.execute("run", argv=[str(planted), "-c", "1"], timeout=30)
    assert isinstance(result.output, dict) or result.error  # a result, ok or not: no crash
    assert not marker.exists()


async def test_a_socket_in_the_project_is_not_reachable(
    bwrap_runtime: BwrapRuntime, make_spec, dirs
) -> None:
    project, _ = dirs
    path = project / "s.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.listen(1)
    code = (
        "import socket, sys\n"
        "s = socket.socket(socket.AF_UNIX)\n"
        "try: s.connect(sys.argv[1]); print('connected')\n"
        "except OSError as exc: print('refused', exc.errno)\n"
    )
    try:
        result = await bwrap_runtime.run(make_spec(argv=[_python(), "-c", code, str(path)]))
    finally:
        server.close()
    assert result.stdout.startswith("refused"), result
