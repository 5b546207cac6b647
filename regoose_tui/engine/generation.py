"""One generation, end to end: a session, a plan of agents, the store, the files.

    analyzer ─► generator ─► executor ─► validator ─► reporter
                    ▲                        │  (loop: up to N iterations,
                    └──── feedback ◄─────────┘   while coverage grows)

Every agent and the plan publish on the bus; the session store taps the bus,
so the session can be replayed. Bad input fails the analyzer with an
InputError: nothing is written and the session is recorded as failed with
the reason. The caller gets a GenerationOutcome or the RegooseError.
"""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from regoose_tui.agents.analyzer import AnalyzeInput, AnalyzerAgent, TargetAnalysis
from regoose_tui.agents.base import AgentContext
from regoose_tui.agents.executor import ExecuteInput, Execution, ExecutorAgent
from regoose_tui.agents.generator import GenerateInput, GeneratorAgent
from regoose_tui.agents.keep_rule import KEEP_ROUNDS, candidate_rounds
from regoose_tui.agents.project_tests import (
    SUITE_TIMEOUT_SECONDS,
    ProjectTestsAgent,
    SuiteInput,
    SuiteRun,
)
from regoose_tui.agents.reporter import ReporterAgent, ReportInput, Written
from regoose_tui.agents.validator import (
    MIN_RUN_SECONDS,
    KeptSuite,
    ValidateInput,
    Validation,
    ValidatorAgent,
)
from regoose_tui.bus.bus import MessageBus
from regoose_tui.bus.events import SessionFinished, SessionStarted, SessionStatus
from regoose_tui.bus.subscription import Subscription
from regoose_tui.domain.feedback import Feedback
from regoose_tui.domain.layout import detect_layout
from regoose_tui.domain.target import project_root
from regoose_tui.engine.baseline import (
    aim,
    find_project_tests,
    fully_covered,
    nothing_to_add,
    sandbox_read_paths,
)
from regoose_tui.engine.conclusion import Ending, conclude
from regoose_tui.engine.into_existing import Joined, join, read_host
from regoose_tui.engine.options import GenerateOptions
from regoose_tui.engine.outcome import GenerationOutcome
from regoose_tui.engine.output_check import check_output, choose_test_path, test_file_name
from regoose_tui.engine.project_rules import project_rules
from regoose_tui.engine.provenance import Provenance
from regoose_tui.engine.provider_choice import build_provider, first_error
from regoose_tui.engine.provider_failure import (
    PROVIDER_ERROR,
    is_cost_limit,
    stand_in,
    unchanged,
)
from regoose_tui.engine.sandbox_choice import runtime_and_python
from regoose_tui.engine.session_tools import files_of, output_files, sandbox_of, session_tools
from regoose_tui.engine.stopping import LoopGuard, covers_everything, provider_room, verify_room
from regoose_tui.engine.verdicts import VerdictBook
from regoose_tui.errors import PlanError, ProviderError, RegooseError
from regoose_tui.plan import ExecutionPlan, Loop, NodeContext, PlanNode
from regoose_tui.project_config import ProjectConfig
from regoose_tui.providers.base import GenerationResult, Provider
from regoose_tui.runtime.base import Runtime
from regoose_tui.runtime.python_env import PythonEnv
from regoose_tui.store.sink import store_sink
from regoose_tui.store.store import SessionStore
from regoose_tui.tools.registry import ToolRegistry

#: Share of the remaining budget the provider may spend in one iteration;
#: the rest goes to running and validating what it wrote.
PROVIDER_BUDGET_SHARE = 0.6


class GenerationSession:
    """Runs one generation on a bus, recording it in the store."""

    def __init__(
        self,
        options: GenerateOptions,
        *,
        bus: MessageBus,
        store: SessionStore,
        provider: Provider | None = None,
        runtime: Runtime | None = None,
        python: PythonEnv | None = None,
    ) -> None:
        self.options = options
        self.bus = bus
        self.store = store
        self._provider = provider
        self._runtime = runtime
        self._python = python
        self.session_id: str | None = None
        self._plan: ExecutionPlan | None = None
        self._deadline = 0.0
        self._tap: Subscription | None = None
        self._cancel_requested = False
        self._rules: ProjectConfig | None = None

    @property
    def python(self) -> PythonEnv | None:
        """The interpreter that ran the project's code (None before ``run`` resolved it)."""
        return self._python

    def cancel(self) -> None:
        """Stop the running plan; running sandboxes are killed."""
        self._cancel_requested = True
        if self._plan is not None:
            self._plan.cancel()

    async def run(self) -> GenerationOutcome:
        """Generate, validate and write tests; raise the RegooseError that stopped it."""
        started = time.monotonic()
        # The user's clock started with the command (its start-up is part of the budget).
        begun = min(started, self.options.started_at or started)
        self._deadline = begun + self.options.budget_seconds
        options = self.options
        provider_name = options.provider
        runtime_name = options.runtime
        self.session_id = await self.store.create_session(
            target=str(Path(options.target).expanduser().resolve()),
            project=str(options.project or ""),
            provider=provider_name,
            runtime=runtime_name,
            kind="generate",
        )
        tap = self.bus.tap(store_sink(self.store, self.session_id), name="store")
        self._tap = tap
        work_dir = Path(tempfile.mkdtemp(prefix="regoose-session-"))
        try:
            try:
                # .regooseignore / [tool.regoose]: an ignored target stops here, in one line.
                self._rules, masked = await project_rules(options)
                provider = self._provider or build_provider(options)
                runtime, python, layout = await runtime_and_python(
                    options, masked=masked, runtime=self._runtime, python=self._python
                )
                self._python = python
                # One registry for the whole session: every agent and the provider get
                # their tools from it, so each disk and sandbox operation is announced.
                tools = await asyncio.to_thread(
                    session_tools,
                    runtime,
                    python,
                    project_dir=project_root(options.target, options.project),
                    work_dir=work_dir,
                    publish=self.bus.publish_nowait,
                    session_id=self.session_id,
                    # The project's own tests may live outside the import root (src/).
                    read_only_paths=await asyncio.to_thread(sandbox_read_paths, layout),
                )
            except asyncio.CancelledError:
                await self._finish("cancelled", "cancelled by the user", started)
                raise
            except RegooseError as error:
                await self._finish("error", error.msg, started)
                raise
            self.bus.publish_nowait(
                SessionStarted(
                    target=str(options.target),
                    project=str(options.project or ""),
                    provider=provider.name,
                    runtime=runtime.name,
                    isolated=runtime.isolated,
                    session_id=self.session_id,
                )
            )
            try:
                outcome = await self._generate(provider, tools, started)
            except asyncio.CancelledError:
                await self._finish("cancelled", "cancelled by the user", started)
                raise
            except RegooseError as error:
                await self._finish("error", error.msg, started)
                raise
            except Exception as error:
                # A bug of ours: the session still ends with the reason, not as "running".
                await self._finish(
                    "error", f"internal error: {type(error).__name__}: {error}", started
                )
                raise
            return outcome
        finally:
            await tap.aclose()
            await self.store.flush()
            await asyncio.to_thread(shutil.rmtree, work_dir, ignore_errors=True)

    def _run_deadline(self) -> float:
        """When a run of the candidate or a keep session must end: the deadline, plus a
        twentieth of the budget (the report after it is quick; a run cut short keeps nothing)."""
        return self._deadline + 0.05 * self.options.budget_seconds

    async def _finish(
        self, status: SessionStatus, reason: str | None, started: float, **figures: Any
    ) -> None:
        assert self.session_id is not None
        wall = time.monotonic() - started
        self.bus.publish_nowait(
            SessionFinished(
                status=status,
                reason=reason,
                wall_seconds=wall,
                session_id=self.session_id,
            )
        )
        if self._tap is not None:
            await self._tap.join()  # every event reaches the store before the verdict
        await self.store.finish_session(
            self.session_id,
            status,
            reason,
            wall_seconds=wall,
            **figures,
        )

    async def _generate(
        self,
        provider: Provider,
        tools: ToolRegistry,
        started: float,
    ) -> GenerationOutcome:
        options = self.options
        session_id = self.session_id
        files, sandbox = files_of(tools), sandbox_of(tools)

        def context(node_id: str, iteration: int = 1) -> AgentContext:
            return AgentContext(
                emit=self.bus.publish_nowait,
                session_id=session_id,
                node_id=node_id,
                iteration=iteration,
            )

        # Results every later node needs; the plan only hands a node its direct deps.
        shared: dict[str, Any] = {}
        provenance = Provenance()
        book = VerdictBook()

        async def analyze(ctx: NodeContext) -> TargetAnalysis:
            agent = AnalyzerAgent(
                context("analyzer"),
                sandbox,
                import_timeout=self._deadline - time.monotonic(),
                check_import=not provider.imports_target,
            )
            analysis = await agent.execute(
                AnalyzeInput(str(options.target), str(options.project) if options.project else None)
            )
            # The project's own test folder and naming (tests/ beside src/), or --out.
            layout = await asyncio.to_thread(detect_layout, analysis.target.path, options.project)
            out_path = await asyncio.to_thread(
                choose_test_path, layout, analysis.target.module, options.out_dir
            )
            known = await self.store.known_file_hashes(out_path)
            await asyncio.to_thread(
                check_output,
                out_path,
                analysis.target.module,
                options.force,
                known,
                options.write_files,
            )
            if self._rules is not None:
                self._rules.ignore.check(out_path)  # never write where the project forbids
            shared["exclude"] = out_path  # the file Regoose (re)writes is not the project's
            host = None
            if options.into_existing and options.out_dir is None:
                host = await asyncio.to_thread(read_host, layout, analysis.target.module)
            if host is not None and (
                self._rules is None or not self._rules.ignore.match(host.path)
            ):
                # New classes in the project's own file; ``out_path`` stays the fallback.
                shared["host"], shared["fallback"] = host, (out_path, frozenset(known))
                if out_path.resolve() == host.path:
                    # A top-level module's dotted name is its plain one (test_calc.py):
                    # the fallback named the host itself, whose tests ARE the project's.
                    shared["exclude"] = None
                out_path, known = host.path, {host.sha256}
            shared["out_path"], shared["known"] = out_path, frozenset(known)
            shared["analysis"] = analysis
            return analysis

        async def project_tests(ctx: NodeContext) -> SuiteRun:
            # The project's own tests for the target first: what they cover is the baseline.
            analysis: TargetAnalysis = ctx.result("analyzer")
            layout = await asyncio.to_thread(detect_layout, analysis.target.path, options.project)
            found = await find_project_tests(layout, analysis.target.module, shared["exclude"])
            agent = ProjectTestsAgent(context("baseline"), files, sandbox)
            # Within the session's budget, but never less than a short run needs.
            timeout = min(SUITE_TIMEOUT_SECONDS, max(20.0, self._deadline - time.monotonic()))
            began = time.monotonic()
            shared["baseline"] = await agent.execute(
                SuiteInput(analysis.target, found, timeout=timeout)
            )
            shared["baseline_seconds"] = time.monotonic() - began if found else 0.0
            return shared["baseline"]

        async def generate(ctx: NodeContext) -> GenerationResult:
            analysis: TargetAnalysis = ctx.result("analyzer")
            previous: Validation | None = ctx.previous.get("validator")
            agent = GeneratorAgent(context("generator", ctx.iteration), provider, tools)
            remaining = max(5.0, self._deadline - time.monotonic())
            last_run: Execution | None = ctx.previous.get("executor")
            # A later round runs its candidate and then the merged suite: keep their time.
            # The longest run of ANY earlier round, not just the last: a round that found
            # nothing to run (0 s) says nothing of what the next one's runs will take.
            runs: list[float] = shared.setdefault("run_seconds", [])
            runs.append(last_run.report.wall_seconds if last_run else 0.0)
            runs.append(previous.check_seconds if previous else 0.0)
            # A first round's own last verification is the keep session the validator
            # reuses (keep_reuse.py): it may run on towards the deadline, not the share.
            first = previous is None or previous.kept is None
            verify_seconds = (
                verify_room(remaining, options.budget_seconds, shared["baseline_seconds"])
                if first
                else None
            )
            remaining = provider_room(remaining, max(runs), max(runs))
            baseline: SuiteRun = ctx.result("baseline")
            if ctx.iteration == 1 and fully_covered(baseline):
                # The project's own tests run every line and branch: no provider call.
                said = nothing_to_add(baseline, analysis.target.test_root, analysis.target.module)
                shared["nothing_to_add"] = said
                agent.progress(said)
                shared["candidate"] = GenerationResult(
                    f"# {said}\n", notes=said, extra={"origin": "baseline"}
                )
                return shared["candidate"]
            try:
                shared["candidate"] = await agent.execute(
                    GenerateInput(
                        # Where the file goes decides how ruff sorts its imports (first-party).
                        target=dataclasses.replace(analysis.target, out_path=shared["out_path"]),
                        iteration=ctx.iteration,
                        budget_seconds=remaining * PROVIDER_BUDGET_SHARE,
                        feedback=aim(previous.feedback if previous else None, baseline),
                        baseline=baseline.feedback(),
                        only=options.only,
                        instructions=self._rules.instructions if self._rules else "",
                        seed=options.seed,
                        verify_seconds=verify_seconds,
                    )
                )
            except ProviderError as error:
                # Tests kept before stay kept: the loop stops here with the error's line.
                stand = stand_in(error, previous, provider.name)
                if stand is None:
                    raise
                shared["candidate"], shared["provider_failed"] = stand, error
                return stand
            provenance.add(shared["candidate"], default_origin=provider.name)
            book.add_candidate(shared["candidate"])
            if ctx.iteration == 1 and shared["candidate"].extra.get("nothing_new"):
                shared["nothing_to_add"] = nothing_to_add(
                    baseline, analysis.target.test_root, analysis.target.module, reached=True
                )
            return shared["candidate"]

        async def execute(ctx: NodeContext) -> Execution:
            analysis: TargetAnalysis = shared["analysis"]
            candidate: GenerationResult = ctx.result("generator")
            previous: Validation | None = ctx.previous.get("validator")
            if PROVIDER_ERROR in candidate.extra and previous and previous.kept:
                # Nothing new to run: the stand-in is the kept suite, already validated.
                assert previous.kept.report is not None
                return Execution(files.root, previous.kept.report)
            agent = ExecutorAgent(context("executor", ctx.iteration), files, sandbox)
            return await agent.execute(
                ExecuteInput(
                    target=analysis.target,
                    test_source=candidate.test_source,
                    file_name=test_file_name(analysis.target.module),
                    folder=PurePosixPath(f"iteration{ctx.iteration}", "candidate"),
                    label=f"candidate #{ctx.iteration}",
                    # The offline engine's module already passed its own 3 shuffled runs:
                    # run it as the validator's keep session at once, which it then reuses
                    # (validator.py) instead of running the same module a second time.
                    rounds=candidate_rounds(
                        candidate.extra.get("origin"),
                        alone=previous is None or previous.kept is None,
                    ),
                    seed=options.seed or 0,
                    # Its own last verification, when that was this keep session already.
                    verified=candidate.extra.get("verified"),
                    timeout_seconds=max(MIN_RUN_SECONDS, self._run_deadline() - time.monotonic()),
                )
            )

        async def validate(ctx: NodeContext) -> Validation:
            analysis: TargetAnalysis = shared["analysis"]
            candidate: GenerationResult = shared["candidate"]
            execution: Execution = ctx.result("executor")
            previous: Validation | None = ctx.previous.get("validator")
            if PROVIDER_ERROR in candidate.extra and previous is not None:
                return unchanged(previous)
            if "nothing_to_add" in shared and previous is None:
                # Nothing was proposed: no test to drop, no coverage to chase.
                return Validation(None, (), (), improved=False, feedback=Feedback())
            executor = ExecutorAgent(context("executor", ctx.iteration), files, sandbox)
            agent = ValidatorAgent(context("validator", ctx.iteration), executor)
            validation = await agent.execute(
                ValidateInput(
                    target=analysis.target,
                    candidate_source=candidate.test_source,
                    candidate=execution,
                    kept=previous.kept if previous else None,
                    file_name=test_file_name(analysis.target.module),
                    folder=PurePosixPath(f"iteration{ctx.iteration}"),
                    written_as=shared["out_path"],
                    rounds=KEEP_ROUNDS,
                    seed=options.seed or 0,
                    max_repairs=options.repairs,
                    repairs=previous.repairs if previous else {},
                    greedy=candidate.extra.get("origin") != "offline",
                    baseline=shared["baseline"].feedback(),
                    deadline=self._run_deadline(),
                )
            )
            shared.setdefault("dropped", []).extend(validation.dropped)
            book.record(ctx.iteration, validation, previous)
            return validation

        async def joined_suite(kept: KeptSuite | None) -> Joined | None:
            """The kept suite inside the project's own file, once (None: a file of its own)."""
            if "joined" in shared:
                return shared["joined"]
            joined = None
            if "host" in shared and kept is not None and kept.tests:
                analysis: TargetAnalysis = shared["analysis"]
                joined = await asyncio.to_thread(join, shared["host"], kept, analysis.target.module)
                if joined is None:  # the two do not join safely: a file of its own, as before
                    shared["out_path"], shared["known"] = shared["fallback"]
                else:
                    shared["merge_base"] = shared["host"].sha256
                    shared.setdefault("dropped", []).extend(joined.duplicates)
            shared["joined"] = joined
            return joined

        async def whole_suite(ctx: NodeContext) -> SuiteRun | None:
            # One run of the project's tests beside the kept suite: the final coverage.
            # A suite joined into the project's file runs as that file will be written.
            baseline: SuiteRun = shared["baseline"]
            kept: KeptSuite | None = ctx.result("validator").kept
            joined = await joined_suite(kept)
            if not baseline.files or kept is None:
                return None
            analysis: TargetAnalysis = shared["analysis"]
            agent = ProjectTestsAgent(context("final"), files, sandbox)
            name = "regoose_new_" + test_file_name(analysis.target.module)
            shared["final"] = await agent.execute(
                SuiteInput(
                    analysis.target,
                    baseline.files,
                    "final",
                    kept.source,
                    name,
                    PurePosixPath("final"),
                    joined=(shared["host"].path, joined.content) if joined else None,
                )
            )
            return shared["final"]

        async def report(ctx: NodeContext) -> Written:
            validation: Validation = ctx.result("validator")
            kept, content = validation.kept, None
            joined = await joined_suite(kept)
            if joined is not None:
                kept, content = joined.kept, joined.content
            ignore = self._rules.ignore if self._rules is not None else None
            out_files = await asyncio.to_thread(output_files, shared["out_path"], tools, ignore)
            agent = ReporterAgent(context("reporter"), out_files)
            return await agent.execute(
                ReportInput(
                    kept=kept,
                    out_path=shared["out_path"],
                    force=options.force,
                    known_sha256=shared["known"],
                    write=options.write_files,
                    content=content,
                )
            )

        plateau = options.plateau or provider.flat_rounds_to_stop
        guard = LoopGuard(self._deadline, options.max_cost_usd, plateau)
        provider.set_cost_cap(options.max_cost_usd)

        def again(results: Mapping[str, Any], iteration: int) -> bool:
            validation: Validation = results["validator"]
            candidate: GenerationResult = shared["candidate"]
            failed: ProviderError | None = shared.get("provider_failed")
            if "nothing_to_add" in shared and validation.kept is None:
                return guard.stop("complete", shared["nothing_to_add"])
            if failed is not None:
                if is_cost_limit(failed):
                    return guard.stop("cost", failed.msg)
                return guard.stop("provider", str(candidate.extra[PROVIDER_ERROR]))
            return guard.again(
                improved=validation.improved,
                complete=covers_everything(validation.kept),
                spent_usd=provenance.cost_usd,
                round_usd=candidate.cost_usd,
            )

        plan = ExecutionPlan.graph(
            [
                PlanNode("analyzer", analyze, label="Analyzer"),
                PlanNode("baseline", project_tests, label="Project tests", deps=("analyzer",)),
                PlanNode("generator", generate, label="Generator", deps=("analyzer", "baseline")),
                PlanNode("executor", execute, label="Executor", deps=("generator",)),
                PlanNode("validator", validate, label="Validator", deps=("executor",)),
                PlanNode("final", whole_suite, label="Whole suite", deps=("validator",)),
                PlanNode("reporter", report, label="Reporter", deps=("validator", "final")),
            ],
            loops=[
                Loop(
                    ("generator", "executor", "validator"),
                    max_iterations=options.iterations,
                    repeat_if=again,
                )
            ],
            publish=self.bus.publish_nowait,
            session_id=session_id,
        )
        self._plan = plan
        result = await plan.run()
        if result.status == "cancelled":
            if self._cancel_requested:
                raise asyncio.CancelledError
            raise PlanError("generation stopped: a step cancelled the plan")
        if not result.ok:
            raise first_error(result)
        assert session_id is not None
        ending = Ending(
            result,
            provider,
            sandbox.runtime,
            started,
            shared.get("dropped", []),
            provenance,
            out_path=shared["out_path"],
            guard=guard,
            book=book,
            suites=(shared.get("baseline"), shared.get("final")),
            provider_failed=shared.get("provider_failed"),
            merge_base=shared.get("merge_base"),
            nothing_to_add=shared.get("nothing_to_add", ""),
        )
        return await conclude(
            ending, session_id=session_id, store=self.store, bus=self.bus, finish=self._finish
        )
