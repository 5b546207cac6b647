"""The words a test name may take from a call's inputs: code words and kinds, never values.

A name says the behaviour from what the test reaches, so an argument's value
is a name word only when it is one of the code's own identifier-like
constants (``tax_rate("EU")``: the code looks ``"EU"`` up, the word names the
branch the call takes). Any other value (``'été Łódź'``, ``'hello_world'``,
``4660487647593824``) says nothing about the behaviour and would leak the
input into the name (``test_t_d_raises_key_error``): such a value is named by
its kind (``empty_string``, ``negative``, ``digits``) or not at all.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping

from regoose_tui.synth.analysis import ModuleAnalysis
from regoose_tui.synth.values import Val, tag_of

#: A constant reads as a word when it looks like an identifier (``EU``, ``welcome10``).
IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,23}")
#: A word of a tag that carries a value, not a kind (``decimal_minus_2_5``).
_VALUE_WORD = re.compile(r"\d+|minus")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


def slug(text: str) -> str:
    """``'Hello, World'`` -> ``hello_world``."""
    return re.sub(r"_+", "_", re.sub(r"[^0-9a-zA-Z_]+", "_", text)).strip("_").lower()


def code_vocabulary(
    analysis: ModuleAnalysis, *vocabularies: Mapping[str, Iterable[str]]
) -> frozenset[str]:
    """The identifier-like strings the code compares its inputs with.

    Literals of comparisons (``code == "GB"``, ``region in ("EU", "UK")``), keys
    looked up in a parameter (``meta["name"]``), the keys and items of module
    constants (``TAX_RATES``), and the probe's vocabularies (the strings the
    constants hold at run time, here and in the modules the code imports).
    """
    found: set[str] = set()
    for fn in analysis.all_functions():
        for cmp in fn.comparisons:
            found.update(_strings_in(cmp.value))
        for keys in fn.dict_keys.values():
            found.update(keys)
    for value in analysis.constants.values():
        found.update(_strings_in(value))
    for vocabulary in vocabularies:
        for strings in vocabulary.values():
            found.update(strings)
    return frozenset(s for s in found if isinstance(s, str) and IDENTIFIER.fullmatch(s))


def _strings_in(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [k for k in value if isinstance(k, str)]
    if isinstance(value, list | tuple | set | frozenset):
        return [v for v in value if isinstance(v, str)]
    return []


def value_word(val: Val, vocabulary: frozenset[str]) -> str:
    """What a name may say of one argument: a code constant, a kind, or nothing (``""``)."""
    if not val.is_literal or val.tag != tag_of(val.obj):
        # A tag its maker chose: a class, an enum member, a kind (``wrong_type_int``).
        return _without_values(val.tag)
    obj = val.obj
    if obj is None or isinstance(obj, bool):
        return val.tag
    if isinstance(obj, str | bytes):
        text = obj.decode("latin-1") if isinstance(obj, bytes) else obj
        if not text.strip():
            return val.tag  # empty_string, blank_string: branches test for these
        if isinstance(obj, str) and obj in vocabulary and IDENTIFIER.fullmatch(obj):
            return slug(obj)
        inner = text.strip()
        if isinstance(obj, str) and inner in vocabulary and IDENTIFIER.fullmatch(inner):
            # ``"\nEU"`` is the code's ``"EU"`` with whitespace around: that is its point.
            return f"padded_{slug(inner)}"
        return "long_string" if val.tag.startswith("long_") else ""
    if isinstance(obj, int | float):
        if obj != obj or obj in (float("inf"), float("-inf")):
            return val.tag  # nan, infinity
        return "zero" if obj == 0 else "negative" if obj < 0 else ""
    # Containers by kind and size (``empty_list``, ``dict_of_3``), never their items.
    return val.tag


def _without_values(tag: str) -> str:
    """``decimal_minus_2_5`` -> ``negative_decimal``; ``date_2000_1_1`` -> ``date``."""
    words = tag.split("_")
    for index, word in enumerate(words):
        if _VALUE_WORD.fullmatch(word):
            base = "_".join(words[:index])
            return f"negative_{base}" if word == "minus" and base else base
    return tag


def kind_word(val: Val) -> str:
    """The shape of a value no code word names, to tell two calls apart (``digits``)."""
    obj = val.obj if val.is_literal else None
    if isinstance(obj, int | float) and not isinstance(obj, bool):
        return "positive" if obj > 0 else ""  # zero and negative are value words already
    if isinstance(obj, bytes):
        obj = obj.decode("latin-1")
    if not isinstance(obj, str) or not obj.strip():
        return ""
    kind = _text_kind(obj.strip())
    return f"padded_{kind}" if obj != obj.strip() else kind


def _text_kind(text: str) -> str:
    if len(text) == 1:
        single = {True: "single_letter", False: "single_symbol"}[text.isalpha()]
        return "single_digit" if text.isdigit() else single
    if not any(c.isalnum() for c in text):
        return "symbols_only"
    if any(not (c.isalnum() or c.isspace()) for c in text):
        return "text_with_symbols" if text.isascii() else "unicode_symbols"
    letters, digits = any(c.isalpha() for c in text), any(c.isdigit() for c in text)
    spaced = any(c.isspace() for c in text)
    kind = {
        (False, True): "digits",
        (True, False): "words" if spaced else "letters",
        (True, True): "words_and_digits" if spaced else "letters_and_digits",
    }.get((letters, digits), "text")
    return kind if text.isascii() else f"non_ascii_{kind}"


def source_words(src: str, vocabulary: frozenset[str], limit: int = 4) -> str:
    """The code words of an expression (``Cart(region='EU')`` -> ``cart_region_eu``).

    Names, attributes and keywords are the code's; of its constants only those
    in the code's vocabulary count, so ``Inventory({'abc': 3})`` is ``inventory``.
    """
    try:
        tree = ast.parse(src, mode="eval")
    except SyntaxError:
        return ""
    words: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            words.append(node.id)
        elif isinstance(node, ast.Attribute):
            words.append(node.attr)
        elif isinstance(node, ast.keyword) and node.arg:
            words.append(node.arg)
        elif isinstance(node, ast.Constant) and node.value in vocabulary:
            words.append(str(node.value))
    # ast.walk goes breadth first: the outer call's name comes first.
    joined = "_".join(slug(w) for w in words if slug(w))
    return "_".join(joined.split("_")[:limit]) if joined else ""


def reason_words(message: str, inputs: Iterable[Val], limit: int = 5) -> str:
    """The reason an exception gives, without the inputs it quotes.

    ``"unknown region: 'été Łódź'"`` -> ``unknown_region``: quoted parts and
    the words of the call's own string arguments are the input, not the reason.
    """
    text = message.splitlines()[0] if message else ""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" and text[0] not in text[1:-1]:
        text = text[1:-1]  # str(KeyError(...)) is the repr of its message
    words = slug(_QUOTED.sub(" ", text))
    for val in inputs:
        # An input the message spells out unquoted (``no item named abc``), as a whole.
        given = slug(str(val.obj)) if val.is_literal and not isinstance(val.obj, bool) else ""
        if given:
            words = re.sub(rf"(?:^|_){re.escape(given)}(?=_|$)", "", words).strip("_")
    return "_".join(w for w in words.split("_")[:limit] if w)
