"""Providers by name: `offline`, or a LiteLLM model string like `openai/gpt-4o-mini`.

Provider modules are imported only when named, so choosing `offline` never
loads LiteLLM (3.5 s, 170 MB).
"""

from __future__ import annotations

import importlib.util
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


def create_provider(name: str | None) -> Provider:
    """The provider called ``name`` (default: offline)."""
    name = (name or OFFLINE).strip()
    if name == OFFLINE:
        from regoose_tui.providers.offline import OfflineProvider

        return OfflineProvider()
    if is_litellm_model(name):
        raise ProviderUnavailable(
            f"{name}: LiteLLM models are not wired in this version yet; use --provider offline"
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
                False,
                "installed, but LiteLLM models are not wired in this version yet",
            )
        )
    return statuses
