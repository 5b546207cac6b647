"""DockerRuntime and PodmanRuntime on the real engines: streaming, hardening, results, kills."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from regoose_tui.runtime.base import RunSpec
from regoose_tui.runtime.container.runtime import ContainerRuntime

pytestmark = pytest.mark.containers

_INSPECT = r"""
import json, os, socket
status = dict(line.split(":\t", 1) for line in open("/proc/self/status").read().splitlines()
              if ":\t" in line)
def can_write(path):
    try:
        with open(path, "a") as handle:
            handle.write("x")
        return True
    except OSError:
        return False
def can_connect():
    try:
        socket.create_connection(("1.1.1.1", 53), timeout=2)
        return True
    except OSError:
        return False
print(json.dumps({
    "uid": os.getuid(),
    "cap_eff": status["CapEff"].strip(),
    "no_new_privs": status["NoNewPrivs"].strip(),
    "root_writable": can_write("/pwned"),
    "project_writable": can_write(os.environ["PROJECT"] + "/pwned"),
    "tmp_writable": can_write("/tmp/ok"),
    "network": can_connect(),
    "cwd": os.getcwd(),
    "pid": os.getpid(),
}))
"""


def test_a_run_streams_its_lines_and_brings_its_files_back(
    container_runtime: ContainerRuntime, spec_for: Callable[..., RunSpec]
) -> None:
    code = (
        "import sys\n"
        "for i in range(3): print('line', i, flush=True)\n"
        "print('oops', file=sys.stderr)\n"
        "open('result.txt', 'w').write('made inside')\n"
        "import os; os.mkdir('sub'); open('sub/deeper.txt', 'w').write('deep')\n"
        "sys.exit(3)\n"
    )
    spec = spec_for(code)
    lines: list[tuple[str, str]] = []
    result = asyncio.run(container_runtime.run(spec, lambda s, line: lines.append((s, line))))
    assert result.exit_code == 3 and not result.timed_out
    assert [line for s, line in lines if s == "stdout"] == ["line 0", "line 1", "line 2"]
    assert ("stderr", "oops") in lines
    assert (spec.work_dir / "result.txt").read_text() == "made inside"
    assert (spec.work_dir / "sub" / "deeper.txt").read_text() == "deep"


def test_the_container_is_hardened(
    container_runtime: ContainerRuntime, spec_for: Callable[..., RunSpec]
) -> None:
    spec = spec_for(_INSPECT)
    spec = replace(spec, env={"PROJECT": str(spec.project_dir)})
    result = asyncio.run(container_runtime.run(spec))
    assert result.exit_code == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["uid"] != 0
    assert int(seen["cap_eff"], 16) == 0
    assert seen["no_new_privs"] == "1"
    assert not seen["root_writable"] and not seen["project_writable"]
    assert seen["tmp_writable"] and not seen["network"]
    assert seen["cwd"] == str(spec.work_dir)
    assert not (spec.project_dir / "pwned").exists()


def test_inputs_are_read_only_copies_and_the_host_keeps_its_bytes(
    container_runtime: ContainerRuntime, spec_for: Callable[..., RunSpec], tmp_path: Path
) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "request.json").write_text('{"n": 41}')
    code = (
        f"import json; p = {str(inputs / 'request.json')!r}\n"
        "print(json.load(open(p))['n'] + 1)\n"
        "try:\n    open(p, 'w').write('changed')\nexcept OSError as e:\n    print('refused')\n"
    )
    spec = replace(spec_for(code), read_only_paths=(inputs,))
    result = asyncio.run(container_runtime.run(spec))
    assert result.stdout.split() == ["42", "refused"], result.stderr
    assert (inputs / "request.json").read_text() == '{"n": 41}'


def test_a_planted_symlink_result_is_never_followed(
    container_runtime: ContainerRuntime, spec_for: Callable[..., RunSpec], tmp_path: Path
) -> None:
    canary = tmp_path / "canary.txt"
    canary.write_text("keep me")
    code = (
        "import os\n"
        f"os.symlink({str(canary)!r}, 'junit.xml')\n"
        "os.symlink('/dev/zero', 'coverage.json')\n"
        "os.mkfifo('probe_out.jsonl')\n"
        "open('plain.txt', 'w').write('ok')\n"
    )
    spec = spec_for(code)
    result = asyncio.run(container_runtime.run(spec))
    assert result.exit_code == 0, result.stderr
    assert sorted(os.listdir(spec.work_dir)) == ["plain.txt"]
    assert "left in the sandbox" in result.stderr
    assert canary.read_text() == "keep me"


def test_a_run_past_its_wall_clock_is_killed_and_removed(
    container_runtime: ContainerRuntime, spec_for: Callable[..., RunSpec], engine: str
) -> None:
    spec = spec_for("import time\nprint('started', flush=True)\ntime.sleep(60)", wall=3)
    started = time.monotonic()
    result = asyncio.run(container_runtime.run(spec))
    assert result.timed_out and result.killed and not result.ok
    assert time.monotonic() - started < 20
    assert "started" in result.stdout
    # The killed container is gone at once, not merely returned to the pool.
    assert container_runtime.pool().owned_count() <= 1  # at most the spare started ahead


def test_cancelling_a_run_kills_its_container_and_reraises(
    container_runtime: ContainerRuntime, spec_for: Callable[..., RunSpec]
) -> None:
    spec = spec_for("import time\nprint('up', flush=True)\ntime.sleep(60)")

    async def scenario() -> None:
        seen = asyncio.Event()
        task = asyncio.ensure_future(container_runtime.run(spec, lambda s, line: seen.set()))
        await asyncio.wait_for(seen.wait(), 30)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert container_runtime.pool().owned_count() <= 1


def test_a_container_killed_from_outside_is_one_clear_result_and_the_next_run_works(
    container_runtime: ContainerRuntime, spec_for: Callable[..., RunSpec]
) -> None:
    spec = spec_for("import time\nprint('up', flush=True)\ntime.sleep(60)")

    async def scenario() -> None:
        seen = asyncio.Event()
        task = asyncio.ensure_future(container_runtime.run(spec, lambda s, line: seen.set()))
        await asyncio.wait_for(seen.wait(), 30)
        pool = container_runtime.pool()
        lent = [box for box in pool._owned.values() if box.uses == 0]
        for box in lent:  # from outside: the engine kills it, Regoose did not ask
            await asyncio.to_thread(box.container.kill)
        result = await asyncio.wait_for(task, 30)
        assert result.killed and not result.ok and not result.timed_out
        assert "stopped from outside" in result.stderr
        again = await container_runtime.run(spec_for("print('fine')"))
        assert again.ok and again.stdout.strip() == "fine"

    asyncio.run(scenario())


def test_a_warm_container_is_reused_and_reset_between_runs(
    container_runtime: ContainerRuntime, spec_for: Callable[..., RunSpec]
) -> None:
    first = (
        "import os, subprocess, sys\n"
        "open('/tmp/left-behind', 'w').write('x')\n"
        "open(os.path.expanduser('~/.cache-file'), 'w').write('x')\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'],"
        " start_new_session=True)\n"
        "print(os.getpid())\n"
    )
    second = (
        "import os\n"
        "mine = (1, os.getpid(), os.getppid())  # the reaper, this run and its bootstrap\n"
        "others = [p for p in os.listdir('/proc') if p.isdigit() and int(p) not in mine]\n"
        "names = [open(f'/proc/{p}/cmdline').read() for p in others]\n"
        "print(os.path.exists('/tmp/left-behind'), os.path.exists(os.path.expanduser('~/.cache-file')),"
        " any('sleep(120)' in n for n in names))\n"
    )

    async def scenario() -> tuple[str, str, int]:
        one = await container_runtime.run(spec_for(first))
        await asyncio.sleep(1.0)  # the reset runs in the background
        two = await container_runtime.run(spec_for(second))
        # The project sits below a 0700 folder of the host (pytest's tmp_path): the reset
        # must leave the folders the engine made for its mount point traversable.
        third = spec_for("import mod_three; print(mod_three.VALUE)")
        (third.project_dir / "mod_three.py").write_text("VALUE = 'three'\n")
        three = await container_runtime.run(third)
        assert three.ok and three.stdout.strip() == "three", three.stderr
        return one.stdout, two.stdout, container_runtime.pool().reused

    _, seen, reused = asyncio.run(scenario())
    assert seen.split() == ["False", "False", "False"]
    assert reused >= 2


def _child_script(engine: str, project: Path, on_line: str) -> str:
    """A Regoose child process: prints its owner token, starts a 120 s run, then on the
    run's first output line prints RUNNING and does ``on_line`` (one Python statement)."""
    return (
        "import asyncio, os, sys, tempfile\n"
        "from pathlib import Path\n"
        "from regoose_tui.runtime.base import RunSpec, Limits\n"
        "from regoose_tui.runtime.container.endpoints import owner_token\n"
        "from regoose_tui.runtime.registry import get_runtime\n"
        "print('OWNER', owner_token(), flush=True)\n"
        "spec = RunSpec(argv=[sys.executable, '-c', 'import time; print(1, flush=True);"
        " time.sleep(120)'],"
        f" project_dir=Path({str(project)!r}), work_dir=Path(tempfile.mkdtemp()),"
        " limits=Limits(wall_seconds=100))\n"
        "def seen(stream, line):\n"
        "    print('RUNNING', flush=True)\n"
        f"    {on_line}\n"
        f"asyncio.run(get_runtime({engine!r}).run(spec, seen))\n"
    )


def _engine_client(engine: str) -> Any:
    """A docker SDK client on the engine's socket, to look at what a child left."""
    from regoose_tui.runtime.container import endpoints
    from regoose_tui.runtime.container.client import client_for

    probe = endpoints.find("docker" if engine == "docker" else "podman")
    assert probe.endpoint is not None
    return client_for(probe.endpoint.url)


def _readable_project(tmp_path: Path) -> Path:
    # 0755 even under a strict umask: the container user (nobody) must read it.
    project = tmp_path / "p"
    project.mkdir(mode=0o755)
    project.chmod(0o755)
    return project


def test_leftovers_of_a_dead_process_are_removed_at_the_next_start(
    engine: str, tmp_path: Path, leftovers: Callable[[str], list[str]]
) -> None:
    """A Regoose killed with SIGKILL mid-run leaves a container; the next process removes it."""
    script = _child_script(engine, _readable_project(tmp_path), "os.kill(os.getpid(), 9)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGOOSE_")}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env
    )
    assert "RUNNING" in done.stdout and done.returncode == -9, done.stderr[-2000:]
    from regoose_tui.runtime.container import labels

    client = _engine_client(engine)
    # Only the killed process's own containers: under xdist another worker's Regoose may be
    # starting (and sweeping dead owners) at the same moment. sparse: no inspect per
    # container, which would 404 on one another sweep just removed.
    [token] = [line.split()[1] for line in done.stdout.splitlines() if line.startswith("OWNER ")]
    assert not labels.owner_alive(token)

    def left() -> list[str]:
        found = client.containers.list(
            all=True, sparse=True, filters={"label": f"{labels.OWNER}={token}"}
        )
        return [str(c.id) for c in found]

    assert left(), "the killed process left nothing to clean up (test did not bite)"
    # The next Regoose process removes them as it first talks to the engine (not this
    # test calling the cleanup itself).
    next_start = (
        f"from regoose_tui.runtime.registry import get_runtime; get_runtime({engine!r}).client()"
    )
    subprocess.run([sys.executable, "-c", next_start], check=True, timeout=60, env=env)
    still = left()
    assert still == []
    assert leftovers(engine) == []


def test_a_sigterm_drains_the_pool_before_the_process_ends(
    engine: str, tmp_path: Path, leftovers: Callable[[str], list[str]]
) -> None:
    """CI cancelling a job sends SIGTERM: the run's container and the spare go with it."""
    script = _child_script(engine, _readable_project(tmp_path), "pass")
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGOOSE_")}
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None
    owner = proc.stdout.readline().split()[1]
    assert proc.stdout.readline().strip() == "RUNNING"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    from regoose_tui.runtime.container import labels

    client = _engine_client(engine)
    mine = f"{labels.OWNER}={owner}"
    assert client.containers.list(all=True, filters={"label": mine}) == []
    assert client.volumes.list(filters={"label": mine}) == []
