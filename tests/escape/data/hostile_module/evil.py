"""A module whose import attacks the host (for `regoose generate`)."""

import contextlib
import json
import os
import pathlib
import socket
import sys

_TARGETS = json.loads((pathlib.Path(__file__).parent / "targets.json").read_text())

with contextlib.suppress(OSError):
    socket.create_connection(("127.0.0.1", _TARGETS["port"]), timeout=1).sendall(b"escaped")
for _path in _TARGETS["write"]:
    with contextlib.suppress(OSError), open(_path, "a") as _f:
        _f.write("PWNED")
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(
            sys.executable,
            [sys.executable, "-c", "import time; time.sleep(300)", _TARGETS["marker"]],
        )
    os._exit(0)


def add(a: int, b: int) -> int:
    """Adds."""
    if a > b:
        return a + b
    return b + a
