"""A real OpenAI-compatible HTTP server on 127.0.0.1 that replays a script.

Each request to ``/v1/chat/completions`` takes the next step of the script:
an answer (streamed as SSE ``data:`` chunks ending in ``data: [DONE]`` when
the request says ``stream``, a JSON body otherwise), or a fault (an HTTP
status with an optional Retry-After, a hang, a stream cut in the middle,
invalid JSON). Every request is recorded so tests can check the prompt, the
model, the Authorization header and which fallback was tried. LiteLLM talks
to it over real sockets, exactly as to a vLLM or llama.cpp server.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class Answer:
    """A normal answer; streamed in ``pieces`` (default: word by word)."""

    text: str
    prompt_tokens: int = 11
    completion_tokens: int = 7
    pieces: tuple[str, ...] | None = None
    #: Leave usage out of the stream even when the client asks for it.
    omit_usage: bool = False
    #: Seconds between streamed pieces (a slow model: tests can see tokens arrive).
    pause: float = 0.0

    def chunks(self) -> tuple[str, ...]:
        if self.pieces is not None:
            return self.pieces
        words = self.text.split(" ")
        return tuple(w if i == len(words) - 1 else w + " " for i, w in enumerate(words))


@dataclass(frozen=True)
class Status:
    """An HTTP error answer, OpenAI-shaped."""

    status: int
    message: str = "scripted error"
    retry_after: float | None = None
    error_type: str = "server_error"
    code: str | None = None


@dataclass(frozen=True)
class Hang:
    """Sleep ``seconds`` before answering ``then`` (a timeout in the client fires first)."""

    seconds: float
    then: Answer | None = None


@dataclass(frozen=True)
class CutStream:
    """Stream ``after`` pieces of ``answer``, then drop the connection."""

    answer: Answer
    after: int = 2


@dataclass(frozen=True)
class InvalidJSON:
    """A 200 answer whose body (or first stream chunk) is not JSON."""

    body: str = '{"id": "broken", "choices": [ {"delta": '


Step = Answer | Status | Hang | CutStream | InvalidJSON


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def model(self) -> str:
        return str(self.body.get("model", ""))

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))

    @property
    def prompt_text(self) -> str:
        """All message contents joined, for "is this in the prompt" checks."""
        return "\n".join(str(m.get("content", "")) for m in self.messages)


@dataclass
class ScriptedOpenAIServer:
    """The server; ``script`` steps are consumed one per request."""

    script: deque[Step] = field(default_factory=deque)
    requests: list[RecordedRequest] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def api_base(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def push(self, *steps: Step) -> None:
        """Append steps to the script."""
        self.script.extend(steps)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        app.router.add_post("/chat/completions", self._completions)
        # A short shutdown: a test ends while a hung request may still be sleeping.
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=0.5
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]  # aiohttp keeps the asyncio server private
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]  # same private server

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        body = json.loads(raw or b"{}")
        self.requests.append(RecordedRequest(request.path, dict(request.headers), body))
        if not self.script:
            return _error(Status(500, "the test script has no step left for this request"))
        step = self.script.popleft()
        if isinstance(step, Hang):
            if not await _sleep_unless_gone(request, step.seconds) or step.then is None:
                return _error(Status(504, "hung"))
            step = step.then
        if isinstance(step, Status):
            return _error(step)
        if isinstance(step, InvalidJSON):
            if body.get("stream"):
                return await _sse(request, [step.body], done=True)
            return web.Response(text=step.body, content_type="application/json")
        stream = bool(body.get("stream"))
        want_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        model = str(body.get("model", ""))
        if isinstance(step, CutStream):
            chunks = [_delta(model, p) for p in step.answer.chunks()[: step.after]]
            return await _sse(request, chunks, done=False, cut=True)
        if not stream:
            return web.json_response(_full(model, step))
        chunks = [_delta(model, "", role=True)]
        chunks += [_delta(model, p) for p in step.chunks()]
        chunks.append(_finish(model))
        if want_usage and not step.omit_usage:
            chunks.append(_usage_chunk(model, step))
        return await _sse(request, chunks, done=True, pause=step.pause)


async def _sleep_unless_gone(request: web.Request, seconds: float) -> bool:
    """Sleep ``seconds``; False as soon as the client has hung up (it timed out)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        transport = request.transport
        if transport is None or transport.is_closing():
            return False
        await asyncio.sleep(0.05)
    return True


def _error(step: Status) -> web.Response:
    headers = {}
    if step.retry_after is not None:
        headers["Retry-After"] = f"{step.retry_after:g}"
    payload = {"error": {"message": step.message, "type": step.error_type, "code": step.code}}
    return web.json_response(payload, status=step.status, headers=headers)


def _base(model: str) -> dict[str, Any]:
    return {"id": "chatcmpl-scripted", "created": int(time.time()), "model": model}


def _delta(model: str, text: str, *, role: bool = False) -> str:
    delta: dict[str, Any] = {"content": text}
    if role:
        delta["role"] = "assistant"
    chunk = _base(model) | {
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
    }
    return json.dumps(chunk)


def _finish(model: str) -> str:
    chunk = _base(model) | {
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
    }
    return json.dumps(chunk)


def _usage(step: Answer) -> dict[str, int]:
    return {
        "prompt_tokens": step.prompt_tokens,
        "completion_tokens": step.completion_tokens,
        "total_tokens": step.prompt_tokens + step.completion_tokens,
    }


def _usage_chunk(model: str, step: Answer) -> str:
    chunk = _base(model) | {"object": "chat.completion.chunk", "choices": [], "usage": _usage(step)}
    return json.dumps(chunk)


def _full(model: str, step: Answer) -> dict[str, Any]:
    return _base(model) | {
        "object": "chat.completion",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": step.text},
                "finish_reason": "stop",
            }
        ],
        "usage": _usage(step),
    }


async def _sse(
    request: web.Request,
    chunks: list[str],
    *,
    done: bool,
    cut: bool = False,
    pause: float = 0.0,
) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    for chunk in chunks:
        await response.write(f"data: {chunk}\n\n".encode())
        await asyncio.sleep(pause)
    if cut:
        # Drop the connection mid-stream: no [DONE], no chunked terminator.
        transport = request.transport
        if transport is not None:
            transport.abort()
        return response
    if done:
        await response.write(b"data: [DONE]\n\n")
    await response.write_eof()
    return response
