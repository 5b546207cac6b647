"""Extra witnesses for what the cover misses: format templates, shown values, state edges."""

from __future__ import annotations

from regoose_tui.synth.analysis import analyze_module
from regoose_tui.synth.finalize import compare
from regoose_tui.synth.model import Callee, Candidate, Param
from regoose_tui.synth.pools import PoolContext, SymbolTable, param_pool
from regoose_tui.synth.strengthen import exact, extra_witnesses, output_key
from regoose_tui.synth.templates import format_templates
from regoose_tui.synth.values import Val, lit
from regoose_tui.synth.witness_kinds import at_edge, edge_distance, most_shown

REPORT = """
class Report:
    def __init__(self, text="{:.1f} s", title="", on_done=print):
        self.text, self.title, self.on_done = text, title, on_done

    def show(self, seconds):
        fields = {"seconds": seconds, "minutes": seconds / 60, 1: "not a field"}
        self.on_done(self.text.format(seconds, **fields, hours=seconds / 3600))
        self.on_done("{title}!".format(title=self.title))


def greet(template, name):
    return template.format(name=name)
"""


def test_format_templates_name_every_field_the_code_fills():
    found = format_templates(REPORT)
    assert found == {"text": ["{seconds} {minutes} {hours}"], "template": ["{name}"]}
    # A literal template ("{title}!".format) is the code's own: no parameter to feed.
    assert "title" not in found
    assert format_templates("def f(:\n") == {}


def test_a_templated_string_parameter_tries_the_template_first_and_callbacks_print():
    analysis = analyze_module(REPORT, "report.py")
    ctx = PoolContext(analysis, SymbolTable(), templates=format_templates(REPORT))
    params = [
        Param("text", "POSITIONAL_OR_KEYWORD", True, {"k": "str", "args": []}, "'{:.1f} s'"),
        Param("on_done", "POSITIONAL_OR_KEYWORD", True, {"k": "callable", "n": 1}, None),
    ]
    ctor = Callee("Report", "ctor", "Report", "Report", params)
    assert param_pool(ctor, params[0], ctx)[0].src == "'{seconds} {minutes} {hours}'"
    # A callback that shows what it was given makes its arguments checkable (capsys).
    assert "print" in [v.src for v in param_pool(ctor, params[1], ctx)[:3]]


_SHOW = Callee("Report.show", "method", "Report", "show", [], owner="Report")


def _shown(cid: int, printed: str, value: str = "None") -> Candidate:
    cand = Candidate(cid, _SHOW, ((None, lit(90)),), receiver=Val("Report()"), var="report")
    cand.result = {"outcome": "return", "value": {"lit": value}, "stdout": printed, "arcs": []}
    return cand


def test_printed_output_is_an_output_of_its_own():
    plain, templated = _shown(1, "90.0 s\n"), _shown(2, "90 1.5 0.025\n")
    assert output_key(plain) != output_key(templated)
    # The printed text asserted whole makes an extra exact even when its value is None.
    obs = compare(templated, dict(templated.result), dict(templated.result))
    assert obs is not None and obs.stdout == "90 1.5 0.025\n" and exact(obs)


def test_the_call_printing_the_most_new_numbers_becomes_a_test():
    plain, templated = _shown(1, "90.0 s\n"), _shown(2, "90 1.5 0.025\n")
    assert most_shown([plain, templated], {"90.0"}) is templated
    assert most_shown([plain, templated], {"90", "1.5", "0.025"}) is None
    extras = extra_witnesses([plain, templated], [_shown(3, "90.0 s\n", "'x'")])
    assert templated in extras


_INTEGER = Callee(
    "Integer", "ctor", "Integer", "Integer", [Param("maximum", "KEYWORD_ONLY", True, {})]
)
_VALIDATE = Callee(
    "Integer.validate",
    "method",
    "Integer",
    "validate",
    [Param("value", "POSITIONAL_OR_KEYWORD", False, {})],
    owner="Integer",
)


def _validate(cid: int, value: object, returned: str | None, origin: str = "boundary"):
    recipe = Candidate(0, _INTEGER, (("maximum", lit(5)),))
    receiver = Val(recipe.call, tag="integer", recipe=recipe)
    cand = Candidate(cid, _VALIDATE, ((None, lit(value)),), receiver=receiver, origin=origin)
    if returned is None:
        exc = {
            "name": "ValidationError",
            "msg": "Must be less than or equal to 5.",
            "origin": "target",
        }
        cand.result = {"outcome": "raise", "exc": exc, "arcs": [[1, 2]]}
    else:
        cand.result = {"outcome": "return", "value": {"lit": returned}, "arcs": [[1, 3]]}
    return cand


def test_a_call_at_the_edge_of_the_receivers_numbers_becomes_a_test():
    inside, below, equal, above = (
        _validate(1, 3, "3", "sweep"),
        _validate(2, 4, "4"),
        _validate(3, 5, "5"),
        _validate(4, 6, None),
    )
    assert [edge_distance(c) for c in (inside, below, equal, above)] == [None, 1, 0, 1]
    assert at_edge([inside, below, equal, above], lambda c: len(c.call)) is equal
    # ``value > self.maximum`` against ``>=``: only the equal input tells them apart.
    extras = extra_witnesses([below, equal, above], [inside, above])
    assert equal in extras
    # Lengths count too: a string of exactly the receiver's number of characters.
    assert edge_distance(_validate(5, "xxxxx", "'xxxxx'")) == 0
