"""A folder or package: one generation per module, as the branches of a PARALLEL plan.

Each branch is a whole GenerationSession (its own session in the store, its
own plan of agents) for one module; at most ``jobs`` run at once (the plan's
``max_concurrency``). A branch that fails says why in its row and the others
go on; the join gathers every row into one ScopeOutcome. The plan's own
events carry a session id no store session has, so no module's session
records another's progress.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regoose_tui.bus.bus import MessageBus
from regoose_tui.domain.scope_targets import Scope, ScopeTarget
from regoose_tui.engine.generation import GenerationSession
from regoose_tui.engine.options import GenerateOptions
from regoose_tui.engine.outcome import GenerationOutcome
from regoose_tui.errors import RegooseError
from regoose_tui.plan import ExecutionPlan, NodeContext, PlanNode
from regoose_tui.providers.base import Provider
from regoose_tui.runtime.base import Runtime
from regoose_tui.runtime.python_env import PythonEnv
from regoose_tui.store.store import SessionStore


@dataclass(frozen=True)
class ModuleRow:
    """One module of the fan-out: its outcome, or the error that stopped it."""

    target: Path
    only: tuple[str, ...] = ()
    outcome: GenerationOutcome | None = None
    error: str | None = None
    python: PythonEnv | None = None
    #: The module's session in the store (also for one that ended in an error).
    session_id: str | None = None
    #: Where its suite waits for review (no --apply): not in the project yet.
    staged: tuple[Path, ...] = ()

    @property
    def ok(self) -> bool:
        return self.outcome is not None and self.outcome.status == "passed"

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"target": str(self.target), "only": list(self.only)}
        if self.outcome is not None:
            data.update(self.outcome.as_json())
        else:
            data.update({"status": "error", "reason": self.error})
        data["staged"] = [str(path) for path in self.staged]
        return data


@dataclass(frozen=True)
class ScopeOutcome:
    """Every module's row, the modules left out (with why), and the totals."""

    rows: tuple[ModuleRow, ...]
    skipped: tuple[tuple[Path, str], ...] = ()
    jobs: int = 1
    wall_seconds: float = 0.0
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return "passed" if self.rows and all(row.ok for row in self.rows) else "failed"

    def as_json(self) -> dict[str, Any]:
        """The one object `regoose generate FOLDER --json` prints."""
        return {
            "format": "regoose.scope",
            "schema_version": 1,
            "status": self.status,
            "jobs": self.jobs,
            "wall_seconds": round(self.wall_seconds, 2),
            "totals": self.totals,
            "modules": [row.as_json() for row in self.rows],
            "skipped": [{"target": str(p), "reason": why} for p, why in self.skipped],
        }


def totals_of(rows: Sequence[ModuleRow]) -> dict[str, int]:
    """Sums over the modules: how many, how they ended, tests and files."""
    outcomes = [row.outcome for row in rows if row.outcome is not None]
    return {
        "modules": len(rows),
        "passed_modules": sum(1 for row in rows if row.ok),
        "failed_modules": sum(1 for o in outcomes if o.status != "passed"),
        "error_modules": sum(1 for row in rows if row.outcome is None),
        "tests": sum(o.tests for o in outcomes),
        "passed": sum(o.passed for o in outcomes),
        "failed": sum(o.failed for o in outcomes),
        "files_written": sum(len(o.tests_written) for o in outcomes),
    }


#: Called as each module starts (row None) and ends (its row).
ModuleProgress = Callable[[ScopeTarget, ModuleRow | None], None]

#: Called with each module's outcome before its row is made: what the caller does
#: with the suite (stage it for review, commit it); returns the staged paths.
AfterModule = Callable[[GenerationOutcome, GenerateOptions], Awaitable[tuple[Path, ...]]]


class FanOut:
    """Runs one GenerationSession per module of a scope, ``jobs`` at a time."""

    def __init__(
        self,
        scope: Scope,
        options: GenerateOptions,
        *,
        bus: MessageBus,
        store: SessionStore,
        jobs: int = 1,
        progress: ModuleProgress | None = None,
        provider: Provider | None = None,
        runtime: Runtime | None = None,
        after: AfterModule | None = None,
    ) -> None:
        self.scope = scope
        self._after = after
        self.options = options
        self.bus = bus
        self.store = store
        self.jobs = max(1, jobs)
        self.progress = progress or (lambda _target, _row: None)
        #: Shared by every module's session when given (else each builds its own).
        self._provider = provider
        self._runtime = runtime
        self._plan: ExecutionPlan | None = None

    def cancel(self) -> None:
        """Stop every running module (their sandboxes are killed)."""
        if self._plan is not None:
            self._plan.cancel()

    async def run(self) -> ScopeOutcome:
        """Generate for every module; one row each, in the scope's (sorted) order."""
        started = time.monotonic()
        branches = [
            PlanNode(f"module{index}", self._branch(target), label=_label(target))
            for index, target in enumerate(self.scope.targets)
        ]

        targets = dict(zip((node.id for node in branches), self.scope.targets, strict=True))

        async def join(ctx: NodeContext) -> tuple[ModuleRow, ...]:
            rows = []
            for node_id, target in targets.items():
                if node_id in ctx.results:
                    rows.append(ctx.results[node_id])
                else:
                    # A bug of ours in one branch: its row says so, the others stand.
                    failure = ctx.failures.get(node_id)
                    why = failure.detail if failure else "did not run"
                    rows.append(ModuleRow(target.path, target.only, error=why))
            return tuple(rows)

        plan = ExecutionPlan.parallel(
            branches,
            PlanNode("summary", join, label="Summary", tolerate_failed_deps=True),
            max_concurrency=self.jobs,
            publish=self.bus.publish_nowait,
            # No store session has this id: the modules' taps leave these events alone.
            session_id=f"scope-{uuid.uuid4().hex[:10]}",
        )
        self._plan = plan
        result = await plan.run()
        if result.status == "cancelled":
            raise asyncio.CancelledError
        rows: tuple[ModuleRow, ...] = result.results.get("summary", ())
        return ScopeOutcome(
            rows=rows,
            skipped=self.scope.skipped,
            jobs=self.jobs,
            wall_seconds=time.monotonic() - started,
            totals=totals_of(rows),
        )

    def _branch(self, target: ScopeTarget) -> Callable[[NodeContext], Any]:
        async def run(ctx: NodeContext) -> ModuleRow:
            self.progress(target, None)
            # Each target's budget is its own: it counts from its own session's start.
            options = self.options.model_copy(
                update={"target": target.path, "only": target.only, "started_at": None}
            )
            session = GenerationSession(
                options,
                bus=self.bus,
                store=self.store,
                provider=self._provider,
                runtime=self._runtime,
            )
            try:
                outcome = await session.run()
            except RegooseError as error:
                row = ModuleRow(
                    target.path,
                    target.only,
                    error=error.msg,
                    python=session.python,
                    session_id=session.session_id,
                )
            else:
                staged = await self._after(outcome, options) if self._after else ()
                row = ModuleRow(
                    target.path,
                    target.only,
                    outcome,
                    python=session.python,
                    session_id=outcome.session_id,
                    staged=staged,
                )
            self.progress(target, row)
            return row

        return run


def _label(target: ScopeTarget) -> str:
    name = target.path.stem if target.path.name != "__init__.py" else target.path.parent.name
    return f"{name} ({', '.join(target.only)})" if target.only else name
