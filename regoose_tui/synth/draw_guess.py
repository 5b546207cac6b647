"""Whether the introspection will want Hypothesis draws, guessed from the source alone.

The probe worker describes the target without Hypothesis on its path
(synth/probe_worker.py); a target whose signatures name a class to draw
examples for (probe_draw.py) is described again, with the draws, in a
sandbox of its own. Guessed here before anything runs, that sandbox starts
beside the worker instead of after it. A wrong guess costs one sandbox
started for nothing (or, the other way, the draws start late): never a
different result, as the introspection itself says whether it wants draws.
"""

from __future__ import annotations

import re

from regoose_tui.synth.analysis import ModuleAnalysis

#: Names in a hint that never ask for a drawn example: builtins and typing's shapes.
_PLAIN = frozenset(
    {
        "int", "str", "float", "bool", "bytes", "bytearray", "complex", "None", "object",
        "list", "dict", "tuple", "set", "frozenset", "type", "Any", "Optional", "Union",
        "List", "Dict", "Tuple", "Set", "FrozenSet", "Type", "Sequence", "Iterable",
        "Iterator", "Mapping", "MutableMapping", "MutableSequence", "Collection",
        "Callable", "Literal", "Generator", "AnyStr", "Text", "typing", "t", "abc",
        "collections", "Self",
    }
)  # fmt: skip
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def draws_likely(analysis: ModuleAnalysis) -> bool:
    """True when some parameter's hint names a class that is not a builtin shape."""
    for function in analysis.all_functions():
        for param in function.params:
            if param.annotation and any(
                name not in _PLAIN for name in _NAME.findall(_unquoted(param.annotation))
            ):
                return True
    return False


def _unquoted(hint: str) -> str:
    return hint.replace("'", " ").replace('"', " ")
