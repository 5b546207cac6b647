"""The offline engine does not call a crash a bug when its own made-up argument broke a use.

humanize's ``naturalsize(3000, format='a')``: ``format % value`` raised TypeError
on a format string the probe invented. Run for real (probes, checks, pytest) on
small functions: such crashes are no suspected bugs, a real crash still is.
"""

from __future__ import annotations

import asyncio
import sys

import pytest
from synth_samples import make_target, sandbox_for

from regoose_tui.runtime.local import LocalRuntime
from regoose_tui.synth.analysis import analyze_module
from regoose_tui.synth.engine import SynthResult, synthesize
from regoose_tui.synth.model import Callee, Candidate, Param
from regoose_tui.synth.suspects import suspicion
from regoose_tui.synth.values import Val, lit

UNITS = '''"""Units whose arguments carry contracts their hints do not say."""


def size(value: float, format: str = "%.1f") -> str:
    """``value`` with ``format``, a printf-style pattern such as ``%.2f``."""
    if value < 0:
        return "-" + format % -value
    return format % value


def code_of(ch: str) -> int:
    """The code point of one character, plus one."""
    return ord(ch) + 1


def shout(n: int, suffix: str = "!") -> str:
    """``n`` and ``suffix``; big numbers hit a real bug (int + str)."""
    if n > 3:
        return n + suffix
    return str(n) + suffix
'''


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    tmp = tmp_path_factory.mktemp("constrained")
    target = make_target(tmp, "units", UNITS)
    return asyncio.run(
        synthesize(
            target,
            sandbox_for(LocalRuntime(), target, tmp / "sandbox"),
            python=sys.executable,
            budget_seconds=25,
            work_dir=tmp / "work",
            seed=3,
        )
    )


def test_a_made_up_format_string_or_character_is_no_suspected_bug(
    synthesized: SynthResult,
) -> None:
    inputs = [bug["input"] for bug in synthesized.suspects]
    assert not [i for i in inputs if i.startswith(("size(", "code_of("))], inputs


def test_a_real_crash_on_fitting_input_is_still_one(synthesized: SynthResult) -> None:
    bugs = [b for b in synthesized.suspects if b["input"].startswith("shout(")]
    assert bugs and all(b["observed"].startswith("raises TypeError") for b in bugs)
    assert all("inside shout (line 19)" in b["why"] for b in bugs)


def _size_candidate(*args: tuple[str | None, object]) -> Candidate:
    info = analyze_module(UNITS, "units.py").functions["size"]
    params = [
        Param("value", "POSITIONAL_OR_KEYWORD", False, {"k": "float"}),
        Param("format", "POSITIONAL_OR_KEYWORD", True, {"k": "str"}, "'%.1f'"),
    ]
    callee = Callee("size", "function", "size", "size", params, info=info)
    return Candidate(1, callee, tuple((k, lit(v)) for k, v in args))


def test_the_failing_position_decides_and_the_argument_must_be_the_calls() -> None:
    # Where CPython says ``format % value`` (line 8, columns 11-25) raised.
    exc: dict[str, object] = {
        "name": "TypeError",
        "line": 8,
        "pos": [8, 8, 11, 25],
        "crash_in_target": True,
    }
    crash = {"outcome": "raise", "exc": exc}
    assert suspicion(_size_candidate((None, 3000.0), ("format", "a")), crash) is None
    # The same crash with the default format: the code's own pattern failed, a suspect.
    assert suspicion(_size_candidate((None, 3000.0)), crash) is not None
    # Elsewhere on the line (another expression): not the format string's doing.
    elsewhere = {"outcome": "raise", "exc": {**exc, "pos": [8, 8, 11, 17]}}
    assert suspicion(_size_candidate((None, 3000.0), ("format", "a")), elsewhere) is not None


BANNER = """class Banner:
    def __init__(self, template: str = "{name}!") -> None:
        self.template = template

    def show(self, name: str) -> str:
        return self.template.format(name=name)
"""


def _show_candidate(*init: tuple[str | None, object]) -> Candidate:
    """``Banner(*init).show('Ada')``: a method on an object built from literal arguments."""
    module = analyze_module(BANNER, "banner.py")
    template = Param("template", "POSITIONAL_OR_KEYWORD", True, {"k": "str"}, "'{name}!'")
    build = Callee("Banner", "class", "Banner", "Banner", [template])
    recipe = Candidate(1, build, tuple((k, lit(v)) for k, v in init))
    receiver = Val(f"Banner({', '.join(repr(v) for _k, v in init)})", recipe=recipe)
    show = Callee(
        "Banner.show",
        "method",
        "show",
        "Banner.show",
        [
            Param("self", "POSITIONAL_OR_KEYWORD", False, {}),
            Param("name", "POSITIONAL_OR_KEYWORD", False, {"k": "str"}),
        ],
        info=module.classes["Banner"].methods["show"],
    )
    return Candidate(2, show, ((None, lit("Ada")),), receiver=receiver)


def test_a_field_the_constructor_was_given_carries_its_use_too() -> None:
    # codetiming's Timer(initial_text="{}"): ``self.template.format(name=...)`` raised
    # IndexError on a template the probe made up, in a later method call.
    exc: dict[str, object] = {"name": "IndexError", "line": 6, "crash_in_target": True}
    crash = {"outcome": "raise", "exc": exc}
    assert suspicion(_show_candidate(("template", "{}")), crash) is None
    # Built with the default template, the class's own pattern failed: a suspect.
    assert suspicion(_show_candidate(), crash) is not None
