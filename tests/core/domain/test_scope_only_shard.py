"""The module list of a folder, --shard's stable split, and --only's name matching."""

from __future__ import annotations

from pathlib import Path

import pytest

from regoose_tui.domain.defs import Definition, callable_at, definitions
from regoose_tui.domain.only import matches, select_per_module, wanted
from regoose_tui.domain.scope import modules_in, parse_shard, shard
from regoose_tui.domain.scope_targets import resolve_scope
from regoose_tui.errors import UsageError

SOURCE = """import functools


def parse_date(text):
    def inner():
        return text
    return inner()


class Cart:
    class Line:
        def price(self):
            return 1

    @functools.cache
    def total(self):
        return 0

    def subtotal(self):
        return 0
"""


def _name(found: Definition | None) -> str | None:
    return found.qualname if found is not None else None


def test_definitions_are_qualified_and_nested_functions_belong_to_their_owner() -> None:
    defs = definitions(SOURCE)
    assert [(d.qualname, d.kind) for d in defs] == [
        ("parse_date", "function"),
        ("Cart", "class"),
        ("Cart.Line", "class"),
        ("Cart.Line.price", "method"),
        ("Cart.total", "method"),
        ("Cart.subtotal", "method"),
    ]
    assert _name(callable_at(defs, 6)) == "parse_date"  # inside the nested def
    assert _name(callable_at(defs, 15)) == "Cart.total"  # its decorator
    assert callable_at(defs, 10) is None  # a class line is no function
    assert definitions("def broken(:\n") == []


def test_a_class_name_selects_its_methods_and_a_method_only_itself() -> None:
    assert matches("Cart", "Cart.total") and matches("Cart", "Cart.Line.price")
    assert matches("Cart.total", "Cart.total")
    assert not matches("Cart.total", "Cart.total_weight")
    assert not matches("total", "Cart.total")
    assert wanted((), "anything")
    assert wanted(("Cart.total",), "Sub.total", "Cart.total")  # an inherited method's code
    assert not wanted(("parse_date",), "Cart.total", None)


def test_unknown_names_are_one_error_with_close_matches(tmp_path: Path) -> None:
    defs = {tmp_path / "m.py": definitions(SOURCE)}
    assert select_per_module(["Cart.total", "parse_date"], defs) == {
        tmp_path / "m.py": ("Cart.total", "parse_date")
    }
    with pytest.raises(UsageError) as caught:
        select_per_module(["Cart.totl", "subtotal", "zzz"], defs)
    message = caught.value.msg
    assert (
        "--only Cart.totl: no such function, method or class (close matches: Cart.total" in message
    )
    assert (
        "--only subtotal: no such function, method or class (close matches: Cart.subtotal)"
        in message
    )
    assert "--only zzz: no such function, method or class (no close match)" in message


def _package(root: Path) -> Path:
    pkg = root / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "tests").mkdir()
    (pkg / ".hidden").mkdir()
    (pkg / "__init__.py").write_text('"""Nothing but a docstring."""\n')
    (pkg / "sub" / "__init__.py").write_text("def helper():\n    return 1\n")
    for name in (
        "a.py",
        "b.py",
        "sub/c.py",
        "test_a.py",
        "conftest.py",
        "tests/d.py",
        ".hidden/e.py",
    ):
        (pkg / name).write_text("def f():\n    return 1\n")
    (pkg / "m.py").write_text(SOURCE)
    return pkg


def test_a_folder_lists_its_modules_sorted_without_tests_or_empty_inits(tmp_path: Path) -> None:
    pkg = _package(tmp_path)
    assert [p.relative_to(pkg).as_posix() for p in modules_in(pkg)] == [
        "a.py", "b.py", "m.py", "sub/__init__.py", "sub/c.py",
    ]  # fmt: skip


def test_shards_are_disjoint_stable_and_cover_every_module() -> None:
    paths = [Path(f"/p/m{i:02}.py") for i in range(11)]
    parts = [shard(list(reversed(paths)), k, 3) for k in (1, 2, 3)]
    assert parts[0] == [paths[0], paths[3], paths[6], paths[9]]
    assert sorted(p for part in parts for p in part) == paths
    assert sum(len(part) for part in parts) == len(paths)
    assert shard(paths, 1, 1) == paths
    assert parse_shard(" 2/4 ") == (2, 4)
    for bad in ("0/3", "4/3", "1/0", "a/b", "2"):
        with pytest.raises(UsageError, match="--shard"):
            parse_shard(bad)


def test_resolve_scope_applies_shard_then_only(tmp_path: Path) -> None:
    pkg = _package(tmp_path)
    scope = resolve_scope(pkg, only=["Cart"], shard_of=(1, 2))
    # Shard 1/2 of a.py, b.py, m.py, sub/__init__.py, sub/c.py keeps a, m and sub/c.
    assert [(t.path.name, t.only) for t in scope.targets] == [("m.py", ("Cart",))]
    assert {p.name: why for p, why in scope.skipped} == {
        "b.py": "in another shard than 1/2",
        "__init__.py": "in another shard than 1/2",
        "a.py": "defines none of the --only names",
        "c.py": "defines none of the --only names",
    }
    assert scope.folder


def test_a_single_file_scope_keeps_the_file_and_names(tmp_path: Path) -> None:
    pkg = _package(tmp_path)
    scope = resolve_scope(pkg / "m.py", only=["parse_date", "Cart.total"])
    assert [(t.path.name, t.only) for t in scope.targets] == [
        ("m.py", ("parse_date", "Cart.total"))
    ]
    assert not scope.folder and not scope.skipped
