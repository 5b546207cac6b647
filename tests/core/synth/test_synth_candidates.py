"""Candidate values and calls: literals, boundaries, regex samples, pools, sweeps."""

from __future__ import annotations

import random
import re

from synth_samples import CART_SOURCE

from regoose_tui.synth.analysis import analyze_module
from regoose_tui.synth.generate import Generator
from regoose_tui.synth.model import Callee, Param, param_at
from regoose_tui.synth.pools import PoolContext, SymbolTable, param_pool
from regoose_tui.synth.regex_gen import regex_samples
from regoose_tui.synth.values import lit, mutate, numeric_boundaries, py_src, tag_of


def test_py_src_round_trips_plain_data():
    values = [1, -2.5, "a'b", b"\x00", [1, (2,)], {"k": {1, 2}}, None, True, frozenset({3})]
    for value in values:
        assert eval(py_src(value)) == value
    assert py_src(float("inf")) == "float('inf')"


def test_tags_are_identifier_safe():
    assert tag_of("") == "empty_string"
    assert tag_of("Hello, World") == "hello_world"
    assert tag_of(-3) == "negative_3"
    assert tag_of([]) == "empty_list"
    assert tag_of("x" * 80) == "long_string"
    assert all(re.fullmatch(r"\w+", tag_of(v)) for v in ["é!", 2.5, {"a": 1}, None])


def test_boundaries_surround_each_constant():
    assert numeric_boundaries([10, 0]) == [10, 9, 11, 0, -1, 1]


def test_mutation_is_deterministic_per_seed():
    one = [mutate("hello", ["VIP"], random.Random(3)) for _ in range(5)]
    two = [mutate("hello", ["VIP"], random.Random(3)) for _ in range(5)]
    assert one == two
    assert any(m != "hello" for m in one)


def test_a_pools_strings_listed_ahead_mutate_as_the_pool_itself():
    """``strings`` (a mutation round lists each pool's strings once) changes no draw."""
    pool: list[object] = ["VIP", 3, "gold", b"x", 2.5, ["a"], "silver"]
    strings = [p for p in pool if isinstance(p, str)]
    for seed in range(40):
        plain, listed = random.Random(seed), random.Random(seed)
        for value in ("hello", "", "a b", 7, ["x", 1], {"k": "v"}):
            assert mutate(value, pool, plain) == mutate(value, pool, listed, strings=strings)
        assert plain.random() == listed.random()  # the same number of draws


def test_mutants_of_one_parent_are_the_same_for_one_seed():
    """Children of a productive call depend on the seed alone, call after call."""
    analysis = analyze_module(CART_SOURCE, "cart.py")

    def children(seed: int) -> list[str]:
        ctx = PoolContext(analysis, SymbolTable())
        gen = Generator(ctx, analysis, seed=seed)
        callee = _callee(analysis, "discount_code", {"code": {"k": "str"}})
        parents = gen.sweep(callee, limit=6)
        return [c.call for parent in parents for c in gen.mutants(parent, 12, [])]

    first = children(5)
    assert first == children(5)
    assert len(set(first)) > 5


def test_regex_samples_match_their_pattern():
    pattern = r"^[A-Z]{3}-\d{2,4}(x|y)$"
    samples = regex_samples(pattern, count=5)
    assert len(samples) == 5
    assert all(re.search(pattern, s) for s in samples)
    assert regex_samples("(unclosed") == []


def _callee(analysis, name: str, types: dict[str, dict]) -> Callee:
    info = analysis.functions[name]
    params = [Param(p.name, "POSITIONAL_OR_KEYWORD", False, types[p.name]) for p in info.params]
    return Callee(name, "function", name, name, params, info=info)


def test_pools_put_compared_literals_first():
    analysis = analyze_module(CART_SOURCE, "cart.py")
    ctx = PoolContext(analysis, SymbolTable())
    callee = _callee(analysis, "discount_code", {"code": {"k": "str"}})
    pool = [v.obj for v in param_pool(callee, callee.params[0], ctx)]
    assert pool[0] == "SPRING10"
    assert "VIP" in pool[:10]
    assert "" in pool
    triangle = _callee(analysis, "classify_triangle", {n: {"k": "int"} for n in "abc"})
    ints = [v.obj for v in param_pool(triangle, triangle.params[0], ctx)]
    assert ints[:3] == [0, -1, 1]


def test_untyped_parameters_get_a_type_diverse_pool():
    analysis = analyze_module("def f(thing):\n    return thing\n", "m.py")
    ctx = PoolContext(analysis, SymbolTable())
    callee = Callee("f", "function", "f", "f", [Param("thing", "POSITIONAL_OR_KEYWORD", False, {})])
    callee.info = analysis.functions["f"]
    kinds = {type(v.obj).__name__ for v in param_pool(callee, callee.params[0], ctx)}
    assert {"NoneType", "int", "str", "list", "dict", "bool", "float"} <= kinds


def test_sweep_includes_doctest_calls_and_no_duplicates():
    analysis = analyze_module(CART_SOURCE, "cart.py")
    ctx = PoolContext(analysis, SymbolTable())
    callee = _callee(analysis, "classify_triangle", {n: {"k": "int"} for n in "abc"})
    cands = Generator(ctx, analysis).sweep(callee, limit=60)
    calls = [c.call for c in cands]
    assert "classify_triangle(3, 3, 3)" in calls
    assert len(calls) == len(set(calls)) == 60
    assert all(c.probe_spec()["group"] == "classify_triangle" for c in cands)


def test_symbols_alias_names_the_tests_use():
    symbols = SymbolTable()
    assert symbols.symbol("list") == "list_"
    assert symbols.symbol("parse") == "parse"
    assert symbols.names() == {"list_": "list", "parse": "parse"}
    assert lit("x").src == "'x'"


STREAMS_AND_TABLES = """
def dump(o, f):
    f.write(str(o))


def first_line(f):
    return f.readline()


def sections(o):
    out = []
    for key in o:
        if isinstance(o[key], dict):
            out.append(key)
    return out
"""


def _untyped(analysis, name: str) -> list[str]:
    info = analysis.functions[name]
    params = [Param(p.name, "POSITIONAL_OR_KEYWORD", False, {}) for p in info.params]
    callee = Callee(name, "function", name, name, params, info=info)
    ctx = PoolContext(analysis, SymbolTable())
    return [v.src for v in param_pool(callee, params[-1], ctx)]


def test_a_parameter_used_as_a_stream_or_a_table_gets_one():
    analysis = analyze_module(STREAMS_AND_TABLES, "m.py")
    assert _untyped(analysis, "dump")[0] == "io.StringIO()"
    assert _untyped(analysis, "first_line")[0] == 'io.StringIO("first line\\nsecond line\\n")'
    # ``for key in o: o[key]``: o is a mapping, and its pool holds a nested table.
    assert "dict" in analysis.functions["sections"].param_hints["o"]
    assert "{'name': 'value', 'section': {'key': 1}}" in _untyped(analysis, "sections")


def test_arguments_bind_by_keyword_then_by_place_then_to_star_args():
    def param(name: str, kind: str) -> Param:
        return Param(name, kind, False, {})

    params = [
        param("a", "POSITIONAL_ONLY"),
        param("b", "POSITIONAL_OR_KEYWORD"),
        param("rest", "VAR_POSITIONAL"),
        param("flag", "KEYWORD_ONLY"),
        param("extra", "VAR_KEYWORD"),
    ]
    assert [param_at(params, i, None) for i in range(4)] == [*params[:3], params[2]]
    assert param_at(params, 0, "flag") == params[3]
    assert param_at(params, 5, "b") == params[1]
    assert param_at(params, 0, "nope") is None
    # Without *args, a positional argument past the parameters binds to none.
    assert param_at([p for p in params if p.kind != "VAR_POSITIONAL"], 2, None) is None


HELPER_LOOKUP = """
RATES = {"EU": 0.2, "CA": 0.13}


def normalize(code: str) -> str:
    code = code.strip().upper()
    if code not in RATES:
        raise KeyError(code)
    return code


def quote(weight: float, code: str) -> str:
    code = normalize(code)
    if code == "EU":
        return "post"
    return "courier"
"""


def test_a_parameter_passed_to_a_helper_is_tried_with_the_helpers_keys():
    """``quote`` reaches "courier" only with a key of RATES other than EU, which only
    ``normalize`` reads: without RATES's keys in quote's pool, only a direct test of a
    helper would reach that line."""
    analysis = analyze_module(HELPER_LOOKUP, "rates.py")
    ctx = PoolContext(analysis, SymbolTable(), vocab={"RATES": ["EU", "CA"]})
    callee = _callee(analysis, "quote", {"weight": {"k": "float"}, "code": {"k": "str"}})
    pool = [v.obj for v in param_pool(callee, callee.params[1], ctx)]
    assert {"EU", "CA"} <= set(pool)
