"""A provider driven by a function: the test double for the layers above providers.

Engine, agent and app tests use it to get exact candidate modules without a
network or a model (like pydantic-ai's FunctionModel). The provider tests
themselves run the real providers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from regoose_tui.providers.base import ChatTurn, GenerationRequest, GenerationResult, Provider

#: From a request to the test module source to return.
WriteFn = Callable[[GenerationRequest], str]


class ScriptedProvider(Provider):
    """Returns what ``write`` says for each request; chat replies with ``reply``."""

    needs_network = False

    def __init__(
        self, write: WriteFn, *, reply: str = "scripted reply", name: str = "scripted"
    ) -> None:
        self._write = write
        self._reply = reply
        self.name = name
        self.requests: list[GenerationRequest] = []

    async def generate(self, request: GenerationRequest) -> GenerationResult:
        self.requests.append(request)
        return GenerationResult(test_source=self._write(request), notes="scripted")

    async def chat(self, turns: list[ChatTurn]) -> AsyncIterator[str]:
        for word in self._reply.split(" "):
            yield word + " "
