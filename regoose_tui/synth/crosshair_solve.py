"""Ask CrossHair for the inputs sampling did not find (host side of the solver step).

After exploration plateaus, the functions whose code still holds arcs no probe
took go to ``crosshair_driver.py`` in the sandbox (the host never imports the
code under test), time-boxed per function and in all. Its answers come back as
argument source; here they become candidate calls of the explorer, which the
normal probe runs under coverage: a call is kept only when it reaches new arcs,
so a solver answer counts only once real execution confirms it. The rendered
tests hold plain literals and never import CrossHair. When the step runs, and
on what, is crosshair_round.py's business.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regoose_tui.runtime.python_env import solver_shim_dir
from regoose_tui.runtime.safe_io import read_result_text_async
from regoose_tui.synth.drawn import drawn_values
from regoose_tui.synth.model import Callee, Candidate
from regoose_tui.synth.pools import SymbolTable
from regoose_tui.synth.probe import Prober
from regoose_tui.synth.values import Val

_DRIVER = Path(__file__).with_name("crosshair_driver.py")
_DRAW = Path(__file__).with_name("probe_draw.py")
_OUT_NAME = "crosshair_out.jsonl"
_OUTPUT_CAP = 8 * 1024**2
#: Callee kinds CrossHair can call as they are, and those that run on a receiver the probe built.
SOLVABLE_KINDS = frozenset({"function", "static", "class"})
ON_RECEIVER = frozenset({"method"})
#: Annotations that tell CrossHair nothing (no hint, ``Any``, one it cannot resolve).
_USELESS_TYPES = frozenset({"none", "any", "str_annot"})
#: Seconds for importing CrossHair and z3 in the sandbox (about 1.5 s on a quiet machine).
_LOAD_SECONDS = 8.0
#: One function's box, and the least worth starting one for.
PER_FUNCTION = 5.0
MIN_BOX = 1.0
#: Paths a seeded run explores per function: a count of work, not of seconds.
SEEDED_ITERATIONS = 40
#: Answers kept per function (a string search yields many near-identical paths).
_MAX_ANSWERS = 40


@dataclass(frozen=True)
class SolverTarget:
    """One function to solve for; a method's ``base`` holds the object it runs on.

    ``base`` is a call of the method with no arguments whose receiver and prior
    calls (``cart = Cart()``, ``cart.add(...)``) set the state the solver starts
    from; its answers become calls on that same state. ``label`` names the
    target in the outcome (the callee's key, with ``#2`` for a second state).
    """

    callee: Callee
    label: str
    base: Candidate | None = None


@dataclass
class SolverOutcome:
    """What one solver run found: argument sets by callee key, and how it went."""

    answers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    ends: dict[str, str] = field(default_factory=dict)
    note: str = ""


def usable(callee: Callee, receiver: object | None = None) -> str | None:
    """None when CrossHair can solve for ``callee``'s inputs, else why it cannot.

    A method needs ``receiver``: an instance the probe already built, copied
    afresh for every path the solver explores.
    """
    if callee.kind in ON_RECEIVER:
        if receiver is None:
            return "no instance to call it on"
    elif callee.kind not in SOLVABLE_KINDS:
        return "not a plain call"
    if callee.is_async or callee.is_generator:
        return "async or a generator"
    required = [p for p in callee.params if p.required]
    if any(p.type.get("k", "none") in _USELESS_TYPES for p in required):
        return "parameters without annotations CrossHair can use"
    if not solver_params(callee):
        return "takes no arguments"
    return None


def solver_params(callee: Callee) -> list[str]:
    """The parameters CrossHair solves for: required ones and optional annotated ones."""
    return [
        p.name
        for p in callee.params
        if p.kind not in ("VAR_POSITIONAL", "VAR_KEYWORD")
        and (p.required or p.type.get("k", "none") not in _USELESS_TYPES)
    ]


async def solve(
    prober: Prober,
    targets: Sequence[SolverTarget],
    *,
    seconds: float,
    seeded: bool,
    say: Callable[[str], None] = lambda _m: None,
    names: dict[str, str] | None = None,
) -> SolverOutcome:
    """Run CrossHair on ``targets`` in the sandbox for at most ``seconds`` in all.

    ``names`` maps the tests' symbols to the target's attributes
    (``symbols.names()``); answers come back by target label.

    The command's wall limit is the hard stop: a solver that hangs is killed
    there, and what it wrote before stays. Never raises for a missing or broken
    CrossHair: the outcome's note says why nothing came back.
    """
    shim = await asyncio.to_thread(solver_shim_dir)
    if shim is None:
        say("CrossHair: not installed, the solver step is skipped")
        return SolverOutcome(note="not installed")
    per_function = min(PER_FUNCTION, max(MIN_BOX, seconds / max(1, len(targets))))
    names = names or {}
    specs = []
    for t in targets:
        c = t.callee
        owner = names.get(c.owner or "", c.owner) if c.owner else None
        spec: dict[str, Any] = {
            "key": t.label,
            "name": c.name,
            "owner": owner,
            "params": solver_params(c),
            "seconds": per_function,
            "names": names,
        }
        if t.base is not None and c.kind in ON_RECEIVER:
            spec["receiver"] = {
                "setup": t.base.setup,
                "var": t.base.var,
                "imports": t.base.imports,
            }
        specs.append(spec)
    request: dict[str, Any] = {
        "module": prober.target.module,
        "targets": specs,
        "seconds": seconds,
        "load_seconds": _LOAD_SECONDS,
        "import_timeout": 20,
        "max_iterations": SEEDED_ITERATIONS if seeded else None,
        # Seeded: a generous path box, so a busy machine does not change what is solved.
        "per_path": per_function if seeded else min(2.0, per_function / 2),
    }
    inputs = await prober.stage_inputs(
        {
            "_regoose_crosshair.py": _DRIVER.read_text(encoding="utf-8"),
            "_regoose_probe_draw.py": _DRAW.read_text(encoding="utf-8"),
            "request.json": json.dumps(request),
        }
    )
    try:
        out_dir = await prober.output_folder()
    except BaseException:
        await prober.discard(inputs)
        raise
    started = time.monotonic()
    try:
        result = await prober.run_argv(
            [
                prober.python,
                str(inputs / "_regoose_crosshair.py"),
                str(inputs / "request.json"),
                str(out_dir / _OUT_NAME),
            ],
            # Loading CrossHair and the target come on top of the solving itself.
            wall=seconds + _LOAD_SECONDS / 2,
            label="crosshair",
            out_dir=out_dir,
            read_only=(inputs,),
            extra_path=(shim,),
        )
        try:
            text = await read_result_text_async(
                out_dir / _OUT_NAME, max_bytes=_OUTPUT_CAP, name=_OUT_NAME
            )
        except FileNotFoundError:
            text = ""
    finally:
        await prober.discard(out_dir, inputs)
    outcome = _parse(text)
    if seeded:
        # Only searches that ended by their count (or ran out of paths) repeat run after
        # run; one a clock cut (its box, the kill) could answer otherwise next time.
        cut = [label for label in outcome.answers if outcome.ends.get(label) != "explored"]
        for label in cut:
            del outcome.answers[label]
    if result.timed_out:
        outcome.note = outcome.note or "stopped at its deadline"
    spent = time.monotonic() - started
    if not outcome.note:
        found = sum(len(v) for v in outcome.answers.values())
        outcome.note = f"{found} input sets for {len(outcome.answers)} functions in {spent:.1f} s"
    say(f"CrossHair: {outcome.note}")
    return outcome


def _parse(text: str) -> SolverOutcome:
    outcome = SolverOutcome()
    for raw in text.splitlines():
        try:
            line = json.loads(raw)
        except json.JSONDecodeError:
            continue
        if not isinstance(line, dict):
            continue
        if "unavailable" in line:
            outcome.note = f"does not load here ({line['unavailable']}), the step is skipped"
        elif "import_error" in line:
            outcome.note = f"the target did not import for CrossHair: {line['import_error']}"
        elif isinstance(line.get("key"), str) and isinstance(line.get("args"), dict):
            found = outcome.answers.setdefault(line["key"], [])
            if len(found) < _MAX_ANSWERS:
                found.append(line["args"])
        elif isinstance(line.get("key"), str) and "end" in line:
            outcome.ends[line["key"]] = str(line["end"])
    return outcome


def answer_args(
    callee: Callee, answer: dict[str, Any], symbols: SymbolTable
) -> dict[str, Val] | None:
    """One answer as the explorer's chosen arguments (param -> Val), or None.

    Each value is the source the driver checked evaluates back to an equal
    value; it becomes a pool value exactly as a Hypothesis draw does.
    """
    chosen: dict[str, Val] = {}
    names = {p.name for p in callee.params}
    for name, item in answer.items():
        if name not in names or not isinstance(item, dict):
            return None
        vals = drawn_values({"name": name, "drawn": [item]}, symbols)
        if not vals:
            return None
        chosen[name] = vals[0]
    if any(p.required and p.name not in chosen for p in callee.params):
        return None
    return chosen
