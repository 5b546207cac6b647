"""On the local runtime: the parent's environment and a daemon that double-forks."""

import json
import os
import pathlib
import sys
import time

TARGETS = json.loads((pathlib.Path(__file__).parent / "targets.json").read_text())


def test_parent_environment_is_unreachable():
    needle = TARGETS["env_secret"].encode()
    found = []
    for entry in pathlib.Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if needle in (entry / "environ").read_bytes():
                    found.append(entry.name)
            except OSError:
                pass
    ppid_env = pathlib.Path(f"/proc/{os.getppid()}/environ")
    assert not found, found
    assert not ppid_env.exists() or needle not in ppid_env.read_bytes()


def test_daemon_is_started():
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv(
                sys.executable,
                [sys.executable, "-c", "import time; time.sleep(300)", TARGETS["marker"]],
            )
        os._exit(0)
    time.sleep(0.3)
