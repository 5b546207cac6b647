"""One model call through LiteLLM: streamed, timed out, retried, with fallbacks, accounted.

``LLMClient.complete(messages)`` sends ``litellm.acompletion(stream=True)``
to the first model of the chain, hands each token to ``on_token`` as it
arrives, and retries with exponential backoff and jitter (tenacity) on 429,
5xx, timeouts and dropped streams, waiting what Retry-After asks (capped).
A model that fails for good hands over to the next one of the fallback
chain. The answer comes back with its tokens and cost; a chain that fails
ends in one RegooseError line that never contains the key.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from regoose_tui.errors import CostLimitReached
from regoose_tui.providers.llm.accounting import CallUsage, UsageTotals, measure_usage
from regoose_tui.providers.llm.cassette import (
    CassettePlayer,
    CassetteRecorder,
    Recorded,
    request_hash,
)
from regoose_tui.providers.llm.failures import (
    KEY_ENV,
    Failure,
    classify,
    scrub,
    secrets_to_scrub,
    to_error,
)
from regoose_tui.providers.llm.loader import warm_up

log = logging.getLogger(__name__)

Message = dict[str, Any]
TokenSink = Callable[[str], None]
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class CallSettings:
    """How calls are made; ``api_key`` None means the vendor's usual environment variable."""

    model: str
    fallbacks: tuple[str, ...] = ()
    api_base: str | None = None
    api_key: str | None = field(default=None, repr=False)
    timeout_seconds: float = 60.0
    max_retries: int = 3
    backoff_seconds: float = 1.0
    backoff_max_seconds: float = 20.0
    retry_after_cap_seconds: float = 30.0
    temperature: float | None = 0.2
    max_tokens: int | None = None

    @property
    def chain(self) -> tuple[str, ...]:
        """The main model then the fallbacks, each once."""
        return tuple(dict.fromkeys((self.model, *self.fallbacks)))


@dataclass(frozen=True)
class RetryNotice:
    """Said before waiting to try a model again."""

    model: str
    attempt: int
    kind: str
    wait_seconds: float


@dataclass(frozen=True)
class Completion:
    """One answered call."""

    text: str
    model: str
    usage: CallUsage
    attempts: int
    models_tried: tuple[str, ...]


class _AttemptFailed(Exception):
    """One attempt's classified failure (the LiteLLM exception is not kept: it may quote the key)."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.kind)
        self.failure = failure
        self.attempts = 1


class LLMClient:
    """Makes calls with one CallSettings and keeps the running token and cost totals."""

    def __init__(
        self,
        settings: CallSettings,
        *,
        sleep: Sleep = asyncio.sleep,
        record: CassetteRecorder | None = None,
        replay: CassettePlayer | None = None,
    ) -> None:
        self.settings = settings
        self.totals = UsageTotals()
        self._sleep = sleep
        self._secrets = secrets_to_scrub(settings.api_key)
        #: A cassette this client writes every answered call to (``--record``).
        self.recorder = record
        #: A cassette this client answers from instead of a model (``--replay``).
        self.player = replay
        #: ``--max-cost``: checked before every call (None: no cap).
        self.cost_cap_usd: float | None = None
        self._dearest_call = 0.0

    async def complete(
        self,
        messages: Sequence[Message],
        *,
        on_token: TokenSink | None = None,
        on_retry: Callable[[RetryNotice], None] | None = None,
    ) -> Completion:
        """The answer to ``messages`` from the first model of the chain that gives one."""
        params = self._shaping_params()
        key = request_hash(self.settings.model, messages, params)
        self._check_cap()
        if self.player is not None:
            return self._replayed(self.player.answer(key), on_token)
        completion = await self._call_chain(messages, on_token, on_retry)
        self._dearest_call = max(self._dearest_call, completion.usage.cost_usd or 0.0)
        if self.recorder is not None:
            await self.recorder.record(
                key=key,
                model=self.settings.model,
                messages=messages,
                params=params,
                answer=Recorded(completion.text, completion.model, completion.usage),
            )
        return completion

    def _check_cap(self) -> None:
        """Refuse a call that would pass ``cost_cap_usd`` (priced like the dearest one so far)."""
        cap = self.cost_cap_usd
        if cap is None:
            return
        spent = self.totals.cost_usd
        if spent + self._dearest_call > cap or spent >= cap:
            raise CostLimitReached(
                f"${spent:.4f} spent; the next call (about ${self._dearest_call:.4f}) "
                f"would pass the ${cap:.4f} limit"
            )

    def _replayed(self, recorded: Recorded, on_token: TokenSink | None) -> Completion:
        """A cassette's answer, streamed to ``on_token`` word by word as a model would."""
        if on_token is not None:
            for piece in _words(recorded.text):
                on_token(piece)
        self.totals.add(recorded.usage)
        self._dearest_call = max(self._dearest_call, recorded.usage.cost_usd or 0.0)
        return Completion(recorded.text, recorded.model, recorded.usage, 1, (recorded.model,))

    def _shaping_params(self) -> dict[str, Any]:
        """The parameters that change what the model answers (part of a cassette's hash)."""
        return {
            "fallbacks": list(self.settings.fallbacks),
            "temperature": self.settings.temperature,
            "max_tokens": self.settings.max_tokens,
        }

    async def _call_chain(
        self,
        messages: Sequence[Message],
        on_token: TokenSink | None,
        on_retry: Callable[[RetryNotice], None] | None,
    ) -> Completion:
        tried: list[str] = []
        attempts = 0
        last: Failure | None = None
        for model in self.settings.chain:
            tried.append(model)
            try:
                text, usage, used = await self._with_retries(model, messages, on_token, on_retry)
            except _AttemptFailed as failed:
                last = failed.failure
                attempts += failed.attempts
                log.info("model %s failed (%s); %s", model, last.kind, self._next(model))
                continue
            attempts += used
            self.totals.add(usage)
            return Completion(text, model, usage, attempts, tuple(tried))
        assert last is not None  # the chain is never empty
        raise to_error(
            last,
            model=tried[-1],
            api_base=self.settings.api_base,
            attempts=attempts,
            timeout_seconds=self.settings.timeout_seconds,
            tried=tuple(tried),
            secrets=self._secrets,
        ) from None

    async def stream(
        self, messages: Sequence[Message], *, retry_note: str = "\n\n[retrying]\n\n"
    ) -> AsyncIterator[str]:
        """The answer's fragments as they arrive; raises the call's error at the end."""
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        shown = False

        def token(piece: str) -> None:
            nonlocal shown
            shown = True
            queue.put_nowait(piece)

        def retried(_: RetryNotice) -> None:
            # Fragments already shown came from a broken attempt; say the answer restarts.
            if shown:
                queue.put_nowait(retry_note)

        task = asyncio.create_task(self.complete(messages, on_token=token, on_retry=retried))
        task.add_done_callback(lambda _: queue.put_nowait(None))
        try:
            while (piece := await queue.get()) is not None:
                yield piece
            task.result()
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _with_retries(
        self,
        model: str,
        messages: Sequence[Message],
        on_token: TokenSink | None,
        on_retry: Callable[[RetryNotice], None] | None,
    ) -> tuple[str, CallUsage, int]:
        def before_sleep(state: RetryCallState) -> None:
            failure = _failure_of(state)
            wait = state.next_action.sleep if state.next_action else 0.0
            log.info(
                "model %s attempt %d failed (%s); retrying in %.2f s",
                model,
                state.attempt_number,
                failure.kind,
                wait,
            )
            if on_retry is not None:
                on_retry(RetryNotice(model, state.attempt_number, failure.kind, wait))

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.settings.max_retries + 1),
            wait=self._wait,
            retry=retry_if_exception(
                lambda e: isinstance(e, _AttemptFailed) and e.failure.retryable
            ),
            sleep=self._sleep,
            before_sleep=before_sleep,
            reraise=True,
        )
        made = 0
        try:
            async for attempt in retrying:
                with attempt:
                    made = attempt.retry_state.attempt_number
                    text, usage = await self._once(model, messages, on_token)
                    return text, usage, made
        except _AttemptFailed as failed:
            failed.attempts = made
            raise
        raise AssertionError("tenacity ended without an outcome")  # pragma: no cover

    def _wait(self, state: RetryCallState) -> float:
        """Retry-After when the server gave one (capped), else exponential backoff with jitter."""
        failure = _failure_of(state)
        if failure.retry_after is not None:
            return min(failure.retry_after, self.settings.retry_after_cap_seconds)
        backoff = wait_exponential_jitter(
            multiplier=self.settings.backoff_seconds,
            max=self.settings.backoff_max_seconds,
            jitter=self.settings.backoff_seconds,
        )
        return float(backoff(state))

    async def _once(
        self, model: str, messages: Sequence[Message], on_token: TokenSink | None
    ) -> tuple[str, CallUsage]:
        """One attempt: the streamed text and its usage, or _AttemptFailed."""
        litellm = await warm_up()
        timeout = self.settings.timeout_seconds
        parts: list[str] = []
        server_usage: Any = None
        try:
            response = await asyncio.wait_for(
                litellm.acompletion(**self._arguments(model, messages)), timeout
            )
            chunks = response.__aiter__()
            while True:
                # The timeout also bounds the silence between two chunks: a stalled
                # stream fails like a hung request instead of hanging the session.
                try:
                    chunk = await asyncio.wait_for(chunks.__anext__(), timeout)
                except StopAsyncIteration:
                    break
                server_usage = getattr(chunk, "usage", None) or server_usage
                piece = _content(chunk)
                if piece:
                    parts.append(piece)
                    if on_token is not None:
                        on_token(piece)
        except Exception as exc:
            failure = classify(exc, self._secrets)
            log.debug("call to %s failed: %s %s", model, failure.kind, failure.detail)
            raise _AttemptFailed(failure) from None
        text = "".join(parts)
        usage = await asyncio.to_thread(measure_usage, model, list(messages), text, server_usage)
        return text, usage

    def _arguments(self, model: str, messages: Sequence[Message]) -> dict[str, Any]:
        settings = self.settings
        arguments: dict[str, Any] = {
            "model": model,
            "messages": list(messages),
            "stream": True,
            "stream_options": {"include_usage": True},
            "timeout": settings.timeout_seconds,
            # Retries are ours (tenacity, Retry-After aware); the OpenAI SDK's would hide them.
            "max_retries": 0,
        }
        if settings.temperature is not None:
            arguments["temperature"] = settings.temperature
        if settings.max_tokens is not None:
            arguments["max_tokens"] = settings.max_tokens
        # The API base belongs to the main model's vendor: a fallback from another
        # vendor goes to its own default endpoint.
        if settings.api_base and _vendor(model) == _vendor(settings.model):
            arguments["api_base"] = settings.api_base
            if settings.api_key is None and not _env_key(model):
                # OpenAI-compatible local servers (vLLM, llama.cpp) want no key, but the
                # SDK refuses to send a request without one.
                arguments["api_key"] = "no-key"
        if settings.api_key is not None:
            arguments["api_key"] = settings.api_key
        return arguments

    def _next(self, model: str) -> str:
        chain = self.settings.chain
        index = chain.index(model)
        return f"trying {chain[index + 1]}" if index + 1 < len(chain) else "no fallback left"

    def redact(self, text: str) -> str:
        """``text`` with this client's key (and key-like env values) masked."""
        return scrub(text, self._secrets)


def _failure_of(state: RetryCallState) -> Failure:
    exc = state.outcome.exception() if state.outcome else None
    return exc.failure if isinstance(exc, _AttemptFailed) else Failure("other")


def _content(chunk: Any) -> str:
    choices = getattr(chunk, "choices", None) or []
    if not choices:
        return ""
    delta = getattr(choices[0], "delta", None)
    content = getattr(delta, "content", None)
    return content if isinstance(content, str) else ""


def _words(text: str) -> list[str]:
    words = text.split(" ")
    return [w if i == len(words) - 1 else w + " " for i, w in enumerate(words)]


def _vendor(model: str) -> str:
    return model.partition("/")[0]


def _env_key(model: str) -> bool:
    env = KEY_ENV.get(_vendor(model))
    return bool(env and os.environ.get(env))
