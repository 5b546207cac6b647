"""Request/reply: responders, deadlines, safe defaults, errors, late answers."""

from __future__ import annotations

import asyncio

import pytest

from regoose_tui.bus import MessageBus
from regoose_tui.bus.events import Event, Reply, Request
from regoose_tui.errors import BusError, RequestTimeout


async def test_sync_responder_answers() -> None:
    bus = MessageBus()
    bus.respond("math.double", lambda request: {"value": request.payload["value"] * 2})
    reply = await bus.request("math.double", {"value": 21}, timeout=1)
    assert isinstance(reply, Reply)
    assert reply.payload == {"value": 42}
    assert reply.error is None
    await bus.close()


async def test_async_responder_answers_and_both_sides_are_published() -> None:
    bus = MessageBus()
    seen: list[Event] = []
    bus.tap(seen.append)

    async def approve(request: Request) -> dict[str, object]:
        await asyncio.sleep(0.01)
        return {"approved": request.payload["argv"] == ["pytest"]}

    bus.respond("approval.shell", approve)
    reply = await bus.request("approval.shell", {"argv": ["pytest"]}, timeout=1, session_id="s1")
    assert reply.payload == {"approved": True}
    await bus.close()

    request, answer = seen
    assert isinstance(request, Request) and request.kind == "approval.shell"
    assert request.session_id == "s1"
    assert answer == reply
    assert reply.request_id == request.id and reply.session_id == "s1"


async def test_responder_may_return_a_reply_or_nothing() -> None:
    bus = MessageBus()
    bus.respond("a.full", lambda r: Reply(request_id="ignored", payload={"ok": 1}))
    bus.respond("a.none", lambda r: None)
    full = await bus.request("a.full", timeout=1)
    assert full.payload == {"ok": 1}
    assert full.request_id != "ignored"
    assert (await bus.request("a.none", timeout=1)).payload == {}
    await bus.close()


async def test_timeout_raises_request_timeout_naming_topic_and_deadline() -> None:
    bus = MessageBus()
    with pytest.raises(RequestTimeout) as caught:
        await bus.request("nobody.home", {"q": 1}, timeout=0.05)
    assert str(caught.value) == "no reply to bus request 'nobody.home' within 0.05 s"
    assert caught.value.title == "Bus error"
    await bus.close()


async def test_slow_responder_times_out_and_is_cancelled() -> None:
    bus = MessageBus()
    cancelled = asyncio.Event()

    async def slow(request: Request) -> dict[str, object]:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return {}

    bus.respond("slow.op", slow)
    with pytest.raises(RequestTimeout, match=r"slow\.op"):
        await bus.request("slow.op", timeout=0.05)
    async with asyncio.timeout(1):
        await cancelled.wait()
    await bus.close()


async def test_timeout_with_default_returns_the_safe_default() -> None:
    bus = MessageBus()
    replies = bus.subscribe("reply")
    reply = await bus.request("approval.shell", timeout=0.02, default={"approved": False})
    assert reply.payload == {"approved": False}
    assert reply.error is not None and "within 0.02 s" in reply.error
    # The store sees the answer the requester acted on.
    assert (await anext(replies)) == reply
    await bus.close()


async def test_responder_error_raises_bus_error() -> None:
    bus = MessageBus()

    def broken(request: Request) -> dict[str, object]:
        raise ValueError("disk on fire")

    bus.respond("broken.op", broken)
    with pytest.raises(BusError, match=r"'broken.op' failed: ValueError: disk on fire"):
        await bus.request("broken.op", timeout=1)
    # The bus still works afterwards.
    bus.respond("fine.op", lambda r: {"ok": True})
    assert (await bus.request("fine.op", timeout=1)).payload == {"ok": True}
    await bus.close()


async def test_responder_error_with_default_returns_default_and_reason() -> None:
    bus = MessageBus()

    async def broken(request: Request) -> dict[str, object]:
        raise RuntimeError("nope")

    bus.respond("approval.write", broken)
    reply = await bus.request("approval.write", timeout=1, default={"approved": False})
    assert reply.payload == {"approved": False}
    assert reply.error == "RuntimeError: nope"
    await bus.close()


async def test_responder_returning_garbage_is_an_error() -> None:
    bus = MessageBus()
    bus.respond("odd.op", lambda r: 42)  # type: ignore[arg-type,return-value]  # the wrong return type is the test
    with pytest.raises(BusError, match="returned int"):
        await bus.request("odd.op", timeout=1)
    await bus.close()


async def test_a_subscriber_can_answer_a_request_event() -> None:
    """The UI pattern: see the Request event, ask the user, reply later."""
    bus = MessageBus()

    async def ui(event: Event) -> None:
        await asyncio.sleep(0.01)
        assert isinstance(event, Request)
        assert bus.reply(event, {"approved": True})
        assert not bus.reply(event, {"approved": False})  # already answered

    bus.subscribe("approval.*", ui)
    reply = await bus.request("approval.shell", {"argv": ["rm"]}, timeout=1)
    assert reply.payload == {"approved": True}
    await bus.close()


async def test_an_answer_with_error_raises() -> None:
    bus = MessageBus()

    def close_app(event: Event) -> None:
        bus.reply(event.id, error="user closed the app")

    bus.subscribe("approval.*", close_app)
    with pytest.raises(BusError, match="user closed the app"):
        await bus.request("approval.shell", timeout=1)
    await bus.close()


async def test_late_reply_is_ignored() -> None:
    bus = MessageBus()
    requests = bus.subscribe("late.op")
    replies = bus.subscribe("reply")
    with pytest.raises(RequestTimeout):
        await bus.request("late.op", timeout=0.01)
    request = await anext(requests)
    assert isinstance(request, Request)
    assert bus.reply(request, {"too": "late"}) is False
    assert replies.stats.queued == 0
    await bus.close()


async def test_one_responder_per_topic_and_unregister() -> None:
    bus = MessageBus()
    registration = bus.respond("only.one", lambda r: {"n": 1})
    with pytest.raises(BusError, match="already registered"):
        bus.respond("only.one", lambda r: {"n": 2})
    registration.close()
    bus.respond("only.one", lambda r: {"n": 2})
    assert (await bus.request("only.one", timeout=1)).payload == {"n": 2}
    registration.close()  # stale handle: no effect on the new responder
    assert (await bus.request("only.one", timeout=1)).payload == {"n": 2}
    await bus.close()


@pytest.mark.parametrize(
    ("topic", "deadline", "match"), [("a.*", 1, "wildcard"), ("a", 0, "positive")]
)
async def test_bad_requests_are_refused(topic: str, deadline: float, match: str) -> None:
    bus = MessageBus()
    with pytest.raises(BusError, match=match):
        await bus.request(topic, timeout=deadline)
    with pytest.raises(BusError):
        bus.respond("x.#", lambda r: None)
    await bus.close()


async def test_close_fails_pending_requests() -> None:
    bus = MessageBus()
    pending = asyncio.create_task(bus.request("never.answered", timeout=10))
    await asyncio.sleep(0.01)
    await bus.close()
    with pytest.raises(BusError, match=r"closed before request 'never\.answered'"):
        await pending
    with pytest.raises(BusError, match="closed"):
        await bus.request("after.close", timeout=1)
