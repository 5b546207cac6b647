"""Helpers shared by the app tests (a distinct name: no clash with other conftests)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

from textual.app import App
from textual.screen import Screen

from regoose_tui.bus.events import NodeStatus, SessionStatus
from regoose_tui.store.store import SessionStore

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from regoose_tui.app.app import RegooseApp

#: What the ``make_app`` fixture returns: build a RegooseApp on the test project.
AppFactory = Callable[..., "RegooseApp"]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

#: Small enough for a whole generation in a few seconds, big enough to pass on a busy box.
PROJECT_TOML = """\
[runtime]
name = "local"

[generate]
iterations = 1
budget_seconds = 15
"""


class FixedClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


async def wait_for(
    pilot: Pilot[Any], condition: Callable[[], bool], within: float = 60.0, step: float = 0.05
) -> None:
    """Let the app run until ``condition()`` holds; fail the test after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await pilot.pause(step)
    await asyncio.sleep(0)


ScreenT = TypeVar("ScreenT", bound=Screen[Any])


def active_screen(app: App[Any], kind: type[ScreenT]) -> ScreenT:
    """The screen on top of ``app``, checked to be a ``kind``.

    Textual types ``App.screen`` as ``Screen[object]`` and Screen is invariant, so a
    plain ``isinstance(app.screen, SettingsScreen)`` (a ``Screen[None]``) narrows to
    nothing for a type checker; going through ``Screen[Any]`` keeps the real type.
    """
    screen: Screen[Any] = app.screen
    assert isinstance(screen, kind), f"{type(screen).__name__} is on top, not {kind.__name__}"
    return screen


#: The plan of a generation, as the engine publishes it.
PLAN_NODES = (
    ("analyzer", "Analyzer", ()),
    ("generator", "Generator", ("analyzer",)),
    ("executor", "Executor", ("generator",)),
    ("validator", "Validator", ("executor",)),
    ("reporter", "Reporter", ("validator",)),
)

SAMPLE_TESTS = """\
from shop.cart import Cart


def test_empty_cart_total_is_zero():
    assert Cart().total() == 0
"""


class _Stamp(TypedDict):
    """The fields every seeded event shares: its session and its time."""

    session_id: str
    ts: float


async def seed_session(
    store: SessionStore,
    project: Path,
    *,
    target: str = "shop/cart.py",
    status: SessionStatus = "passed",
    failing_node: str | None = None,
    started: float = 1_700_000_000.0,
    session_id: str | None = None,
) -> str:
    """Record a generation session with fixed events, chat and file, as the engine would."""
    import regoose_tui.store.store as store_module
    from regoose_tui.bus import events as ev

    target_path = str(project / target)
    # The store stamps created_at with time.time() and takes no clock: pin it for the
    # date shown in the history (asked of the store's owner: a created_at argument).
    real_time = store_module.time
    store_module.time = SimpleNamespace(time=lambda: started)  # type: ignore[assignment]  # a stand-in module with only the time() the store calls
    try:
        session_id = await store.create_session(
            target=target_path,
            project=str(project),
            provider="offline",
            runtime="bwrap",
            session_id=session_id,
        )
    finally:
        store_module.time = real_time

    def at(offset: float) -> _Stamp:
        return {"session_id": session_id, "ts": started + offset}

    stream: list[ev.Event] = [
        ev.SessionStarted(
            target=target_path, project=str(project), provider="offline", runtime="bwrap", **at(0)
        ),
        ev.PlanCreated(
            plan_id="p1",
            strategy="graph",
            nodes=tuple(ev.PlanNodeInfo(id=i, label=lbl, deps=d) for i, lbl, d in PLAN_NODES),
            **at(0),
        ),
    ]
    for index, (node_id, _label, _deps) in enumerate(PLAN_NODES):
        final: NodeStatus = "failed" if node_id == failing_node else "done"
        stream.append(
            ev.PlanNodeStatus(plan_id="p1", node_id=node_id, status="running", **at(index))
        )
        stream.append(
            ev.AgentProgress(
                agent=node_id, node_id=node_id, message=f"{node_id} at work", **at(index + 0.1)
            )
        )
        if node_id == "executor":
            stream += [
                ev.RunStarted(
                    run_id="r1",
                    runtime="bwrap",
                    argv=("pytest", "test_shop_cart.py"),
                    label="candidate #1",
                    **at(index + 0.2),
                ),
                ev.RunOutput(
                    run_id="r1",
                    lines=(
                        "============ test session starts ============",
                        "collected 12 items",
                        "test_shop_cart.py \x1b[32m............\x1b[0m [100%]",
                        "\x1b[32m============ 12 passed in 0.08s ============\x1b[0m",
                    ),
                    **at(index + 0.3),
                ),
                ev.RunFinished(run_id="r1", exit_code=0, wall_seconds=0.6, **at(index + 0.4)),
            ]
        stream.append(
            ev.PlanNodeStatus(
                plan_id="p1",
                node_id=node_id,
                status=final,
                elapsed=0.5 + index,
                iteration=1,
                **at(index + 0.5),
            )
        )
        if final == "failed":
            break
    stream += [
        ev.TestOutcome(nodeid=f"test_shop_cart.py::test_{n}", outcome="passed", **at(5))
        for n in range(12)
    ]
    stream.append(
        ev.CoverageUpdated(target=target_path, line_percent=82.0, branch_percent=64.0, **at(5))
    )
    stream.append(ev.SessionFinished(status=status, wall_seconds=6.2, **at(6)))
    for event in stream:
        await store.append_event(event, session_id)
    await store.add_message(session_id, "user", f"/generate {target}", ts=started)
    await store.add_message(
        session_id, "assistant", "**shop.cart**: 12 tests, 12 passed.", ts=started + 6
    )
    await store.record_file(
        session_id, project / "tests" / "test_shop_cart.py", SAMPLE_TESTS, tests=1
    )
    await store.finish_session(
        session_id,
        status,
        None if status == "passed" else "no generated test passed",
        line_percent=82.0,
        branch_percent=64.0,
        tests=12,
        passed=12,
        failed=0,
        wall_seconds=6.2,
    )
    return session_id


#: Two suites a review stages: a fixture, a function, a class of two; and one function.
CART_SUITE = """\
import pytest

from shop.cart import Cart


@pytest.fixture
def cart():
    return Cart()


def test_empty_cart_total_is_zero(cart):
    assert cart.total() == 0


class TestAdd:
    def test_one_item(self, cart):
        cart.add("apple", 1.5)
        assert cart.total() == 1.5

    def test_two_items(self, cart):
        cart.add("apple", 1.5)
        cart.add("pear", 2.0)
        assert cart.total() == 3.5
"""

TEXT_SUITE = """\
from shop.textutil import slugify


def test_slugify_lowercases():
    assert slugify("A B") == "a-b"
"""


async def stage_two(store: SessionStore, project: Path, session_id: str | None = None) -> str:
    """A session that staged tests/test_shop_cart.py and tests/test_shop_textutil.py.

    Staged as a generation without --apply stages: the data dir, not the project.
    """
    from regoose_tui.engine.review import stage_suite

    session = await store.create_session(
        target=str(project / "shop" / "cart.py"),
        project=str(project),
        provider="offline",
        runtime="local",
        session_id=session_id,
    )
    for name, content, tests in (
        ("test_shop_cart.py", CART_SUITE, 3),
        ("test_shop_textutil.py", TEXT_SUITE, 1),
    ):
        await stage_suite(
            store,
            session,
            destination=project / "tests" / name,
            root=project,
            content=content,
            tests=tests,
        )
    return session
