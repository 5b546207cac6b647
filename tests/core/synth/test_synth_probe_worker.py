"""The probe worker (synth/probe_worker.py) and the imports done ahead, under bubblewrap.

The sandbox that imports the target for the introspection goes on with the
first probe round (no second import); later rounds run in fresh sandboxes
that import it themselves; a call that kills the worker costs a restart in a
sandbox of its own; the determinism runs' sandboxes import the target ahead,
each under its own hash seed and clocks; none of them outlives the prober.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from synth_samples import prober_for

from regoose_tui.runtime.bwrap import BwrapRuntime
from regoose_tui.synth.analysis import analyze_module
from regoose_tui.synth.draw_guess import draws_likely
from regoose_tui.synth.finalize import observations
from regoose_tui.synth.model import Callee, Candidate
from regoose_tui.synth.pools import SymbolTable
from regoose_tui.synth.probe import Prober
from tests.core.runtime.sandbox_helpers import require_bwrap, wait_gone

MODULE = """
import os
import time

#: When this process imported the module (the host's monotonic clock is the same one).
LOADED = time.monotonic()
#: The wall clock and a hash at import: they change with the clocks and the hash seed.
IMPORT_CLOCK = time.time()
IMPORT_HASH = hash("regoose")


def loaded_at():
    return LOADED


def import_clock():
    return IMPORT_CLOCK


def import_hash():
    return IMPORT_HASH


def leave():
    os._exit(7)


def classify(n):
    if n > 0:
        return "positive"
    return "other"
"""


def _prober(tmp_path: Path, name: str) -> Prober:
    return prober_for(tmp_path, name, MODULE, BwrapRuntime(), start_ahead=True)


def _call(cid: int, name: str, symbols: SymbolTable, *args: int) -> dict[str, object]:
    callee = Callee(key=name, kind="function", symbol=symbols.symbol(name), name=name, params=[])
    spec = Candidate(id=cid, callee=callee).probe_spec()
    if args:
        spec["call"] = f"{symbols.symbol(name)}({', '.join(map(str, args))})"
    return spec


def _value(found: dict[int, dict[str, object]], cid: int) -> float:
    value = found[cid]["value"]
    assert isinstance(value, dict), found[cid]
    return float(str(value["lit"]))


async def test_the_first_round_runs_where_the_introspection_imported_the_target(
    tmp_path: Path,
) -> None:
    require_bwrap()
    prober = _prober(tmp_path, "worker_once")
    try:
        prober.start_before_import()
        await prober.introspect()
        described = time.monotonic()
        symbols = SymbolTable()
        first = await prober.run([_call(1, "loaded_at", symbols)], symbols.names())
        # Imported before the introspection was read: the same process, no second import.
        assert _value(first, 1) < described
        assert prober.worker.served == 2 and prober.worker.gone
        round_done = time.monotonic()
        second = await prober.run([_call(2, "loaded_at", symbols)], symbols.names())
        # The next round: a fresh sandbox, which imported the target for its own job.
        assert _value(second, 2) > round_done
    finally:
        await prober.close()
    assert await asyncio.to_thread(wait_gone, str(prober.work_dir)) == []
    assert {p.name[:7] for p in prober.work_dir.iterdir()} == {"inputs-"}


async def test_a_call_that_ends_the_worker_costs_a_restart_elsewhere(tmp_path: Path) -> None:
    require_bwrap()
    prober = _prober(tmp_path, "worker_crash")
    try:
        prober.start_before_import()
        await prober.introspect()
        symbols = SymbolTable()
        calls = [_call(1, "classify", symbols, 1), _call(2, "leave", symbols)]
        calls.append(_call(3, "classify", symbols, -1))
        found = await prober.run(calls, symbols.names())
        assert found[1]["outcome"] == "return" and found[2]["outcome"] == "crash"
        # The call after the crash ran in a sandbox of its own.
        assert found[3]["outcome"] == "return" and prober.worker.gone
    finally:
        await prober.close()
    assert await asyncio.to_thread(wait_gone, str(prober.work_dir)) == []


async def test_the_determinism_runs_import_ahead_under_their_own_seed_and_clocks(
    tmp_path: Path,
) -> None:
    require_bwrap()
    prober = _prober(tmp_path, "worker_check")
    symbols = SymbolTable()
    chosen = []
    for cid, name in enumerate(["import_clock", "import_hash", "loaded_at"], start=1):
        callee = Callee(
            key=name, kind="function", symbol=symbols.symbol(name), name=name, params=[]
        )
        cand = Candidate(id=cid, callee=callee)
        cand.result = {"outcome": "return", "value": {"type": "float"}}
        chosen.append(cand)
    try:
        prober.start_before_import()
        await prober.introspect()  # the determinism runs' sandboxes start now
        await asyncio.sleep(1.0)  # ...and import the target while nothing waits for them
        hits = prober.jobs.warm_hits
        handed = time.monotonic()
        found = await observations(prober, chosen, symbols)
        assert prober.jobs.warm_hits == hits + 2
        by_call = {o.cand.call: o for o in found}
        # Imported under the shifted clock of one run and two hash seeds: not locked in.
        assert by_call["import_clock()"].value_stable is False
        assert by_call["import_hash()"].value_stable is False
        # Imported before its job came (the first run's value is the one observed).
        assert float(str(by_call["loaded_at()"].result["value"]["lit"])) < handed
    finally:
        await prober.close()
    assert await asyncio.to_thread(wait_gone, str(prober.work_dir)) == []


def test_draws_are_guessed_from_the_hints_a_class_names() -> None:
    plain = analyze_module("def f(a: int, b: 'list[str]', c=None) -> bool:\n    return a\n", "m.py")
    typed = analyze_module(
        "import datetime\n\ndef f(day: datetime.date, n: int = 0):\n    return day\n", "m.py"
    )
    optional = analyze_module("def f(x: 'Optional[Decimal]' = None):\n    return x\n", "m.py")
    assert draws_likely(plain) is False
    assert draws_likely(typed) is True and draws_likely(optional) is True
