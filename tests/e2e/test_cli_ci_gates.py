"""--fail-under (exit 1 below the floor, reports first) and --seed (byte-identical runs)."""

from __future__ import annotations

import json
from pathlib import Path

from e2e_support import Regoose

#: One branch no sampling reaches (a hash prefix), so coverage stays under 100 %.
MODULE = """import hashlib


def label(n: int) -> str:
    if hashlib.sha256(str(n).encode()).hexdigest().startswith("0000000"):
        return "lucky"
    if n < 0:
        return "negative"
    if n == 0:
        return "zero"
    return "positive"
"""


def _project(tmp_path: Path) -> Path:
    (tmp_path / "labels.py").write_text(MODULE)
    return tmp_path / "labels.py"


def test_fail_under_exits_1_after_writing_every_report(regoose: Regoose, tmp_path: Path) -> None:
    target = _project(tmp_path)
    env = {"REGOOSE_DATA_DIR": str(tmp_path / "data")}
    md, xml = tmp_path / "r.md", tmp_path / "r.xml"
    args = ["generate", str(target), "--budget", "30", "--iterations", "1", "--json"]
    under = regoose(*args, "--fail-under", "100", "--report", str(md), str(xml), env=env)
    assert under.code == 1, under.err
    data = json.loads(under.out)
    assert data["failed"] == 0 and 50 < data["line_coverage"] < 100
    assert md.is_file() and xml.is_file()
    [line] = [line for line in under.err.splitlines() if "--fail-under" in line]
    assert line == (
        f"regoose: line coverage of labels is {data['line_coverage']:.1f}%, under --fail-under 100%"
    )
    over = regoose(*args, "--fail-under", "50", env=env)
    assert over.code == 0, over.err
    bad = regoose(*args, "--fail-under", "120", env=env)
    assert bad.code == 2 and "not between 0 and 100" in bad.err


def test_two_seeded_offline_runs_write_the_same_bytes(regoose: Regoose, tmp_path: Path) -> None:
    target = _project(tmp_path)
    outs = []
    for run in ("one", "two"):
        out = tmp_path / run
        done = regoose(
            "generate",
            str(target),
            "--seed",
            "3",
            "--budget",
            "60",
            "--iterations",
            "2",
            "--out",
            str(out),
            "--quiet",
            env={"REGOOSE_DATA_DIR": str(tmp_path / f"data-{run}")},
        )
        assert done.code == 0, done.err
        outs.append((out / "test_labels.py").read_bytes())
    assert outs[0] == outs[1]
    assert b"def test_" in outs[0]
