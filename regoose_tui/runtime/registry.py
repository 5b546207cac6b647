"""Runtime registry: which sandboxes exist here, and the one to use.

``--runtime auto`` picks the strongest usable *isolating* backend; it never
falls back to the unisolated ``local`` unless the user allowed it
(``allow_unisolated = true`` in [runtime]); ``--runtime local`` is always an
explicit choice. Callers learn which one through ``runtime.name`` and must
show ``runtime.describe()`` (it says NOT ISOLATED for the local runtime).

The configured limits (config [runtime], ``--timeout/--memory/--pids``) are
a ceiling every run of the returned runtime is held to. Callers pass them
to :func:`get_runtime`, or a command sets them once with :func:`configure`
(the CLI does) for code that only names the runtime.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from regoose_tui.errors import SandboxUnavailable, UsageError
from regoose_tui.runtime._allowlist import SandboxPolicy
from regoose_tui.runtime.base import Availability, Limits, Runtime
from regoose_tui.runtime.bwrap import BwrapRuntime
from regoose_tui.runtime.local import LocalRuntime

#: What to install when no isolating runtime works (one line for the user).
INSTALL_HINT = (
    "install bubblewrap (`apt-get install bubblewrap`, `dnf install bubblewrap`), "
    "or choose `--runtime local` / `allow_unisolated = true` in [runtime] to run "
    "tests NOT isolated"
)


@dataclass(frozen=True)
class RuntimeConfig:
    """The process-wide defaults :func:`get_runtime` applies when given none."""

    limits: Limits | None = None
    allow_unisolated: bool = False
    policy: SandboxPolicy = field(default_factory=SandboxPolicy)


_config = RuntimeConfig()


def configure(
    limits: Limits | None = None,
    *,
    allow_unisolated: bool = False,
    config_root: Path | None = None,
    data_dir: Path | None = None,
) -> RuntimeConfig:
    """Set the limits, the fallback rule and the host facts for later runtimes."""
    global _config
    _config = RuntimeConfig(limits, allow_unisolated, SandboxPolicy(config_root, data_dir))
    return _config


def configured() -> RuntimeConfig:
    """The defaults set by :func:`configure` (none set: built-in limits, no fallback)."""
    return _config


#: Names accepted by ``--runtime``, strongest isolation first.
RUNTIME_NAMES = ("auto", "docker", "podman", "bwrap", "local")

_IMPLEMENTED: dict[str, type[Runtime]] = {
    BwrapRuntime.name: BwrapRuntime,
    LocalRuntime.name: LocalRuntime,
}
_PLANNED = ("docker", "podman")
_PLANNED_REASON = "not implemented in this version (coming in the container issue)"


def available_runtimes() -> dict[str, Availability]:
    """Every known backend (strongest first) and whether it is usable here."""
    report = {name: Availability(False, _PLANNED_REASON) for name in _PLANNED}
    by_strength = sorted(_IMPLEMENTED.values(), key=lambda cls: -cls.strength)
    report.update({cls.name: cls.availability() for cls in by_strength})
    return report


def get_runtime(
    name: str = "auto",
    *,
    limits: Limits | None = None,
    allow_unisolated: bool | None = None,
    masked: tuple[Path, ...] = (),
) -> Runtime:
    """The runtime called ``name``, or the strongest usable isolating one for ``auto``.

    ``limits`` (default: the configured ones) cap every run. ``auto`` with no
    isolating backend raises ``SandboxUnavailable`` saying what to install,
    unless ``allow_unisolated`` (default: the configured rule) permits local.
    ``masked`` paths (the project's ignore rules) are hidden from every run.
    Raises ``UsageError`` for an unknown name and ``SandboxUnavailable`` (with
    the backend's own reason) for a known one that cannot run here.
    """
    config = _config
    if masked:
        config = replace(config, policy=replace(config.policy, masked=masked))
    limits = limits if limits is not None else config.limits
    allowed = config.allow_unisolated if allow_unisolated is None else allow_unisolated
    key = name.strip().lower()
    if key not in RUNTIME_NAMES:
        raise UsageError(f"unknown runtime {name!r}; choose one of {', '.join(RUNTIME_NAMES)}")
    if key == "auto":
        reasons = []
        for cls in sorted(_IMPLEMENTED.values(), key=lambda c: -c.strength):
            if not cls.isolated:
                continue
            available = cls.availability()
            if available.usable:
                return _make(cls, limits, config)
            reasons.append(f"{cls.name}: {available.reason}")
        if allowed:
            return _make(LocalRuntime, limits, config)
        raise SandboxUnavailable(
            f"no isolating sandbox here ({'; '.join(reasons)}): {INSTALL_HINT}"
        )
    if key in _PLANNED:
        raise SandboxUnavailable(f"runtime {key!r} is {_PLANNED_REASON}")
    cls = _IMPLEMENTED[key]
    available = cls.availability()
    if not available.usable:
        raise SandboxUnavailable(f"runtime {key!r} is not usable: {available.reason}")
    return _make(cls, limits, config)


def _make(cls: type[Runtime], limits: Limits | None, config: RuntimeConfig) -> Runtime:
    if cls is BwrapRuntime:
        return BwrapRuntime(limits, config.policy)
    return cls(limits)


def runtime_report() -> list[tuple[str, bool, str]]:
    """Rows for ``regoose doctor``: (name, usable, reason), strongest first."""
    return [(name, a.usable, a.reason) for name, a in available_runtimes().items()]
