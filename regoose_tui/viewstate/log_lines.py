"""The lines Regoose itself writes into the live test log, ANSI-coloured.

Run output goes into the log exactly as the run printed it; these are the
markers around it (session header, run start and exit, verdicts, agent
failures), kept apart from the reducer that decides when to write them.
"""

from __future__ import annotations

from pathlib import Path

from regoose_tui.bus.events import (
    AgentFailed,
    RunFinished,
    RunStarted,
    SessionFinished,
    SessionStarted,
)
from regoose_tui.domain.display import shown_paths

DIM, BOLD_CYAN, RED, GREEN, RESET = "\x1b[2m", "\x1b[1;36m", "\x1b[31m", "\x1b[32m", "\x1b[0m"


def relative_target(target: str, project_dir: Path | None) -> str:
    """Each space-separated path of ``target`` as shown to the user (see domain.display)."""
    if project_dir is None:
        return target
    return shown_paths(target, project_dir)


#: The provider a run of existing tests records (engine.test_run): it has none.
RUN_PROVIDER = "-"


def session_header(event: SessionStarted, project_dir: Path | None) -> str:
    """'━━ shop/cart.py · offline · local — NOT ISOLATED' (a run has no provider part)."""
    where = "" if event.isolated else " — NOT ISOLATED"
    target = relative_target(event.target, project_dir)
    provider = "" if event.provider == RUN_PROVIDER else f" · {event.provider}"
    return f"{BOLD_CYAN}━━ {target}{provider} · {event.runtime}{where}{RESET}"


def session_verdict(event: SessionFinished) -> str:
    """'■ session passed', green, or red with the reason."""
    mark = GREEN if event.status == "passed" else RED
    reason = f": {event.reason}" if event.reason else ""
    return f"{mark}■ session {event.status}{reason}{RESET}"


def run_started(event: RunStarted) -> str:
    """'▶ candidate #1 pytest test_cart.py [local]'."""
    label = event.label or "run"
    return f"{BOLD_CYAN}▶ {label}{RESET} {DIM}{' '.join(event.argv)} [{event.runtime}]{RESET}"


def run_finished(event: RunFinished) -> str:
    """'■ exit 0 in 0.9s', dimmed."""
    took = f" in {event.wall_seconds:.1f}s" if event.wall_seconds else ""
    timed_out = " (timed out)" if event.timed_out else ""
    return f"{DIM}■ exit {event.exit_code}{took}{timed_out}{RESET}"


def stderr_lines(lines: tuple[str, ...] | list[str]) -> list[str]:
    """stderr lines that bring no colours of their own, in red."""
    return [line if "\x1b" in line else RED + line for line in lines]


def agent_failed(event: AgentFailed) -> str:
    """'✗ generator: the provider timed out', red; '⏹ generator cancelled', dimmed."""
    if event.error_type == "CancelledError":
        return f"{DIM}⏹ {event.agent} cancelled{RESET}"
    return f"{RED}✗ {event.agent}: {event.error}{RESET}"
