"""Extra witnesses: a few more calls per callee, picked so the suite catches wrong code.

The coverage cover keeps the fewest calls that reach the code, and reduction
shrinks their inputs (``camel_to_underscore(" ") == " "``). Such a suite runs
every line but checks little: a changed constant or operator often leaves its
outputs unchanged. Here, after the cover, each callee gets up to two more
calls among those already probed, chosen for *distinct exact outputs*: a return
value (or exception message) none of its tests asserts yet, from an input the
call transforms (not an identity), and running code that fewer than two kept
tests check exactly. Calls written in the module's own docstrings come first,
then calls re-witnessing the most such code, then short ones. Then up to two
more whose arguments bring an input class none of the callee's tests feeds yet
(category partitioning of the input space: a control character, Latin-1, a
code point of 3, 4 or 5 hex digits, a negative or zero number, an empty or
one-item collection): code often splits on such classes (``if ord(c) < 0x100``)
in one arc, so only an input from the other side tells a shifted bound apart.
Before those, per callee: the call printing the most numbers no test prints yet,
and up to two calls at an edge of the receiver's own numbers (witness_kinds.py);
printed output counts as an output of its own. No new probing: everything
comes from exploration.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

from regoose_tui.synth.model import Candidate
from regoose_tui.synth.render import Observation
from regoose_tui.synth.witness_kinds import at_edge, most_shown, printed_numbers

_PER_CALLEE = 2
#: More extras per callee, each only for input classes no test of it feeds yet.
_PER_CALLEE_CLASSES = 2
#: More extras per callee, each at an edge of the receiver's own numbers (witness_kinds.py).
_PER_CALLEE_EDGES = 2
_MAX_SRC = 160
_MAX_LIT = 120
#: What stands for an argument an exception message repeats (no message holds it).
_ARGUMENT = "\x00argument\x00"
#: Longest printed output a test asserts whole (finalize.compare).
_MAX_PRINTED = 400


def output_key(cand: Candidate) -> Hashable | None:
    """What an exact assertion on the call would check, or None when it checks no value.

    Printed output is checked too (capsys): two calls returning the same value
    but printing different text (a log line, a formatted report) are two outputs.
    An exception message is taken without the string arguments it repeats:
    ``KeyError("unknown region: 'été'")`` is the same behaviour as for ``'a'``.
    """
    result = cand.result
    base = _value_key(result)
    if base is not None and base[0] == "raise":
        base = (*base[:2], _without_inputs(str(base[2]), cand))
    printed = result.get("stdout")
    if printed and len(printed) <= _MAX_PRINTED and result.get("outcome") in ("return", "stmt"):
        return (base, "printed", printed)
    return base


def _without_inputs(message: str, cand: Candidate) -> str:
    """``message`` with the call's string arguments, as written or long enough not to be
    there by chance, cut out."""
    texts: set[str] = set()
    for _, val in cand.args:
        if val.is_literal and isinstance(val.obj, str) and val.obj:
            forms = [val.src, val.obj] if len(val.obj) >= 4 else [val.src]
            # A KeyError's text is the repr of its message: a quoted argument's
            # backslashes come doubled there.
            texts.update(forms, (repr(form)[1:-1] for form in forms))
    cut = message
    for text in sorted(texts, key=len, reverse=True):
        cut = cut.replace(text, _ARGUMENT)
    # A message that is nothing but an argument (``KeyError('zz')``, or an input that
    # happens to spell the message) tells its calls apart by what it says: kept whole.
    return cut if cut.replace(_ARGUMENT, "").strip(" '\"") else message


def _value_key(result: dict[str, Any]) -> tuple[Any, ...] | None:
    outcome = result.get("outcome")
    if outcome == "raise":
        exc = result.get("exc") or {}
        if exc.get("origin") != "target" or not exc.get("msg"):
            return None
        return ("raise", exc.get("name"), exc.get("msg"))
    if outcome != "return":
        return None
    value = result.get("value") or {}
    literal = value.get("lit")
    if literal is not None:
        return ("lit", literal)
    attrs = value.get("attrs")
    if attrs:
        return ("attrs", value.get("type"), tuple(sorted(attrs.items())))
    return None


def is_identity(cand: Candidate) -> bool:
    """True when the call returned one of its own literal arguments unchanged."""
    value = cand.result.get("value") or {}
    literal = value.get("lit")
    if literal is None or cand.result.get("outcome") != "return":
        return False
    return any(val.is_literal and val.src == literal for _, val in cand.args)


def checks(cand: Candidate) -> int:
    """How many things a test of the call can assert (value, printed output, object state)."""
    result = cand.result
    value = result.get("value") or {}
    found = int(value.get("lit") is not None or result.get("outcome") == "raise")
    found += int(bool(result.get("stdout"))) + int(bool(value.get("attrs")))
    found += sum(len(attrs) for attrs in (result.get("observed") or {}).values())
    return found


def echoes(cand: Candidate) -> bool:
    """True when the output just holds the literal arguments (``Point(1, 2)`` -> ``x=1, y=2``).

    Such a call checks storage, not computation: one test of it is enough.
    """
    if is_identity(cand):
        return True
    value = cand.result.get("value") or {}
    shown = value.get("lit") or " ".join((value.get("attrs") or {}).values())
    literals = [val.src for _, val in cand.args if val.is_literal]
    return bool(literals and shown) and all(src in shown for src in literals)


def _weight(cand: Candidate) -> int:
    """Characters of the test: setup plus call."""
    return len(cand.call) + sum(len(line) for line in cand.setup)


def _eligible(cand: Candidate, echo_ok: bool = False) -> bool:
    key = output_key(cand)
    if key is None or (echoes(cand) and not echo_ok) or _weight(cand) > _MAX_SRC:
        return False
    literal = (cand.result.get("value") or {}).get("lit") or ""
    return len(literal) <= _MAX_LIT


def extra_witnesses(
    explored: Iterable[Candidate],
    chosen: list[Candidate],
    *,
    per_callee: int = _PER_CALLEE,
) -> list[Candidate]:
    """Up to ``per_callee`` more candidates per callee, with outputs the chosen ones lack."""
    chosen_ids = {c.id for c in chosen}
    seen_outputs: dict[str, set[Hashable]] = {}
    witnessed: dict[tuple[int, int], int] = {}
    for cand in chosen:
        key = cand.callee.behaviour_key
        out = output_key(cand)
        if out is not None:
            seen_outputs.setdefault(key, set()).add(out)
            for arc in cand.result.get("arcs", []):
                witnessed[tuple(arc)] = witnessed.get(tuple(arc), 0) + 1
    by_key: dict[str, list[Candidate]] = {}
    # At an edge, an input coming back unchanged is the behaviour: accepted, not rejected.
    edges: dict[str, list[Candidate]] = {}
    for cand in explored:
        if cand.id in chosen_ids:
            continue
        if _eligible(cand):
            by_key.setdefault(cand.callee.behaviour_key, []).append(cand)
        if cand.origin == "boundary" and _eligible(cand, echo_ok=True):
            edges.setdefault(cand.callee.behaviour_key, []).append(cand)
    fed: dict[str, set[str]] = {}
    for cand in chosen:
        fed.setdefault(cand.callee.behaviour_key, set()).update(input_classes(cand))
    # Numbers any test prints: one test showing a computed value is enough for the module.
    shown = set().union(*(printed_numbers(c) for c in chosen))
    extras: list[Candidate] = []
    for key in dict.fromkeys([*by_key, *edges]):
        pool = by_key.get(key, [])
        outputs = seen_outputs.setdefault(key, set())
        if per_callee:
            telling = most_shown(_fresh(pool, outputs), shown)
            if telling is not None:
                extras.append(telling)
                outputs.add(output_key(telling))
                shown |= printed_numbers(telling)
            for _ in range(_PER_CALLEE_EDGES):
                edge = at_edge(_fresh(edges.get(key, []), outputs), _weight)
                if edge is None:
                    break
                extras.append(edge)
                outputs.add(output_key(edge))
        room = per_callee
        classes = fed.setdefault(key, set())
        while room > 0:
            best = _best(pool, outputs, witnessed)
            if best is None:
                break
            extras.append(best)
            outputs.add(output_key(best))
            classes.update(input_classes(best))
            for arc in best.result.get("arcs", []):
                witnessed[tuple(arc)] = witnessed.get(tuple(arc), 0) + 1
            room -= 1
        room = _PER_CALLEE_CLASSES if per_callee else 0
        while room > 0:
            novel = _most_novel(pool, outputs, classes)
            if novel is None:
                break
            extras.append(novel)
            outputs.add(output_key(novel))
            classes.update(input_classes(novel))
            room -= 1
    return extras


def _fresh(pool: list[Candidate], outputs: set[Hashable]) -> list[Candidate]:
    """The calls whose output no test of their callee checks yet."""
    return [c for c in pool if output_key(c) not in outputs]


def _char_class(c: str) -> str:
    """The class of one character by its code point (the widths escapes and encodings use)."""
    point = ord(c)
    if point < 0x20 or point == 0x7F:
        return "control"
    if point < 0x80:
        return "ascii"
    if point < 0x100:
        return "latin-1"
    if point < 0x1000:
        return "bmp-3"
    if point < 0x10000:
        return "bmp-4"
    return "astral"


def _value_classes(obj: object, where: str) -> set[str]:
    if isinstance(obj, bool):
        return set()
    if isinstance(obj, str):
        # Plain ASCII is what nearly every test feeds already: only the rarer classes count.
        return {f"{where}:{k}" for k in map(_char_class, obj) if k != "ascii"}
    if isinstance(obj, int | float):
        return {f"{where}:{'negative' if obj < 0 else 'zero' if obj == 0 else 'positive'}"}
    if isinstance(obj, list | tuple | dict | set):
        return {f"{where}:{'empty' if not obj else 'one' if len(obj) == 1 else 'many'}"}
    return set()


def input_classes(cand: Candidate) -> set[str]:
    """The input classes a call's literal arguments fall in, per argument position."""
    classes: set[str] = set()
    for index, (keyword, val) in enumerate(cand.args):
        if val.is_literal:
            classes |= _value_classes(val.obj, keyword or str(index))
    return classes


def _most_novel(
    pool: list[Candidate], outputs: set[Hashable], classes: set[str]
) -> Candidate | None:
    """The call bringing the most input classes not yet fed, with an output not yet checked."""
    best: Candidate | None = None
    best_score: tuple[int, int, int, int] | None = None
    for cand in pool:
        if output_key(cand) in outputs:
            continue
        new = len(input_classes(cand) - classes)
        if not new:
            continue
        score = (
            0 if cand.origin == "example" else 1,
            0 if cand.result.get("outcome") == "return" else 1,
            -new,
            _weight(cand),
        )
        if best_score is None or score < best_score:
            best, best_score = cand, score
    return best


def _best(
    pool: list[Candidate], outputs: set[Hashable], witnessed: dict[tuple[int, int], int]
) -> Candidate | None:
    best: Candidate | None = None
    best_score: tuple[int, int, int, int] | None = None
    for cand in pool:
        if output_key(cand) in outputs:
            continue
        arcs = {tuple(a) for a in cand.result.get("arcs", [])}
        # Code checked exactly by at most one test so far gains most from another witness;
        # code every test already checks twice gains nothing from a third.
        thin = sum(1 for a in arcs if witnessed.get(a, 0) < 2)
        if not thin:
            continue
        score = (
            0 if cand.origin == "example" else 1,
            0 if cand.result.get("outcome") == "return" else 1,
            -thin,
            _weight(cand),
        )
        if best_score is None or score < best_score:
            best, best_score = cand, score
    return best


def exact(obs: Observation) -> bool:
    """True when both checking runs agreed on the value, message or printed text asserted."""
    outcome = obs.result.get("outcome")
    if obs.stdout is not None:
        return True
    if outcome == "raise":
        return obs.msg_stable
    value = obs.result.get("value") or {}
    if value.get("lit") is not None:
        return obs.value_stable
    return bool(obs.stable_result_attrs)
