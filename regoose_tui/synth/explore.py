"""Coverage-guided exploration: sweep every callee, then mutate what reached new code.

Rounds: (1) functions and constructors; (2) methods on the instances that
constructed, plus calls that take instances; (3) method calls after another
method (``stop`` after ``start``); then mutation rounds until the deadline or
until several rounds find nothing new (a plateau). Every round stops the whole
exploration once the probes have taken every arc of the goal (synth/goal.py). Private helpers are called directly
only when the public API never entered them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from regoose_tui.domain.feedback import Feedback
from regoose_tui.synth.analysis import ModuleAnalysis
from regoose_tui.synth.crosshair_round import solver_reserve, solver_round
from regoose_tui.synth.generate import Generator, callees_from, param_for
from regoose_tui.synth.goal import CoverageGoal
from regoose_tui.synth.model import Args, Callee, Candidate, render_args, snake
from regoose_tui.synth.pools import PoolContext
from regoose_tui.synth.probe import Prober
from regoose_tui.synth.select import greedy_cover
from regoose_tui.synth.values import Val

_CALL_TIMEOUT = 1.0
_ROUND_CANDIDATES = 2400
_MAX_INSTANCES = 4
#: A plateau: this many mutation rounds in a row with no new arc end the search.
_STALE_ROUNDS = 5
_CORPUS = 24
#: Mutation rounds of each mutation phase when the run must be reproducible (--seed):
#: a count of work, not a share of the clock, so two runs make the very same calls.
SEEDED_MUTATION_ROUNDS = 4


class Explorer:
    """Holds every probed candidate and the union of what they reached."""

    def __init__(
        self,
        prober: Prober,
        analysis: ModuleAnalysis,
        intro: dict[str, Any],
        ctx: PoolContext,
        *,
        feedback: Feedback | None = None,
        say: Callable[[str], None] = lambda _m: None,
        goal: CoverageGoal | None = None,
        seed: int | None = None,
        variant: int = 0,
        clocks: Sequence[str] = (),
    ) -> None:
        self.prober = prober
        #: Clocks the module reads: probed under the fake clock the tests install (clock.py),
        #: so timings and what derives from them are values the selection can tell apart.
        self.clocks = list(clocks)
        self.intro = intro
        self.analysis = analysis
        self.ctx = ctx
        self.say = say
        self.callees: list[Callee] = callees_from(intro, analysis, ctx)
        # A later round draws other random combinations than the first (same seed, same calls).
        self.gen = Generator(ctx, analysis, seed=(seed or 0) + variant)
        #: --seed: phases are bounded by rounds, the clock only stops a run that overruns.
        self.reproducible = seed is not None
        self.candidates: dict[int, Candidate] = {}
        self.covered: set[tuple[int, int]] = set()
        self.productive: list[Candidate] = []
        self.focus = self._focus(feedback)
        self.rounds = 0
        self.raise_lines = analysis.raise_lines
        #: Every arc the probes can take; once all are taken, nothing is left to find.
        self.goal = goal or CoverageGoal()
        self.complete = False

    def _focus(self, feedback: Feedback | None) -> set[str]:
        """Callees whose code the previous iteration left uncovered."""
        if feedback is None:
            return set()
        lines = set(feedback.missing_lines) | {a for a, _ in feedback.missing_branches}
        keys = set()
        for callee in self.callees:
            info = callee.info
            if info and any(info.lineno <= ln <= info.end_lineno for ln in lines):
                keys.add(callee.key)
        return keys

    def _public(self, callee: Callee) -> bool:
        # A private helper is called like the public API only in a later round, when
        # the gaps the public calls of the previous round left lie in it (the focus).
        return (
            not callee.name.startswith("_") or callee.kind == "dunder" or callee.key in self.focus
        )

    def _limit(self, callees: list[Callee]) -> int:
        return max(24, min(150, _ROUND_CANDIDATES // max(1, len(callees))))

    async def run(self, cands: list[Candidate], until: float) -> int:
        """Probe candidates; returns how many new arcs they reached."""
        cands = [c for c in cands if c.id not in self.candidates]
        if self.complete or not cands or until - time.monotonic() < 1.0:
            return 0
        self.rounds += 1
        specs = [c.probe_spec() for c in cands]
        for spec in specs:
            spec["clock"] = self.clocks
        results = await self.prober.run(
            specs,
            self.ctx.symbols.names(),
            call_timeout=_CALL_TIMEOUT,
            # Never past ``until``: the phases after exploring plan on it (it is >= 1 s here).
            wall=max(1.0, until - time.monotonic()),
        )
        before = len(self.covered)
        for cand in cands:
            result = results.get(cand.id)
            if result is None:
                continue
            cand.result = result
            self.candidates[cand.id] = cand
            exc = result.get("exc")
            if exc and exc.get("origin") == "target" and exc.get("line") not in self.raise_lines:
                exc["origin"] = "other"  # a builtin failed on bad input, not a raise of ours
                exc["crash_in_target"] = True  # ...or on good input: a suspected bug (suspects.py)
            patterns = (result.get("value") or {}).get("patterns")
            if patterns and cand.callee.kind == "ctor":
                known = self.ctx.class_patterns.setdefault(cand.callee.symbol, [])
                known.extend(p for p in patterns if p not in known)
            arcs = {tuple(a) for a in result.get("arcs", [])}
            new = arcs - self.covered
            if new and result.get("outcome") in ("return", "raise", "stmt"):
                self.covered |= new
                self.productive.append(cand)
                self._remember_inputs(cand)
        gained = len(self.covered) - before
        self.say(
            f"probe round {self.rounds}: {len(cands)} calls, {gained} new code transitions "
            f"({len(self.covered)} in all)"
        )
        if gained and self.goal.reached(self.covered):
            self.complete = True
            self.say("every line and branch reached: exploration stops here")
        return gained

    def _remember_inputs(self, cand: Candidate) -> None:
        """Arguments that reached new code join their parameter's pool (splicing material)."""
        for index, (keyword, val) in enumerate(cand.args):
            if not val.is_literal or not isinstance(val.obj, str | bytes | int | float | list):
                continue
            param = param_for(cand.callee, index, keyword)
            if param is None:
                continue
            known = self.ctx.extra.setdefault((cand.callee.key, param.name), [])
            if all(v.src != val.src for v in known):
                known.append(val)
                del known[:-_CORPUS]

    async def explore(self, until: float) -> None:
        """All rounds, until the deadline."""
        plain = [c for c in self.callees if not c.needs_receiver and self._public(c)]
        limit = self._limit(plain)
        first: list[Candidate] = []
        for callee in plain:
            scale = 2 if callee.key in self.focus else 1
            first.extend(self.gen.sweep(callee, limit=limit * scale))
        await self.run(first, until)
        self._update_instances()
        await self._receiver_round(until, public_only=True)
        self._update_instances()
        # Constructors and functions again: pools now hold real instances.
        again: list[Candidate] = []
        for callee in plain:
            again.extend(self.gen.sweep(callee, limit=max(12, limit // 3)))
        await self.run(again, until)
        await self._sequence_round(until)
        # A short first plateau: private helpers the public calls leave open get their
        # direct calls early, then the search goes on until a real plateau.
        await self._mutation_rounds(until, stop_fraction=0.75, patience=2)
        await self._private_round(until)
        # Past the plateau, what sampling missed: CrossHair solves for it (crosshair_round.py),
        # in time this last phase leaves it when some unfinished function suits it.
        search_until = until - solver_reserve(self, until)
        await self._mutation_rounds(search_until, stop_fraction=1.0, patience=_STALE_ROUNDS)
        await solver_round(self, until)

    async def _receiver_round(self, until: float, public_only: bool) -> None:
        methods = [c for c in self.callees if c.needs_receiver]
        if public_only:
            methods = [c for c in methods if self._public(c)]
        limit = max(12, self._limit(methods) // 2)
        cands: list[Candidate] = []
        for callee in methods:
            receivers = self.ctx.instances.get(callee.owner or "", [])[:3]
            cands.extend(self.gen.sweep(callee, receivers=receivers, limit=limit))
        await self.run(cands, until)

    def _prior_options(self) -> dict[str, list[tuple[str, Args]]]:
        """Per class: method calls worth making first (no-argument ones, and calls that worked)."""
        by_owner: dict[str, list[tuple[str, Args]]] = {}
        for callee in self.callees:
            if callee.kind == "method" and self._public(callee):
                if not any(p.required for p in callee.params):
                    by_owner.setdefault(callee.owner or "", []).append((callee.name, ()))
        worked: dict[str, list[Candidate]] = {}
        for cand in self.candidates.values():
            if cand.callee.kind == "method" and cand.result.get("outcome") == "return":
                if cand.args and not cand.prior and self._public(cand.callee):
                    worked.setdefault(cand.callee.key, []).append(cand)
        for cands in worked.values():
            for cand in greedy_cover(cands, per_callee=2)[:2]:
                options = by_owner.setdefault(cand.callee.owner or "", [])
                if (cand.callee.name, cand.args) not in options:
                    options.append((cand.callee.name, cand.args))
        return by_owner

    async def _sequence_round(self, until: float) -> None:
        """Each method after another method call of its class (``stop`` after ``start``)."""
        by_owner = self._prior_options()
        self.gen.prior_options = by_owner
        cands: list[Candidate] = []
        for callee in self.callees:
            options = by_owner.get(callee.owner or "", [])
            if not callee.needs_receiver or not options or not self._public(callee):
                continue
            receivers = self.ctx.instances.get(callee.owner or "", [])[:2]
            for option in options[:16]:
                cands.extend(self.gen.sweep(callee, receivers=receivers, limit=3, prior=(option,)))
        await self.run(cands, until)

    async def _mutation_rounds(self, until: float, stop_fraction: float, patience: int) -> None:
        start = time.monotonic()
        # Seeded: every phase may use the whole deadline; a round count bounds it instead.
        stop_at = until if self.reproducible else start + (until - start) * stop_fraction
        stale = 0
        rounds = 0
        while time.monotonic() < stop_at - 1.0 and stale < patience and not self.complete:
            if self.reproducible and rounds >= SEEDED_MUTATION_ROUNDS:
                return
            rounds += 1
            parents = self.productive[-80:]
            if self.focus:
                parents = [p for p in parents if p.callee.key in self.focus] or parents
            # Mutate calls of the callees whose code still has untaken arcs: the rest is done.
            unfinished = self._unfinished()
            parents = [p for p in parents if p.callee.key in unfinished] or parents
            if not parents:
                return
            per_parent = max(4, 900 // len(parents))
            cands: list[Candidate] = []
            for parent in parents:
                receivers = self.ctx.instances.get(parent.callee.owner or "", [])
                cands.extend(self.gen.mutants(parent, per_parent, receivers))
            gained = await self.run(cands, stop_at)
            stale = 0 if gained else stale + 1

    async def _private_round(self, until: float) -> None:
        """Call private helpers whose code the public API did not fully reach.

        A helper the public API never entered is called directly; so is one it
        entered but left with arcs no public call took (the goal says which),
        since only a direct call can reach those. A helper the public API covers
        gets no test of its own.
        """
        entered = {a for a, _ in self.covered if a < 0}
        private = [
            c
            for c in self.callees
            if not self._public(c)
            and c.info is not None
            and (
                # Not entered at its def line, nor (a decorated helper's code starts at
                # its first decorator's line) just above it.
                not any(-ln in entered for ln in range(c.info.lineno - 3, c.info.lineno + 1))
                or self._left_open(c.info.lineno, c.info.end_lineno)
            )
        ]
        if not private:
            return
        self.say(f"calling {len(private)} private helpers the public API did not reach")
        cands: list[Candidate] = []
        for callee in private:
            receivers = self.ctx.instances.get(callee.owner or "", [])[:2]
            cands.extend(self.gen.sweep(callee, receivers=receivers, limit=40))
        await self.run(cands, until)

    def _unfinished(self) -> set[str]:
        """Keys of the callees whose lines hold goal arcs no probe took yet."""
        if self.goal.empty:
            return set()
        open_lines = {a for a, _ in self.goal.open_arcs(self.covered)}
        return {
            c.key
            for c in self.callees
            if c.info is not None
            and any(c.info.lineno <= ln <= c.info.end_lineno for ln in open_lines)
        }

    def _left_open(self, first: int, last: int) -> bool:
        """Whether goal arcs starting in lines ``first``..``last`` are still untaken."""
        return any(first <= a <= last for a, _ in self.goal.open_arcs(self.covered))

    def _update_instances(self) -> None:
        """Instances that constructed fine become receivers and argument values."""
        by_class: dict[str, list[Candidate]] = {}
        for cand in self.candidates.values():
            if cand.callee.kind == "ctor" and cand.result.get("outcome") == "return":
                if not any(v.tag.startswith("wrong_type") for _, v in cand.args):
                    by_class.setdefault(cand.callee.symbol, []).append(cand)
        for symbol, cands in by_class.items():
            picked = greedy_cover(cands, per_callee=_MAX_INSTANCES)[:_MAX_INSTANCES]
            # Same code, different data: add objects built from differently shaped arguments.
            shapes = {_shape(c) for c in picked}
            for cand in sorted(cands, key=lambda c: (-len(c.args), c.id)):
                if len(picked) >= _MAX_INSTANCES + 2:
                    break
                if _shape(cand) not in shapes:
                    shapes.add(_shape(cand))
                    picked.append(cand)
            # An object built with a format template that names every field its methods
            # fill in (templates.py) shows those fields in their output: one such receiver,
            # second in line, as method rounds take the first few receivers only.
            templated = next((c for c in cands if self._templated(c)), None)
            if templated is not None:
                picked = [c for c in picked if c.id != templated.id]
                picked.insert(min(1, len(picked)), templated)
            vals: list[Val] = []
            for cand in picked:
                imports = frozenset(cand.imports)
                vals.append(Val(cand.call, tag=snake(symbol), imports=imports, recipe=cand))
            self.ctx.instances[symbol] = vals
        self._add_singletons()
        self._update_producers()

    def _templated(self, cand: Candidate) -> bool:
        """True when the call passes a parameter the format template made for it."""
        names = [p.name for p in cand.callee.params]
        for index, (keyword, val) in enumerate(cand.args):
            name = keyword or (names[index] if index < len(names) else None)
            if name and val.is_literal and val.obj in self.ctx.templates.get(name, []):
                return True
        return False

    def _add_singletons(self) -> None:
        """The package's own instances of a class, as private copies (``copy.deepcopy(fg)``)."""
        singletons = self.intro.get("singletons") or {}
        for class_name, places in singletons.items():
            symbol = self.ctx.symbols.symbol(class_name)
            vals = self.ctx.instances.setdefault(symbol, [])
            for place in places[:2]:
                module, attr = place.get("module"), place.get("attr")
                if not module or not attr or not attr.isidentifier():
                    continue
                src = f"copy.deepcopy({attr})"
                if any(v.src == src for v in vals):
                    continue
                imports = frozenset({"import copy", f"from {module} import {attr}"})
                vals.append(Val(src, tag=snake(attr), imports=imports))

    def _update_producers(self) -> None:
        """Objects returned by calls become argument values for parameters of their type."""
        by_type: dict[str, list[Candidate]] = {}
        for cand in self.candidates.values():
            value = cand.result.get("value") or {}
            if cand.result.get("outcome") != "return" or not value.get("tkeys"):
                continue
            if cand.wrap or cand.prior or cand.callee.kind in ("dunder", "property"):
                continue
            for key in value["tkeys"]:
                by_type.setdefault(key, []).append(cand)
        for key, cands in by_type.items():
            vals = []
            for cand in greedy_cover(cands, per_callee=3)[:4]:
                imports = frozenset(cand.imports)
                if cand.setup and cand.receiver is not None:
                    src = f"{cand.receiver.src}.{cand.callee.name}({render_args(cand.args)})"
                    vals.append(Val(src, tag=snake(key.rsplit(".", 1)[-1]), imports=imports))
                elif not cand.setup:
                    tag = snake(key.rsplit(".", 1)[-1])
                    vals.append(Val(cand.call, tag=tag, imports=imports, recipe=cand))
            self.ctx.producers[key] = vals


def _shape(cand: Candidate) -> tuple[str, ...]:
    """The kinds of a call's arguments (``Style(Sgr(1))`` and ``Style('x')`` differ)."""
    return tuple(
        f"{k}:{v.src.split('(')[0] if not v.is_literal else type(v.obj).__name__}"
        for k, v in cand.args
    )
