"""Which side wrote each test, and what the provider calls of one generation cost.

The generation folds every candidate module into a Provenance: the names of
its tests take the candidate's origin (``offline`` or ``llm``; the first
candidate that wrote a name owns it, so a model that repeats the kept
module does not claim the offline tests), and its tokens and cost are added
to the session's totals, which the outcome and `generate --json` report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from regoose_tui.domain.suite_edit import list_test_names
from regoose_tui.providers.base import GenerationResult


@dataclass
class Provenance:
    """Origins per test name and the usage totals of one generation."""

    origins: dict[str, str] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0

    def add(self, result: GenerationResult, default_origin: str) -> None:
        """Count one candidate: its tests' origin and the tokens it took."""
        self.prompt_tokens += result.prompt_tokens
        self.completion_tokens += result.completion_tokens
        self.cost_usd += result.cost_usd
        origin = result.extra.get("origin")
        origin = origin if isinstance(origin, str) else default_origin
        try:
            names = list_test_names(result.test_source)
        except SyntaxError:
            return  # the validator drops a module that does not parse
        for name in names:
            self.origins.setdefault(name, origin)

    def origin_of(self, nodeid: str) -> str | None:
        """The origin of a pytest node id (``tests/test_x.py::TestY::test_z[1]``), if known."""
        name = nodeid.split("::", 1)[1] if "::" in nodeid else nodeid
        return self.origins.get(name.split("[", 1)[0])

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens
