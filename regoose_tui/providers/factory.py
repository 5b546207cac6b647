"""Providers by name: `offline`, or a LiteLLM model string like `openai/gpt-4o-mini`.

Provider modules are imported only when named, so choosing `offline` never
loads LiteLLM (3.5 s, 170 MB).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass

from regoose_tui.errors import ProviderUnavailable, UsageError
from regoose_tui.providers.base import Provider

OFFLINE = "offline"


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
) -> Provider:
    """The provider called ``name`` (default: offline); LiteLLM options apply to models only.

    ``api_key`` None means the vendor's usual environment variable (OPENAI_API_KEY, ...).
    """
    name = (name or OFFLINE).strip()
    if name == OFFLINE:
        from regoose_tui.providers.offline import OfflineProvider

        return OfflineProvider()
    if is_litellm_model(name):
        if importlib.util.find_spec("litellm") is None:
            raise ProviderUnavailable(f"{name}: the litellm package is not installed")
        # These modules import litellm only when a call is made, not here.
        from regoose_tui.providers.llm.client import CallSettings
        from regoose_tui.providers.llm.provider import LiteLLMProvider

        for fallback in fallbacks:
            if not is_litellm_model(fallback):
                raise UsageError(f"fallback {fallback!r} is not a LiteLLM model string")
        return LiteLLMProvider(
            CallSettings(
                model=name,
                fallbacks=tuple(fallbacks),
                api_base=api_base or None,
                api_key=api_key or None,
                timeout_seconds=timeout_seconds,
                max_retries=max_retries,
            )
        )
    raise UsageError(
        f"unknown provider {name!r}: use 'offline' or a LiteLLM model string such as "
        "'openai/gpt-4o-mini'"
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
