"""The coverage goal's cache: coverage.py's own answer, kept per source, safely."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from regoose_tui.synth import goal as goal_module
from regoose_tui.synth.goal import CACHE_FOLDER, coverage_goal

_SOURCE = (
    "LIMIT = 3\n\n\n"
    "def clamp(n):\n"
    "    if n > LIMIT:\n"
    "        return LIMIT\n"
    "    parts = [\n"
    "        n,\n"
    "        n + 1,\n"
    "    ]\n"
    "    return parts[0]\n"
)


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home / "regoose" / CACHE_FOLDER


def _fresh_goal(source: str) -> goal_module.CoverageGoal:
    """The goal as coverage.py works it out now, with no cache at all."""
    from coverage.parser import PythonParser

    parser = PythonParser(text=source)
    parser.parse_source()
    arcs = {(a, b) for a, b in parser.arcs()}
    lines = range(1, len(source.splitlines()) + 1)
    first = {n: parser.first_line(n) for n in lines if parser.first_line(n) != n}
    bodies = goal_module._function_body_lines(__import__("ast").parse(source))
    return goal_module.CoverageGoal(
        frozenset((a, b) for a, b in arcs if a in bodies and b > 0),
        frozenset(a for a, b in arcs if a in bodies and b < 0),
        first,
    )


def test_a_second_process_gets_the_same_goal_without_importing_coverage(tmp_path: Path) -> None:
    """The host imports coverage.py for a source once; later generations read its answer."""
    code = (
        "import sys\n"
        "from regoose_tui.synth.goal import coverage_goal\n"
        "goal = coverage_goal(open(sys.argv[1]).read())\n"
        "print(sorted(goal.inner), sorted(goal.exits_from), sorted(goal.first_lines.items()))\n"
        "print('coverage' in sys.modules)\n"
    )
    target = tmp_path / "clamp.py"
    target.write_text(_SOURCE)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("COVERAGE_PROCESS_START", None)  # no coverage.py run of the child itself

    def run() -> list[str]:
        done = subprocess.run(
            [sys.executable, "-c", code, str(target)],
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        return done.stdout.splitlines()

    first, second = run(), run()
    expected = _fresh_goal(_SOURCE)
    said = (
        f"{sorted(expected.inner)} {sorted(expected.exits_from)} "
        f"{sorted(expected.first_lines.items())}"
    )
    assert first == [said, "True"]
    assert second == [said, "False"]


def test_a_changed_source_is_parsed_again(cache_home: Path) -> None:
    changed = _SOURCE.replace("if n > LIMIT:", "if n >= LIMIT:\n        n = LIMIT\n    if n:")
    assert coverage_goal(_SOURCE) == _fresh_goal(_SOURCE)
    assert coverage_goal(changed) == _fresh_goal(changed)
    assert coverage_goal(changed) != coverage_goal(_SOURCE)
    assert len(list(cache_home.glob("*.json"))) == 2


def _tamper(cache_home: Path, mode: int) -> None:
    """Rewrite the one kept answer with a well-formed but wrong one."""
    (kept,) = cache_home.glob("*.json")
    entry = json.loads(kept.read_text())
    entry["arcs"] = [[5, 6]]
    kept.write_text(json.dumps(entry))
    kept.chmod(mode)


def test_a_kept_answer_is_read_only_from_a_file_nobody_else_may_write(cache_home: Path) -> None:
    expected = _fresh_goal(_SOURCE)
    coverage_goal(_SOURCE)
    _tamper(cache_home, 0o620)  # writable by the group: not trusted, parsed again
    assert coverage_goal(_SOURCE) == expected
    _tamper(cache_home, 0o600)  # this user's own file: its answer is the one used
    assert coverage_goal(_SOURCE).inner == {(5, 6)}


def test_a_malformed_kept_answer_is_parsed_again(cache_home: Path) -> None:
    coverage_goal(_SOURCE)
    (kept,) = cache_home.glob("*.json")
    entry = json.loads(kept.read_text())
    entry["arcs"] = [[5, "6"]]
    kept.write_text(json.dumps(entry))
    assert coverage_goal(_SOURCE) == _fresh_goal(_SOURCE)
    kept.write_text("{not json")
    assert coverage_goal(_SOURCE) == _fresh_goal(_SOURCE)


def test_only_the_latest_sources_are_kept(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(goal_module, "MAX_KEPT", 2)
    for limit in (1, 2, 3):
        coverage_goal(_SOURCE.replace("LIMIT = 3", f"LIMIT = {limit}"))
    assert len(list(cache_home.glob("*.json"))) == 2


def test_a_source_coverage_cannot_parse_has_no_goal_and_nothing_is_kept(
    cache_home: Path,
) -> None:
    assert coverage_goal("def broken(:\n").empty
    assert not list(cache_home.glob("*.json"))
