"""Which calls become tests: no private helper the public API covers, no test checking twice."""

from __future__ import annotations

from regoose_tui.domain.feedback import Feedback
from regoose_tui.synth.engine import checked_behaviour, public_first, reaches_missing
from regoose_tui.synth.goal import coverage_goal
from regoose_tui.synth.grouping import as_method, class_name, method_name
from regoose_tui.synth.model import Callee, Candidate, Param
from regoose_tui.synth.naming import NameRegistry
from regoose_tui.synth.pools import SymbolTable
from regoose_tui.synth.render import Observation, render_test
from regoose_tui.synth.values import lit

_TEXT = Param("text", "POSITIONAL_OR_KEYWORD", False, {})
_PARSE = Callee("parse", "function", "parse", "parse", [_TEXT])
_HELPER = Callee("_split", "function", "_split", "_split", [_TEXT])


def _cand(ident: int, callee: Callee, text: str, arcs: list[list[int]], value: str) -> Candidate:
    cand = Candidate(ident, callee, ((None, lit(text)),))
    cand.result = {"outcome": "return", "arcs": arcs, "value": {"lit": value, "type": "str"}}
    return cand


def test_a_private_helper_is_kept_only_for_arcs_the_public_calls_miss():
    public = _cand(1, _PARSE, "a b", [[-1, 2], [2, 3], [10, 11]], "'a'")
    covered_helper = _cand(2, _HELPER, "a b", [[10, 11]], "'a'")
    needed_helper = _cand(3, _HELPER, "", [[10, 12]], "''")
    kept = public_first([public, covered_helper, needed_helper])
    assert [c.id for c in kept] == [1, 3]


def test_two_calls_taking_the_same_arcs_to_the_same_check_are_one_behaviour():
    symbols, names = SymbolTable(), NameRegistry()
    symbols.symbol("parse")

    def rendered(ident: int, text: str, value: str):
        cand = _cand(ident, _PARSE, text, [[-1, 2], [2, -1]], value)
        test = render_test(Observation(cand, cand.result), symbols, names)
        assert test is not None
        return checked_behaviour(test)

    assert rendered(1, "x", "True") == rendered(2, "y", "True")
    # The same arcs to a different expected value are two checks (a mutant may tell them apart).
    assert rendered(3, "x", "'X'") != rendered(4, "y", "'Y'")


def test_a_later_round_keeps_only_calls_reaching_the_gaps():
    cand = _cand(1, _PARSE, "a", [[-1, 2], [2, 5]], "'a'")
    assert reaches_missing(cand, Feedback(missing_lines=(5,)))
    assert reaches_missing(cand, Feedback(missing_branches=((2, 5),)))
    assert not reaches_missing(cand, Feedback(missing_lines=(9,), missing_branches=((2, 3),)))


def test_the_goal_is_every_arc_inside_a_function():
    source = "X = 1\n\n\ndef sign(x):\n    if x > 0:\n        return 1\n    return 0\n"
    goal = coverage_goal(source)
    assert goal.inner == {(5, 6), (5, 7)}
    assert goal.exits_from == {6, 7}
    assert not goal.reached([(-4, 5), (5, 6), (6, -4)])
    assert goal.reached([(-4, 5), (5, 6), (6, -4), (5, 7), (7, -4)])
    assert coverage_goal("def broken(:\n").empty


def test_classes_and_methods_are_named_after_the_unit():
    assert class_name("is_email") == "TestIsEmail"
    assert class_name("HTTPError") == "TestHTTPError"
    assert class_name("_render_rules") == "TestRenderRules"
    assert method_name("test_is_email_foo_returns_true", "is_email") == "test_foo_returns_true"
    assert method_name("test_square_3_returns_nine", "square") == "test_with_3_returns_nine"
    assert method_name("test_timer_creates_timer", "Timer") == "test_creates_timer"


def test_a_multi_line_statement_counts_by_its_first_line():
    source = (
        "def report(x):\n"
        "    if x:\n"
        "        parts = {\n"
        "            'x': x,\n"
        "        }\n"
        "        return parts\n"
        "    return None\n"
    )
    goal = coverage_goal(source)
    # The tracer's line events inside the literal fold into the statement at line 3.
    traced = [(-1, 2), (2, 3), (3, 4), (4, 3), (3, 6), (6, -1), (2, 7), (7, -1)]
    assert goal.reached(traced)
    assert goal.open_arcs(traced[:5]) == {(2, 7), (6, 0), (7, 0)}


def test_the_package_is_first_party_only_where_ruff_sees_it(tmp_path):
    from regoose_tui.domain.target import TargetModule
    from regoose_tui.synth.formatting import first_party_for

    (tmp_path / "shop").mkdir()
    path = tmp_path / "shop" / "cart.py"
    path.write_text("X = 1\n")
    target = TargetModule(path=path, module="shop.cart", project_dir=tmp_path, source="X = 1\n")
    # Written into the project (or not chosen yet): checked from its root, where ruff finds shop.
    assert first_party_for(target) == ["shop"]
    inside = TargetModule(**{**vars(target), "out_path": tmp_path / "tests" / "test_cart.py"})
    assert first_party_for(inside) == ["shop"]
    # Written elsewhere (--out outside the project): ruff there files shop with third-party.
    outside = TargetModule(**{**vars(target), "out_path": tmp_path.parent / "out" / "t.py"})
    assert first_party_for(outside) == []


def test_a_decorated_test_becomes_a_method_with_its_decorator_above():
    source = (
        '@pytest.mark.xfail(strict=True, reason="suspected bug: ZeroDivisionError")\n'
        "def test_mean_does_not_crash():\n"
        "    assert mean([]) == 0\n"
    )
    method = as_method(source, "test_empty_does_not_crash")
    assert method == (
        '    @pytest.mark.xfail(strict=True, reason="suspected bug: ZeroDivisionError")\n'
        "    def test_empty_does_not_crash(self):\n"
        "        assert mean([]) == 0\n"
    )
    compile("class TestMean:\n" + method, "<test>", "exec")
