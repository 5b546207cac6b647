"""The offline loop ends at its first round with no new coverage, unless --plateau says more.

A module with a branch no input can take (``abs`` is never negative): the
first round covers the rest, a second round can only find nothing, and a third
would repeat the second. Real `regoose generate` runs, offline provider.
"""

from __future__ import annotations

import json
from pathlib import Path

from e2e_support import Regoose

MODULE = '''
def sign_word(x: int) -> str:
    """``positive``, ``negative`` or ``zero``."""
    size = abs(x)
    if size < 0:
        return "impossible"
    if x > 0:
        return "positive"
    if x < 0:
        return "negative"
    return "zero"
'''


def _generate(tmp_path: Path, regoose: Regoose, *extra: str) -> dict[str, object]:
    (tmp_path / "signs.py").write_text(MODULE, encoding="utf-8")
    env = {"REGOOSE_DATA_DIR": str(tmp_path / "data")}
    made = regoose(
        "generate", str(tmp_path / "signs.py"), "--budget", "40", "--json", *extra, env=env
    )
    assert made.code == 0, made.err
    data: dict[str, object] = json.loads(made.out)
    return data


def test_offline_stops_after_one_flat_round(tmp_path: Path, regoose: Regoose) -> None:
    data = _generate(tmp_path, regoose)
    assert data["stopped_by"] == "plateau", data
    assert data["iterations"] == 2


def test_plateau_given_lets_more_flat_rounds_run(tmp_path: Path, regoose: Regoose) -> None:
    data = _generate(tmp_path, regoose, "--plateau", "2", "--iterations", "3")
    assert data["stopped_by"] in ("plateau", "iterations"), data
    assert data["iterations"] == 3
