"""What a test name may take from a call's inputs: code words and kinds, never values.

The fresh-clone run named the example project's ``normalize_region('été Łódź')``
test ``test_t_d_raises_key_error``: the input's letters became the name. These
check the words one argument, one receiver and one error message give.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from regoose_tui.synth.analysis import analyze_module
from regoose_tui.synth.model import Callee, Candidate, Param
from regoose_tui.synth.name_words import (
    code_vocabulary,
    kind_word,
    reason_words,
    source_words,
    value_word,
)
from regoose_tui.synth.naming import NameRegistry, describe_args
from regoose_tui.synth.pools import SymbolTable
from regoose_tui.synth.render import Observation, render_test
from regoose_tui.synth.values import lit, opaque

#: The example project's pricing module: ``normalize_region`` looks a code up in TAX_RATES.
PRICING = Path(__file__).resolve().parents[3] / "examples" / "shop" / "pricing.py"

_NORMALIZE = Callee(
    "normalize_region",
    "function",
    "normalize_region",
    "normalize_region",
    [Param("region", "POSITIONAL_OR_KEYWORD", False, {})],
)


def _vocabulary() -> frozenset[str]:
    return code_vocabulary(analyze_module(PRICING.read_text(encoding="utf-8"), PRICING))


def _raising(index: int, region: str) -> Observation:
    message = repr(f"unknown region: {region!r}")  # str(KeyError) is its message's repr
    ref = {"kind": "builtin", "name": "KeyError"}
    result: dict[str, Any] = {
        "outcome": "raise",
        "exc": {"name": "KeyError", "msg": message, "ref": ref, "origin": "target"},
    }
    cand = Candidate(index, _NORMALIZE, ((None, lit(region)),))
    cand.result = result
    return Observation(cand, result)


def test_the_vocabulary_is_the_constants_the_code_compares_with():
    vocabulary = _vocabulary()
    assert {"EU", "UK", "US", "GB"} <= vocabulary
    # Messages are code strings too, but nothing is compared with them.
    assert not [w for w in vocabulary if "region" in w]


def test_a_dict_lookup_error_is_named_by_its_reason_not_the_input():
    names = NameRegistry(vocabulary=_vocabulary())
    first = render_test(_raising(1, "été Łódź"), SymbolTable(), names)
    second = render_test(_raising(2, "snow ☃ star"), SymbolTable(), names)
    assert first is not None and second is not None
    assert first.name == "test_normalize_region_when_unknown_region_raises_key_error"
    # The same reason again: the kind of input tells the second apart, not its letters.
    assert second.name == "test_normalize_region_with_unicode_symbols_raises_key_error"


@pytest.mark.parametrize(
    ("value", "word"),
    [
        ("EU", "eu"),  # a key of TAX_RATES: the word names the branch the call takes
        ("eu", ""),  # not one of the code's constants as written
        ("\nEU", "padded_eu"),  # the constant with whitespace around: strip() is the point
        ("été Łódź", ""),
        ("hello_world", ""),
        ("", "empty_string"),
        ("  ", "blank_string"),
        ("x" * 40, "long_string"),
        (4660487647593824, ""),
        (0, "zero"),
        (-3, "negative"),
        (1.5, ""),
        (None, "none"),
        (True, "true"),
        ([], "empty_list"),
    ],
)
def test_an_argument_is_a_word_only_as_a_code_constant_or_a_kind(value, word):
    assert value_word(lit(value), _vocabulary()) == word


def test_chosen_tags_stay_and_lose_the_values_they_carry():
    vocabulary = _vocabulary()
    assert value_word(lit(42, "wrong_type_int"), vocabulary) == "wrong_type_int"
    assert value_word(opaque("Decimal('-2.5')", "decimal_minus_2_5"), vocabulary) == (
        "negative_decimal"
    )
    assert value_word(opaque("date(2000, 1, 1)", "date_2000_1_1"), vocabulary) == "date"
    assert value_word(opaque("Color.RED", "red"), vocabulary) == "red"


def test_arguments_without_a_word_leave_the_name_and_keywords_stay():
    vocabulary = _vocabulary()
    args = ((None, lit("Ann")), (None, lit("EU")), ("limit", lit(7)), ("strict", lit(True)))
    assert describe_args(args, vocabulary=vocabulary) == "eu_limit"
    assert describe_args(args, limit=3, vocabulary=vocabulary) == "eu_limit_strict_true"


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("0150", "digits"),
        ("abc", "letters"),
        ("ab12", "letters_and_digits"),
        ("two words", "words"),
        ("01-50", "text_with_symbols"),
        ("été Łódź", "non_ascii_words"),
        ("snow ☃", "unicode_symbols"),
        ('"', "single_symbol"),
        ('"@"@', "symbols_only"),
        ('  .."@  ', "padded_symbols_only"),
        (3, "positive"),
        (-3, ""),  # "negative" is its value word already
        ([1], ""),
    ],
)
def test_a_kind_tells_apart_strings_no_code_word_names(value, kind):
    assert kind_word(lit(value)) == kind


def test_a_receiver_is_named_by_its_code_words_only():
    vocabulary = _vocabulary()
    assert source_words("Inventory({'abc': 3})", vocabulary) == "inventory"
    assert source_words("Cart(region='EU', owner='Ann')", vocabulary) == "cart_region_owner_eu"


@pytest.mark.parametrize(
    ("message", "inputs", "words"),
    [
        ("\"unknown region: 'été Łódź'\"", ("été Łódź",), "unknown_region"),
        ("no item named abc", ("abc",), "no_item_named"),
        ("quantity must be positive", ("price must not be negative",), "quantity_must_be_positive"),
        ("quantity -3 is below 0", (-3,), "quantity_is_below_0"),
        ("'abc'", ("abc",), ""),
        ("'list' object has no attribute 'title'", (), "object_has_no_attribute"),
    ],
)
def test_a_reason_drops_the_inputs_it_quotes_or_spells(message, inputs, words):
    assert reason_words(message, [lit(v) for v in inputs]) == words
