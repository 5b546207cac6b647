"""When the model fails after tests were kept, the session keeps them and says why in one line.

A ``hybrid`` session whose offline round kept tests (or an ``llm`` session
past its first good round) must not lose them because a later model call
failed (a 500, a refused key, ``--max-cost`` reached). The generator's
ProviderError becomes a stand-in candidate that adds nothing; the loop
stops there, and the outcome, the store and the summary carry the
provider's error as one line.
"""

from __future__ import annotations

from dataclasses import replace

from regoose_tui.agents.validator import Validation
from regoose_tui.errors import CostLimitReached, ProviderError
from regoose_tui.providers.base import GenerationResult

#: ``extra`` key of the stand-in candidate: the error line.
PROVIDER_ERROR = "provider_error"


def failure_line(error: ProviderError, provider: str, kept: int) -> str:
    """``openai/x: server error (HTTP 500) ...; the 12 tests kept before are written``."""
    tests = "test" if kept == 1 else "tests"
    what = error.msg if error.msg.startswith(provider) else f"{provider}: {error.msg}"
    return f"{what}; the {kept} {tests} kept before are written"


def stand_in(
    error: ProviderError, previous: Validation | None, provider: str
) -> GenerationResult | None:
    """A candidate that adds nothing, or None when nothing was kept (the error then stands)."""
    if previous is None or previous.kept is None or not previous.kept.tests:
        return None
    line = failure_line(error, provider, len(previous.kept.tests))
    return GenerationResult(
        test_source=previous.kept.source,
        notes=line,
        extra={"origin": "none", PROVIDER_ERROR: line, "cost_limit": is_cost_limit(error)},
    )


def is_cost_limit(error: ProviderError) -> bool:
    """Whether the call was refused by ``--max-cost`` (a stop, not a failure)."""
    return isinstance(error, CostLimitReached)


def unchanged(previous: Validation) -> Validation:
    """The previous round's verdict, with nothing new in it (the stand-in round)."""
    return replace(
        previous,
        added=(),
        dropped=(),
        improved=False,
        kept_why=(),
        suspects=(),
        check_seconds=0.0,
        flaky=0,
    )
