"""Cassettes: a session's model traffic written to JSON lines, and served back from them.

``--record FILE`` appends one line per answered call: the request (the model
asked, the messages, the parameters that shape the answer; never a key, a
header or the API base) with its hash, and the answer (the streamed text, the
model that gave it, its usage). ``--replay FILE`` serves those answers in
order with no model, no network and no cost; each request must hash like the
recorded one, so a prompt that changed since the recording stops the session
with one line instead of quietly answering the wrong question.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regoose_tui.errors import ProviderError, UsageError
from regoose_tui.providers.llm.accounting import CallUsage
from regoose_tui.providers.llm.failures import scrub

FORMAT = "regoose.cassette/1"


@dataclass(frozen=True)
class Recorded:
    """One answer served from a cassette."""

    text: str
    model: str
    usage: CallUsage


def request_hash(model: str, messages: Sequence[dict[str, Any]], params: dict[str, Any]) -> str:
    """The identity of a request: what decides the answer, in a canonical JSON form.

    The key, the API base and the timeouts are left out: a replay has none of
    them and they do not change what the model is asked.
    """
    canonical = json.dumps(
        {"model": model, "messages": list(messages), "params": params},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class CassetteRecorder:
    """Writes each answered call as one JSON line, keys scrubbed from every string."""

    def __init__(self, path: Path, secrets: Iterable[str]) -> None:
        self.path = path
        self._secrets = tuple(secrets)
        self._count = 0
        self._lock = asyncio.Lock()
        # A fresh cassette per session: an old one's answers would replay out of order.
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("", encoding="utf-8")

    async def record(
        self,
        *,
        key: str,
        model: str,
        messages: Sequence[dict[str, Any]],
        params: dict[str, Any],
        answer: Recorded,
    ) -> None:
        """Append one call (off the event loop)."""
        async with self._lock:
            self._count += 1
            entry = {
                "format": FORMAT,
                "n": self._count,
                "hash": key,
                "request": {"model": model, "messages": list(messages), "params": params},
                "answer": {
                    "text": answer.text,
                    "model": answer.model,
                    "usage": {
                        "prompt_tokens": answer.usage.prompt_tokens,
                        "completion_tokens": answer.usage.completion_tokens,
                        "cost_usd": answer.usage.cost_usd,
                        "source": answer.usage.source,
                    },
                },
            }
            line = _scrubbed(entry, self._secrets)
            await asyncio.to_thread(self._append, json.dumps(line, ensure_ascii=False) + "\n")

    def _append(self, line: str) -> None:
        with self.path.open("a", encoding="utf-8") as out:
            out.write(line)


class CassettePlayer:
    """Serves a cassette's answers in order, each only to the request it was recorded for."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries = load_cassette(path)
        self._next = 0

    @property
    def remaining(self) -> int:
        """Answers not served yet."""
        return len(self._entries) - self._next

    def answer(self, key: str) -> Recorded:
        """The next recorded answer, or one ProviderError line when the request differs."""
        number = self._next + 1
        if self._next >= len(self._entries):
            raise ProviderError(
                f"cassette {self.path}: the session asked for call {number} but the cassette "
                f"holds {len(self._entries)}; record it again"
            )
        entry = self._entries[self._next]
        if entry["hash"] != key:
            raise ProviderError(
                f"cassette {self.path}: call {number} differs from the recorded request "
                f"(hash {key[:12]} != {str(entry['hash'])[:12]}): the code, the prompts or "
                "the options changed since it was recorded; record it again"
            )
        self._next += 1
        answer = entry["answer"]
        usage = answer["usage"]
        cost = usage.get("cost_usd")
        return Recorded(
            text=answer["text"],
            model=answer["model"],
            usage=CallUsage(
                model=answer["model"],
                prompt_tokens=int(usage["prompt_tokens"]),
                completion_tokens=int(usage["completion_tokens"]),
                cost_usd=float(cost) if cost is not None else None,
                source=str(usage.get("source", "stream")),
            ),
        )


def load_cassette(path: Path) -> list[dict[str, Any]]:
    """Every entry of a cassette file; a missing or malformed file is one UsageError line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"--replay {path}: cannot read it ({error.strerror})") from None
    entries: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            if entry.get("format") != FORMAT:
                raise ValueError(f"not a {FORMAT} line")
            answer = entry["answer"]
            if not isinstance(entry["hash"], str) or not isinstance(answer["text"], str):
                raise ValueError("hash and answer text must be strings")
            int(answer["usage"]["prompt_tokens"])
            int(answer["usage"]["completion_tokens"])
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise UsageError(
                f"--replay {path}: line {number} is not a cassette entry ({error})"
            ) from None
        entries.append(entry)
    return entries


def _scrubbed(value: Any, secrets: tuple[str, ...]) -> Any:
    """``value`` with every secret masked in every string, keys of dicts included."""
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, dict):
        return {_scrubbed(k, secrets): _scrubbed(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrubbed(v, secrets) for v in value]
    return value
