"""Two edges of a generation: the provider it is built with, the error a failed plan ends in."""

from __future__ import annotations

from regoose_tui.engine.options import GenerateOptions
from regoose_tui.errors import PlanError, RegooseError
from regoose_tui.plan import PlanResult
from regoose_tui.providers.base import Provider
from regoose_tui.providers.factory import create_provider, provider_from_settings


def build_provider(options: GenerateOptions) -> Provider:
    """The provider the options name, called as their provider settings say."""
    record, replay = options.record, options.replay
    if options.provider_settings is None:
        return create_provider(options.provider, record=record, replay=replay)
    return provider_from_settings(
        options.provider_settings, options.provider, record=record, replay=replay
    )


def first_error(result: PlanResult) -> RegooseError:
    """The error that stopped the plan, as a RegooseError for the caller."""
    for outcome in result.failed:
        if isinstance(outcome.error, RegooseError):
            return outcome.error
    details = "; ".join(f"{o.node_id}: {o.detail}" for o in result.failed) or result.status
    return PlanError(f"generation failed: {details}")
