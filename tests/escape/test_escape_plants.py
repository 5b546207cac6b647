"""Symlink and FIFO plants in every writable place of a run, through the real CLI on bwrap.

The code under test runs in the sandbox, where its cwd is the run's only
writable folder. There it swaps the files Regoose uses (probe requests and
output, the harness scripts, junit.xml, coverage.json, the coverage data,
the test module, the verify folder) for symlinks to a canary outside every
sandbox, for FIFOs, and for links to /dev/zero. Regoose's host process must
never write through them (the canary keeps its bytes), never hang on them
(pytest-timeout) and end every command with a clear result.
"""

from __future__ import annotations

import asyncio
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core" / "runtime"))

from sandbox_helpers import require_bwrap

from regoose_tui.domain.target import TargetModule
from regoose_tui.runtime.bwrap import BwrapRuntime
from regoose_tui.runtime.safe_io import UnsafeResultFile
from regoose_tui.synth.probe import Prober

REPO = Path(__file__).resolve().parents[2]
CANARY_BYTES = b"canary: the host must never write here\n"

#: Names Regoose's host side used (or uses) in a run's writable folder.
PLANTED = [
    *(f"probe_req_{n}.json" for n in range(60)),
    *(f"probe_out_{n}.jsonl" for n in range(60)),
    "probe_out.jsonl",
    "_regoose_probe.py",
    "_regoose_probe_describe.py",
    "junit.xml",
    "coverage.json",
    "coverage.sqlite",
    ".coverage",
    "pytest.ini",
    "test_generated.py",
    "test_plants.py",
    "verify",
]

#: Written by the sandboxed command itself late in the run: a FIFO planted there
#: early would only stall the sandbox (a process attack, not this file's), so in
#: FIFO mode they are planted at exit, after pytest wrote its report.
LATE = ["junit.xml", "coverage.json", "coverage.sqlite", ".coverage"]

_PLANT = """
import atexit, glob, os

def _plant(names, replace):
    here = os.getcwd()
    places = [here, *glob.glob(os.path.join(here, ".regoose-run-*")),
              *glob.glob(os.path.join(here, "verify"))]
    for place in places:
        for name in names:
            path = os.path.join(place, name)
            existing = os.path.lexists(path)
            if existing and not replace:
                continue  # the current run's own file: swap the next ones
            try:
                if existing and not os.path.isdir(path):
                    os.unlink(path)
                if {mode!r} == "symlink":
                    os.symlink({canary!r} if name != "verify" else {canary_dir!r}, path)
                elif {mode!r} == "fifo":
                    os.mkfifo(path)
                else:
                    os.symlink("/dev/zero", path)
            except OSError:
                pass

_early = [n for n in {names!r} if {mode!r} != "fifo" or n not in {late!r}]
# Symlinks: only names not there yet (so the host would write through them later);
# FIFOs and /dev/zero: the current run's files too (so the host would read them).
_plant(_early, replace={mode!r} != "symlink")
atexit.register(_plant, ["junit.xml"], True)
"""


def _project(root: Path, mode: str, canary: Path, canary_dir: Path) -> Path:
    """A project whose module plants ``mode`` plants at import, with a function to test."""
    project = root / "project"
    project.mkdir()
    plant = _PLANT.format(
        names=PLANTED, late=LATE, mode=mode, canary=str(canary), canary_dir=str(canary_dir)
    )
    (project / "planter.py").write_text(
        plant + "\n\ndef double(x: int) -> int:\n    return 2 * x\n", encoding="utf-8"
    )
    tests = project / "tests"
    tests.mkdir()
    (tests / "test_plants.py").write_text(
        "import planter\n\n\ndef test_double():\n    assert planter.double(2) == 4\n",
        encoding="utf-8",
    )
    return project


def _canaries(root: Path) -> tuple[Path, Path]:
    canary = root / "canary.txt"
    canary.write_bytes(CANARY_BYTES)
    canary_dir = root / "canary_dir"
    canary_dir.mkdir()
    return canary, canary_dir


def _limit_memory() -> None:
    # Reading /dev/zero without a cap must end as a MemoryError, not an OOM kill here.
    resource.setrlimit(resource.RLIMIT_AS, (3 * 1024**3, 3 * 1024**3))


def _regoose(*args: str, data: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "REGOOSE_DATA_DIR": str(data)}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        [sys.executable, "-m", "regoose_tui", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        preexec_fn=_limit_memory,
        cwd=data.parent,
    )


def _assert_clear_end(done: subprocess.CompletedProcess[str]) -> None:
    """A result, or one error line: never an internal error or a traceback."""
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert "internal error" not in done.stderr, done.stderr[-3000:]
    assert "MemoryError" not in done.stderr + done.stdout
    # 0/1: tests passed/failed; 2: input error; 3: a sandbox error (a refused result file).
    assert done.returncode in (0, 1, 2, 3), (done.returncode, done.stderr[-3000:])


def _assert_canary_intact(canary: Path, canary_dir: Path) -> None:
    assert canary.read_bytes() == CANARY_BYTES
    assert list(canary_dir.iterdir()) == []


@pytest.mark.timeout(240)
@pytest.mark.parametrize("mode", ["symlink", "fifo", "devzero"])
def test_generate_survives_plants_in_every_run_folder(tmp_path: Path, mode: str) -> None:
    require_bwrap()
    canary, canary_dir = _canaries(tmp_path)
    project = _project(tmp_path, mode, canary, canary_dir)
    done = _regoose(
        "generate",
        str(project / "planter.py"),
        "--project",
        str(project),
        "--runtime",
        "bwrap",
        "--budget",
        "40",
        "--iterations",
        "1",
        "--out",
        str(tmp_path / "out"),
        "--json",
        data=tmp_path / "data",
        timeout=200,
    )
    _assert_clear_end(done)
    _assert_canary_intact(canary, canary_dir)
    if done.returncode == 3:
        # Refusing a planted result is fine, if it says which file and why.
        assert "result file is not a regular file" in done.stderr, done.stderr[-2000:]


@pytest.mark.timeout(180)
@pytest.mark.parametrize("mode", ["symlink", "fifo", "devzero"])
def test_run_survives_plants_in_its_output_folder(tmp_path: Path, mode: str) -> None:
    require_bwrap()
    canary, canary_dir = _canaries(tmp_path)
    project = _project(tmp_path, mode, canary, canary_dir)
    done = _regoose(
        "run",
        str(project / "tests"),
        "--project",
        str(project),
        "--cov",
        str(project / "planter.py"),
        "--runtime",
        "bwrap",
        data=tmp_path / "data",
        timeout=150,
    )
    _assert_clear_end(done)
    _assert_canary_intact(canary, canary_dir)
    # junit.xml was planted before pytest wrote it: the run says the report was refused
    # (or pytest, unable to write it, failed) instead of trusting what is there.
    assert done.returncode in (1, 3), done.stdout[-2000:]


@pytest.mark.timeout(180)
@pytest.mark.parametrize(("sandbox", "mode"), [("docker", "symlink"), ("podman", "fifo")])
def test_container_run_survives_plants_in_its_output_folder(
    tmp_path: Path, sandbox: str, mode: str, require_engine: Callable[[str], None]
) -> None:
    """In a container the work folder comes back by copy: links and FIFOs stay behind."""
    require_engine(sandbox)
    canary, canary_dir = _canaries(tmp_path)
    project = _project(tmp_path, mode, canary, canary_dir)
    done = _regoose(
        "run",
        str(project / "tests"),
        "--project",
        str(project),
        "--cov",
        str(project / "planter.py"),
        "--runtime",
        sandbox,
        data=tmp_path / "data",
        timeout=150,
    )
    _assert_clear_end(done)
    _assert_canary_intact(canary, canary_dir)
    assert done.returncode in (1, 3), done.stdout[-2000:]
    assert "left in the sandbox" in done.stdout + done.stderr


@pytest.mark.timeout(60)
async def test_probe_reads_a_planted_fifo_off_the_event_loop(tmp_path: Path) -> None:
    """A FIFO where the probe output should be is refused, and the loop never stalls."""
    require_bwrap()
    canary, canary_dir = _canaries(tmp_path)
    project = _project(tmp_path, "fifo", canary, canary_dir)
    target = TargetModule(
        path=project / "planter.py",
        module="planter",
        project_dir=project,
        source=(project / "planter.py").read_text(encoding="utf-8"),
    )
    work = tmp_path / "work"
    work.mkdir()
    prober = Prober(
        BwrapRuntime(),
        target,
        python=sys.executable,
        work_dir=work,
        deadline=time.monotonic() + 40,
    )
    gaps: list[float] = []

    async def heartbeat() -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.01)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    beating = asyncio.create_task(heartbeat())
    try:
        # The probe harness opened its output before importing the planter, which
        # then swapped the name for a FIFO: the host refuses it without blocking.
        with pytest.raises(UnsafeResultFile, match=r"probe_out\.jsonl: result file is not a"):
            await prober.introspect()
    finally:
        beating.cancel()
    assert gaps and max(gaps) < 1.0, max(gaps, default=None)
    _assert_canary_intact(canary, canary_dir)
    # Every run folder was removed; only the staged inputs remain, until the caller cleans up.
    assert [p.name[:7] for p in work.iterdir()] == ["inputs-"]
