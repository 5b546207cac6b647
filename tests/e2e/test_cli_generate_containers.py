"""A whole offline `regoose generate` of an example module on Docker and on Podman.

The probes, the verification and the validator's runs all go through the
container runtime and its warm pool; the suite it writes passes, the
summary names the engine, and the exited process leaves no container or
volume behind.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from e2e_support import Result
from support.leftovers import left_by

pytestmark = [pytest.mark.containers, pytest.mark.slow]


@pytest.mark.timeout(400)
@pytest.mark.parametrize("engine", ["docker", "podman"])
def test_generate_an_example_module_in_a_container(
    engine: str,
    shop: Path,
    tmp_path: Path,
    regoose: Callable[..., Result],
    require_engine: Callable[[str], None],
) -> None:
    require_engine(engine)
    out = tmp_path / "generated"
    result = regoose(
        "generate",
        str(shop / "shop" / "textutil.py"),
        "--project",
        str(shop),
        "--runtime",
        engine,
        "--budget",
        "25",
        "--iterations",
        "1",
        "--out",
        str(out),
        "--json",
        env={"REGOOSE_DATA_DIR": str(tmp_path / "data")},
        timeout=360,
    )
    assert result.code == 0, result.err[-3000:]
    summary = json.loads(result.out)
    assert summary["runtime"] == engine
    assert summary["status"] == "passed" and summary["passed"] > 0
    assert summary["failed"] == 0
    written = list(out.glob("test_*.py"))
    assert written, "no test file written"
    # This run's own leftovers: another xdist worker may SIGKILL a Regoose on purpose.
    assert left_by("docker" if engine == "docker" else "podman", [result.pid]) == []
