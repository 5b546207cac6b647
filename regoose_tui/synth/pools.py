"""Per-parameter pools of candidate values, from types, names, literals and regexes.

The order of a pool is its priority: values the code itself mentions (the
literals a parameter is compared with, doctest arguments, strings matching
the regexes the function uses) come before generic ones, so a small budget
still tries the inputs most likely to open a branch.
"""

from __future__ import annotations

import builtins
import keyword
import re
from dataclasses import dataclass, field
from typing import Any

from regoose_tui.synth.analysis import FunctionInfo, ModuleAnalysis
from regoose_tui.synth.drawn import drawn_values
from regoose_tui.synth.model import Callee, Param
from regoose_tui.synth.regex_gen import regex_samples
from regoose_tui.synth.structured import structured_texts
from regoose_tui.synth.values import (
    GENERIC_FLOATS,
    GENERIC_INTS,
    GENERIC_STRINGS,
    Val,
    lit,
    name_hint,
    numeric_boundaries,
    opaque,
)

#: Names the rendered tests use themselves; a target attribute with one of
#: these names is imported under an alias.
RESERVED = frozenset(
    {
        "pytest",
        "re",
        "math",
        "asyncio",
        "result",
        "list",
        "len",
        "str",
        "repr",
        "bool",
        "hash",
        "getattr",
        "setattr",
        "isinstance",
        "float",
        "type",
        "iter",
        "set",
        "frozenset",
        "capsys",
        "monkeypatch",
        "itertools",
        "printed",
        "lambda",
        "dict",
        "tuple",
        "int",
    }
)
_MAX_POOL = 48
_MAX_VOCAB = 12
#: Strings of a helper's constants a caller's string parameter is also tried with.
_HELPER_VOCAB = 8
#: Number types built from a string (``Decimal('1.50')``); their ``Cls()`` is only zero.
_NUMERIC_CLASSES = frozenset({"decimal.Decimal", "fractions.Fraction"})
_NUMERIC_TEXT = re.compile(r"-?\d{1,12}(\.\d{1,6})?")
_CONFUSABLE = {
    "str": lit(42, "wrong_type_int"),
    "int": lit("7", "wrong_type_str"),
    "float": lit("1.5", "wrong_type_str"),
    "list": lit("abc", "wrong_type_str"),
    "dict": lit([1, 2], "wrong_type_list"),
    "bytes": lit("abc", "wrong_type_str"),
}
_UNTYPED_TAIL: tuple[object, ...] = (
    None,
    0,
    1,
    -1,
    "abc",
    "",
    [],
    [1, 2, 3],
    {},
    True,
    2.5,
    # A table with a nested one: data handed on to code that walks it (toml's dumps).
    {"name": "value", "section": {"key": 1}},
)


class SymbolTable:
    """Names of target attributes in the test module (aliased away from reserved names)."""

    def __init__(self) -> None:
        self.by_attr: dict[str, str] = {}
        #: Attributes the target only re-exports (``Decimal``) -> the module they live in.
        self.home: dict[str, str] = {}

    def symbol(self, attr: str) -> str:
        """The test-side name for target attribute ``attr`` (registering it)."""
        if attr not in self.by_attr:
            name = attr
            if name in RESERVED or keyword.iskeyword(name) or hasattr(builtins, name):
                name = f"{attr}_"
            self.by_attr[attr] = name
        return self.by_attr[attr]

    def names(self) -> dict[str, str]:
        """symbol -> attribute, for the probe namespace."""
        return {sym: attr for attr, sym in self.by_attr.items()}


def ref_src(ref: dict[str, Any] | None, symbols: SymbolTable) -> tuple[str, frozenset[str]] | None:
    """Source naming a class described by the probe, and the imports it needs."""
    if not ref:
        return None
    if ref["kind"] == "builtin":
        return ref["name"], frozenset()
    if ref["kind"] == "target":
        if ref.get("home"):
            symbols.home[ref["attr"]] = ref["home"]
        return symbols.symbol(ref["attr"]), frozenset()
    module, qualname = ref["module"], ref["qualname"]
    return f"{module}.{qualname}", frozenset({f"import {module}"})


@dataclass
class PoolContext:
    """What pools draw on besides the parameter itself."""

    analysis: ModuleAnalysis
    symbols: SymbolTable
    patterns: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    instances: dict[str, list[Val]] = field(default_factory=dict)
    extra: dict[tuple[str, str], list[Val]] = field(default_factory=dict)
    #: Calls that returned an object, by "module.qualname" of its classes (object pool).
    producers: dict[str, list[Val]] = field(default_factory=dict)
    #: Regexes found on instances of a class (class symbol -> pattern specs).
    class_patterns: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: Module constant name -> the strings it holds (dict keys, set items), from the probe.
    vocab: dict[str, list[str]] = field(default_factory=dict)
    #: Name imported from a sibling module -> the strings of that module's constants.
    imported_vocab: dict[str, list[str]] = field(default_factory=dict)
    #: Parameter name -> format templates naming the fields the code fills (templates.py).
    templates: dict[str, list[str]] = field(default_factory=dict)
    _regex_cache: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    _structured: list[str] | None = None

    def vocabulary(self, info: FunctionInfo) -> list[str]:
        """Strings of the constants ``info`` reads, then of the modules it calls into.

        ``DISCOUNT_CODES[code]`` only gets past its ``KeyError`` with a real key;
        a call passed on to an imported helper may look its argument up there.
        """
        found: dict[str, None] = {}
        names = sorted(info.names_used)
        for name in names:
            found.update(dict.fromkeys(self.vocab.get(name, [])))
        for name in names:
            found.update(dict.fromkeys(self.imported_vocab.get(name, [])))
        return list(found)[:_MAX_VOCAB]

    def structured(self) -> list[str]:
        """Sectioned documents titled with the module's keywords (see structured.py)."""
        if self._structured is None:
            self._structured = structured_texts(self.analysis)
        return self._structured

    def regex_strings(self, pattern: str, flags: int) -> list[str]:
        """Cached samples for one regex."""
        key = (pattern, flags)
        if key not in self._regex_cache:
            self._regex_cache[key] = regex_samples(pattern, flags, count=4)
        return self._regex_cache[key]


def related_infos(callee: Callee, ctx: PoolContext) -> list[FunctionInfo]:
    """The callee's own analysis, then helpers it calls, then its class's methods."""
    infos: list[FunctionInfo] = []
    if callee.info is not None:
        infos.append(callee.info)
        for name in sorted(callee.info.names_used):
            helper = ctx.analysis.functions.get(name)
            if helper is not None and helper not in infos:
                infos.append(helper)
            klass = ctx.analysis.classes.get(name)
            if klass is not None:
                infos.extend(m for m in klass.methods.values() if m not in infos)
    if callee.owner:
        klass = ctx.analysis.classes.get(callee.owner) or next(
            (
                c
                for c in ctx.analysis.classes.values()
                if ctx.symbols.symbol(c.name) == callee.owner
            ),
            None,
        )
        if klass is not None:
            infos.extend(m for m in klass.methods.values() if m not in infos)
    return infos


def _strings_for(callee: Callee, param: Param, ctx: PoolContext) -> list[str]:
    infos = related_infos(callee, ctx)
    # A template that shows every field the code computes checks each of them.
    found: dict[str, None] = dict.fromkeys(ctx.templates.get(param.name, []))
    for info in infos[:1]:
        for cmp in info.comparisons:
            if cmp.param == param.name and isinstance(cmp.value, str):
                found[cmp.value] = None
            if cmp.param == param.name and isinstance(cmp.value, tuple | list | set | frozenset):
                for item in cmp.value:
                    if isinstance(item, str):
                        found[item] = None
        found.update(dict.fromkeys(ctx.vocabulary(info)))
    for info in infos:
        used = set(info.names_used)
        for name in sorted(used & set(ctx.patterns)):
            for spec in ctx.patterns[name][:8]:
                for text in ctx.regex_strings(spec["pattern"], spec["flags"]):
                    found[text] = None
        for pattern in info.regexes:
            for text in ctx.regex_strings(pattern, 0):
                found[text] = None
    for spec in ctx.class_patterns.get(callee.owner or callee.symbol, [])[:8]:
        for text in ctx.regex_strings(spec["pattern"], spec["flags"]):
            found[text] = None
    for info in infos[:4]:
        for text in info.strings:
            found[text] = None
    # An argument passed on to a helper gets past the helper's lookups only with one of
    # its keys (``shipping_quote(w, region)`` -> ``normalize_region`` -> ``TAX_RATES``).
    for info in infos[1:4]:
        found.update(dict.fromkeys(ctx.vocabulary(info)[:_HELPER_VOCAB]))
    return list(found)


def _numbers_for(callee: Callee, param: Param, ctx: PoolContext) -> list[int | float]:
    infos = related_infos(callee, ctx)
    direct = [
        c.value
        for info in infos[:1]
        for c in info.comparisons
        if c.param == param.name
        and isinstance(c.value, int | float)
        and not isinstance(c.value, bool)
    ]
    others = [n for info in infos[:3] for n in info.numbers]
    return numeric_boundaries(direct + others)


def _len_targets(callee: Callee, param: Param) -> list[int]:
    if callee.info is None:
        return []
    out = []
    for cmp in callee.info.comparisons:
        if (
            cmp.param == param.name
            and cmp.subject.startswith("len(")
            and isinstance(cmp.value, int)
        ):
            out.extend([cmp.value - 1, cmp.value, cmp.value + 1])
    return [n for n in dict.fromkeys(out) if 0 <= n <= 64]


def param_pool(callee: Callee, param: Param, ctx: PoolContext) -> list[Val]:
    """Ordered, deduplicated candidate values for one parameter."""
    vals: list[Val] = []
    vals.extend(ctx.extra.get((callee.key, param.name), []))
    desc = param.type or {"k": "none"}
    kind = desc.get("k")
    if kind in ("none", "any", "str_annot"):
        vals.extend(_untyped(callee, param, ctx, desc))
    else:
        vals.extend(for_type(desc, callee, param, ctx, 0))
    if kind in _CONFUSABLE:
        # One wrong-typed value: input validation is behaviour worth a test too.
        vals.extend([lit(None), _CONFUSABLE[kind]])
    if param.has_default and param.default is not None:
        # The default is the base value; a pool that starts with it wastes a slot.
        vals = [v for v in vals if v.src != param.default] or vals
    seen: set[str] = set()
    out = []
    for val in vals:
        if val.src not in seen and len(val.src) <= 400:
            seen.add(val.src)
            out.append(val)
        if len(out) >= _MAX_POOL:
            break
    return out


#: A parameter whose ``write``/``read`` the code calls: an in-memory text stream
#: (``f.getvalue()`` in the test then shows what was written).
_STREAMS: dict[str, list[Val]] = {
    "writer": [opaque("io.StringIO()", "text_stream", frozenset({"import io"}))],
    "reader": [
        opaque(
            'io.StringIO("first line\\nsecond line\\n")', "text_stream", frozenset({"import io"})
        ),
        opaque("io.StringIO()", "empty_stream", frozenset({"import io"})),
    ],
}
#: Shapes a dict of unknown contents takes in real data: nested tables, lists of
#: records, missing values; code that dispatches on a value's type reaches its
#: branches with these (toml's ``dumps`` of a section).
_NESTED_DICTS: tuple[dict[str, object], ...] = (
    {"name": "value", "section": {"key": 1}},
    {"items": [{"key": 1}, {"key": 2}], "empty": None},
    {"values": [1, 2], "flag": True, "ratio": 0.5},
)


def _untyped(callee: Callee, param: Param, ctx: PoolContext, desc: dict[str, Any]) -> list[Val]:
    hints: list[str] = []
    if callee.info is not None:
        hints.extend(sorted(callee.info.param_hints.get(param.name, set())))
    if desc.get("k") == "str_annot":
        hints.append(str(desc.get("src", "")).split("[")[0].split(".")[-1])
    by_name = name_hint(param.name)
    if by_name:
        hints.append(by_name)
    if param.has_default and param.default not in (None, "None"):
        default = param.default or ""
        if default[:1] in "'\"":
            hints.append("str")
        elif default in ("True", "False"):
            hints.append("bool")
        elif default.lstrip("-").replace(".", "", 1).isdigit():
            hints.append("float" if "." in default else "int")
    vals: list[Val] = []
    mapping = {
        "str": "str",
        "int": "int",
        "float": "float",
        "bool": "bool",
        "number": "int",
        "list": "list",
        "tuple": "list",
        "sequence": "list",
        "dict": "dict",
        "iterable": "list",
        "bytes": "bytes",
        "sized": "str",
        "callable": "callable",
    }
    for hint in dict.fromkeys(hints):
        stream = _STREAMS.get(hint)
        if stream is not None:
            vals.extend(stream)
            continue
        simple = mapping.get(hint)
        if simple:
            vals.extend(for_type({"k": simple, "args": []}, callee, param, ctx, 0)[:24])
        else:
            klass = (
                ctx.instances.get(ctx.symbols.symbol(hint))
                if hint in ctx.analysis.classes
                else None
            )
            vals.extend(klass or [])
    dict_keys = callee.info.dict_keys.get(param.name, []) if callee.info else []
    if dict_keys:
        keys = list(dict.fromkeys(dict_keys))
        vals.append(lit(dict.fromkeys(keys, "value"), "dict_with_keys"))
        vals.append(lit({k: 1 for k in keys}, "dict_with_numbers"))
    strings = _strings_for(callee, param, ctx)[:12]
    vals.extend(lit(s) for s in strings[:6])
    vals.extend(lit(s, "document") for s in ctx.structured())
    vals.extend(lit(s) for s in strings[6:])
    vals.extend(lit(n) for n in _numbers_for(callee, param, ctx)[:6])
    vals.extend(lit(v) for v in _UNTYPED_TAIL)
    vals.extend(lit(s) for s in GENERIC_STRINGS[:12])
    return vals


def for_type(
    desc: dict[str, Any], callee: Callee, param: Param, ctx: PoolContext, depth: int
) -> list[Val]:
    """Values fitting one probe type descriptor."""
    kind = desc.get("k")
    args = desc.get("args") or []
    if depth > 2:
        return [lit(None)]
    if kind == "nonetype":
        return [lit(None)]
    if kind == "bool":
        return [lit(True), lit(False)]
    if kind == "int":
        numbers = [n for n in _numbers_for(callee, param, ctx) if isinstance(n, int)]
        return [lit(n) for n in dict.fromkeys([*numbers[:14], *GENERIC_INTS])]
    if kind == "float":
        floats = [float(n) for n in _numbers_for(callee, param, ctx)]
        return [lit(n) for n in dict.fromkeys([*floats[:10], *GENERIC_FLOATS])]
    if kind == "complex":
        return [lit(1 + 2j, "complex"), lit(0j, "zero_complex")]
    if kind == "str":
        strings = _strings_for(callee, param, ctx) if depth == 0 else []
        lengths = [lit("x" * n, f"{n}_chars") for n in _len_targets(callee, param)]
        documents = [lit(s, "document") for s in ctx.structured()] if depth == 0 else []
        return [
            *(lit(s) for s in strings[:8]),
            *documents,
            *(lit(s) for s in strings[8:30]),
            *lengths,
            *(lit(s) for s in GENERIC_STRINGS),
        ]
    if kind == "bytes":
        return [lit(b""), lit(b"abc"), lit(b"\x00\xff"), lit("été".encode())]
    if kind in ("list", "set", "iter"):
        inner = for_type(args[0], callee, param, ctx, depth + 1)[:4] if args else _any_items()
        items = [v.obj for v in inner if v.is_literal]
        lists: list[list[object]] = [[], items[:1], items[:2], items[:4][::-1]]
        if len(items) < 1 and inner:
            sources = [v.src for v in inner[:2]]
            return [lit([]), opaque(f"[{', '.join(sources)}]", "list", inner[0].imports)]
        if kind == "set":
            return [lit(set(x)) for x in lists if all(_hashable(i) for i in x)]
        if kind == "iter":
            return [opaque(f"iter({lit(x).src})", "iterator") for x in lists]
        return [lit(x) for x in lists]
    if kind == "tuple":
        if desc.get("var") or not args:
            inner = for_type(args[0], callee, param, ctx, depth + 1)[:3] if args else _any_items()
            items = [v.obj for v in inner if v.is_literal]
            return [lit(()), lit(tuple(items[:1])), lit(tuple(items[:3]))]
        columns = [for_type(a, callee, param, ctx, depth + 1)[:3] for a in args]
        out = []
        for i in range(3):
            row = [col[min(i, len(col) - 1)] for col in columns if col]
            if len(row) == len(columns):
                src = ", ".join(v.src for v in row)
                out.append(opaque(f"({src},)" if len(row) == 1 else f"({src})", "tuple"))
        return out
    if kind == "dict":
        keys = for_type(args[0], callee, param, ctx, depth + 1)[:3] if args else [lit("key")]
        values = for_type(args[1], callee, param, ctx, depth + 1)[:3] if len(args) > 1 else [lit(1)]
        out = [lit({})]
        if all(v.is_literal for v in [*keys, *values]) and keys and values:
            out.append(lit({keys[0].obj: values[0].obj}))
            pairs = {k.obj: values[min(i, len(values) - 1)].obj for i, k in enumerate(keys)}
            if all(_hashable(k) for k in pairs):
                out.append(lit(pairs))
        if not args:  # a plain ``dict``: what it holds is not said
            out.extend(lit(shape, "nested_dict") for shape in _NESTED_DICTS)
        return out
    if kind == "union":
        pools = [for_type(a, callee, param, ctx, depth) for a in args]
        non_none = [p for a, p in zip(args, pools, strict=True) if a.get("k") != "nonetype"]
        merged: list[Val] = []
        for i in range(max((len(p) for p in non_none), default=0)):
            merged.extend(p[i] for p in non_none if i < len(p))
        if any(a.get("k") == "nonetype" for a in args):
            merged.insert(min(2, len(merged)), lit(None))
        return merged
    if kind == "literal":
        return [Val(src, tag=_literal_tag(src)) for src in desc.get("values", [])]
    if kind == "callable":
        n = desc.get("n")
        arity = ", ".join(f"a{i}" for i in range(n)) if n else "*args, **kwargs"
        first = "a0" if n else "args"
        return [
            opaque(f"lambda {arity}: {first}", "identity_callback"),
            # A callback that shows what it was given: the test's capsys checks the arguments.
            opaque("print", "print_callback"),
            opaque(f"lambda {arity}: None", "noop_callback"),
            opaque("str", "str_callback"),
        ]
    if kind == "enum":
        ref = ref_src(desc.get("ref"), ctx.symbols)
        if not ref:
            return []
        enum_src, imports = ref
        return [opaque(f"{enum_src}.{m}", m.lower(), imports) for m in desc.get("members", [])]
    if kind == "type":
        type_arg = args[0] if args else {}
        out = []
        for sub in type_arg.get("concrete", []) or []:
            ref = ref_src(sub.get("ref"), ctx.symbols)
            if ref:
                out.append(opaque(ref[0], sub["name"].lower(), ref[1]))
        ref = ref_src(type_arg.get("ref"), ctx.symbols)
        if ref:
            out.append(opaque(ref[0], str(type_arg.get("name", "class")).lower(), ref[1]))
        return out
    if kind == "class":
        return _class_values(desc, callee, param, ctx, depth)
    return _untyped(callee, param, ctx, desc) if depth == 0 else [lit(None), lit("abc"), lit(1)]


def _class_values(
    desc: dict[str, Any], callee: Callee, param: Param, ctx: PoolContext, depth: int
) -> list[Val]:
    ref = ref_src(desc.get("ref"), ctx.symbols)
    out: list[Val] = []
    if ref and f"{desc.get('module')}.{desc.get('qualname')}" in _NUMERIC_CLASSES:
        out.extend(_numeric_values(ref, callee, param, ctx))
    if desc.get("local") and ref:
        out.extend(ctx.instances.get(ref[0], []))
    out.extend(ctx.producers.get(f"{desc.get('module')}.{desc.get('qualname')}", []))
    # Hypothesis's examples (drawn in the sandbox) are for the types the code gives no
    # values of: where it does (Decimal("20.00"), built instances), only the simplest joins.
    drawn = drawn_values(desc, ctx.symbols)
    out.extend(drawn[:1] if out else drawn)
    for sub in desc.get("concrete", []) or []:
        sub_ref = ref_src(sub.get("ref"), ctx.symbols)
        if sub_ref is None:
            continue
        if sub_ref[0] in ctx.instances:
            out.extend(ctx.instances[sub_ref[0]][:3])
            continue
        params = [
            Param(p["name"], p["kind"], p["has_default"], p.get("type") or {}, p.get("default"))
            for p in (sub.get("params") or [])
        ]
        required = [p for p in params if p.required]
        if len(required) > 4:
            continue
        columns = [for_type(p.type, callee, p, ctx, depth + 1)[:3] for p in required]
        for i in range(2):
            row = [col[min(i, len(col) - 1)] for col in columns if col]
            if len(row) != len(required):
                break
            parts = [
                f"{p.name}={v.src}" if p.kind == "KEYWORD_ONLY" else v.src
                for p, v in zip(required, row, strict=True)
            ]
            imports = sub_ref[1].union(*(v.imports for v in row))
            out.append(opaque(f"{sub_ref[0]}({', '.join(parts)})", sub["name"].lower(), imports))
            if not required:
                break
    if not out and not drawn and ref and desc.get("local") is False:
        out.append(opaque(f"{ref[0]}()", str(desc.get("name", "value")).lower(), ref[1]))
    return out


def _numeric_values(
    ref: tuple[str, frozenset[str]], callee: Callee, param: Param, ctx: PoolContext
) -> list[Val]:
    """``Decimal('20.00')``: the numbers the code compares with, then its numeric strings.

    ``Decimal()`` is only ever zero; amounts written in the module (a
    minimum order of ``Decimal("20.00")``) are the ones that open branches.
    """
    texts = [str(n) for n in _numbers_for(callee, param, ctx)[:6]]
    texts += [s for s in ctx.analysis.strings if _NUMERIC_TEXT.fullmatch(s)][:8]
    name, imports = ref
    return [
        opaque(
            f"{name}({t!r})",
            re.sub(r"\W+", "_", f"{name.rsplit('.', 1)[-1].lower()}_{t}".replace("-", "minus_")),
            imports,
        )
        for t in dict.fromkeys(texts)
    ][:12]


def _any_items() -> list[Val]:
    return [lit(1), lit("a"), lit(2), lit("b")]


def _hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _literal_tag(src: str) -> str:
    from regoose_tui.synth.values import tag_of

    try:
        import ast

        return tag_of(ast.literal_eval(src))
    except (ValueError, SyntaxError):
        return "value"
