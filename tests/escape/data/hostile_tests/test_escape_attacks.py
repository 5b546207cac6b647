"""Hostile tests: each one tries to break out and PASSES only when it could not.

The host side (tests/escape/test_escape_suite.py) copies this file into a
throw-away project next to ``targets.json`` (what to attack) and runs it
with `regoose run` on bwrap; it also checks, from the host, that nothing
changed. Never run this file directly on a machine you care about.
"""

import contextlib
import errno
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time

TARGETS = json.loads((pathlib.Path(__file__).parent / "targets.json").read_text())


def _readable(path):
    try:
        with open(path, "rb") as f:
            return f.read(4096)
    except OSError:
        return None


def test_no_internet():
    for host, port in (("1.1.1.1", 53), ("8.8.8.8", 443)):
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=2):
            raise AssertionError(f"reached {host}:{port}")


def test_no_host_loopback():
    with contextlib.suppress(OSError):
        socket.create_connection(("127.0.0.1", TARGETS["port"]), timeout=2).sendall(b"escaped")
        raise AssertionError("reached the host loopback server")


def test_no_host_unix_sockets():
    reached = []
    for path in TARGETS["sockets"]:
        s = socket.socket(socket.AF_UNIX)
        try:
            s.settimeout(2)
            s.connect(path)
            s.sendall(b"escaped")
            reached.append(path)
        except OSError:
            pass
        finally:
            s.close()
    assert not reached, reached


def test_no_writes_outside_the_work_folder():
    written = []
    for path in TARGETS["write"]:
        try:
            with open(path, "a") as f:
                f.write("PWNED")
            written.append(path)
        except OSError:
            pass
    assert not written, written


def test_no_host_secrets():
    leaked = {p: data for p in TARGETS["secrets"] if (data := _readable(p))}
    assert not leaked, leaked


def test_no_parent_environment():
    needle = TARGETS["env_secret"].encode()
    assert needle.decode() not in json.dumps(dict(os.environ))
    found = []
    for entry in pathlib.Path("/proc").iterdir():
        data = _readable(entry / "environ") if entry.name.isdigit() else None
        if data and needle in data:
            found.append(entry.name)
    assert not found, found


def test_tmpfs_is_capped():
    for folder in ("/tmp", "/dev/shm"):
        written = 0
        path = os.path.join(folder, "filler")
        try:
            with open(path, "wb") as f:
                while written < 200 * 1024**2:
                    f.write(b"\0" * 1024**2)
                    f.flush()
                    written += 1024**2
        except OSError as exc:
            assert exc.errno in (errno.ENOSPC, errno.EFBIG), exc
        finally:
            with contextlib.suppress(OSError):
                os.unlink(path)
        assert written < 200 * 1024**2, f"{folder}: wrote {written} bytes"


def test_memory_is_capped_for_the_whole_run():
    # Each child stays under any per-process limit; together they pass the run's cap.
    hog = "import time; b = bytearray(100 * 1024**2); b[::4096] = b'x' * len(b[::4096]); time.sleep(3)"
    children = [subprocess.Popen([sys.executable, "-c", hog]) for _ in range(5)]
    codes = [c.wait() for c in children]
    assert any(code != 0 for code in codes), codes


def test_daemon_is_started():
    # Double fork + new session: the host checks that it does not survive the run.
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv(
                sys.executable,
                [sys.executable, "-c", "import time; time.sleep(300)", TARGETS["marker"]],
            )
        os._exit(0)
    time.sleep(0.3)


def test_zz_fork_bomb_is_capped():
    pids = []
    try:
        for _ in range(400):
            pid = os.fork()
            if pid == 0:
                time.sleep(20)
                os._exit(0)
            pids.append(pid)
    except OSError:
        pass
    finally:
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
    assert len(pids) < 400, f"{len(pids)} processes started"
