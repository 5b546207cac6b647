"""Draw inputs for typed parameters with Hypothesis, for the probe harness (sandbox side).

Copied next to ``_regoose_probe.py`` as ``_regoose_probe_draw.py`` and used
only by the introspection: for each class a signature names (``date``,
``Decimal``, ``UUID``, a dataclass, a NamedTuple, a TypedDict...),
``hypothesis.strategies.from_type`` (which falls back to ``st.builds`` for a
class with a typed ``__init__``) draws a few examples. Hypothesis is optional
(it reaches the sandbox on a links folder appended last to the path): when it
does not import, nothing is drawn. Runs under the target's interpreter, so it
is written for any Python 3 and types are `# type:` comments.

Every value comes back as source: a literal, or a repr that evaluates back to
an equal value of the same type given the import lines reported with it
(``datetime.date(2000, 1, 1)`` with ``import datetime``). Classes of the
target itself are named bare and listed in ``needs``: the host imports them
like every other target name. Draws are derandomized (the same examples on
every run), the first one is Hypothesis's simplest, and the rest are kept
shortest first; a count bounds each class and a clock bounds all of them.
"""

import ast
import builtins
import datetime
import importlib
import pathlib
import re
import signal
import string
import sys
import time

#: Examples asked of Hypothesis per class, and the most kept.
_EXAMPLES = 12
_KEEP = 6
#: Seconds one class may take (a constructor of the target can be slow).
_PER_CLASS = 0.5
_MAX_SRC = 160
#: Short readable strings: also spares Hypothesis building its Unicode table in every run.
_ALPHABET = string.ascii_letters + string.digits


class _Enough(BaseException):
    """Ends one class's draw (a BaseException: Hypothesis lets it through)."""


def draw_all(requests, mod, seconds):
    """Fill ``requests`` ([(descriptor, class)]) with ``descriptor["drawn"]``, in ``seconds``.

    Returns a short note of what happened (for the host's log), never raises.
    """
    requests = [(desc, cls) for desc, cls in requests if _drawable(cls, mod)]
    if not requests or seconds <= 0:
        return ""
    end = time.monotonic() + seconds
    try:
        old = signal.signal(signal.SIGALRM, _on_alarm)
    except Exception:
        return "no draws: no alarm"
    try:
        signal.setitimer(signal.ITIMER_REAL, max(0.05, seconds))
        hyp = _load()
        signal.setitimer(signal.ITIMER_REAL, 0)
        loaded = seconds - (end - time.monotonic())
    except BaseException as exc:  # an import that fails or runs out of time
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        return f"no draws: hypothesis unavailable ({type(exc).__name__})"
    done = {}  # type: dict[int, list[dict[str, object]]]
    drawn = 0
    try:
        for desc, cls in requests:
            if id(cls) not in done:
                left = end - time.monotonic()
                if left < 0.05:
                    break
                done[id(cls)] = _draw_class(hyp, cls, mod, min(_PER_CLASS, left))
                drawn += 1
            if done[id(cls)]:
                desc["drawn"] = done[id(cls)]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    names = {}  # type: dict[int, str]
    for _desc, cls in requests:
        names.setdefault(id(cls), getattr(cls, "__name__", "?"))
    kept = ", ".join(n for i, n in names.items() if done.get(i)) or "none"
    spent = seconds - (end - time.monotonic())
    return (
        f"drew examples for {drawn} of {len(names)} classes in {spent:.2f} s"
        f" (import {loaded:.2f} s); kept: {kept}"
    )


def _drawable(cls, mod):
    """False for a class of the target Hypothesis could only call bare (no typed field).

    Spares importing Hypothesis (most of a draw's cost) for modules where it
    would find nothing: ``st.builds`` fills what a class annotates, nothing else.
    """
    if getattr(cls, "__module__", None) != mod.__name__:
        return True  # the standard library's and other packages' types: Hypothesis knows many
    try:
        if getattr(cls, "__required_keys__", None) or vars(cls).get("__annotations__"):
            return True  # a TypedDict, a dataclass, a typed NamedTuple, attrs, pydantic
        init = vars(cls).get("__init__")
        hints = dict(getattr(init, "__annotations__", None) or {})
    except Exception:
        return False
    hints.pop("return", None)
    return bool(hints)


def _on_alarm(signum, frame):
    signal.setitimer(signal.ITIMER_REAL, 0.05)  # re-armed: code that swallows one is cut again
    raise _Enough()


def _load():
    import warnings

    import hypothesis
    import hypothesis.strategies as st

    warnings.simplefilter("ignore")  # Hypothesis's notes on small search spaces
    # Strings joined from sampled letters: st.text (even with an alphabet) and regex
    # strategies build Hypothesis's Unicode table first, seconds in every fresh sandbox.
    st.register_type_strategy(str, _word(st, _ALPHABET, 0, 8))
    # Dates a person would write (Hypothesis's own span from year 1 to 9999 reads as noise).
    low, high = datetime.datetime(1970, 1, 1), datetime.datetime(2099, 12, 31)
    st.register_type_strategy(datetime.date, st.dates(low.date(), high.date()))
    st.register_type_strategy(datetime.datetime, st.datetimes(low, high))
    # Hypothesis builds a path only as ``Path()``: relative names with a suffix open more.
    name = _word(st, string.ascii_lowercase, 1, 8)
    suffix = st.one_of(st.just(""), _word(st, string.ascii_lowercase, 1, 3))
    st.register_type_strategy(
        pathlib.Path,
        st.builds(lambda n, x: pathlib.Path(n + "." + x if x else n), name, suffix),
    )
    phases = [hypothesis.Phase.generate]
    settings = hypothesis.settings(
        database=None,
        max_examples=_EXAMPLES,
        derandomize=True,
        phases=phases,
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        report_multiple_bugs=False,
    )
    return hypothesis, st, settings


def _word(st, letters, low, high):
    return st.lists(st.sampled_from(letters), min_size=low, max_size=high).map("".join)


def _draw_class(hyp, cls, mod, seconds):
    hypothesis, st, settings = hyp
    seen = []  # type: list[object]

    def collect(value):
        seen.append(value)

    try:
        strategy = st.from_type(cls)
        test = settings(hypothesis.given(strategy)(collect))
        signal.setitimer(signal.ITIMER_REAL, seconds)
        test()
    except BaseException:  # _Enough, a strategy that does not resolve, a target that raises
        pass
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    found = []  # type: list[dict[str, object]]
    for value in seen:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0.2)  # a repr or __eq__ of the target may hang
            item = source_of(value, cls, mod)
        except BaseException:
            item = None
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if item is not None and all(item["src"] != f["src"] for f in found):
            found.append(item)
    # Hypothesis draws its simplest example first; after it, the shortest read best.
    found = found[:1] + sorted(found[1:], key=lambda f: (len(str(f["src"])), str(f["src"])))
    return found[:_KEEP]


def source_of(value, cls, mod):
    """``{"src", "imports", "needs"}`` for source that rebuilds ``value``, or None."""
    if isinstance(value, float) and value != value:
        return None
    try:
        text = repr(value)
    except Exception:
        return None
    if not isinstance(text, str) or len(text) > _MAX_SRC or " at 0x" in text or "\n" in text:
        return None
    for candidate in _spellings(text, value, cls):
        found = _rebuild(candidate, value, cls, mod)
        if found is not None:
            return found
    return None


def _spellings(text, value, cls):
    """The call under the annotation's own name (``Path`` for PosixPath), the repr, the fields."""
    own = type(value).__name__
    name = getattr(cls, "__name__", "")
    if name and name != own and text.startswith(own + "("):
        yield name + text[len(own) :]
    yield text
    built = _spell(value, 0)
    if built is not None and built != text and len(built) <= _MAX_SRC:
        yield built


def _spell(value, depth):
    """Source built from the parts: enum members by name, NamedTuple and dataclass fields.

    For the values whose repr is not source (``<Kind.A: 1>`` inside a NamedTuple's repr).
    """
    if depth > 3:
        return None
    import enum

    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    fields = getattr(type(value), "_fields", None)
    if isinstance(value, tuple) and isinstance(fields, tuple):
        parts = [(f, getattr(value, f, None)) for f in fields]
    elif hasattr(type(value), "__dataclass_fields__"):
        import dataclasses

        parts = [
            (f.name, getattr(value, f.name, None)) for f in dataclasses.fields(value) if f.init
        ]
    elif isinstance(value, (list, tuple)):
        items = [_spell(x, depth + 1) for x in value]
        if any(i is None for i in items):
            return None
        body = ", ".join(items)
        if isinstance(value, list):
            return "[" + body + "]"
        return "(" + body + ("," if len(items) == 1 else "") + ")"
    else:
        try:
            text = repr(value)
            ast.parse(text, mode="eval")
        except Exception:
            return None
        return text if " at 0x" not in text else None
    spelled = [(f, _spell(v, depth + 1)) for f, v in parts]
    if any(s is None for _, s in spelled):
        return None
    return type(value).__name__ + "(" + ", ".join(f"{f}={s}" for f, s in spelled) + ")"


def _rebuild(text, value, cls, mod, qualified=False):
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return None
    imports = []  # type: list[str]
    needs = []  # type: list[str]
    ns = {"__builtins__": builtins}  # type: dict[str, object]
    classes = [cls, *_classes_in(value)]
    for name, dotted in _free_names(tree):
        if hasattr(builtins, name):
            continue
        found = _resolve(name, dotted, classes, mod)
        if found is None:
            return None
        line, obj = found
        if obj is None:
            if qualified:
                return None
            if dotted:
                # The target's ``datetime`` is the class: ``date(...)``, imported from its home.
                prefix = re.compile(r"(?<![\w.'\"])" + re.escape(name) + r"\.(?=\w+\()")
                return _rebuild(prefix.sub("", text), value, cls, mod, True)
            # The target has its own ``Decimal`` (a field class): say ``decimal.Decimal``.
            call = re.compile(r"(?<![\w.'\"])" + re.escape(name) + r"(?=\()")
            return _rebuild(call.sub(line + "." + name, text), value, cls, mod, True)
        ns[name] = obj
        if line:
            imports.append(line)
        else:
            needs.append(name)
    try:
        back = eval(compile(tree, "<drawn>", "eval"), ns)
        same = type(back) is type(value) and bool(back == value) and bool(value == value)
    except Exception:
        return None
    if not same:
        return None
    return {"src": text, "imports": sorted(set(imports)), "needs": sorted(set(needs))}


def _free_names(tree):
    """(name, is the root of a dotted name) for each name the expression loads."""
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            roots.add(node.value.id)
    names = []  # type: list[tuple[str, bool]]
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and all(node.id != n for n, _ in names):
            names.append((node.id, node.id in roots))
    return names


def _classes_in(value, depth=0):
    """The classes of ``value`` and of what it holds (fields, items), a few levels down."""
    out = [type(value)]
    if depth > 2:
        return out
    inner = []  # type: list[object]
    if isinstance(value, (list, tuple, set, frozenset)):
        inner = list(value)[:20]
    elif isinstance(value, dict):
        inner = [*list(value)[:20], *list(value.values())[:20]]
    else:
        inner = list(getattr(value, "__dict__", {}).values())[:20]
        for slot in getattr(type(value), "__slots__", ()) or ():
            if isinstance(slot, str) and hasattr(value, slot):
                inner.append(getattr(value, slot))
    for item in inner:
        for c in _classes_in(item, depth + 1):
            if c not in out:
                out.append(c)
    return out


def _resolve(name, dotted, classes, mod):
    """(import line, object) for one free name of a repr; line "" for a target name.

    ``datetime.date(...)`` names the module; ``Decimal('1')`` a class, imported
    from its public home; a class of the target is named as the target names it.
    """
    own = vars(mod)
    module = sys.modules.get(name)
    if dotted and module is not None and not name.startswith("_"):
        # ``import datetime`` beside a target whose ``datetime`` is the class: one name, two things.
        return ("import " + name, module) if own.get(name, module) is module else ("", None)
    for cls in classes:
        if getattr(cls, "__name__", None) != name:
            continue
        if getattr(cls, "__module__", None) == mod.__name__:
            return ("", cls) if own.get(name) is cls else None
        home = _public_home(cls)
        if home and own.get(name, cls) is cls:
            return f"from {home} import {name}", cls
        if home and "." not in home:
            return home, None  # taken by the target: spelled through its module instead
    return None


def _public_home(cls):
    """The shortest public module exposing ``cls`` (``pathlib``, not ``pathlib._local``)."""
    modname = getattr(cls, "__module__", "") or ""
    parts = modname.split(".")
    for n in range(1, len(parts) + 1):
        candidate = ".".join(parts[:n])
        if candidate.split(".")[-1].startswith("_"):
            continue
        try:
            if getattr(importlib.import_module(candidate), cls.__name__, None) is cls:
                return candidate
        except Exception:
            continue
    return None
