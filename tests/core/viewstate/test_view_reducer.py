"""The headless reducer folds real recorded sessions into view state, with no Textual."""

from __future__ import annotations

from pathlib import Path

from viewstate_support import ManualClock

from regoose_tui.bus.events import (
    AgentProgress,
    ChatToken,
    Event,
    PlanCreated,
    PlanNodeInfo,
    PlanNodeStatus,
    ProviderUsage,
    RunOutput,
    RunStarted,
    SessionFinished,
    SessionStarted,
)
from regoose_tui.viewstate import LogBatch, PlanNode, ViewReducer, ViewStatus

PROJECT = Path("/project")
RED, GREEN, RESET = "\x1b[31m", "\x1b[32m", "\x1b[0m"


def _lines(batches: list[LogBatch]) -> list[str]:
    return [line for batch in batches for line in batch.lines]


def _session(target: str = "/project/a.py") -> SessionStarted:
    return SessionStarted(
        target=target, project="/project", provider="offline", runtime="bwrap", isolated=True
    )


def test_a_whole_generation_folds_into_its_final_plan_and_figures(
    generation_events: list[Event], clock: ManualClock
) -> None:
    reducer = ViewReducer(clock=clock, project_dir=PROJECT)
    urgent = [type(event).__name__ for event in generation_events if reducer.apply(event)]

    assert urgent == ["SessionStarted", "PlanCreated", "PlanFinished", "SessionFinished"]
    assert [(n.id, n.label, n.deps, n.status) for n in reducer.nodes] == [
        ("analyzer", "Analyzer", (), "done"),
        ("generator", "Generator", ("analyzer",), "done"),
        ("executor", "Executor", ("generator",), "done"),
        ("validator", "Validator", ("executor",), "done"),
        ("reporter", "Reporter", ("validator",), "done"),
    ]
    by_id = {node.id: node for node in reducer.nodes}
    assert by_id["generator"].iteration == 2  # the repair loop ran a second pass
    assert by_id["reporter"].iteration == 1
    assert 17.0 < by_id["generator"].elapsed < 18.0  # the last status event's time, not a tick
    status = reducer.status
    assert (status.provider, status.runtime, status.isolated) == ("offline", "local", False)
    assert (status.passed, status.failed) == (33, 0)
    assert (status.line_percent, status.branch_percent) == (100.0, 100.0)
    assert round(status.elapsed, 2) == 43.64  # SessionFinished's wall time
    assert not status.running and not reducer.running
    assert reducer.take_plan_label() == "done"
    assert reducer.take_plan_label() is None  # taken: unchanged since


def test_the_log_gets_markers_around_raw_output_batched_by_run(
    generation_events: list[Event], clock: ManualClock
) -> None:
    reducer = ViewReducer(clock=clock, project_dir=PROJECT)
    reducer.apply_all(generation_events)
    batches = reducer.take_log()

    runs = [e.run_id for e in generation_events if isinstance(e, RunStarted)]
    assert len(runs) == 6
    # Each run's marker, output and exit line arrive as one batch, in the order they ran.
    assert [batch.run_id for batch in batches] == [None, *runs, None]
    assert not any(batch.clear for batch in batches)
    lines = _lines(batches)
    assert lines[0] == "\x1b[1;36m━━ shop/pricing.py · offline · local — NOT ISOLATED\x1b[0m"
    assert lines[-1] == f"{GREEN}■ session passed{RESET}"
    first_run = batches[1].lines
    assert first_run[0].startswith("\x1b[1;36m▶ candidate #1\x1b[0m")
    assert first_run[0].endswith("pytest test_shop_pricing.py [local]\x1b[0m")
    output = next(e for e in generation_events if isinstance(e, RunOutput))
    assert first_run[1:-1] == list(output.lines)  # exactly as the run printed it
    assert first_run[-1] == "\x1b[2m■ exit 0 in 1.2s\x1b[0m"
    assert reducer.take_log() == []  # nothing new since the take
    labels = reducer.take_run_labels()
    assert list(labels.values()) == [
        "run 1: candidate #1",
        "run 2: validate",
        "run 3: validate",
        "run 4: candidate #2",
        "run 5: validate",
        "run 6: validate",
    ]
    assert list(labels) == runs
    assert reducer.take_run_labels() == {}


def test_each_node_keeps_its_events_and_the_output_of_the_runs_it_owned(
    generation_events: list[Event], clock: ManualClock
) -> None:
    reducer = ViewReducer(clock=clock, project_dir=PROJECT)
    reducer.apply_all(generation_events)

    analyzer = reducer.node_history("analyzer")
    assert analyzer[0] == "[pending] iteration 1"
    assert "analyzer: started (iteration 1)" in analyzer
    assert "analyzer: 6 functions, 1 classes, 13 branches" in analyzer
    assert "analyzer: finished in 0.2s: shop.pricing: 6 functions, 1 classes, 13 branches" in (
        analyzer
    )
    assert analyzer[-1] == "[done] iteration 1"
    generator = reducer.node_history("generator")
    assert "[pending] iteration 2 — iteration 2 of at most 2" in generator
    # Validate runs start while the validator node runs: their output is the validator's.
    validator = reducer.node_history("validator")
    assert sum("▶ validate" in line for line in validator) == 4
    assert any("33 passed" in line for line in validator)
    executor = reducer.node_history("executor")
    assert sum("▶ candidate" in line for line in executor) == 2
    assert not any("▶ validate" in line for line in executor)
    assert "tests: 33 for /scratch/out/test_shop_pricing.py" in reducer.node_history("reporter")
    assert reducer.latest_history("reporter") == "[done] iteration 1"
    assert reducer.node_history("nobody") == [] and reducer.latest_history("nobody") is None


def test_a_cancelled_session_shows_the_cancelled_nodes_and_why(
    cancelled_events: list[Event], clock: ManualClock
) -> None:
    reducer = ViewReducer(clock=clock, project_dir=PROJECT)
    urgent = [type(event).__name__ for event in cancelled_events if reducer.apply(event)]

    assert "AgentFailed" in urgent and urgent[-2:] == ["PlanFinished", "SessionFinished"]
    states = {node.id: (node.status, node.detail) for node in reducer.nodes}
    assert states == {
        "analyzer": ("done", None),
        "generator": ("done", None),
        "executor": ("cancelled", "cancelled"),
        "validator": ("cancelled", "plan cancelled before the node ran"),
        "reporter": ("cancelled", "plan cancelled before the node ran"),
    }
    lines = _lines(reducer.take_log())
    assert "\x1b[2m⏹ executor cancelled\x1b[0m" in lines  # a cancel, not an error
    assert not any("CancelledError" in line for line in lines)
    assert lines[-1] == f"{RED}■ session cancelled: cancelled by the user{RESET}"
    assert reducer.take_plan_label() == "cancelled"
    assert not reducer.running
    assert reducer.node_history("executor")[-1] == "[cancelled] iteration 1 — cancelled"


def test_live_times_tick_from_the_clock_only_while_the_session_runs(clock: ManualClock) -> None:
    reducer = ViewReducer(clock=clock)
    nodes = (PlanNodeInfo(id="a", label="A"), PlanNodeInfo(id="b", label="B", deps=("a",)))
    reducer.apply(_session())
    reducer.apply(PlanCreated(plan_id="p", strategy="graph", nodes=nodes))
    reducer.apply(PlanNodeStatus(plan_id="p", node_id="a", status="running", elapsed=2.0))
    assert reducer.take_nodes() is not None and reducer.take_status() is not None
    reducer.tick()
    assert reducer.take_nodes() is None  # no time passed: nothing to redraw

    clock.now += 1.26
    reducer.tick()
    ticked = reducer.take_nodes()
    assert ticked is not None
    assert ticked[0] == PlanNode("a", "A", status="running", elapsed=3.3)
    assert ticked[1] == PlanNode("b", "B", deps=("a",))  # pending nodes hold still
    status = reducer.take_status()
    assert status is not None and status.elapsed == 1.3 and status.running

    reducer.apply(SessionFinished(status="failed", reason="1 failed", wall_seconds=2.0))
    clock.now += 10
    reducer.tick()
    assert reducer.status.elapsed == 2.0 and not reducer.status.running
    assert reducer.nodes[0].elapsed == 3.3


def test_a_failed_node_is_urgent_and_others_wait_for_the_tick(clock: ManualClock) -> None:
    reducer = ViewReducer(clock=clock)
    assert not reducer.apply(PlanNodeStatus(plan_id="p", node_id="x", status="running"))
    assert reducer.apply(PlanNodeStatus(plan_id="p", node_id="x", status="failed", detail="boom"))
    # A node the plan never announced still shows, named by its id.
    assert reducer.nodes == (PlanNode("x", "x", status="failed", detail="boom"),)
    assert not reducer.apply(AgentProgress(agent="x", message="still here"))


def test_clear_mode_starts_each_session_on_an_empty_log_and_renumbers_runs(
    clock: ManualClock,
) -> None:
    reducer = ViewReducer(clock=clock, project_dir=PROJECT)
    reducer.apply(_session("/project/first.py"))
    reducer.apply(RunStarted(run_id="r1", runtime="bwrap", argv=("pytest",), label="one"))
    first = reducer.take_log()
    assert [batch.run_id for batch in first] == [None, "r1"]

    reducer.log_per_session = "clear"
    reducer.apply(RunOutput(run_id="r1", lines=("late line of the first session",)))
    reducer.apply(_session("/project/second.py"))
    reducer.apply(RunStarted(run_id="r2", runtime="bwrap", argv=("pytest",)))
    reducer.apply(RunOutput(run_id="r2", lines=("second",)))
    batches = reducer.take_log()
    assert batches[0] == LogBatch(None, [], clear=True)
    assert "late line of the first session" not in _lines(batches)
    assert "second.py" in batches[1].lines[0] and batches[2].run_id == "r2"
    assert batches[2].lines[-1] == "second"
    assert reducer.take_run_labels() == {"r1": "run 1: one", "r2": "run 1: run"}


def test_stderr_goes_red_unless_it_brings_its_own_colours(clock: ManualClock) -> None:
    reducer = ViewReducer(clock=clock)
    reducer.apply(RunOutput(run_id="r", stream="stderr", lines=("plain", "\x1b[33mown\x1b[0m")))
    reducer.apply(RunOutput(run_id="r", lines=("out",)))
    assert reducer.take_log() == [LogBatch("r", [f"{RED}plain", "\x1b[33mown\x1b[0m", "out"])]


def test_chat_tokens_gather_per_message_until_taken_or_dropped(clock: ManualClock) -> None:
    reducer = ViewReducer(clock=clock)
    words = [f"w{n} " for n in range(500)]
    for word in words:
        reducer.apply(ChatToken(message_id="m1", delta=word))
        reducer.apply(ChatToken(message_id="m2", delta=word.upper()))
    assert reducer.take_tokens() == {"m1": "".join(words), "m2": "".join(words).upper()}
    assert reducer.take_tokens() == {}
    reducer.apply(ChatToken(message_id="m1", delta="late"))
    reducer.apply(ChatToken(message_id="m2", delta="kept"))
    reducer.drop_tokens("m1")
    assert reducer.take_tokens() == {"m2": "kept"}


def test_usage_adds_up_and_outside_changes_mark_the_status_changed(clock: ManualClock) -> None:
    reducer = ViewReducer(clock=clock, status=ViewStatus(provider="openai/gpt-4o-mini"))
    reducer.apply(ProviderUsage(provider="llm", prompt_tokens=100, completion_tokens=20))
    reducer.apply(ProviderUsage(provider="llm", prompt_tokens=5, completion_tokens=5, cost_usd=0.5))
    status = reducer.take_status()
    assert status is not None
    assert (status.provider, status.tokens, status.cost) == ("openai/gpt-4o-mini", 130, 0.5)
    assert reducer.take_status() is None
    reducer.set_status(runtime="docker", isolated=True)
    assert reducer.take_status() == ViewStatus(
        provider="openai/gpt-4o-mini", runtime="docker", tokens=130, cost=0.5
    )


def test_settle_stops_the_clock_and_reset_plan_empties_the_graph(
    generation_events: list[Event], clock: ManualClock
) -> None:
    reducer = ViewReducer(clock=clock)
    started = next(e for e in generation_events if isinstance(e, SessionStarted))
    reducer.apply_all(generation_events[: generation_events.index(started) + 3])
    assert reducer.running and reducer.session_id == started.session_id
    reducer.settle()
    clock.now += 60
    reducer.tick()
    assert not reducer.running and reducer.status.elapsed == 0.0
    assert reducer.take_nodes()
    reducer.reset_plan()
    assert reducer.take_nodes() == ()


def test_node_histories_are_bounded(clock: ManualClock) -> None:
    reducer = ViewReducer(clock=clock, history_lines=5)
    for n in range(20):
        reducer.apply(AgentProgress(agent="generator", message=f"round {n}"))
    assert reducer.node_history("generator") == [f"generator: round {n}" for n in range(15, 20)]
