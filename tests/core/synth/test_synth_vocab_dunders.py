"""Keys of module constants, re-exported names, numeric class values and operator dunders."""

from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path

import pytest

from regoose_tui.synth.analysis import analyze_module
from regoose_tui.synth.model import Callee, Candidate, Param
from regoose_tui.synth.naming import NameRegistry
from regoose_tui.synth.pools import PoolContext, SymbolTable, param_pool, ref_src
from regoose_tui.synth.probe_describe import _introspect
from regoose_tui.synth.render import Observation, RenderedTest, render_module, render_test
from regoose_tui.synth.values import lit, opaque

RATES = """
TAX: dict[str, float] = {"EU": 0.2, "US": 0.07}

def tax_for(amount, region):
    return amount * TAX[region]
"""

SHOP = """
from decimal import Decimal
from pkg.rates import tax_for

CODES = {"SAVE5": (Decimal("5.00"), Decimal("20.00")), "WELCOME": (Decimal("1"), Decimal("0"))}
KINDS = frozenset({"fixed", "percent"})


class Shop:
    def __init__(self) -> None:
        self.code = None

    def __contains__(self, sku: object) -> bool:
        return sku == "A"

    def apply(self, code: str, price: Decimal) -> None:
        if code not in CODES:
            raise KeyError(code)
        self.code = code

    def total(self, amount: Decimal, region: str | None = None) -> Decimal:
        return amount if region is None else amount + Decimal(str(tax_for(1, region)))
"""


@pytest.fixture
def shop_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A real two-module package: ``pkg.shop`` imports from ``pkg.rates`` and ``decimal``."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "rates.py").write_text(textwrap.dedent(RATES))
    (pkg / "shop.py").write_text(textwrap.dedent(SHOP))
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("pkg", "pkg.rates", "pkg.shop"):
        sys.modules.pop(name, None)
    module = importlib.import_module("pkg.shop")
    yield module, (pkg / "shop.py").read_text()
    for name in ("pkg", "pkg.rates", "pkg.shop"):
        sys.modules.pop(name, None)


def _method(intro: dict, name: str) -> Callee:
    member = next(m for m in intro["members"] if m["name"] == "Shop")
    raw = next(m for m in member["methods"] if m["name"] == name)
    params = [
        Param(p["name"], p["kind"], p["has_default"], p.get("type") or {}, p.get("default"))
        for p in raw["params"]
    ]
    return Callee(f"Shop.{name}", "method", "Shop", name, params, owner="Shop")


def test_introspection_reports_constant_keys_and_sibling_module_keys(shop_module):
    module, _source = shop_module
    intro = _introspect(module)
    assert intro["vocab"]["CODES"] == ["SAVE5", "WELCOME"]
    assert intro["vocab"]["KINDS"] == ["fixed", "percent"]
    # ``tax_for`` comes from pkg.rates, whose TAX table holds the regions.
    assert intro["imported_vocab"]["tax_for"] == ["EU", "US"]
    assert "Decimal" not in intro["imported_vocab"]  # the standard library is no sibling


def test_pools_try_the_keys_of_constants_the_method_reads(shop_module):
    module, source = shop_module
    intro = _introspect(module)
    analysis = analyze_module(source, module.__file__)
    symbols = SymbolTable()
    ctx = PoolContext(
        analysis, symbols, vocab=intro["vocab"], imported_vocab=intro["imported_vocab"]
    )
    apply = _method(intro, "apply")
    apply.info = analysis.classes["Shop"].methods["apply"]
    codes = [v.obj for v in param_pool(apply, apply.params[0], ctx)[:6]]
    assert {"SAVE5", "WELCOME"} <= set(codes)
    total = _method(intro, "total")
    total.info = analysis.classes["Shop"].methods["total"]
    regions = [v.obj for v in param_pool(total, total.params[1], ctx)[:8]]
    assert {"EU", "US"} <= set(regions)


def test_decimal_parameters_get_amounts_written_in_the_module(shop_module):
    module, source = shop_module
    intro = _introspect(module)
    analysis = analyze_module(source, module.__file__)
    symbols = SymbolTable()
    ctx = PoolContext(analysis, symbols)
    apply = _method(intro, "apply")
    apply.info = analysis.classes["Shop"].methods["apply"]
    srcs = [v.src for v in param_pool(apply, apply.params[1], ctx)]
    assert "Decimal('20.00')" in srcs and "Decimal('5.00')" in srcs
    # Decimal is only re-exported by pkg.shop: the tests import it from decimal.
    assert symbols.home == {"Decimal": "decimal"}


def test_reexported_names_are_imported_from_their_home_module(shop_module):
    module, _source = shop_module
    symbols = SymbolTable()
    ref = {"kind": "target", "attr": "Decimal", "home": "decimal"}
    assert ref_src(ref, symbols) == ("Decimal", frozenset())
    assert ref_src({"kind": "target", "attr": "Shop"}, symbols) == ("Shop", frozenset())
    body = "def test_x():\n    assert Shop().total(Decimal('1')) == Decimal('1')\n"
    test = RenderedTest("test_x", body, None, set())  # type: ignore[arg-type]  # render_module reads only name, source and imports
    source = render_module("pkg.shop", [test], symbols)
    assert "from decimal import Decimal\n" in source
    assert "from pkg.shop import Shop\n" in source
    # The probe itself marks the re-export.
    described = _introspect(module)
    apply = next(m for m in described["members"] if m["name"] == "Shop")["methods"]
    price = next(m for m in apply if m["name"] == "apply")["params"][1]["type"]
    assert price["ref"] == {"kind": "target", "attr": "Decimal", "home": "decimal"}


def _dunder_obs(name: str, arg: object, literal: str) -> Observation:
    callee = Callee(
        f"Shop.{name}",
        "dunder",
        "Shop",
        name,
        [Param("other", "POSITIONAL_OR_KEYWORD", False, {})],
        owner="Shop",
    )
    cand = Candidate(1, callee, ((None, lit(arg)),), receiver=opaque("Shop()", "shop"), var="shop")
    return Observation(cand, {"outcome": "return", "value": {"lit": literal}})


@pytest.mark.parametrize(
    ("name", "arg", "literal", "expected"),
    [
        ("__contains__", "A", "True", "assert 'A' in shop"),
        ("__contains__", "B", "False", "assert 'B' not in shop"),
        ("__eq__", 3, "False", "assert (shop == 3) is False"),
        ("__add__", 3, "5", "assert (shop + 3) == 5"),
    ],
)
def test_operator_dunders_render_as_assertions_that_can_pass(name, arg, literal, expected):
    test = render_test(_dunder_obs(name, arg, literal), SymbolTable(), NameRegistry())
    assert test is not None
    assert test.source.splitlines()[-1].strip() == expected


class _Bag:
    def __contains__(self, item: object) -> bool:
        return item == "A"

    def __eq__(self, other: object) -> bool:
        return False

    __hash__ = None  # type: ignore[assignment]  # the unhashable-class idiom; typeshed types __hash__ as a method


def test_rendered_membership_assertions_hold_on_a_real_object():
    for arg, literal in (("A", "True"), ("B", "False")):
        test = render_test(_dunder_obs("__contains__", arg, literal), SymbolTable(), NameRegistry())
        assert test is not None
        namespace: dict[str, object] = {"Shop": _Bag}
        exec(test.source + f"\n{test.name}()\n", namespace)
    eq = render_test(_dunder_obs("__eq__", 3, "False"), SymbolTable(), NameRegistry())
    assert eq is not None
    exec(eq.source + f"\n{eq.name}()\n", {"Shop": _Bag})
