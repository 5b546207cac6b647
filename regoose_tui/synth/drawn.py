"""Pool values from the examples Hypothesis drew in the sandbox (see probe_draw.py).

The introspection attaches ``drawn`` to the descriptor of a class a
signature names: source that rebuilds an example (``datetime.date(2000, 1, 1)``),
the import lines it needs and the target names it uses. Here they become
``Val`` objects like any other pool value, so the rendered tests hold plain
constructor calls and literals and never import Hypothesis.
"""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, Any

from regoose_tui.synth.values import Val, lit, opaque

if TYPE_CHECKING:  # pools.py imports this module
    from regoose_tui.synth.pools import SymbolTable

#: Longest tag a drawn value lends a test name (``date_2000_1_1``).
_MAX_TAG = 28


def drawn_values(desc: dict[str, Any], symbols: SymbolTable) -> list[Val]:
    """The drawn examples of one class descriptor, simplest first, as pool values."""
    out: list[Val] = []
    name = str(desc.get("name") or "value")
    for item in desc.get("drawn") or []:
        src = item.get("src")
        if not isinstance(src, str):
            continue
        needs = [str(n) for n in item.get("needs") or []]
        # A target name the tests alias (a reserved word) would not match the source.
        if any(symbols.symbol(n) != n for n in needs):
            continue
        imports = frozenset(str(i) for i in item.get("imports") or [])
        plain = _plain(src) if not imports and not needs else None
        if plain is not None:
            out.append(lit(plain[0]))
        else:
            out.append(opaque(src, tag_for(name, src), imports))
    return out


def _plain(src: str) -> tuple[object] | None:
    """The literal ``src`` spells (a TypedDict's dict), kept so it can be mutated."""
    try:
        return (ast.literal_eval(src),)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def tag_for(name: str, src: str) -> str:
    """``date_2000_1_1`` for ``datetime.date(2000, 1, 1)``; the class name when long."""
    base = re.sub(r"\W+", "_", name).strip("_").lower() or "value"
    inside = src[src.find("(") + 1 : src.rfind(")")] if "(" in src else ""
    inside = re.sub(r"\b[a-z_]+=", "", inside)  # keyword names add length, not meaning
    slug = re.sub(r"\W+", "_", inside.replace("-", "minus_")).strip("_").lower()
    tag = f"{base}_{slug}" if slug else base
    return tag if len(tag) <= _MAX_TAG else base
