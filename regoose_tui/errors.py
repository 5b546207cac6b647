"""The error hierarchy of Regoose: one root, one subclass per area.

    RegooseError(msg, title)
    ├── UsageError            bad command line or option value (exit 2)
    ├── InputError            a target the engine cannot work on (exit 2)
    │   ├── TargetNotFound
    │   ├── TargetUnreadable  binary, non-UTF-8, empty, too large
    │   ├── TargetSyntaxError
    │   ├── TargetOutsideProject
    │   └── TargetImportError import raised or hung
    ├── ConfigError
    ├── PlanError
    │   └── PlanCycleError
    ├── ProviderError
    │   ├── RateLimited(retry_after)
    │   ├── ContextTooLong
    │   ├── AuthFailed
    │   ├── BadModelOutput
    │   ├── ModelNotFound       the model name is unknown to its vendor or server
    │   ├── ProviderTimeout     no answer within the per-call timeout, retries spent
    │   ├── ProviderServerError 5xx or a dropped stream, retries spent
    │   └── ProviderUnavailable
    │       └── ProviderUnreachable  the API base refuses or does not resolve
    ├── SandboxError
    │   ├── SandboxUnavailable
    │   └── SandboxTimeout
    ├── ToolFailed            a tool operation did not succeed
    ├── BusError
    │   └── RequestTimeout
    └── StoreError
        ├── SessionNotFound
        └── FileExistsRefused  would overwrite a user's file without --force

Every error carries a one-line message meant for the user; the CLI prints
``title: msg`` and maps the class to an exit code, the app shows both in one
modal.
"""

from __future__ import annotations


class RegooseError(Exception):
    """Root of every error Regoose raises on purpose."""

    title = "Error"

    def __init__(self, msg: str, title: str | None = None) -> None:
        super().__init__(msg)
        self.msg = msg
        if title is not None:
            self.title = title

    def __str__(self) -> str:
        return self.msg


class UsageError(RegooseError):
    """The command line or an option value is wrong."""

    title = "Usage error"


class InputError(RegooseError):
    """The target cannot be worked on; nothing is written."""

    title = "Input error"


class TargetNotFound(InputError):
    """The target path does not exist."""


class TargetUnreadable(InputError):
    """The target is binary, empty, not UTF-8 or too large."""


class TargetSyntaxError(InputError):
    """The target does not parse as Python."""


class TargetTooDeep(InputError):
    """The source nests deeper than Python can parse or walk (a huge expression)."""


class TargetOutsideProject(InputError):
    """The target is not inside the project (import root)."""


class PathIgnored(InputError):
    """The path is excluded by the project's .regooseignore / [tool.regoose] ignore rules."""


class TargetImportError(InputError):
    """Importing the target raised or did not finish in time."""


class ConfigError(RegooseError):
    """A configuration value is invalid."""

    title = "Config error"


class PlanError(RegooseError):
    """An execution plan is malformed or failed."""

    title = "Plan error"


class PlanCycleError(PlanError):
    """The dependencies of a GRAPH plan form a cycle."""


class ProviderError(RegooseError):
    """A test-writing provider failed."""

    title = "Provider error"


class RateLimited(ProviderError):
    """The provider asked us to slow down."""

    def __init__(self, msg: str, retry_after: float | None = None) -> None:
        super().__init__(msg)
        self.retry_after = retry_after


class ContextTooLong(ProviderError):
    """The request does not fit the model's context window."""


class AuthFailed(ProviderError):
    """The API key is missing or wrong."""


class BadModelOutput(ProviderError):
    """The model answered something that is not usable."""


class CostLimitReached(ProviderError):
    """The next model call would take the session's cost past ``--max-cost``."""


class ProviderUnavailable(ProviderError):
    """The provider cannot be reached or is not installed."""


class ModelNotFound(ProviderError):
    """The vendor or server does not know the model name."""


class ProviderTimeout(ProviderError):
    """The model did not answer within the per-call timeout, retries included."""


class ProviderServerError(ProviderError):
    """The model's server kept failing (5xx, dropped or broken streams)."""


class ProviderUnreachable(ProviderUnavailable):
    """The API base cannot be connected to (refused, unknown host)."""


class SandboxError(RegooseError):
    """The sandbox runtime failed."""

    title = "Sandbox error"


class SandboxUnavailable(SandboxError):
    """The requested runtime is not usable on this machine."""


class SandboxTimeout(SandboxError):
    """A sandboxed command ran past its wall-clock limit and was killed."""


class ToolFailed(RegooseError):
    """A tool operation did not succeed (raised by ``ToolResult.unwrap``)."""

    title = "Tool error"


class BusError(RegooseError):
    """The message bus refused or failed a request."""

    title = "Bus error"


class RequestTimeout(BusError):
    """Nobody replied to a bus request in time."""


class StoreError(RegooseError):
    """The session store failed."""

    title = "Store error"


class SessionNotFound(StoreError):
    """No session has that id."""

    title = "Unknown session"


class FileExistsRefused(StoreError):
    """Writing would overwrite a file the user owns; pass --force to allow it."""

    title = "Refused to overwrite"
