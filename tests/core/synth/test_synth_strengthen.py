"""Test strength: extra witnesses with distinct outputs, structured inputs, printed lines."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from regoose_tui.synth import probe_describe
from regoose_tui.synth.analysis import analyze_module
from regoose_tui.synth.finalize import compare, digits_pattern
from regoose_tui.synth.generate import Generator
from regoose_tui.synth.model import Callee, Candidate, Param
from regoose_tui.synth.naming import NameRegistry
from regoose_tui.synth.pools import PoolContext, SymbolTable, param_pool
from regoose_tui.synth.render import render_test
from regoose_tui.synth.select import greedy_cover
from regoose_tui.synth.strengthen import (
    echoes,
    extra_witnesses,
    input_classes,
    is_identity,
    output_key,
)
from regoose_tui.synth.structured import structured_texts, title_words
from regoose_tui.synth.values import Val, lit

_CAMEL = Callee("camel", "function", "camel", "camel", [Param("s", "POSITIONAL_ONLY", False, {})])


def _cand(cid: int, arg: object, returned: str, arcs=((-1, 2), (2, -1)), origin="sweep"):
    cand = Candidate(cid, _CAMEL, ((None, lit(arg)),), origin=origin)
    cand.result = {
        "outcome": "return",
        "value": {"type": "str", "lit": returned},
        "arcs": [list(a) for a in arcs],
    }
    return cand


def test_identity_and_echo_are_recognised():
    assert is_identity(_cand(0, " ", "' '"))
    assert not is_identity(_cand(1, "FooBar", "'foo_bar'"))
    point = Callee("Point", "ctor", "Point", "Point", [])
    stored = Candidate(2, point, ((None, lit(1)), (None, lit("a"))))
    stored.result = {"outcome": "return", "value": {"lit": "Point(x=1, y='a')"}}
    assert echoes(stored) and not is_identity(stored)
    assert not echoes(_cand(3, "FooBar", "'foo_bar'"))


def _ended(result: dict[str, Any], *args: object) -> Candidate:
    cand = Candidate(9, _CAMEL, tuple((None, lit(a)) for a in args))
    cand.result = result
    return cand


def test_output_key_checks_values_and_target_messages_only():
    assert output_key(_ended({"outcome": "return", "value": {"lit": "3"}})) == ("lit", "3")
    raised: dict[str, Any] = {
        "outcome": "raise",
        "exc": {"name": "E", "msg": "bad", "origin": "target"},
    }
    assert output_key(_ended(raised)) == ("raise", "E", "bad")
    raised["exc"]["origin"] = "other"
    assert output_key(_ended(raised)) is None
    assert output_key(_ended({"outcome": "stmt"})) is None


def _unknown(cid: int, region: str, message: str) -> Candidate:
    cand = _ended(
        {
            "outcome": "raise",
            "exc": {"name": "KeyError", "msg": message, "origin": "target"},
            "arcs": [[-1, 2], [2, -1]],
        },
        region,
    )
    cand.id = cid
    return cand


def test_a_message_that_repeats_the_input_is_one_output_whatever_the_input():
    """``unknown region: 'a'`` and ``unknown region: 'été Łódź'`` differ only by the
    input they quote: a second test of it checks no other behaviour."""
    quoted = _unknown(1, "a", "\"unknown region: 'a'\"")
    other = _unknown(2, "été Łódź", "\"unknown region: 'été Łódź'\"")
    bare = _unknown(3, "Mars", '"no such region Mars"')
    assert (
        output_key(quoted)
        == output_key(other)
        == output_key(_unknown(4, "b", "\"unknown region: 'b'\""))
    )
    assert output_key(bare) == output_key(_unknown(5, "Venus", '"no such region Venus"'))
    # str(KeyError(msg)) is repr(msg): the quoted argument's escapes come doubled.
    text = "one\ntwo\n"
    lines = _unknown(8, text, repr(f"unknown region: {text!r}"))
    assert output_key(lines) == output_key(quoted)
    # A short string unquoted may be in the message by chance: it stays.
    assert output_key(_unknown(6, "ab", "lab closed")) == ("raise", "KeyError", "lab closed")
    assert extra_witnesses([other], [quoted]) == []
    # Nothing but the argument: the message is what tells two calls apart.
    assert output_key(_unknown(9, "zz", "'zz'")) != output_key(_unknown(10, "yy", "'yy'"))
    spelled = _unknown(11, "must be positive", "must be positive")
    assert output_key(spelled) == ("raise", "KeyError", "must be positive")


def test_cover_prefers_a_transforming_call_among_equals():
    echo, change = _cand(0, "a", "'a'"), _cand(1, "Ab", "'ab'")
    assert greedy_cover([echo, change]) == [change]


def test_extra_witnesses_add_distinct_outputs_examples_first():
    chosen = [_cand(0, "", "''")]
    explored = [
        *chosen,
        _cand(1, " ", "' '"),  # echoes its input: checks nothing new
        _cand(2, "FooBar", "'foo_bar'"),
        _cand(3, "FooBaz", "'foo_baz'", origin="example"),
        _cand(4, "Foo", "'foo_bar'"),  # same output as 2
        _cand(5, "XY", "'x_y'"),
        _cand(6, "XYZ", "'x_y_z'", arcs=((-1, 2), (2, 3), (3, -1))),
    ]
    extras = extra_witnesses(explored, chosen, per_callee=2)
    # The docstring call, then the call running code only one test checks so far.
    assert [c.id for c in extras] == [3, 6]
    assert extra_witnesses(explored, chosen, per_callee=0) == []
    # Code that two tests already check exactly gains nothing from a third.
    twice = [_cand(10 + i, f"W{i}x", f"'w{i}'") for i in range(2)]
    assert extra_witnesses([*twice, *explored[2:6]], twice) == []


def test_extras_feed_input_classes_no_test_of_the_callee_fed_yet():
    arcs = ((-1, 2), (2, -1))
    # Two tests already check this code exactly: no thin arc is left for a plain extra.
    chosen = [_cand(0, "abc", "'x61'", arcs), _cand(1, "snow ★", "'x73'", arcs)]
    explored = [
        *chosen,
        _cand(2, "hello", "'x68'", arcs),  # ASCII only: nothing new
        _cand(3, "é Ł", "'xe9'", arcs),  # Latin-1 and a 3-hex-digit code point
        _cand(4, "a\tb", "'x09'", arcs),  # a control character
        _cand(5, "ÿ", "'xe9'", arcs),  # Latin-1 again, and the same output as 3
    ]
    extras = extra_witnesses(explored, chosen)
    assert [c.id for c in extras] == [3, 4]
    assert input_classes(extras[0]) == {"0:latin-1", "0:bmp-3"}
    assert input_classes(_cand(6, "★🙂", "''")) == {"0:bmp-4", "0:astral"}
    assert extra_witnesses(explored, chosen, per_callee=0) == []


DOC_MODULE = """
SECTIONS = ["Args", "Returns", "Raises"]


class Parser:
    def parse(self, text: str):
        for title in ("Args:", "Returns:", "Raises:", "Yields"):
            if title in text:
                return title
        return None
"""


def test_structured_texts_use_the_modules_section_words():
    analysis = analyze_module(DOC_MODULE, "doc.py")
    assert title_words(analysis) == ["Args", "Returns", "Raises", "Yields"]
    docs = structured_texts(analysis)
    assert any(re.search(r"^Args:\n    name \(int\): ", d, re.M) for d in docs)
    assert any("Returns:\n    int: The result." in d for d in docs)
    plain = analyze_module("def f(s: str):\n    return s == 'Only'\n", "f.py")
    assert structured_texts(plain) == []


def test_string_pools_hold_documents_early():
    analysis = analyze_module(DOC_MODULE, "doc.py")
    ctx = PoolContext(analysis, SymbolTable())
    info = analysis.classes["Parser"].methods["parse"]
    params = [Param("text", "POSITIONAL_OR_KEYWORD", False, {"k": "str"})]
    callee = Callee("Parser.parse", "method", "Parser", "parse", params, owner="Parser", info=info)
    pool = param_pool(callee, callee.params[0], ctx)
    documents = [i for i, v in enumerate(pool) if v.tag == "document"]
    assert documents and documents[0] < 28  # reached by the sweep, not only by mutation
    cands = Generator(ctx, analysis).sweep(callee, receivers=[lit(None)], limit=40)
    assert any("Args:" in c.call and "\\n    " in c.call for c in cands)


def test_printed_lines_that_vary_in_numbers_are_checked_by_pattern():
    assert digits_pattern("took 0.25 s", "took 13.5 s") == r"took \d+\.\d+ s"
    assert digits_pattern("took 1 s", "took 1 min") is None
    cand = Candidate(0, _CAMEL, ((None, lit("x")),))
    one = {"outcome": "return", "value": {"type": "NoneType", "lit": "None"}}
    two = dict(one)
    one["stdout"] = "start x\ntook 0.0012 s\nrandom 4af\n"
    two["stdout"] = "start x\ntook 7.5 s\nrandom 9zz\n"
    obs = compare(cand, one, two)
    assert obs is not None and obs.stdout is None
    test = render_test(obs, SymbolTable(), NameRegistry())
    assert test is not None
    assert "printed = capsys.readouterr().out.splitlines()" in test.source
    assert "assert len(printed) == 3" in test.source
    assert "assert printed[0] == 'start x'" in test.source
    assert r'assert re.fullmatch(r"took \d+\.\d+ s", printed[1])' in test.source
    assert "printed[2]" not in test.source
    assert "import re" in test.imports


def test_method_arguments_probe_the_edges_of_the_receivers_numbers():
    source = "class Box:\n    def __init__(self, size):\n        self.size = size\n\n"
    source += "    def fits(self, n: int, label: str):\n        return n <= self.size\n"
    analysis = analyze_module(source, "box.py")
    ctx = PoolContext(analysis, SymbolTable())
    gen = Generator(ctx, analysis)
    ctor = Callee("Box", "ctor", "Box", "Box", [Param("size", "POSITIONAL_OR_KEYWORD", False, {})])
    built = gen.make(ctor, ((None, lit(12)),))
    assert built is not None
    receiver = Val(built.call, tag="box", recipe=built)
    params = [
        Param("n", "POSITIONAL_OR_KEYWORD", False, {"k": "int"}),
        Param("label", "POSITIONAL_OR_KEYWORD", False, {"k": "str"}),
    ]
    fits = Callee("Box.fits", "method", "Box", "fits", params, owner="Box")
    cands = gen.sweep(fits, receivers=[receiver], limit=200)
    edges = [c.call for c in cands if c.origin == "boundary"]
    assert edges[:3] == ["box.fits(12, '')", "box.fits(0, 'xxxxxxxxxxxx')", "box.fits(11, '')"]
    assert "box.fits(13, '')" in edges
    assert not any("fits('x" in call for call in edges)  # no strings for the int


def test_an_objects_own_repr_is_asserted_when_both_checking_runs_agree():
    @dataclasses.dataclass
    class Span:
        start: int
        hidden: int = dataclasses.field(default=0, repr=False)

    class Plain:
        pass

    assert (
        probe_describe._own_repr(Span(1))
        == "test_an_objects_own_repr_is_asserted_when_both_checking_runs_agree.<locals>.Span(start=1)"
    )
    assert probe_describe._own_repr(Plain()) is None  # object's default: an address
    assert probe_describe._own_repr(ValueError("x")) is None

    ctor = Callee(
        "Span", "ctor", "Span", "Span", [Param("start", "POSITIONAL_OR_KEYWORD", True, {})]
    )
    cand = Candidate(0, ctor, ((None, lit(1)),))

    def run(shown: str) -> dict[str, Any]:
        value = {"type": "Span", "lit": None, "attrs": {"start": "1"}, "repr": shown}
        return {"outcome": "return", "value": value}

    obs = compare(cand, run("Span(start=1)"), run("Span(start=1)"))
    assert obs is not None and obs.stable_repr == "Span(start=1)"
    test = render_test(obs, SymbolTable(), NameRegistry())
    assert test is not None and "assert repr(result) == 'Span(start=1)'" in test.source
    # A repr that differs between the runs (ids, set order) is not asserted.
    unstable = compare(cand, run("Span(start=1, id=4)"), run("Span(start=1, id=9)"))
    assert unstable is not None and unstable.stable_repr is None
    test = render_test(unstable, SymbolTable(), NameRegistry())
    assert test is not None and "repr(" not in test.source
