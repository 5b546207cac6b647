"""What went wrong in one model call, whether to retry it, and the one line the user sees.

LiteLLM raises its own exception classes (OpenAI-shaped) and wraps transport
errors several layers deep (a refused connection arrives as an
InternalServerError whose cause chain ends in ConnectionRefusedError), so
``classify`` looks at both the class and the chain. ``to_error`` turns the
last failure into a RegooseError subclass with a single, key-free line:
every message goes through ``scrub`` and the original exception is never
chained (its text may quote the key).
"""

from __future__ import annotations

import email.utils
import os
import re
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from regoose_tui.errors import (
    AuthFailed,
    ContextTooLong,
    ModelNotFound,
    ProviderError,
    ProviderServerError,
    ProviderTimeout,
    ProviderUnreachable,
    RateLimited,
)
from regoose_tui.providers.llm.loader import litellm as load_litellm

AUTH = "auth"
MODEL = "model"
RATE_LIMIT = "rate_limit"
SERVER = "server"
TIMEOUT = "timeout"
DROPPED = "dropped"
UNREACHABLE = "unreachable"
CONTEXT = "context"
BAD_REQUEST = "bad_request"
OTHER = "other"

_RETRYABLE = frozenset({RATE_LIMIT, SERVER, TIMEOUT, DROPPED})

#: The environment variable LiteLLM reads a vendor's key from.
KEY_ENV = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "gemini": "GEMINI_API_KEY",
    "deepseek": "DEEPSEEK_API_KEY",
    "mistral": "MISTRAL_API_KEY",
    "groq": "GROQ_API_KEY",
    "openrouter": "OPENROUTER_API_KEY",
    "together_ai": "TOGETHERAI_API_KEY",
    "xai": "XAI_API_KEY",
}
_PREFIX = re.compile(r"^(?:litellm\.\w+:\s*)*(?:\w+Error:\s*)*(?:\w+Exception\s*-\s*)?")
_SECRET_ENV = re.compile(r"(_API_KEY|_TOKEN|_SECRET)$")


@dataclass(frozen=True)
class Failure:
    """One failed attempt, classified."""

    kind: str
    detail: str = ""
    status: int | None = None
    retry_after: float | None = None

    @property
    def retryable(self) -> bool:
        """429, 5xx, timeouts and dropped streams are worth another try."""
        return self.kind in _RETRYABLE


def secrets_to_scrub(api_key: str | None) -> tuple[str, ...]:
    """The configured key and every key-like environment value (long enough to be one)."""
    found = {api_key} if api_key else set()
    found |= {v for k, v in os.environ.items() if _SECRET_ENV.search(k) and v}
    return tuple(sorted((s for s in found if len(s) >= 6), key=len, reverse=True))


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret replaced by ``***``."""
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def classify(exc: BaseException, secrets: Iterable[str] = ()) -> Failure:
    """The kind of ``exc`` (a LiteLLM, httpx or asyncio error) and its short detail."""
    litellm = load_litellm()

    detail = scrub(_detail(exc), secrets)
    status = _status(exc)
    if isinstance(exc, TimeoutError | litellm.Timeout):
        return Failure(TIMEOUT, detail or "timed out", status)
    # LiteLLM maps a 401 by its message: "bad key" from a local server comes back a
    # BadRequestError. The status says what it is.
    if status in (401, 403) or isinstance(
        exc, litellm.AuthenticationError | litellm.PermissionDeniedError
    ):
        return Failure(AUTH, detail, status)
    if isinstance(exc, litellm.ContextWindowExceededError):
        return Failure(CONTEXT, detail, status)
    if isinstance(exc, litellm.NotFoundError):
        return Failure(MODEL, detail, status)
    if isinstance(exc, litellm.BadRequestError):
        kind = MODEL if "model" in detail.lower() or "provider" in detail.lower() else BAD_REQUEST
        return Failure(kind, detail, status)
    if isinstance(exc, litellm.RateLimitError):
        return Failure(RATE_LIMIT, detail, status, _retry_after(exc))
    if isinstance(exc, litellm.exceptions.MidStreamFallbackError):
        return Failure(DROPPED, detail, status)
    unreachable = _connect_failure(exc)
    if unreachable:
        return Failure(UNREACHABLE, unreachable, status)
    if status is not None and status >= 500:
        return Failure(SERVER, detail, status, _retry_after(exc))
    if isinstance(exc, litellm.APIConnectionError | ConnectionError | EOFError):
        return Failure(DROPPED, detail, status)
    return Failure(OTHER, f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__)


def to_error(
    failure: Failure,
    *,
    model: str,
    api_base: str | None,
    attempts: int,
    timeout_seconds: float,
    tried: tuple[str, ...],
    secrets: Iterable[str],
) -> ProviderError:
    """The RegooseError for the failure that ended a call, as one key-free line."""
    vendor = model.partition("/")[0]
    where = api_base or f"the {vendor} API"
    tries = f"after {attempts} attempt{'s' if attempts != 1 else ''}"
    error: ProviderError
    if failure.kind == AUTH:
        env = KEY_ENV.get(vendor, f"{vendor.upper()}_API_KEY")
        error = AuthFailed(
            f"{model}: the API key was refused by {where}{_http(failure)}; "
            f"set {env} or REGOOSE_PROVIDER__API_KEY"
        )
    elif failure.kind == MODEL:
        error = ModelNotFound(f"{model}: unknown model at {where} ({failure.detail})")
    elif failure.kind == UNREACHABLE:
        error = ProviderUnreachable(f"{model}: cannot reach {where}: {failure.detail}")
    elif failure.kind == TIMEOUT:
        error = ProviderTimeout(f"{model}: no answer within {timeout_seconds:g} s, {tries}")
    elif failure.kind == RATE_LIMIT:
        error = RateLimited(f"{model}: still rate limited {tries}", failure.retry_after)
    elif failure.kind == SERVER:
        error = ProviderServerError(f"{model}: server error{_http(failure)} {tries}")
    elif failure.kind == DROPPED:
        error = ProviderServerError(f"{model}: the answer stream broke off {tries}")
    elif failure.kind == CONTEXT:
        error = ContextTooLong(f"{model}: the prompt does not fit the model's context window")
    elif failure.kind == BAD_REQUEST:
        error = ProviderError(f"{model}: request refused{_http(failure)}: {failure.detail}")
    else:
        error = ProviderError(f"{model}: {failure.detail}")
    if len(tried) > 1:
        error.msg += f" (models tried: {', '.join(tried)})"
    error.msg = scrub(" ".join(error.msg.split()), secrets)
    error.args = (error.msg,)
    return error


def _http(failure: Failure) -> str:
    return f" (HTTP {failure.status})" if failure.status else ""


def _detail(exc: BaseException) -> str:
    """The server's own words, without LiteLLM's class-name prefixes, on one short line."""
    text = str(getattr(exc, "message", "") or exc)
    text = text.split(" Original exception:")[0]
    text = " ".join(_PREFIX.sub("", text).split())
    return text[:200]


def _status(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    return status if isinstance(status, int) and status >= 400 else None


def _retry_after(exc: BaseException) -> float | None:
    """Seconds from the Retry-After (or retry-after-ms) header LiteLLM kept, if any."""
    headers: Any = getattr(exc, "litellm_response_headers", None)
    response = getattr(exc, "response", None)
    for source in (headers, getattr(response, "headers", None)):
        if not source:
            continue
        if (ms := source.get("retry-after-ms")) is not None:
            try:
                return max(0.0, float(ms) / 1000)
            except ValueError:
                pass
        if (value := source.get("retry-after")) is not None:
            return _seconds(str(value))
    return None


def _seconds(value: str) -> float | None:
    """A Retry-After value: delta-seconds or an HTTP date."""
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _connect_failure(exc: BaseException) -> str:
    """ "connection refused" / "host not found" when the chain shows the base is unreachable."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain and len(chain) < 20:
        chain.append(current)
        current = current.__cause__ or current.__context__
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return "connection refused"
    if any(isinstance(e, socket.gaierror) for e in chain):
        return "host not found"
    names = {type(e).__name__ for e in chain}
    if names & {"ConnectError", "ClientConnectorError", "ClientConnectorDNSError"}:
        return "cannot connect"
    return ""
