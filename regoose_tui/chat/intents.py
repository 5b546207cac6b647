"""Understand a chat message: a slash command or a plain request, as a typed intent.

Slash commands are exact (`/generate PATH`); plain requests are matched by a
few patterns covering what the offline provider can do (write tests for a
file, run tests, explain a failure). Anything else is FreeText, which goes to
the provider's chat (and the offline provider says plainly it needs an LLM).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from regoose_tui.errors import UsageError


@dataclass(frozen=True)
class Generate:
    """Write tests for one Python file."""

    path: str


@dataclass(frozen=True)
class RunTests:
    """Run tests (all of the project's when ``paths`` is empty)."""

    paths: tuple[str, ...] = ()


@dataclass(frozen=True)
class Explain:
    """Explain why a test failed (the latest failure when ``test`` is None)."""

    test: str | None = None


@dataclass(frozen=True)
class Fix:
    """Make a failing test pass (needs an LLM to change code)."""

    test: str | None = None


@dataclass(frozen=True)
class SetProvider:
    name: str


@dataclass(frozen=True)
class SetRuntime:
    name: str


@dataclass(frozen=True)
class ShowSessions:
    pass


@dataclass(frozen=True)
class Export:
    format: str = "md"


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class Watch:
    """Rerun the related tests on every save under ``path`` (the project when None)."""

    path: str | None = None


@dataclass(frozen=True)
class StopWatch:
    """Stop the running watch (and its rerun's sandbox)."""


@dataclass(frozen=True)
class FreeText:
    """Anything else: a question for the provider's chat."""

    text: str


Intent = (
    Generate
    | RunTests
    | Explain
    | Fix
    | SetProvider
    | SetRuntime
    | ShowSessions
    | Export
    | Help
    | Watch
    | StopWatch
    | FreeText
)

#: Slash commands with their one-line help, in the order /help lists them.
SLASH_COMMANDS: dict[str, str] = {
    "/generate": "/generate PATH — write, run and keep tests for a Python file",
    "/run": "/run [PATH...] — run tests in the sandbox (default: the project's tests)",
    "/explain": "/explain [TEST] — why a test failed, from its traceback",
    "/provider": "/provider NAME — switch provider (offline, or a LiteLLM model)",
    "/runtime": "/runtime NAME — switch sandbox (auto, bwrap, docker, podman, local)",
    "/sessions": "/sessions — browse past sessions",
    "/export": "/export [md|json|junit] — export this session's report",
    "/watch": "/watch [PATH] | /watch stop — rerun the related tests in the sandbox on save",
    "/help": "/help — this list",
}

EXPORT_FORMATS = ("md", "json", "junit")

_PY_PATH = r"(?P<path>[\w./\\~-]+\.py)"
# Gaps are bounded ({0,60}) so a long message cannot make matching backtrack for seconds.
_GENERATE = re.compile(
    rf"\b(?:write|generate|create|make|add)\b.{{0,60}}?\btests?\b.{{0,60}}?\b(?:for|of|in|on)\s+`?{_PY_PATH}`?"
    rf"|\btest\s+`?{_PY_PATH.replace('path', 'path2')}`?",
    re.IGNORECASE,
)
_RUN = re.compile(r"^\s*(?:please\s+)?(?:re)?run\b.{0,60}?\btests?\b(?P<rest>.*)$", re.IGNORECASE)
_FIX = re.compile(
    r"\b(?:make|get)\b.{0,60}?\b(?:fail\w*|broken)\b.{0,60}?\bpass\b|\bfix\b.{0,60}?\btest",
    re.IGNORECASE,
)
_TEST_NAME = re.compile(r"\btest_\w+")


def parse_intent(text: str) -> Intent:
    """The intent of one chat message; UsageError (one line) for a malformed slash command."""
    stripped = text.strip()
    if not stripped:
        raise UsageError("empty message")
    if stripped.startswith("/"):
        return _parse_slash(stripped)
    return _parse_plain(stripped)


def _parse_slash(text: str) -> Intent:
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise UsageError(f"cannot read {text!r}: {exc}") from None
    command, args = words[0].lower(), words[1:]
    if command == "/generate":
        if len(args) != 1:
            raise UsageError("usage: /generate PATH (one Python file)")
        return Generate(args[0])
    if command == "/run":
        return RunTests(tuple(args))
    if command == "/explain":
        return Explain(args[0] if args else None)
    if command == "/provider":
        if len(args) != 1:
            raise UsageError("usage: /provider NAME (offline, or e.g. openai/gpt-4o-mini)")
        return SetProvider(args[0])
    if command == "/runtime":
        if len(args) != 1:
            raise UsageError("usage: /runtime NAME (auto, bwrap, docker, podman, local)")
        return SetRuntime(args[0])
    if command == "/sessions":
        return ShowSessions()
    if command == "/export":
        fmt = (args[0] if args else "md").lower()
        if fmt not in EXPORT_FORMATS:
            raise UsageError(f"usage: /export [{'|'.join(EXPORT_FORMATS)}], not {fmt!r}")
        return Export(fmt)
    if command == "/watch":
        if len(args) > 1:
            raise UsageError("usage: /watch [PATH] or /watch stop")
        if args and args[0].lower() == "stop":
            return StopWatch()
        return Watch(args[0] if args else None)
    if command == "/help":
        return Help()
    raise UsageError(f"unknown command {command}; type /help for the list")


#: Plain requests longer than this are questions for the provider, not commands.
MAX_REQUEST_CHARS = 300


def _parse_plain(text: str) -> Intent:
    if len(text) > MAX_REQUEST_CHARS:
        return FreeText(text)
    match = _GENERATE.search(text)
    if match:
        return Generate(match.group("path") or match.group("path2"))
    if _FIX.search(text):
        name = _TEST_NAME.search(text)
        return Fix(name.group(0) if name else None)
    if re.search(r"\b(?:why|explain|what went wrong)\b", text, re.IGNORECASE) and re.search(
        r"\b(?:fail|failing|failed|failure|error|broke|wrong)\b|\btest_\w+", text, re.IGNORECASE
    ):
        name = _TEST_NAME.search(text)
        return Explain(name.group(0) if name else None)
    run = _RUN.match(text)
    if run:
        paths = tuple(re.findall(r"[\w./\\~-]+(?:\.py|/)", run.group("rest") or ""))
        return RunTests(paths)
    return FreeText(text)


def help_text() -> str:
    """The Markdown list shown for /help."""
    lines = ["**Commands**", ""]
    lines += [
        f"- `{usage.split(' — ')[0]}` — {usage.split(' — ')[1]}"
        for usage in SLASH_COMMANDS.values()
    ]
    lines += [
        "",
        "Plain requests work too: *write tests for shop/cart.py*, *run the tests*, "
        "*why did test_total fail?*",
    ]
    return "\n".join(lines)
