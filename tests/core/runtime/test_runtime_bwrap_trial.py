"""bubblewrap's trial sandbox: started ahead in the background, run once per process."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from sandbox_helpers import require_bwrap

from regoose_tui.engine.sandbox_setup import start_runtime_trial
from regoose_tui.runtime import bwrap
from regoose_tui.runtime.base import Availability
from regoose_tui.runtime.bwrap import BwrapRuntime


@pytest.fixture
def trials(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A fresh process-wide memo, and the bwrap paths each real trial ran for."""
    require_bwrap()
    monkeypatch.setattr(bwrap, "_trials", {})
    ran: list[str] = []
    real = bwrap._trial

    def counted(path: str) -> Availability:
        ran.append(path)
        return real(path)

    monkeypatch.setattr(bwrap, "_trial", counted)
    return ran


def test_a_trial_started_ahead_is_the_one_the_runtime_uses(trials: list[str]) -> None:
    thread = bwrap.start_trial()
    assert thread is not None and thread.daemon
    # Asked at once, while the trial may still run: the answer is that trial's.
    available = BwrapRuntime.availability()
    thread.join()
    assert available.usable, available.reason
    assert BwrapRuntime.availability() == available
    assert trials == [bwrap.find_bwrap()]
    assert bwrap.start_trial() is None  # nothing left to start


def test_callers_at_once_share_one_trial(trials: list[str]) -> None:
    answers: list[Availability] = []
    threads = [
        threading.Thread(target=lambda: answers.append(BwrapRuntime.availability()))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 4 and len(set(answers)) == 1 and answers[0].usable
    assert len(trials) == 1


@pytest.mark.parametrize(("name", "started"), [("bwrap", True), ("auto", False), ("local", False)])
def test_only_a_command_under_bwrap_starts_its_trial_ahead(
    trials: list[str], name: str, started: bool
) -> None:
    settings = SimpleNamespace(runtime=SimpleNamespace(name=name))
    start_runtime_trial(settings)  # type: ignore[arg-type]  # only .runtime.name is read
    for thread in threading.enumerate():
        if thread.name == "bwrap-trial":
            thread.join()
    assert len(trials) == int(started)
