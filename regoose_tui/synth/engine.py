"""The offline test-synthesis engine: analysis -> probing -> cover -> check -> render -> verify.

``synthesize`` writes one pytest module for a target with no LLM and no
network. Everything the target runs, runs in the sandbox through the
session's container tool (its Runtime, for now): the introspection, the
candidate probes, the determinism re-runs and the final pytest run. The
budget bounds the whole thing; exploration stops at about half of it so
checking and verifying always get their share.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from regoose_tui.domain.feedback import Feedback
from regoose_tui.domain.only import wanted
from regoose_tui.domain.suite_edit import list_test_names as suite_test_names
from regoose_tui.domain.target import TargetModule
from regoose_tui.errors import InputError
from regoose_tui.synth.analysis import ModuleAnalysis, analyze_module
from regoose_tui.synth.clock import clock_reads
from regoose_tui.synth.draw_guess import draws_likely
from regoose_tui.synth.explore import Explorer
from regoose_tui.synth.finalize import observations
from regoose_tui.synth.formatting import first_party_for, format_source
from regoose_tui.synth.goal import CoverageGoal, coverage_goal
from regoose_tui.synth.grouping import group, method_name, unit_of
from regoose_tui.synth.keep_session import VerifiedSuite
from regoose_tui.synth.minimize import minimize
from regoose_tui.synth.model import Callee, Candidate
from regoose_tui.synth.name_words import code_vocabulary
from regoose_tui.synth.naming import NameRegistry
from regoose_tui.synth.pools import PoolContext, SymbolTable
from regoose_tui.synth.probe import Prober
from regoose_tui.synth.render import (
    RenderedTest,
    list_test_names,
    render_module,
    render_test,
)
from regoose_tui.synth.select import arcs_of, greedy_cover
from regoose_tui.synth.strengthen import exact, extra_witnesses
from regoose_tui.synth.suspects import distrusted, suspect_witnesses
from regoose_tui.synth.templates import format_templates
from regoose_tui.synth.verify_loop import VERIFY_PASSES, elapsed_of, fit_tests, ranking, verify
from regoose_tui.tools.sandbox import SandboxTool

#: What the engine says (and the session reports) when the project's tests leave nothing.
NOTHING_NEW = "nothing to add"
_EXPLORE_SHARE = 0.55
#: A seeded run's hard stop for exploration (its rounds are counted, see explore.py).
_SEEDED_EXPLORE_SHARE = 0.75
_MINIMIZE_SHARE = 0.1
#: Exploring gets at least this share of what is left to the verification's deadline
#: once the target imports (a small budget spends most of its share importing it).
_MIN_EXPLORE_SHARE = 0.35
#: Simplifying ends by this share of the budget, whatever it started at.
_MINIMIZE_BY = 0.7


@dataclass
class SynthResult:
    """One generated test module and what is known about it."""

    test_source: str
    tests: int
    line_percent: float | None = None
    branch_percent: float | None = None
    candidates_tried: int = 0
    notes: str = ""
    dropped_tests: int = 0
    missing_lines: tuple[int, ...] = ()
    wall_seconds: float = 0.0
    test_names: list[str] = field(default_factory=list)
    #: Tests kept as strict xfail (suspected bugs): {test, input, observed, why, exception}.
    suspects: list[dict[str, str]] = field(default_factory=list)
    #: ``test_source`` and the keep session its last verification was (all green).
    verified: VerifiedSuite | None = None
    #: True when the project's own tests already run every line and branch the probes reach.
    nothing_new: bool = False


async def synthesize(
    target: TargetModule,
    sandbox: SandboxTool,
    *,
    python: str | None = None,
    extra_pythonpath: Sequence[Path] = (),
    budget_seconds: float = 60,
    work_dir: Path,
    progress: Callable[[str], None] | None = None,
    feedback: Feedback | None = None,
    baseline: Feedback | None = None,
    only: Sequence[str] = (),
    seed: int | None = None,
    variant: int = 0,
    verify_seconds: float | None = None,
) -> SynthResult:
    """Write a passing pytest module for ``target`` within ``budget_seconds``.

    ``python`` defaults to the container tool's interpreter. ``baseline`` is
    what the project's own tests cover: in the functions they run, the cover
    keeps only calls that reach arcs they miss (all calls when no call does).
    ``only`` names the functions and methods (``Cart.total``, ``Cart``) tests
    are written for; other calls still run (to build receivers) but are not kept.
    ``seed`` makes the run reproducible: the engine's random choices start from
    it and its phases are bounded by counts of work instead of shares of the
    clock, so two runs with one seed write the same bytes (as long as neither
    runs out of budget). ``variant`` shifts the random combinations the search
    tries (a later round passes another one than the first). ``verify_seconds``
    (at least ``budget_seconds``) is how far the last verification may run when
    the session reuses it as its keep session: the tests it can verify by then
    are kept, the best-ranked first (synth/verify_loop.py).
    """
    opened: list[Prober] = []
    try:
        return await _synthesize(
            target,
            sandbox,
            python=python,
            extra_pythonpath=extra_pythonpath,
            budget_seconds=budget_seconds,
            work_dir=work_dir,
            progress=progress,
            feedback=feedback,
            baseline=baseline,
            only=only,
            seed=seed,
            variant=variant,
            verify_seconds=verify_seconds,
            opened=opened,
        )
    finally:
        # The sandboxes started ahead for jobs that never came die with the generation.
        for prober in opened:
            await prober.close()


async def _synthesize(
    target: TargetModule,
    sandbox: SandboxTool,
    *,
    python: str | None = None,
    extra_pythonpath: Sequence[Path] = (),
    budget_seconds: float = 60,
    work_dir: Path,
    progress: Callable[[str], None] | None = None,
    feedback: Feedback | None = None,
    baseline: Feedback | None = None,
    only: Sequence[str] = (),
    seed: int | None = None,
    variant: int = 0,
    verify_seconds: float | None = None,
    opened: list[Prober],
) -> SynthResult:
    started = time.monotonic()
    say = progress or (lambda _msg: None)
    if python is None:
        if sandbox.python is None:
            raise ValueError("synthesize needs python= or a container tool with a PythonEnv")
        python = str(sandbox.python.executable)
    analysis = analyze_module(target.source, target.path)
    work_dir.mkdir(parents=True, exist_ok=True)
    prober = Prober(
        # For now the Prober drives the container tool's Runtime itself: the host-side
        # probe/verify harness (synth/probe.py, synth/verify.py) is reworked separately,
        # and it stages its own files in ``work_dir`` rather than the tool's folder.
        sandbox.runtime,
        target,
        python=python,
        work_dir=work_dir,
        extra_pythonpath=extra_pythonpath,
        deadline=started + budget_seconds,
        log=say,
        # The verification is the run people watch: its output goes to the live log.
        announce=sandbox.publish,
        session_id=sandbox.session_id,
        # Closed by synthesize whatever happens: it may start sandboxes ahead of their jobs.
        start_ahead=True,
    )
    opened.append(prober)
    prober.start_before_import(draws=draws_likely(analysis))
    # Worked out while the sandbox imports the target: its first use imports coverage.py
    # on the host, a few tenths of a second the exploration would otherwise wait for.
    goal_ready = asyncio.ensure_future(_coverage_goal(prober, target.source))
    say(f"importing {target.module} in the sandbox")
    try:
        intro = await prober.introspect()
    except BaseException:
        # The thread runs to its end either way; nobody is left waiting on it.
        goal_ready.cancel()
        raise
    symbols = SymbolTable()
    ctx = PoolContext(
        analysis,
        symbols,
        patterns=intro.get("patterns", {}),
        vocab=intro.get("vocab", {}),
        imported_vocab=intro.get("imported_vocab", {}),
        templates=format_templates(target.source),
    )
    goal = await goal_ready
    if feedback is not None:
        goal = goal.left_by(feedback.missing_lines, feedback.missing_branches)
    clock = clock_reads(target.source, target.module)
    explorer = Explorer(
        prober,
        analysis,
        intro,
        ctx,
        feedback=feedback or baseline,
        say=say,
        goal=goal,
        seed=seed,
        variant=variant,
        clocks=clock.targets,
    )
    if not explorer.callees:
        return await _constants_only(target, analysis, prober, intro, started)
    # Seeded runs explore by round counts; the clock is only the hard stop.
    share = _SEEDED_EXPLORE_SHARE if seed is not None else _EXPLORE_SHARE
    # The last verification may run to ``verify_seconds`` (it is the session's keep
    # session): the phases before it plan on half of that extra time, the rest is its own.
    deadline = started + max(budget_seconds, verify_seconds or 0.0)
    base = (budget_seconds + deadline - started) / 2 if seed is None else budget_seconds
    explore_until = max(
        started + base * share,
        time.monotonic() + _MIN_EXPLORE_SHARE * (deadline - time.monotonic()),
    )
    await explorer.explore(explore_until)
    if explorer.complete:
        # Every arc is taken: no probe round comes any more (minimize's neither), so the
        # next round's sandbox, started ahead, would only take the check's CPU.
        prober.release_probes(hash_seed=0)
    # A test of a class is named ``TestC::test_x``; its bare name is what a rerun renders.
    failed_before = {f.name.split("::")[-1] for f in feedback.failed} if feedback else set()
    pool = [
        c
        for c in explorer.candidates.values()
        if wanted(only, c.callee.key, c.callee.info.qualname if c.callee.info else None)
    ]
    chosen = public_first(_cover(pool, explorer.callees, baseline, say))
    if feedback is not None:
        # A later round adds to the kept suite: only calls that reach what it misses.
        chosen = [c for c in chosen if reaches_missing(c, feedback)]
    say(f"simplifying {len(chosen)} chosen calls")
    # Simplifying gets its share, but never the time checking and verifying need.
    reduce_until = min(
        time.monotonic() + max(5.0, base * _MINIMIZE_SHARE),
        max(started + base * _MINIMIZE_BY, explore_until),
    )
    if seed is not None:
        reduce_until = started + budget_seconds * (share + _MINIMIZE_SHARE)
    chosen = list({c.id: c for c in await minimize(explorer, chosen, reduce_until)}.values())
    extras = extra_witnesses(pool, chosen)
    if baseline is not None:
        # Beside the project's own tests a call earns its test only for what they miss.
        extras = [c for c in extras if reaches_missing(c, baseline)]
    if feedback is not None:
        # A later round: the validator keeps only tests that reach what the kept suite
        # misses, so an extra that does not would be checked, verified and run for nothing.
        extras = [c for c in extras if reaches_missing(c, feedback)]
    if extras:
        say(f"adding {len(extras)} calls with outputs the chosen ones do not check")
        chosen.extend(extras)
    # Suspected bugs (a crash on fitting input, a docstring example contradicted), each
    # kept as a strict xfail: they lock nothing in, so they are kept even in covered code.
    chosen.extend(suspect_witnesses(pool, chosen))
    found_nothing = baseline is not None and feedback is None and not chosen
    # The cover's order ranks the calls (most new coverage first): if the time left
    # cannot verify them all, the verification keeps the best (verify_loop.fit_tests).
    rank = {c.id: index for index, c in enumerate(chosen)}
    chosen.sort(key=lambda c: (c.callee.lineno, c.callee.key, c.id))
    say(f"checking {len(chosen)} chosen calls for determinism")
    observed = await observations(prober, chosen, symbols, clock)
    # An extra is worth its test only for the exact output it was picked for.
    extra_ids = {c.id for c in extras}
    observed = [o for o in observed if o.cand.id not in extra_ids or exact(o)]
    names = NameRegistry(
        kept_names(feedback), code_vocabulary(analysis, ctx.vocab, ctx.imported_vocab)
    )
    tests: list[RenderedTest] = []
    bodies: set[str] = set()
    for obs in observed:
        test = render_test(obs, symbols, names)
        if test is None or {test.name, method_name(test.name, unit_of(obs.cand))} & failed_before:
            continue
        # Two callees can lead to the very same test (a method and its inherited copy),
        # and two calls to tests that take the same arcs to check the same thing.
        body = test.source.split("\n", 1)[1]
        same = checked_behaviour(test)
        if body not in bodies and same not in bodies:
            bodies |= {body, same}
            tests.append(test)
    tests, left_out = distrusted(tests)
    for unit, count in left_out.items():
        say(f"not locking in {count} observed values of {unit}: its docstring example disagrees")
    prober.deadline = max(prober.deadline, deadline)
    # Seeded: the same tests every run, unless the time left clearly cannot hold them
    # (the run's own stop at the deadline still keeps what finished).
    tests, cost = await fit_tests(tests, rank, deadline, say, slack=1.0 if seed is None else 1.5)
    first_party = await asyncio.to_thread(first_party_for, target)
    rendered = render_module(target.module, tests, symbols, first_party=first_party)
    source = await format_source(rendered, first_party=first_party)
    elapsed = [elapsed_of(t) for t in tests]
    about = f" (about {cost.seconds(elapsed, VERIFY_PASSES):.0f} s)" if cost.measured else ""
    say(f"verifying {len(tests)} tests with pytest{about}")
    # No probe job comes any more: its sandboxes started ahead would take the CPU
    # the verification needs (two cores).
    prober.release_probes()
    verify_started = time.monotonic()

    async def tidy(text: str) -> str:
        return await format_source(text, first_party=first_party)

    source, run, dropped = await verify(
        prober,
        source,
        intro,
        say,
        deadline,
        seed=seed or 0,
        cost=cost,
        elapsed=elapsed,
        tidy=tidy,
        ranked=ranking(tests, rank),
    )
    names_left = list_test_names(source)
    took = time.monotonic() - verify_started
    if run is not None and run.error and not run.failed and not run.passed:
        # Cut short (its wall clock, a crash of the run itself): nothing was shown to pass.
        say(f"verification did not finish ({took:.1f} s): the validator runs the tests itself")
    else:
        say(
            f"{len(names_left)} tests pass {VERIFY_PASSES} runs in shuffled order and each "
            f"alone ({took:.1f} s)"
        )
    notes = (
        f"{len(names_left)} tests from {len(explorer.candidates)} probed calls "
        f"({len(explorer.covered)} code transitions reached)"
    )
    if dropped:
        notes += f"; {dropped} failing tests removed"
    if run is not None and run.line_percent is not None:
        notes += f"; coverage {run.line_percent}% lines, {run.branch_percent}% branches"
    return SynthResult(
        test_source=source,
        tests=len(names_left),
        line_percent=run.line_percent if run else None,
        branch_percent=run.branch_percent if run else None,
        candidates_tried=len(explorer.candidates),
        notes=notes,
        dropped_tests=dropped,
        missing_lines=tuple(run.missing_lines) if run else (),
        wall_seconds=round(time.monotonic() - started, 2),
        test_names=names_left,
        suspects=_suspects(tests, names_left),
        # Green on exactly this source: the validator's keep session needs no second run.
        verified=VerifiedSuite(source, run.keep) if run and run.keep and not run.failed else None,
        nothing_new=found_nothing,
    )


async def _coverage_goal(prober: Prober, source: str) -> CoverageGoal:
    """The goal, worked out in a thread once the introspection's sandbox is starting.

    Not before: the thread holds the GIL through most of coverage.py's import, and
    the introspection's start (the generation's critical path) waits for it.
    """
    await prober.introspection_starting()
    return await asyncio.to_thread(coverage_goal, source)


def _suspects(tests: list[RenderedTest], names_left: list[str]) -> list[dict[str, str]]:
    """The suspected bugs among the tests that passed verification, by their node names.

    The rendered module puts each test in its unit's class, so a test is known
    there (and to the verdicts, the store and the reports) as ``TestUnit::test_x``.
    """
    placed = group([(t.name, t.source, t.cand) for t in tests])
    left = set(names_left)
    found = []
    for test, where in zip(tests, placed, strict=True):
        name = where.node_name if where.node_name in left else test.name
        if test.suspect is None or name not in left:
            continue
        found.append(
            {
                "test": name,
                "input": test.cand.call,
                "observed": test.suspect.observed,
                "why": test.suspect.why,
                "exception": test.suspect.exception,
            }
        )
    return found


def _cover(
    pool: list[Candidate],
    callees: list[Callee],
    baseline: Feedback | None,
    say: Callable[[str], None],
) -> list[Candidate]:
    """The greedy cover, aimed past what the project's own tests already run."""
    if baseline is None:
        return greedy_cover(pool)
    # A callee the project's tests already run earns a test only for arcs they miss;
    # one they never enter gets its behaviours tested as usual.
    run = {line for arc in baseline.covered_arcs for line in arc if line > 0}
    settled = {
        callee.behaviour_key
        for callee in callees
        if callee.info is not None
        and any(callee.info.lineno <= n <= callee.info.end_lineno for n in run)
    }
    chosen = greedy_cover(pool, pre_covered=baseline.covered_arcs, settled=settled)
    # Only calls that run a line or take a branch the project's tests miss: a call
    # that merely reaches the same code another way adds a test and no coverage.
    chosen = [c for c in chosen if reaches_missing(c, baseline)]
    if chosen:
        say(f"aiming at what the project's tests miss: {len(chosen)} calls reach it")
    else:
        say(f"{NOTHING_NEW}: no probed call reaches code the project's tests miss")
    return chosen


def public_first(chosen: list[Candidate]) -> list[Candidate]:
    """``chosen`` without calls of private helpers that reach nothing the public calls miss."""
    public = [c for c in chosen if not c.callee.name.startswith("_") or c.callee.kind == "dunder"]
    reached = arcs_of(public)
    public_ids = {c.id for c in public}
    return [
        c
        for c in chosen
        if c.id in public_ids or not {tuple(a) for a in c.result.get("arcs", [])} <= reached
    ]


def checked_behaviour(test: RenderedTest) -> str:
    """A test's arcs and assertions with its call's inputs left out: equal means redundant.

    ``assert is_email('a') is False`` and ``assert is_email('b') is False`` taking
    the same arcs check one behaviour; ``== 'A'`` and ``== 'B'`` are two checks.
    """
    cand = test.cand
    arcs = sorted({(a, b) for a, b in cand.result.get("arcs", [])})
    lines = test.source.split("\n")[1:]
    setup = {line.strip() for line in cand.setup}
    kept = [line.replace(cand.call, "<call>") for line in lines if line.strip() not in setup]
    return f"{cand.callee.key}|{arcs}|" + "\n".join(kept)


def reaches_missing(cand: Candidate, feedback: Feedback) -> bool:
    """Whether ``cand`` runs a line or takes a branch the kept suite does not."""
    missing_lines = set(feedback.missing_lines)
    missing_arcs = {tuple(b) for b in feedback.missing_branches}
    for src, dst in cand.result.get("arcs", []):
        if (src, dst) in missing_arcs or dst in missing_lines or src in missing_lines:
            return True
    return False


def kept_names(feedback: Feedback | None) -> list[str]:
    """Test names the kept suite already uses (a method's bare name for a class's tests)."""
    if feedback is None or not feedback.kept_test_source.strip():
        return []
    try:
        return [name.split("::")[-1] for name in suite_test_names(feedback.kept_test_source)]
    except InputError:
        return []


async def _constants_only(
    target: TargetModule,
    analysis: ModuleAnalysis,
    prober: Prober,
    intro: dict[str, object],
    started: float,
) -> SynthResult:
    """A module with nothing to call: test that it imports and its constants hold."""
    lines = [f"# Generated by Regoose (offline provider) for {target.module}", "", ""]
    lines.append("def test_module_imports():")
    lines.append(f"    import {target.module}")
    lines.append("")
    lines.append(f"    assert {target.module}.__name__ == {target.module!r}")
    for name, value in list(analysis.constants.items())[:20]:
        if name.startswith("_"):
            continue
        lines.append(f"    assert {target.module}.{name} == {value!r}")
    first_party = await asyncio.to_thread(first_party_for, target)
    source = await format_source("\n".join(lines) + "\n", first_party=first_party)
    prober.release_probes()  # nothing to probe: only the verification is left
    source, run, dropped = await verify(
        prober, source, intro, lambda _m: None, min(time.monotonic() + 30, prober.deadline)
    )
    return SynthResult(
        test_source=source,
        tests=len(list_test_names(source)),
        line_percent=run.line_percent if run else None,
        branch_percent=run.branch_percent if run else None,
        notes="the module defines no functions or classes to call",
        dropped_tests=dropped,
        wall_seconds=round(time.monotonic() - started, 2),
        test_names=list_test_names(source),
    )
