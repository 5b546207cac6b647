"""Simplify chosen calls before they become tests (test-case reduction).

A call found by mutation often carries noise: a 60-character string where
"" would do, an odd receiver, a prior call that changes nothing. For each
chosen candidate we probe a few simpler variants and keep the simplest one
that behaves the same (same outcome class) and reaches at least the same
code, so coverage is unchanged and the test reads better.
"""

from __future__ import annotations

from collections.abc import Iterator

from regoose_tui.synth.explore import Explorer
from regoose_tui.synth.model import Args, Candidate
from regoose_tui.synth.select import outcome_class
from regoose_tui.synth.strengthen import checks, is_identity
from regoose_tui.synth.values import Val, lit

_MAX_VARIANTS = 14

#: A simpler version of a candidate's call: its ``(args, receiver, prior)``.
Variant = tuple[Args, Val | None, tuple[tuple[str, Args], ...]]


def _cost(cand: Candidate) -> int:
    return len(cand.call) + sum(len(line) for line in cand.setup)


def _simpler_objects(obj: object) -> list[object]:
    if isinstance(obj, bool) or obj is None:
        return []
    if isinstance(obj, str):
        out: list[object] = [""] if obj else []
        if len(obj) > 8:
            out.extend([obj[: len(obj) // 2], obj[:8], obj.strip()])
        return out
    if isinstance(obj, int):
        return [0, 1] if abs(obj) > 1 else []
    if isinstance(obj, float):
        return [0.0, 1.0] if obj not in (0.0, 1.0) else []
    if isinstance(obj, list | tuple) and obj:
        return [type(obj)(), type(obj)(obj[:1])]
    if isinstance(obj, dict) and obj:
        first = next(iter(obj))
        return [{}, {first: obj[first]}]
    return []


def _variants(cand: Candidate, explorer: Explorer) -> Iterator[Variant]:
    """(args, receiver, prior) tuples simpler than the candidate's own."""
    if cand.prior:
        yield cand.args, cand.receiver, cand.prior[:-1]
        name, args = cand.prior[-1]
        if name == cand.callee.name and cand.callee.kind == "method":
            # ``p.parse(doc); p.parse(" ")`` owes its reach to the first call: test that one.
            yield args, cand.receiver, cand.prior[:-1]
    if cand.callee.needs_receiver and cand.receiver is not None:
        for inst in explorer.ctx.instances.get(cand.callee.owner or "", [])[:2]:
            if len(inst.src) < len(cand.receiver.src):
                yield cand.args, inst, cand.prior
        recipe = cand.receiver.recipe
        if isinstance(recipe, Candidate) and not recipe.setup:
            for args, _receiver, _prior in _variants(recipe, explorer):
                simpler_recipe = Candidate(-1, recipe.callee, args)
                receiver = Val(
                    simpler_recipe.call, tag=cand.receiver.tag, imports=cand.receiver.imports
                )
                yield cand.args, receiver, cand.prior
    for index, (keyword, val) in enumerate(cand.args):
        if keyword is not None and not cand.callee.kind == "dunder":
            yield cand.args[:index] + cand.args[index + 1 :], cand.receiver, cand.prior
        if val.is_literal:
            for simpler in _simpler_objects(val.obj):
                new: Args = (
                    *cand.args[:index],
                    (keyword, lit(simpler)),
                    *cand.args[index + 1 :],
                )
                yield new, cand.receiver, cand.prior


async def minimize(explorer: Explorer, chosen: list[Candidate], until: float) -> list[Candidate]:
    """``chosen`` with each candidate replaced by its simplest equivalent variant."""
    trials: dict[int, list[Candidate]] = {}
    fresh: list[Candidate] = []
    known = {c.signature(): c for c in explorer.candidates.values()}
    for cand in chosen:
        for args, receiver, prior in list(_variants(cand, explorer))[:_MAX_VARIANTS]:
            variant = Candidate(
                -1,
                cand.callee,
                args,
                receiver=receiver,
                prior=prior,
                var=cand.var,
                wrap=cand.wrap,
            )
            existing = known.get(variant.signature())
            if existing is None:
                made = explorer.gen.make(
                    cand.callee,
                    variant.args,
                    receiver=variant.receiver,
                    prior=variant.prior,
                    var=cand.var,
                )
                if made is None:
                    continue
                made.wrap = cand.wrap
                made.origin = "minimized"
                known[made.signature()] = made
                fresh.append(made)
                existing = made
            trials.setdefault(cand.id, []).append(existing)
    await explorer.run(fresh, until)
    out = []
    for cand in chosen:
        best = cand
        arcs = {tuple(a) for a in cand.result.get("arcs", [])}
        label = outcome_class(cand.result)
        for variant in trials.get(cand.id, []):
            if not variant.result or outcome_class(variant.result) != label:
                continue
            if not arcs <= {tuple(a) for a in variant.result.get("arcs", [])}:
                continue
            if is_identity(variant) and not is_identity(cand):
                continue  # "" -> "" reaches the same lines but checks far less
            if checks(variant) < min(3, checks(cand)):
                continue  # simpler, but its test would assert less
            if _cost(variant) < _cost(best):
                best = variant
        out.append(best)
    return out
