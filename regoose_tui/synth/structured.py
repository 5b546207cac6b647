"""Structured text inputs built from the module's own keywords.

Parsers of sectioned text (docstrings, config files, headers, changelogs)
only reach their deep branches on input that already has the right shape:
a known section title, then indented entries with names, types and
descriptions. Random strings and single literals rarely get there. When a
module's string literals hold several title-like words (``"Args"``,
``"Returns"``, ``"Raises"``), we write a few small documents around them in
the common layouts (indented ``Title:`` sections, ``key: value`` lines,
underlined headings, ``[section]`` blocks) and put them in string pools.
"""

from __future__ import annotations

import re

from regoose_tui.synth.analysis import ModuleAnalysis

_TITLE = re.compile(r"[A-Z][A-Za-z]{2,19}")
_MIN_TITLES = 3
_MAX_FULL = 4


def title_words(analysis: ModuleAnalysis) -> list[str]:
    """Capitalised word literals that are not names the module defines (``Args:`` -> ``Args``)."""
    defined = set(analysis.functions) | set(analysis.classes) | set(analysis.constants)
    found: dict[str, None] = {}
    for text in analysis.strings:
        word = text[:-1] if text.endswith(":") else text
        if _TITLE.fullmatch(word) and word not in defined:
            found[word] = None
    return list(found)


def _full(a: str, b: str, c: str) -> str:
    return (
        "Short summary.\n\nLonger description\nover two lines.\n\n"
        f"{a}:\n"
        "    name (int): The first value.\n"
        "    other (str, optional): Another one. Defaults to 'x'.\n"
        "    flag: Whether to go.\n"
        "        It continues here.\n\n"
        f"{b}:\n"
        "    int: The result.\n\n"
        f"{c}:\n"
        "    ValueError: If it fails.\n"
    )


def structured_texts(analysis: ModuleAnalysis) -> list[str]:
    """A few documents in common sectioned layouts, titled with the module's keywords."""
    words = title_words(analysis)
    if len(words) < _MIN_TITLES:
        return []
    out: list[str] = []
    for start in range(0, min(len(words), 3 * _MAX_FULL), 3):
        a, b, c = (words[(start + k) % len(words)] for k in range(3))
        out.append(_full(a, b, c))
    a, b = words[0], words[1]
    out.append(f"Summary.\n\n{a}:\n    x: a value\n{b}:\n    y\n")
    out.append(f"{a}: one\n{b}: two\n")
    out.append(f"Summary.\n\n{a}\n{'-' * len(a)}\nname : int\n    Description.\n")
    out.append(f"[{a}]\n{b.lower()} = value\n")
    return out
