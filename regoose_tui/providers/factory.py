"""Providers by name: `offline`, or a LiteLLM model string like `openai/gpt-4o-mini`.

A model comes with a strategy: ``llm`` (the model writes every test) or
``hybrid`` (the default: the offline engine first, the model for what is
still missed); ``offline`` ignores the model. Provider modules are imported
only when named, so choosing `offline` never loads LiteLLM (3.5 s, 170 MB).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from regoose_tui.config import ProviderSettings
from regoose_tui.errors import ProviderUnavailable, UsageError
from regoose_tui.providers.base import Provider

OFFLINE = "offline"
LLM = "llm"
HYBRID = "hybrid"
STRATEGIES = (OFFLINE, LLM, HYBRID)


@dataclass(frozen=True)
class ProviderStatus:
    """Whether a provider can be used here, for `regoose doctor`."""

    name: str
    usable: bool
    reason: str


def is_litellm_model(name: str) -> bool:
    """LiteLLM model strings name a vendor: `openai/gpt-4o-mini`, `ollama/llama3`."""
    vendor, _, model = name.partition("/")
    return bool(vendor) and bool(model)


def create_provider(
    name: str | None,
    *,
    api_base: str | None = None,
    api_key: str | None = None,
    fallbacks: Sequence[str] = (),
    timeout_seconds: float = 60.0,
    max_retries: int = 3,
    strategy: str | None = None,
    record: Path | None = None,
    replay: Path | None = None,
) -> Provider:
    """The provider called ``name`` (default: offline); LiteLLM options apply to models only.

    ``api_key`` None means the vendor's usual environment variable (OPENAI_API_KEY, ...).
    ``strategy`` None means hybrid for a model and offline without one.
    ``record`` / ``replay`` name a cassette the model's calls are written to / served from.
    """
    name = (name or OFFLINE).strip()
    if strategy is not None and strategy not in STRATEGIES:
        raise UsageError(f"unknown strategy {strategy!r}: use offline, llm or hybrid")
    if record is not None and replay is not None:
        raise UsageError("--record and --replay: use one of them, not both")
    if name == OFFLINE or strategy == OFFLINE:
        if strategy in (LLM, HYBRID):
            raise UsageError(f"strategy {strategy} needs a model: add --provider MODEL")
        if record is not None or replay is not None:
            raise UsageError("a cassette (--record/--replay) needs a model: add --provider MODEL")
        from regoose_tui.providers.offline import OfflineProvider

        return OfflineProvider()
    if is_litellm_model(name):
        if importlib.util.find_spec("litellm") is None:
            raise ProviderUnavailable(f"{name}: the litellm package is not installed")
        # These modules import litellm only when a call is made, not here.
        from regoose_tui.providers.llm.cassette import CassettePlayer, CassetteRecorder
        from regoose_tui.providers.llm.client import CallSettings, LLMClient
        from regoose_tui.providers.llm.failures import secrets_to_scrub
        from regoose_tui.providers.llm.provider import LiteLLMProvider

        for fallback in fallbacks:
            if not is_litellm_model(fallback):
                raise UsageError(f"fallback {fallback!r} is not a LiteLLM model string")
        settings = CallSettings(
            model=name,
            fallbacks=tuple(fallbacks),
            api_base=api_base or None,
            api_key=api_key or None,
            timeout_seconds=timeout_seconds,
            max_retries=max_retries,
        )
        # The player reads its file now: a bad cassette is a usage error before any work.
        client = LLMClient(
            settings,
            record=CassetteRecorder(record, secrets_to_scrub(settings.api_key))
            if record is not None
            else None,
            replay=CassettePlayer(replay) if replay is not None else None,
        )
        llm = LiteLLMProvider(settings, client=client)
        if strategy == LLM:
            return llm
        from regoose_tui.providers.hybrid import HybridProvider
        from regoose_tui.providers.offline import OfflineProvider

        return HybridProvider(OfflineProvider(), llm)
    raise UsageError(
        f"unknown provider {name!r}: use 'offline' or a LiteLLM model string such as "
        "'openai/gpt-4o-mini'"
    )


def provider_from_settings(
    settings: ProviderSettings,
    name: str | None = None,
    *,
    record: Path | None = None,
    replay: Path | None = None,
) -> Provider:
    """The provider the ``[provider]`` settings describe (``name`` overrides their model).

    The key is the configured one (env or .env), else the vendor's usual variable;
    it goes into the call settings only, never into a name, an event or the store.
    """
    chosen = (name or settings.name).strip()
    if chosen != OFFLINE and not is_litellm_model(chosen) and settings.model:
        chosen = settings.model  # ``name`` names a kind ("litellm"); ``model`` says which
    key = settings.api_key.get_secret_value() if settings.api_key is not None else None
    return create_provider(
        chosen,
        api_base=settings.api_base,
        api_key=key,
        fallbacks=settings.fallbacks,
        timeout_seconds=settings.timeout_seconds,
        max_retries=settings.max_retries,
        strategy=settings.strategy,
        record=record,
        replay=replay,
    )


def provider_statuses() -> list[ProviderStatus]:
    """What `regoose doctor` says about each kind of provider."""
    statuses = [ProviderStatus(OFFLINE, True, "embedded; no network or API key needed")]
    if importlib.util.find_spec("litellm") is None:
        statuses.append(ProviderStatus("litellm", False, "the litellm package is not installed"))
    else:
        statuses.append(
            ProviderStatus(
                "litellm",
                True,
                "installed: any LiteLLM model string (openai/..., anthropic/..., ollama/..., "
                "openai/<name> with an API base); keys from the vendor's environment variable",
            )
        )
    return statuses
