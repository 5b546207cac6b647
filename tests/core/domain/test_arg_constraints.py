"""Crashes where the code's use of an argument refused it are the input's fault, not bugs.

humanize's ``naturalsize(3000, format='a')`` raised TypeError from ``format % x``:
the probe made up a format string that does not fit, and the engine called it a
suspected bug. Both paths (the offline engine's probes, a model's failing test)
now leave such crashes out, and still report a real crash on fitting input.
"""

from __future__ import annotations

import ast
from pathlib import Path

from support.junit_failures import junit_failures

from regoose_tui.domain.arg_constraints import constrained_uses, given_params, use_at
from regoose_tui.domain.feedback import FailedTest
from regoose_tui.domain.suspects import suspect_failure

UNITS = '''def size(value: float, format: str = "%.1f") -> str:
    """``value`` with ``format``, a printf-style pattern."""
    return format % value


def braces(template: str, name: str) -> str:
    return template.format(name=name)


def code_of(ch: str) -> int:
    return ord(ch) + 1


def joined(sep: str, items: list) -> str:
    return sep.join(items)


def shout(n: int, suffix: str = "%s!") -> str:
    if n > 3:
        return n + suffix
    return suffix % n
'''

TESTS = """from units import braces, code_of, joined, shout, size


def test_size_with_a_word_for_a_format():
    assert size(3000.0, format="a") == "a"


def test_braces_with_a_missing_field():
    assert braces("{other}", "x") == "x"


def test_code_of_two_characters():
    assert code_of("ab") == 1


def test_joined_ints():
    assert joined(",", [1, 2]) == "1,2"


def test_shout_a_big_number():
    assert shout(5) == "5!"
"""


def _func(name: str) -> ast.FunctionDef:
    tree = ast.parse(UNITS)
    return next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)


def _failures(tmp_path: Path) -> dict[str, FailedTest]:
    return junit_failures(tmp_path, {"units.py": UNITS, "test_units.py": TESTS})


def test_a_failing_test_whose_own_argument_broke_its_use_is_no_suspect(tmp_path: Path) -> None:
    failures = _failures(tmp_path)
    assert len(failures) == 5
    target = tmp_path / "units.py"
    for name in (
        "test_size_with_a_word_for_a_format",  # TypeError: not all arguments converted
        "test_braces_with_a_missing_field",  # KeyError: 'other'
        "test_code_of_two_characters",  # TypeError: ord() expected a character
        "test_joined_ints",  # TypeError: sequence item 0: expected str instance
    ):
        assert suspect_failure(failures[name], target, UNITS, TESTS) is None, name
    # int + str on an int the hint allows, with the default suffix: the code is wrong.
    real = suspect_failure(failures["test_shout_a_big_number"], target, UNITS, TESTS)
    assert real is not None and real.input == "shout(5)" and real.exception == "TypeError"


def test_the_use_must_be_of_an_argument_the_call_gave() -> None:
    shout = _func("shout")
    uses = constrained_uses(shout)
    assert [(u.param, u.span[0]) for u in uses] == [("suffix", 21)]
    # shout(2) formats with the DEFAULT suffix: a crash there would be the code's.
    assert use_at(uses, "TypeError", 21, given=given_params(shout, "shout(2)")) is None
    assert use_at(uses, "TypeError", 21, given=given_params(shout, "shout(2, 'x')")) is not None
    # Not every exception: a ZeroDivisionError is never a format string's doing.
    assert use_at(uses, "ZeroDivisionError", 21) is None


def test_the_exact_position_picks_the_expression_that_raised() -> None:
    source = "def f(fmt, xs):\n    return fmt % xs[0] + fmt % len(xs)\n"
    func = ast.parse(source).body[0]
    assert isinstance(func, ast.FunctionDef)
    uses = constrained_uses(func)
    first, second = uses
    assert use_at(uses, "TypeError", 2, span=first.span) == first
    # The subscript ``xs[0]`` inside raised IndexError: no use spans exactly that.
    assert use_at(uses, "IndexError", 2, span=(2, 17, 2, 22)) is None
    assert use_at(uses, "TypeError", 2, span=second.span) == second


def test_nested_functions_and_methods() -> None:
    source = (
        "class Money:\n"
        "    def show(self, pattern):\n"
        "        def inner(other):\n"
        "            return other % 1\n"
        "        return pattern.format(self) + inner('x')\n"
    )
    method = ast.parse(source).body[0].body[0]  # type: ignore[attr-defined]  # ClassDef's first
    uses = constrained_uses(method)
    assert [u.param for u in uses] == ["pattern"]  # not inner's own parameter
    assert given_params(method, "money.show('{0}')") == {"pattern"}
    assert given_params(method, "show(*args)") is None
