"""The provider interface: something that writes pytest tests for a target.

``offline`` (the embedded engine) and LiteLLM models implement it. The
generator agent calls ``generate`` once per iteration with what the analyzer
found and, from the second iteration on, what the validator saw (failures,
coverage gaps), plus the session's tools. A provider returns one test
module's source; the executor and validator decide what of it is kept.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from regoose_tui.domain.feedback import Feedback
from regoose_tui.domain.target import TargetModule

if TYPE_CHECKING:
    # Only a type here: the app imports this module at start and must not pay for tools.
    from regoose_tui.tools.registry import ToolRegistry

#: Progress callback: a short human sentence.
ProgressSink = Callable[[str], None]


@dataclass(frozen=True)
class GenerationRequest:
    """Everything a provider gets to write tests.

    ``tools`` is the generation session's ToolRegistry (filesystem, shell and
    container): a provider reaches the sandbox and the disk only through it,
    never through a Runtime of its own.
    """

    target: TargetModule
    tools: ToolRegistry
    iteration: int = 1
    budget_seconds: float = 60.0
    feedback: Feedback | None = None
    progress: ProgressSink | None = None
    #: What the project's own tests already cover (missed lines and branches, run
    #: arcs): new tests aim at the rest. None when the project has no tests for it.
    baseline: Feedback | None = None
    #: ``--only``: the functions and methods (``Cart.total``) to write tests for;
    #: empty means the whole module.
    only: tuple[str, ...] = ()
    #: The project's own instructions ([tool.regoose] instructions); a model gets them.
    instructions: str = ""
    #: --seed: the offline engine's random choices start here and its phases count
    #: work instead of time, so two runs write the same bytes. None: time-boxed.
    seed: int | None = None
    #: Seconds from now the provider's own last verification may run to, past
    #: ``budget_seconds``, when that run is the keep session the validator reuses
    #: (a first round of the offline engine): the session's deadline less what the
    #: steps after it need. None: ``budget_seconds`` bounds it like everything else.
    verify_seconds: float | None = None


@dataclass(frozen=True)
class GenerationResult:
    """One test module written by a provider."""

    test_source: str
    notes: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Spent:
    """What a provider's model calls have cost so far: tokens and USD."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0

    def since(self, earlier: Spent) -> Spent:
        """What was spent between ``earlier`` and this."""
        return Spent(
            self.prompt_tokens - earlier.prompt_tokens,
            self.completion_tokens - earlier.completion_tokens,
            self.cost_usd - earlier.cost_usd,
        )


@dataclass(frozen=True)
class ChatTurn:
    role: str
    content: str


class Provider(abc.ABC):
    """Writes tests and answers chat."""

    name: str = ""
    #: Whether this provider needs the network (and a key).
    needs_network: bool = False
    #: Whether ``generate`` imports the target in the sandbox before anything else and
    #: raises the analyzer's own TargetImportError (domain/import_check.py) when that
    #: fails: the analyzer then skips its import check, so the target is imported once.
    imports_target: bool = False
    #: Rounds in a row with no new coverage that end the loop when ``--plateau`` is not
    #: given: a model answers a flat round's feedback anew, so one more round may help.
    flat_rounds_to_stop: int = 2

    @abc.abstractmethod
    async def generate(self, request: GenerationRequest) -> GenerationResult:
        """Write one pytest module for ``request.target``."""

    @abc.abstractmethod
    def chat(self, turns: list[ChatTurn]) -> AsyncIterator[str]:
        """Stream a reply to a conversation, fragment by fragment."""

    def spent(self) -> Spent:
        """Tokens and cost of every model call so far (chat included); none without a model."""
        return Spent()

    def set_cost_cap(self, usd: float | None) -> None:
        """Refuse any model call that would take the total past ``usd`` (no model: nothing)."""
        del usd  # a provider without a model spends nothing: there is nothing to cap
