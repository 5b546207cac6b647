"""Typed inputs the pools cannot fill, drawn with Hypothesis inside the sandboxed probe.

A module whose functions take ``date``, ``Decimal``, ``Path``, ``UUID``, a
NamedTuple, a TypedDict and a dataclass holding a date: the introspection in
bubblewrap draws examples for them, reports each as source that rebuilds it,
and the engine's tests reach the branches those values open, as plain calls
and literals with no Hypothesis import.
"""

from __future__ import annotations

import ast
import asyncio
import datetime
import enum
import json
import os
import subprocess
import sys
import time
import types
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

import pytest
from synth_samples import make_target, sandbox_for

from regoose_tui.runtime.bwrap import BwrapRuntime
from regoose_tui.synth.drawn import drawn_values, tag_for
from regoose_tui.synth.engine import SynthResult, synthesize
from regoose_tui.synth.pools import SymbolTable
from regoose_tui.synth.probe import Prober
from regoose_tui.synth.probe_draw import source_of

pytestmark = pytest.mark.bwrap

TYPED = '''"""Helpers whose inputs are not plain literals."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple, TypedDict


def weekday_kind(day: datetime.date) -> str:
    if day.weekday() >= 5:
        return "weekend"
    return "weekday"


def hour_slot(moment: datetime.datetime) -> str:
    if moment.hour < 12:
        return "morning"
    return "afternoon"


def rounding(amount: Decimal) -> str:
    if amount != amount.to_integral_value():
        return "fractional"
    return "whole"


def suffix_of(path: Path) -> str:
    if path.suffix:
        return path.suffix
    return "none"


def uuid_version(value: uuid.UUID) -> int | None:
    return value.version


class Point(NamedTuple):
    x: int
    y: int


def quadrant(p: Point) -> int:
    if p.x >= 0 and p.y >= 0:
        return 1
    return 3


class Movie(TypedDict):
    title: str
    year: int


def is_classic(movie: Movie) -> bool:
    if movie["year"] < 1970:
        return True
    return False


@dataclass
class Booking:
    guest: str
    start: datetime.date
    nights: int


def checkout(booking: Booking) -> datetime.date:
    if booking.nights <= 0:
        raise ValueError("at least one night")
    return booking.start + datetime.timedelta(days=booking.nights)


class Stuck:
    def __init__(self, n: int) -> None:
        while True:
            pass


def stuck_twice(s: Stuck) -> int:
    return 2
'''


def _bwrap() -> BwrapRuntime:
    available = BwrapRuntime.availability()
    if not available.usable:
        if os.environ.get("REGOOSE_ALLOW_NO_BWRAP") == "1":
            pytest.skip(f"bubblewrap unusable: {available.reason}")
        pytest.fail(f"bubblewrap is required for these tests: {available.reason}")
    return BwrapRuntime()


def _introspect(tmp: Path, budget: float = 60.0) -> tuple[dict[str, Any], float, list[str]]:
    target = make_target(tmp, "typed_kit", TYPED)
    work = tmp / "work"
    work.mkdir()
    said: list[str] = []
    prober = Prober(
        _bwrap(),
        target,
        python=sys.executable,
        work_dir=work,
        deadline=time.monotonic() + budget,
        log=said.append,
    )
    started = time.monotonic()
    intro = asyncio.run(prober.introspect())
    return intro, time.monotonic() - started, said


def _drawn(intro: dict[str, Any], function: str) -> list[dict[str, Any]]:
    member = next(m for m in intro["members"] if m["name"] == function)
    drawn: list[dict[str, Any]] = member["params"][0]["type"].get("drawn", [])
    return drawn


@pytest.fixture(scope="module")
def introspected(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], float]:
    intro, wall, _ = _introspect(tmp_path_factory.mktemp("typed_intro"))
    return intro, wall


def test_the_sandboxed_introspection_draws_examples_that_rebuild_equal_values(
    introspected,
) -> None:
    intro, _ = introspected
    dates = _drawn(intro, "weekday_kind")
    # Hypothesis's simplest date comes first; every one is a call a test can hold.
    assert dates[0] == {
        "src": "datetime.date(2000, 1, 1)",
        "imports": ["import datetime"],
        "needs": [],
    }
    assert len(dates) >= 3
    for item in dates:
        value = eval(item["src"], {"datetime": datetime})
        assert type(value) is datetime.date and 1970 <= value.year <= 2099
    decimals = _drawn(intro, "rounding")
    assert decimals[0]["imports"] == ["from decimal import Decimal"]
    assert all(type(eval(d["src"], {"Decimal": Decimal})) is Decimal for d in decimals)
    paths = _drawn(intro, "suffix_of")
    # Spelled with the annotation's name (Path), not the concrete PosixPath of the repr.
    assert all(p["src"].startswith("Path(") for p in paths)
    assert any(PurePosixPath(eval(p["src"], {"Path": Path})).suffix for p in paths)
    assert _drawn(intro, "uuid_version")[0]["imports"] == ["from uuid import UUID"]


def test_classes_of_the_target_are_named_as_the_tests_import_them(introspected) -> None:
    intro, _ = introspected
    points = _drawn(intro, "quadrant")
    assert points[0] == {"src": "Point(x=0, y=0)", "imports": [], "needs": ["Point"]}
    bookings = _drawn(intro, "checkout")
    assert bookings and all(b["needs"] == ["Booking"] for b in bookings)
    assert all(b["imports"] == ["import datetime"] for b in bookings)
    call = ast.parse(bookings[0]["src"], mode="eval").body
    assert isinstance(call, ast.Call) and [k.arg for k in call.keywords] == [
        "guest",
        "start",
        "nights",
    ]
    movies = _drawn(intro, "is_classic")
    assert all(set(ast.literal_eval(m["src"])) == {"title", "year"} for m in movies)


def test_a_constructor_that_hangs_costs_its_own_cap_and_nothing_else(introspected) -> None:
    intro, wall = introspected
    assert _drawn(intro, "stuck_twice") == []
    # The others still got theirs, and the whole introspection stayed within its draw cap.
    assert _drawn(intro, "hour_slot")
    assert wall < 20.0  # the draws are capped at 4 s; the rest is starting and importing


def test_the_same_draws_come_back_on_every_run(tmp_path: Path, introspected) -> None:
    intro, _ = introspected
    again, _, said = _introspect(tmp_path)
    names = ["weekday_kind", "hour_slot", "rounding", "suffix_of", "quadrant", "checkout"]
    assert [_drawn(again, n) for n in names] == [_drawn(intro, n) for n in names]
    assert any(line.startswith("typed inputs: drew examples for") for line in said)


def test_no_budget_left_means_no_draws(tmp_path: Path) -> None:
    # Less than a second left: 8% of it rounds to no draws worth starting.
    intro, _, said = _introspect(tmp_path, budget=0.5)
    assert _drawn(intro, "weekday_kind") == []
    assert not any(line.startswith("typed inputs: drew") for line in said)


@pytest.fixture(scope="module")
def typed_suite(tmp_path_factory: pytest.TempPathFactory) -> tuple[SynthResult, Path]:
    tmp = tmp_path_factory.mktemp("typed_suite")
    target = make_target(tmp, "typed_kit", TYPED)
    result = asyncio.run(
        synthesize(
            target,
            sandbox_for(_bwrap(), target, tmp / "sandbox"),
            python=sys.executable,
            budget_seconds=40,
            work_dir=tmp / "work",
            seed=0,
        )
    )
    return result, target.project_dir


def test_the_tests_reach_the_branches_the_drawn_values_open(typed_suite) -> None:
    result, _ = typed_suite
    source = result.test_source
    # With no examples for these types, none of these branches was reached (branch 28%).
    for returned in ('"weekend"', '"weekday"', '"afternoon"', '"fractional"', '"whole"'):
        assert f"== {returned}" in source, returned
    assert "pytest.raises(ValueError" in source and "checkout(Booking(" in source


def test_the_tests_hold_plain_calls_and_pass_without_hypothesis(
    typed_suite, tmp_path: Path
) -> None:
    result, project = typed_suite
    tree = ast.parse(result.test_source)
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (
            node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")]
        )
    }
    assert "hypothesis" not in imported and {"datetime", "decimal", "pathlib"} <= imported
    test_file = tmp_path / "test_typed_kit.py"
    test_file.write_text(result.test_source, encoding="utf-8")
    # Measured here, under coverage.py: the engine's own figure needs its verification to
    # finish inside the budget, which a loaded machine does not promise.
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "coverage",
            "run",
            "--branch",
            f"--include={project / 'typed_kit.py'}",
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            str(test_file),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(project)},
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert f"{result.tests} passed" in done.stdout
    report = subprocess.run(
        [sys.executable, "-m", "coverage", "json", "-o", "cov.json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert report.returncode == 0, report.stderr
    totals = json.loads((tmp_path / "cov.json").read_text())["totals"]
    # With no examples for these types the engine reached 28% of the branches.
    assert totals["covered_branches"] / totals["num_branches"] >= 0.8, totals


def test_a_value_rebuilds_only_when_its_source_evaluates_back_to_it() -> None:
    class Module:  # stands for the target module: nothing of it is named
        __name__ = "nowhere"

    assert source_of(Decimal("1.5"), Decimal, Module) == {
        "src": "Decimal('1.5')",
        "imports": ["from decimal import Decimal"],
        "needs": [],
    }
    assert source_of(Path("a.txt"), Path, Module)["src"] == "Path('a.txt')"
    assert source_of(Decimal("NaN"), Decimal, Module) is None  # not equal to itself
    assert source_of(float("nan"), float, Module) is None
    assert source_of(object(), object, Module) is None  # an address, not source


def test_drawn_values_become_pool_values_with_their_imports_and_tags() -> None:
    symbols = SymbolTable()
    desc = {
        "name": "date",
        "drawn": [
            {"src": "datetime.date(2000, 1, 1)", "imports": ["import datetime"], "needs": []},
            {"src": "{'title': '', 'year': 0}", "imports": [], "needs": []},
            # ``type`` is a reserved name the tests alias (type_): its source would not match.
            {"src": "type(x=0)", "imports": [], "needs": ["type"]},
        ],
    }
    first, movie = drawn_values(desc, symbols)
    assert (first.src, first.imports, first.tag) == (
        "datetime.date(2000, 1, 1)",
        frozenset({"import datetime"}),
        "date_2000_1_1",
    )
    assert movie.is_literal and movie.obj == {"title": "", "year": 0}
    assert tag_for("Decimal", "Decimal('-2.5')") == "decimal_minus_2_5"
    assert tag_for("datetime", "datetime.datetime(2057, 3, 15, 19, 28, 19, 2454)") == "datetime"


def test_a_value_whose_repr_is_not_source_is_spelled_from_its_fields() -> None:
    # A NamedTuple's repr shows an enum member as <Kind.B: 2>: not source. Its fields are.
    module = types.ModuleType("kinds_for_spelling")

    class Kind(enum.Enum):
        A = 1
        B = 2

    class Tagged(NamedTuple):
        label: str
        kind: Kind

    for cls in (Kind, Tagged):
        cls.__module__ = module.__name__
        setattr(module, cls.__name__, cls)
    assert source_of(Tagged("x", Kind.B), Tagged, module) == {
        "src": "Tagged(label='x', kind=Kind.B)",
        "imports": [],
        "needs": ["Kind", "Tagged"],
    }
    # A class the module does not name cannot be imported by the tests: no source.
    delattr(module, "Kind")
    assert source_of(Tagged("x", Kind.B), Tagged, module) is None


def test_a_name_the_target_takes_for_something_else_is_spelled_around() -> None:
    # typesystem.fields has its own Decimal (a field class): the number is decimal.Decimal.
    taken = types.ModuleType("fields_like")
    taken.Decimal = type("Decimal", (), {})  # type: ignore[attr-defined]  # a module built here
    assert source_of(Decimal("1.5"), Decimal, taken) == {
        "src": "decimal.Decimal('1.5')",
        "imports": ["import decimal"],
        "needs": [],
    }
    # ``from datetime import datetime`` in the target: ``import datetime`` would rebind it.
    clash = types.ModuleType("dates_like")
    clash.datetime = datetime.datetime  # type: ignore[attr-defined]  # a module built here
    assert source_of(datetime.date(2000, 1, 1), datetime.date, clash) == {
        "src": "date(2000, 1, 1)",
        "imports": ["from datetime import date"],
        "needs": [],
    }
