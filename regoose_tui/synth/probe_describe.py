"""Describe the target module and values, for the probe harness (sandbox side).

Copied next to ``_regoose_probe.py`` into the work dir and imported by it;
runs under the target's interpreter with the standard library only (so types are
given in `# type:` comments, which any Python reads as comments). Turns
signatures and type hints into JSON descriptors and values into Python
source (when they can be written as a literal) for assertions.
"""

import builtins
import enum
import importlib
import inspect
import io
import math
import os
import re
import sys
import types
import typing

#: (depth, descriptor, class) of every class a signature names: Hypothesis draws for them.
_DRAWS = []  # type: list[tuple[int, dict[str, object], type]]
_MAX_LIT_LEN = 1500
_MAX_ITEMS = 40
#: Longest object repr a test asserts (longer ones read as noise).
_MAX_REPR_LEN = 200


# ---------------------------------------------------------------- descriptors


def _qual_ref(cls, mod):
    """How a test can name ``cls``: builtin, attribute of the target, or module path."""
    if getattr(builtins, getattr(cls, "__name__", ""), None) is cls:
        return {"kind": "builtin", "name": cls.__name__}
    modname = getattr(cls, "__module__", None)
    qual = getattr(cls, "__qualname__", None)
    for name, value in sorted(vars(mod).items()):
        if value is cls and not name.startswith("__"):
            home = _home_module(cls, name, modname, qual, mod)
            return (
                {"kind": "target", "attr": name, "home": home}
                if home
                else {
                    "kind": "target",
                    "attr": name,
                }
            )
    if modname and qual and "<" not in qual:
        try:
            obj = importlib.import_module(modname)
            for part in qual.split("."):
                obj = getattr(obj, part)
            if obj is cls:
                return {"kind": "module", "module": modname, "qualname": qual}
        except Exception:
            pass
    return None


def _home_module(cls, name, modname, qual, mod):
    """The public module a class the target merely re-exports (``Decimal``) comes from."""
    if not modname or modname == mod.__name__ or qual != name or "." in qual:
        return None
    if any(part.startswith("_") for part in modname.split(".")):
        return None
    try:
        if getattr(importlib.import_module(modname), qual, None) is cls:
            return modname
    except Exception:
        pass
    return None


def _describe_type(tp, mod, depth=0):
    """A JSON descriptor of a type annotation (what values fit)."""
    if depth > 4:
        return {"k": "any"}
    if tp is inspect.Parameter.empty:
        return {"k": "none"}
    if tp is None or tp is type(None):
        return {"k": "nonetype"}
    forward = getattr(typing, "ForwardRef", None)
    if forward is not None and isinstance(tp, forward):
        tp = tp.__forward_arg__
    if isinstance(tp, str):
        try:
            resolved = eval(tp, dict(vars(mod)))
        except Exception:
            return {"k": "str_annot", "src": tp}
        return _describe_type(resolved, mod, depth + 1)
    if tp is typing.Any:
        return {"k": "any"}
    simple = {
        int: "int",
        float: "float",
        str: "str",
        bytes: "bytes",
        bool: "bool",
        complex: "complex",
        list: "list",
        dict: "dict",
        tuple: "tuple",
        set: "set",
        frozenset: "set",
        bytearray: "bytes",
        object: "any",
        type: "type",
    }
    if isinstance(tp, type) and tp in simple:
        return {"k": simple[tp], "args": []}
    if isinstance(tp, typing.TypeVar):
        bound = getattr(tp, "__bound__", None)
        return _describe_type(bound, mod, depth + 1) if bound else {"k": "any"}
    origin = getattr(tp, "__origin__", None)
    args = list(getattr(tp, "__args__", ()) or ())
    union_type = getattr(types, "UnionType", None)
    if origin is typing.Union or (union_type is not None and isinstance(tp, union_type)):
        return {"k": "union", "args": [_describe_type(a, mod, depth + 1) for a in args]}
    if origin is typing.Literal if hasattr(typing, "Literal") else False:
        vals = [_lit(a, {}) for a in args]
        return {"k": "literal", "values": [v for v in vals if v is not None]}
    if origin is not None:
        import collections.abc as cabc

        name = {
            list: "list",
            tuple: "tuple",
            dict: "dict",
            set: "set",
            frozenset: "set",
            type: "type",
            cabc.Sequence: "list",
            cabc.MutableSequence: "list",
            cabc.Iterable: "list",
            cabc.Collection: "list",
            cabc.Iterator: "iter",
            cabc.Generator: "iter",
            cabc.Mapping: "dict",
            cabc.MutableMapping: "dict",
            cabc.Set: "set",
            cabc.MutableSet: "set",
            cabc.Callable: "callable",
            cabc.Sized: "list",
            cabc.Container: "list",
        }.get(origin)
        if name == "callable":
            nargs = None
            if args and isinstance(args[0], list):
                nargs = len(args[0])
            return {"k": "callable", "n": nargs}
        if name == "tuple":
            var = len(args) == 2 and args[1] is Ellipsis
            return {
                "k": "tuple",
                "var": var,
                "args": [_describe_type(a, mod, depth + 1) for a in args[: 1 if var else 6]],
            }
        if name == "type" and args:
            inner = _describe_type(args[0], mod, depth + 1)
            return {"k": "type", "args": [inner]}
        if name:
            return {"k": name, "args": [_describe_type(a, mod, depth + 1) for a in args[:2]]}
        return _describe_type(origin, mod, depth + 1)
    if isinstance(tp, type):
        return _describe_class(tp, mod, depth)
    return {"k": "any"}


def _describe_class(cls, mod, depth):
    ref = _qual_ref(cls, mod)
    if isinstance(cls, type) and issubclass(cls, enum.Enum):
        return {"k": "enum", "ref": ref, "members": [m.name for m in cls][:12]}
    if cls.__module__ in ("typing", "collections.abc", "abc"):
        return {"k": "any"}
    out = {
        "k": "class",
        "ref": ref,
        "name": cls.__name__,
        "local": getattr(cls, "__module__", None) == mod.__name__,
        "module": getattr(cls, "__module__", ""),
        "qualname": getattr(cls, "__qualname__", ""),
    }
    if depth <= 2 and not issubclass(cls, BaseException):
        _DRAWS.append((depth, out, cls))
    if depth < 3 and not out["local"]:
        subs = []  # type: list[dict[str, object]]
        todo = [cls]
        seen = set()
        while todo and len(subs) < 10:
            c = todo.pop(0)
            if c in seen:
                continue
            seen.add(c)
            todo.extend(c.__subclasses__() if hasattr(c, "__subclasses__") else [])
            if inspect.isabstract(c):
                continue
            r = _qual_ref(c, mod)
            if r is None:
                continue
            subs.append({"ref": r, "name": c.__name__, "params": _params(c, mod, depth + 1)})
        out["concrete"] = subs
    return out


def _params(fn, mod, depth=0):
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    try:
        hints = typing.get_type_hints(fn.__init__ if isinstance(fn, type) else fn)  # type: ignore[misc]  # a class's hints are its own __init__'s; mypy flags any __init__ read
    except Exception:
        hints = {}
    out = []
    for p in sig.parameters.values():
        ann = hints.get(p.name, p.annotation)
        item = {
            "name": p.name,
            "kind": p.kind.name,
            "has_default": p.default is not p.empty,
            "type": _describe_type(ann, mod, depth) if depth < 4 else {"k": "any"},
        }
        if p.default is not p.empty:
            item["default"] = _lit(p.default, {})
        out.append(item)
    return out


def _method_kind(cls, name):
    raw = inspect.getattr_static(cls, name)
    if isinstance(raw, staticmethod):
        return "static", raw.__func__
    if isinstance(raw, classmethod):
        return "class", raw.__func__
    if isinstance(raw, property):
        return "property", raw.fget
    if inspect.isfunction(raw):
        return "method", raw
    return None, None


def _introspect(mod, draw_seconds=0.0, draw_here=True):
    """Describe the module; ``draw_seconds`` bounds the Hypothesis draws (probe_draw.py).

    ``draw_here`` False (a process without Hypothesis on its path: the probe
    worker) draws nothing and says instead whether draws are wanted.
    """
    del _DRAWS[:]
    target_file = os.path.realpath(mod.__file__)
    members = []
    patterns = {}
    pattern_type = type(re.compile(""))
    for name, value in list(vars(mod).items()):
        found = []
        if isinstance(value, pattern_type):
            found = [value]
        elif isinstance(value, dict):
            found = [v for v in list(value.values())[:50] if isinstance(v, pattern_type)]
        elif isinstance(value, (list, tuple)):
            found = [v for v in list(value)[:50] if isinstance(v, pattern_type)]
        found = [p for p in found if isinstance(p.pattern, str)]
        if found:
            patterns[name] = [{"pattern": p.pattern, "flags": int(p.flags)} for p in found]
    for name, value in list(vars(mod).items()):
        if name.startswith("__"):
            continue
        if inspect.isfunction(value) or inspect.iscoroutinefunction(value):
            code = getattr(inspect.unwrap(value), "__code__", None)
            if code is None or os.path.realpath(code.co_filename) != target_file:
                continue
            members.append(
                {
                    "name": name,
                    "kind": "function",
                    "params": _params(value, mod),
                    "is_async": inspect.iscoroutinefunction(inspect.unwrap(value)),
                    "is_generator": inspect.isgeneratorfunction(inspect.unwrap(value)),
                    "lineno": code.co_firstlineno,
                }
            )
        elif isinstance(value, type) and getattr(value, "__module__", None) == mod.__name__:
            members.append(_introspect_class(name, value, mod, target_file))
    try:
        import importlib.util as iu

        has_coverage = iu.find_spec("coverage") is not None
        has_pytest = iu.find_spec("pytest") is not None
    except Exception:
        has_coverage = has_pytest = False
    wanted = {} if draw_here else {"draws_wanted": _draws_wanted(mod, draw_seconds)}
    return {
        **wanted,
        "draws": _draw(mod, draw_seconds) if draw_here else "",
        "file": target_file,
        "members": members,
        "patterns": patterns,
        "vocab": _vocabulary(mod),
        "imported_vocab": _imported_vocabulary(mod, target_file),
        "singletons": _singletons(mod, target_file),
        "has_coverage": has_coverage,
        "has_pytest": has_pytest,
        "python": "{}.{}".format(*sys.version_info[:2]),
    }


def _draw(mod, seconds):
    """Examples for the classes the signatures name, when Hypothesis is reachable."""
    if seconds <= 0 or not _DRAWS:
        return ""
    try:
        from _regoose_probe_draw import draw_all
    except Exception:
        return "no draws: the draw helper is missing"
    requests = [(desc, cls) for _depth, desc, cls in sorted(_DRAWS, key=lambda d: d[0])]
    return draw_all(requests, mod, seconds)


def _draws_wanted(mod, seconds):
    """Whether :func:`_draw` would have Hypothesis draw for a class of the signatures."""
    if seconds <= 0 or not _DRAWS:
        return False
    try:
        from _regoose_probe_draw import _drawable
    except Exception:
        return False
    return any(_drawable(cls, mod) for _depth, _desc, cls in _DRAWS)


def _const_strings(value):
    """Short strings a constant holds: dict keys, set/tuple/list items (``DISCOUNT_CODES``)."""
    if isinstance(value, dict):
        items = list(value)[:_MAX_ITEMS]
    elif isinstance(value, (set, frozenset, tuple, list)):
        items = list(value)[:_MAX_ITEMS]
    else:
        return []
    if isinstance(value, (set, frozenset)):
        items = sorted(i for i in items if isinstance(i, str))
    return [i for i in items if isinstance(i, str) and 0 < len(i) <= 40][:16]


def _vocabulary(mod):
    """Constant name -> the strings it holds: the keys a lookup in it accepts."""
    out = {}
    for name, value in list(vars(mod).items()):
        if name.startswith("__") or isinstance(value, type):
            continue
        found = _const_strings(value)
        if found:
            out[name] = found
    return out


def _imported_vocabulary(mod, target_file):
    """Name imported from a sibling module -> the strings of that module's constants.

    ``from shop.pricing import tax_for``: ``tax_for(amount, region)`` looks
    ``region`` up in ``pricing.TAX_RATES``, so a method of the target that
    passes a parameter on to ``tax_for`` should try those keys.
    """
    # The folder holding the target's top-level package: its siblings live there.
    root = os.path.dirname(target_file)
    while os.path.exists(os.path.join(root, "__init__.py")):
        root = os.path.dirname(root)
    by_module = {}
    out = {}
    for name, value in list(vars(mod).items()):
        if name.startswith("__"):
            continue
        home = getattr(value, "__module__", None) if not inspect.ismodule(value) else None
        source = sys.modules.get(home) if home else (value if inspect.ismodule(value) else None)
        path = getattr(source, "__file__", None)
        if source is None or source is mod or not path:
            continue
        if not os.path.realpath(path).startswith(root + os.sep):
            continue
        if source.__name__ not in by_module:
            strings = []  # type: list[str]
            for found in _vocabulary(source).values():
                strings.extend(s for s in found if s not in strings)
            by_module[source.__name__] = strings[:24]
        if by_module[source.__name__]:
            out[name] = by_module[source.__name__]
    return out


def _singletons(mod, target_file):
    """Class name -> module-level objects of the package that are instances of it.

    ``sty.fg`` is an ``FgRegister`` (a ``Register``) full of styles: the objects
    the package itself builds reach code a bare ``Register()`` never does. Each
    is named by the shortest module that holds it (``from sty import fg``), and
    kept only when ``copy.deepcopy`` can copy it (tests get a private copy).
    """
    import copy

    root = os.path.dirname(target_file)
    while os.path.exists(os.path.join(root, "__init__.py")):
        root = os.path.dirname(root)
    classes = {
        name: value
        for name, value in vars(mod).items()
        if isinstance(value, type)
        and getattr(value, "__module__", None) == mod.__name__
        and not issubclass(value, BaseException)
        and not issubclass(value, enum.Enum)
        and _checkable(value)
    }
    if not classes:
        return {}
    found = {}  # type: dict[int, tuple[str, str, object]]
    for modname, module in sorted(sys.modules.items(), key=lambda kv: (len(kv[0]), kv[0])):
        path = getattr(module, "__file__", None)
        if not path or not os.path.realpath(path).startswith(root + os.sep):
            continue
        for attr, value in list(vars(module).items()):
            if attr.startswith("_") or isinstance(value, type) or id(value) in found:
                continue
            if isinstance(value, tuple(classes.values())):
                found[id(value)] = (modname, attr, value)
    out = {}  # type: dict[str, list[dict[str, str]]]
    for modname, attr, value in found.values():
        for name, cls in classes.items():
            if not isinstance(value, cls) or len(out.get(name, [])) >= 3:
                continue
            try:
                copy.deepcopy(value)
            except Exception:
                break
            out.setdefault(name, []).append({"module": modname, "attr": attr})
    return out


def _checkable(cls):
    """False for classes ``isinstance`` refuses (a TypedDict, a non-runtime Protocol)."""
    try:
        isinstance(None, cls)
    except Exception:
        return False
    return True


def _introspect_class(name, cls, mod, target_file):
    methods = []
    for attr in sorted(set(dir(cls))):
        owner = next((c for c in cls.__mro__ if attr in vars(c)), None)
        if owner is None or owner is object or getattr(owner, "__module__", "") in ("builtins",):
            continue
        kind, fn = _method_kind(cls, attr)
        if kind is None or fn is None:
            continue
        code = getattr(inspect.unwrap(fn), "__code__", None)
        if code is None or os.path.realpath(code.co_filename) != target_file:
            continue
        params = _params(fn, mod)
        if params and kind in ("method", "class"):
            params = params[1:]
        methods.append(
            {
                "name": attr,
                "kind": kind,
                "params": params,
                "is_async": inspect.iscoroutinefunction(fn),
                "is_generator": inspect.isgeneratorfunction(fn),
                "owner": owner.__name__,
                "lineno": code.co_firstlineno,
            }
        )
    init_params = _params(cls, mod)
    extra_kw = []
    if init_params and any(p["kind"] == "VAR_KEYWORD" for p in init_params):
        seen = {p["name"] for p in init_params}
        for base in cls.__mro__[1:]:
            if "__init__" in vars(base) and base is not object:
                for p in _params(base.__init__, mod) or []:
                    if (
                        p["name"] not in seen
                        and p["kind"] in ("POSITIONAL_OR_KEYWORD", "KEYWORD_ONLY")
                        and p["name"] != "self"
                    ):
                        seen.add(p["name"])
                        extra_kw.append(p)
    is_enum = issubclass(cls, enum.Enum)
    return {
        "name": name,
        "kind": "class",
        "params": init_params,
        "extra_kw": extra_kw,
        "methods": methods,
        "is_abstract": inspect.isabstract(cls),
        "is_enum": is_enum,
        "enum_members": [m.name for m in cls][:20] if is_enum else [],
        "is_exception": issubclass(cls, BaseException),
        "bases": [b.__name__ for b in cls.__bases__],
    }


# ---------------------------------------------------------------- values


def _lit(v, ns, depth=0):
    """Python source that evaluates to a value equal to ``v``, or None."""
    if depth > 5:
        return None
    t = type(v)
    if v is None or t is bool or t is int:
        return repr(v)
    if t is float:
        if math.isnan(v):
            return None
        if math.isinf(v):
            return "float('inf')" if v > 0 else "-float('inf')"
        return repr(v)
    if t is complex:
        return repr(v) if all(math.isfinite(x) for x in (v.real, v.imag)) else None
    if t in (str, bytes):
        return repr(v) if len(v) <= _MAX_LIT_LEN else None
    if t in (list, tuple, set, frozenset):
        if len(v) > _MAX_ITEMS:
            return None
        items = [_lit(x, ns, depth + 1) for x in v]
        if any(i is None for i in items):
            return None
        if t is list:
            return "[" + ", ".join(items) + "]"
        if t is tuple:
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        if not items:
            return "set()" if t is set else "frozenset()"
        body = "{" + ", ".join(sorted(items)) + "}"
        return body if t is set else "frozenset(" + body + ")"
    if t is dict:
        if len(v) > _MAX_ITEMS:
            return None
        parts = []
        for k, x in v.items():
            ks, xs = _lit(k, ns, depth + 1), _lit(x, ns, depth + 1)
            if ks is None or xs is None:
                return None
            parts.append(ks + ": " + xs)
        return "{" + ", ".join(parts) + "}"
    if isinstance(v, enum.Enum):
        for sym, obj in ns.items():
            if obj is t:
                return sym + "." + v.name
        return None
    try:
        r = repr(v)
    except Exception:
        return None
    if " at 0x" in r or len(r) > _MAX_LIT_LEN or r.startswith("<"):
        return None
    try:
        back = eval(r, dict(ns))
        if type(back) is t and back == v and v == v:
            return r
    except Exception:
        pass
    return None


def _value_info(v, ns, mod):
    info = {"type": type(v).__name__, "lit": _lit(v, ns), "ref": _qual_ref(type(v), mod)}
    if type(v) is float:
        info["float"] = True
        info["nan"] = math.isnan(v)
    elif type(v) in (list, tuple) and v and all(type(x) is float for x in v):
        info["floats"] = True
    if info["lit"] is None:
        info["tkeys"] = [f"{c.__module__}.{c.__qualname__}" for c in type(v).__mro__[:-1]][:6]
        info["attrs"] = _attrs(v, ns)
        info["repr"] = _own_repr(v)
        info["patterns"] = _patterns_in(v)
        try:
            info["len"] = len(v) if not isinstance(v, (types.GeneratorType,)) else None
        except Exception:
            info["len"] = None
        info["iterator"] = isinstance(v, types.GeneratorType) or (
            hasattr(v, "__next__") and hasattr(v, "__iter__") and not isinstance(v, (io.IOBase,))
        )
        info["coroutine"] = inspect.iscoroutine(v)
        if info["coroutine"]:
            v.close()
        if isinstance(v, str):
            info["str_len"] = len(v)
    return info


def _own_repr(v):
    """The object's own repr (a dataclass's, a class's __repr__), when it is worth asserting.

    None for object's default (an address), for reprs that show an address or a
    line break, and for long ones.
    """
    if type(v).__repr__ is object.__repr__ or isinstance(v, BaseException):
        return None
    try:
        r = repr(v)
    except Exception:
        return None
    if not isinstance(r, str) or " at 0x" in r or "\n" in r or len(r) > _MAX_REPR_LEN:
        return None
    return r


def _patterns_in(v):
    """Regexes an object holds (built at run time, invisible to static analysis)."""
    d = getattr(v, "__dict__", None)
    if not isinstance(d, dict):
        return []
    pattern_type = type(re.compile(""))
    found = []
    for x in list(d.values())[:40]:
        if isinstance(x, pattern_type) and isinstance(x.pattern, str) and len(x.pattern) < 2000:
            found.append({"pattern": x.pattern, "flags": int(x.flags)})
    return found[:6]


def _attrs(v, ns):
    out = {}  # type: dict[str, object]
    d = getattr(v, "__dict__", None)
    if not isinstance(d, dict):
        return out
    for k, x in list(d.items())[:30]:
        if k.startswith("_") or not k.isidentifier():
            continue
        s = _lit(x, ns)
        if s is not None and len(s) <= 200:
            out[k] = s
        if len(out) >= 8:
            break
    return out
