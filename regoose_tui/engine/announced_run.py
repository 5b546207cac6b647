"""A pytest run in the sandbox, announced on the bus: started, its output, finished.

The executor agent and `regoose run` both run pytest this way, so the app's
log and the session store see every run alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from regoose_tui.bus.events import Event, RunFinished, RunStarted
from regoose_tui.engine.output_batcher import OutputBatcher
from regoose_tui.runtime.base import Runtime
from regoose_tui.runtime.pytest_runner import PytestReport, run_pytest
from regoose_tui.runtime.python_env import PythonEnv


async def run_pytest_announced(
    emit: Callable[[Event], None],
    runtime: Runtime,
    python: PythonEnv,
    *,
    run_id: str,
    session_id: str | None,
    label: str,
    argv: Sequence[str],
    project_dir: Path,
    work_dir: Path,
    test_paths: Sequence[Path],
    cov_source: Path | None,
    timeout: float = 300.0,  # noqa: ASYNC109 - a sandbox limit, enforced by the runtime
) -> PytestReport:
    """Run pytest with ``run_pytest``, publishing RunStarted, RunOutput batches and RunFinished.

    When the run raises (or is cancelled) the output so far is still published
    and no RunFinished is sent: the caller reports how the session ended.
    """
    emit(
        RunStarted(
            run_id=run_id,
            runtime=runtime.name,
            argv=tuple(argv),
            label=label,
            session_id=session_id,
        )
    )
    batcher = OutputBatcher(emit, run_id, session_id)
    try:
        report = await run_pytest(
            runtime,
            python,
            project_dir=project_dir,
            work_dir=work_dir,
            test_paths=test_paths,
            cov_source=cov_source,
            on_output=batcher,
            timeout=timeout,
            # Regoose's own pytest plugins (textual snapshots...) only slow a run down;
            # the user's venv keeps its plugins (pytest-asyncio and friends).
            autoload_plugins=python.source == "VIRTUAL_ENV",
        )
    finally:
        batcher.flush()
    emit(
        RunFinished(
            run_id=run_id,
            exit_code=report.exit_code,
            timed_out=report.timed_out,
            wall_seconds=report.wall_seconds,
            session_id=session_id,
        )
    )
    return report
