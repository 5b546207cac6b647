"""Candidate calls: first a systematic sweep, then coverage-guided mutation.

``callees_from`` turns the probe's introspection (what really exists at run
time: dataclass constructors, inherited methods, resolved type hints) and the
static analysis (literals, doctests) into ``Callee`` objects. ``Generator``
makes candidates for them: doctest calls, a base call, one parameter varied
at a time over its pool, seeded random combinations, method calls on the
instances that constructed successfully, and mutants of the calls that
reached new code.
"""

from __future__ import annotations

import ast
import random
import re
import sys
from typing import Any

from regoose_tui.synth.analysis import FunctionInfo, ModuleAnalysis
from regoose_tui.synth.model import (
    DUNDER_TEMPLATES,
    Args,
    Callee,
    Candidate,
    Param,
    param_at,
    snake,
)
from regoose_tui.synth.pools import PoolContext, param_pool
from regoose_tui.synth.values import Val, lit, mutate, numeric_boundaries

PoolMap = dict[str, list[Val]]

_SKIP_DUNDERS = frozenset({"__init__", "__new__", "__del__", "__init_subclass__", "__exit__"})


def _params(raw: list[dict[str, Any]] | None) -> list[Param] | None:
    if raw is None:
        return None
    return [
        Param(p["name"], p["kind"], p["has_default"], p.get("type") or {}, p.get("default"))
        for p in raw
    ]


def callees_from(
    introspection: dict[str, Any], analysis: ModuleAnalysis, ctx: PoolContext
) -> list[Callee]:
    """Every callable unit of the module, public first, in source order."""
    out: list[Callee] = []
    for member in introspection.get("members", []):
        name = member["name"]
        if member["kind"] == "function":
            params = _params(member.get("params"))
            info = analysis.functions.get(name)
            if params is None or (name.startswith("_") and not info):
                continue
            out.append(
                Callee(
                    key=name,
                    kind="function",
                    symbol=ctx.symbols.symbol(name),
                    name=name,
                    params=params,
                    is_async=member.get("is_async", False),
                    is_generator=member.get("is_generator", False),
                    info=info,
                    lineno=member.get("lineno", 0),
                )
            )
        elif member["kind"] == "class":
            out.extend(_class_callees(member, analysis, ctx))
    return sorted(out, key=lambda c: (c.name.startswith("_") and c.kind != "dunder", c.lineno))


def _class_callees(
    member: dict[str, Any], analysis: ModuleAnalysis, ctx: PoolContext
) -> list[Callee]:
    name = member["name"]
    if member.get("is_enum"):
        return []
    symbol = ctx.symbols.symbol(name)
    klass = analysis.classes.get(name)
    lineno = klass.lineno if klass else 0
    out: list[Callee] = []
    init_info = klass.methods.get("__init__") if klass else None
    params = _params(member.get("params"))
    if params is not None and not member.get("is_abstract"):
        extra = _params(member.get("extra_kw")) or []
        params = [p for p in params if p.kind != "VAR_KEYWORD"] + [
            Param(p.name, "KEYWORD_ONLY", True, p.type, p.default) for p in extra
        ]
        out.append(Callee(name, "ctor", symbol, name, params, info=init_info, lineno=lineno))
    for method in member.get("methods", []):
        mname = method["name"]
        if mname in _SKIP_DUNDERS:
            continue
        mparams = _params(method.get("params")) or []
        kind = method["kind"]
        if mname.startswith("__") and mname.endswith("__"):
            if mname not in DUNDER_TEMPLATES or kind != "method":
                continue
            kind = "dunder"
        minfo = None
        for cls in analysis.classes.values():
            if cls.name == method.get("owner") and mname in cls.methods:
                minfo = cls.methods[mname]
        if kind in ("static", "class") and member.get("is_abstract"):
            pass
        elif member.get("is_abstract") or params is None:
            continue
        out.append(
            Callee(
                key=f"{name}.{mname}",
                kind=kind,
                symbol=symbol,
                name=mname,
                params=mparams,
                owner=symbol,
                is_async=method.get("is_async", False),
                is_generator=method.get("is_generator", False),
                info=minfo,
                lineno=minfo.lineno if minfo else method.get("lineno", lineno),
                defined_in=method.get("owner"),
            )
        )
    return out


class Generator:
    """Makes candidate calls; ids are unique across the whole run."""

    def __init__(self, ctx: PoolContext, analysis: ModuleAnalysis, seed: int = 0) -> None:
        self.ctx = ctx
        self.analysis = analysis
        self.rng = random.Random(seed)
        self._next_id = 0
        self.seen: set[str] = set()
        #: Per class symbol: method calls (name, args) that may run before another call.
        self.prior_options: dict[str, list[tuple[str, Args]]] = {}

    def make(self, callee: Callee, args: Args, **extra: Any) -> Candidate | None:
        """A new candidate with a fresh id, or None when the same call was made before."""
        cand = Candidate(self._next_id, callee, args, **extra)
        if callee.is_generator:
            cand.wrap = "list"
        elif callee.is_async:
            cand.wrap = "asyncio"
        key = cand.signature()
        if key in self.seen:
            return None
        self.seen.add(key)
        self._next_id += 1
        return cand

    def var_for(self, callee: Callee) -> str:
        """The local name of the object under test (``timer`` for ``Timer``)."""
        name = snake(callee.owner or "obj")
        if (
            name in self.ctx.symbols.names()
            or name in sys.stdlib_module_names
            or name
            in (
                "result",
                "pytest",
                "printed",
            )
        ):
            return f"{name}_obj"
        return name

    # ------------------------------------------------------------ sweeps

    def pools(self, callee: Callee) -> dict[str, list[Val]]:
        """Each parameter's pool (varargs get the pool of their element)."""
        return {p.name: param_pool(callee, p, self.ctx) for p in callee.params}

    def _assemble(
        self, callee: Callee, chosen: dict[str, Val], extra_varargs: list[Val] | None = None
    ) -> Args:
        args: list[tuple[str | None, Val]] = []
        positional_ok = True
        for p in callee.params:
            val = chosen.get(p.name)
            if p.kind == "VAR_POSITIONAL":
                if positional_ok:
                    args.extend((None, v) for v in (extra_varargs or []))
                continue
            if p.kind == "VAR_KEYWORD" or val is None:
                if p.kind in ("POSITIONAL_OR_KEYWORD", "POSITIONAL_ONLY"):
                    positional_ok = False
                continue
            if p.kind == "POSITIONAL_ONLY" or (
                p.kind == "POSITIONAL_OR_KEYWORD" and positional_ok and p.required
            ):
                args.append((None, val))
            else:
                if p.kind == "POSITIONAL_OR_KEYWORD" and not p.required:
                    positional_ok = False
                args.append((p.name, val))
        return tuple(args)

    def sweep(
        self,
        callee: Callee,
        receivers: list[Val] | None = None,
        limit: int = 120,
        prior: tuple[tuple[str, Args], ...] = (),
    ) -> list[Candidate]:
        """Doctest calls, the base call, one-at-a-time variations and random mixes."""
        pools = self.pools(callee)
        # A plain function has no receiver: one pass with None.
        targets: list[Val | None] = list(receivers or []) if callee.needs_receiver else [None]
        if not targets:
            return []
        arity = DUNDER_TEMPLATES[callee.name][2] if callee.kind == "dunder" else -1
        params = [p for p in callee.params if p.kind != "VAR_KEYWORD"]
        varargs = next((p for p in params if p.kind == "VAR_POSITIONAL"), None)
        fixed = [p for p in params if p.kind != "VAR_POSITIONAL"]
        if arity >= 0:
            fixed = fixed[:arity]
            if len(fixed) < arity:
                return []
        base: dict[str, Val] = {}
        for p in fixed:
            if p.required or arity >= 0:
                pool = pools.get(p.name) or [lit(None)]
                base[p.name] = pool[0]
        out: list[Candidate] = []
        plans: list[tuple[dict[str, Val], list[Val] | None]] = []
        plans.extend(self._examples(callee, fixed))
        examples = len(plans)
        plans.append((dict(base), None))
        for p in fixed:
            for val in pools.get(p.name, [])[: 28 if p.required else 8]:
                plans.append(({**base, p.name: val}, None))
        if varargs is not None:
            pool = pools.get(varargs.name) or []
            for n in (1, 2, 3, 4):
                for start in range(min(4, len(pool))):
                    plans.append((dict(base), pool[start : start + n]))
        combos = 6 + 8 * len(fixed)
        for _ in range(combos if len(fixed) > 1 else 0):
            chosen = {}
            for p in fixed:
                pool = pools.get(p.name) or []
                if pool and (p.required or arity >= 0 or self.rng.random() < 0.5):
                    chosen[p.name] = self.rng.choice(pool[:20])
                elif p.required:
                    break
            else:
                plans.append((chosen, None))
        for receiver in targets:
            edges = self._state_boundaries(receiver, fixed, base, pools)
            own = [*plans[: examples + 1], *edges, *plans[examples + 1 :]]
            for index, (chosen, extra) in enumerate(own):
                if any(p.required and p.name not in chosen for p in fixed):
                    continue
                cand = self.make(
                    callee,
                    self._assemble(callee, chosen, extra),
                    receiver=receiver,
                    prior=prior,
                    var=self.var_for(callee),
                )
                if cand is not None:
                    # Calls written in the module's docstrings make the most telling tests.
                    cand.origin = "example" if index < examples else "sweep"
                    if examples < index <= examples + len(edges):
                        cand.origin = "boundary"
                    out.append(cand)
                if len(out) >= limit * max(1, len(targets)):
                    return out
        return out

    def _state_boundaries(
        self, receiver: Val | None, fixed: list[Param], base: dict[str, Val], pools: PoolMap
    ) -> list[tuple[dict[str, Val], None]]:
        """Arguments at n-1, n, n+1 for the numbers the receiver was built with.

        ``Number(maximum=5).validate(x)`` compares ``x`` with state, not with a
        literal of its own code; values (or lengths) around 5 test that edge.
        """
        recipe = receiver.recipe if receiver is not None else None
        if not isinstance(recipe, Candidate):
            return []
        numbers = [
            v.obj
            for _, v in recipe.args
            if v.is_literal and isinstance(v.obj, int | float) and not isinstance(v.obj, bool)
        ]
        plans: list[tuple[dict[str, Val], None]] = []
        for n in numeric_boundaries(numbers)[:9]:
            for p in fixed:
                objs = [
                    v.obj
                    for v in pools.get(p.name, [])
                    if v.is_literal and not v.tag.startswith("wrong_type")
                ]
                vals = []
                if any(isinstance(o, int | float) and not isinstance(o, bool) for o in objs):
                    vals.append(lit(n))
                if isinstance(n, int) and 0 <= n <= 64:
                    items = next((o for o in objs if isinstance(o, list) and o), None)
                    if items is not None:
                        vals.append(lit([items[i % len(items)] for i in range(n)]))
                    if any(isinstance(o, str) for o in objs):
                        vals.append(lit("x" * n, f"{n}_chars"))
                plans.extend(({**base, p.name: v}, None) for v in vals)
        return plans

    def _examples(self, callee: Callee, fixed: list[Param]) -> list[tuple[dict[str, Val], None]]:
        """Argument sets from doctests and from calls written in docstrings."""
        texts: list[str] = []
        for info in _all_infos(self.analysis):
            if info.docstring and callee.name in info.docstring:
                texts.append(info.docstring)
        for cls in self.analysis.classes.values():
            if cls.docstring and callee.name in cls.docstring:
                texts.append(cls.docstring)
        out: list[tuple[dict[str, Val], None]] = []
        pattern = re.compile(rf"(?<![\w.]){re.escape(callee.name)}\(")
        if callee.kind == "ctor":
            pattern = re.compile(rf"(?<![\w]){re.escape(callee.name)}\(")
        for text in texts:
            for match in pattern.finditer(text):
                call = _balanced_call(text, match.start())
                if call is None:
                    continue
                chosen = _bind_call(call, fixed)
                if chosen is not None:
                    out.append((chosen, None))
                if len(out) >= 24:
                    return out
        return out

    # ------------------------------------------------------------ mutation

    def mutants(self, parent: Candidate, count: int, receivers: list[Val]) -> list[Candidate]:
        """Children of a productive candidate: 1-3 stacked changes of arguments, receiver, prior."""
        callee = parent.callee
        pools = self.pools(callee)
        # Each pool's literal values, listed once per call: the pools do not change while
        # it runs, and listing them at every mutation took most of a mutation round's CPU.
        literals: dict[str, tuple[list[object], list[str]]] = {}
        out: list[Candidate] = []
        for _ in range(count * 3):
            args = list(parent.args)
            receiver = parent.receiver
            prior = parent.prior
            for _step in range(self.rng.choice((1, 1, 2, 3))):
                roll = self.rng.random()
                if callee.needs_receiver and roll < 0.25:
                    receiver = self._other_receiver(receiver, receivers)
                elif args and roll < 0.85:
                    self._mutate_arg(callee, args, pools, literals)
                elif roll < 0.93 and callee.params and callee.kind != "dunder":
                    self._add_optional(callee, args, pools)
                elif callee.needs_receiver and len(prior) < 2:
                    prior = (*prior, *self._random_prior(callee))
            cand = self.make(callee, tuple(args), receiver=receiver, prior=prior, var=parent.var)
            if cand is not None:
                cand.origin = "mutant"
                out.append(cand)
            if len(out) >= count:
                break
        return out

    def _other_receiver(self, receiver: Val | None, receivers: list[Val]) -> Val | None:
        recipe = receiver.recipe if receiver is not None else None
        if receiver is not None and isinstance(recipe, Candidate) and self.rng.random() < 0.6:
            children = self.mutants(recipe, 1, [])
            if children:
                child = children[0]
                return Val(child.call, receiver.obj, receiver.tag, frozenset(child.imports), child)
        return self.rng.choice(receivers) if receivers else receiver

    def _mutate_arg(
        self,
        callee: Callee,
        args: list[tuple[str | None, Val]],
        pools: dict[str, list[Val]],
        literals: dict[str, tuple[list[object], list[str]]],
    ) -> None:
        """Change one argument: a nearby literal, a mutated recipe, or another pool value.

        ``literals`` (param name -> its pool's literal values, and those of them that
        are strings) is filled as needed.
        """
        i = self.rng.randrange(len(args))
        keyword, val = args[i]
        param = param_for(callee, i, keyword)
        pool = pools.get(param.name, []) if param else []
        if val.is_literal and self.rng.random() < 0.7:
            name = param.name if param else ""
            known = literals.get(name)
            if known is None:
                objs = [v.obj for v in pool if v.is_literal]
                known = literals[name] = (objs, [p for p in objs if isinstance(p, str)])
            pool_objs, strings = known
            args[i] = (keyword, lit(mutate(val.obj, pool_objs, self.rng, strings=strings)))
        elif isinstance(val.recipe, Candidate) and self.rng.random() < 0.5:
            children = self.mutants(val.recipe, 1, [])
            if children:
                child = children[0]
                args[i] = (
                    keyword,
                    Val(child.call, val.obj, val.tag, frozenset(child.imports), child),
                )
        elif pool:
            args[i] = (keyword, self.rng.choice(pool))

    def _add_optional(
        self, callee: Callee, args: list[tuple[str | None, Val]], pools: dict[str, list[Val]]
    ) -> None:
        present = {k for k, _ in args}
        missing = [
            p
            for p in callee.params
            if not p.required
            and p.kind in ("KEYWORD_ONLY", "POSITIONAL_OR_KEYWORD")
            and p.name not in present
        ]
        if missing:
            p = self.rng.choice(missing)
            pool = pools.get(p.name) or []
            if pool:
                args.append((p.name, self.rng.choice(pool)))

    def _random_prior(self, callee: Callee) -> tuple[tuple[str, Args], ...]:
        siblings = self.prior_options.get(callee.owner or "", [])
        return (self.rng.choice(siblings),) if siblings else ()


def param_for(callee: Callee, index: int, keyword: str | None) -> Param | None:
    """The parameter of ``callee`` the argument at ``index`` binds to (model.param_at)."""
    return param_at(callee.params, index, keyword)


def _all_infos(analysis: ModuleAnalysis) -> list[FunctionInfo]:
    return analysis.all_functions()


def _balanced_call(text: str, start: int) -> str | None:
    depth = 0
    for i in range(text.index("(", start), min(len(text), start + 600)):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return text[start : i + 1]
    return None


def _bind_call(call: str, fixed: list[Param]) -> dict[str, Val] | None:
    try:
        node = ast.parse(call, mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(node, ast.Call):
        return None
    if any(kw.arg is None for kw in node.keywords):
        return None  # **mapping: what it passes is not written here
    chosen: dict[str, Val] = {}
    given = [(None, a) for a in node.args] + [(kw.arg, kw.value) for kw in node.keywords]
    for index, (keyword, arg) in enumerate(given):
        # ``fixed`` has no *args: a positional argument past its parameters binds to none.
        param = param_at(fixed, index, keyword)
        val = _literal_val(arg)
        if param is None or val is None:
            return None
        chosen[param.name] = val
    return chosen


def _literal_val(node: ast.expr) -> Val | None:
    try:
        return lit(ast.literal_eval(node))
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
