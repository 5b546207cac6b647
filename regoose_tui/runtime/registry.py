"""Runtime registry: which sandboxes exist here, and the one to use.

``--runtime auto`` picks the first usable *isolating* backend in the auto
order (default docker > podman > bwrap; [runtime] ``auto_order``), and the
runtime it returns says which one and why (``runtime.selection``). It
never falls back to the unisolated ``local`` unless the user allowed it
(``allow_unisolated = true`` in [runtime]); ``--runtime local`` is always
an explicit choice. Callers learn which one through ``runtime.name`` and
must show ``runtime.describe()`` (it says NOT ISOLATED for the local
runtime).

The configured limits (config [runtime], ``--timeout/--memory/--pids``) are
a ceiling every run of the returned runtime is held to. Callers pass them
to :func:`get_runtime`, or a command sets them once with :func:`configure`
(the CLI does) for code that only names the runtime.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from regoose_tui.errors import SandboxUnavailable, UsageError
from regoose_tui.runtime._allowlist import SandboxPolicy
from regoose_tui.runtime.base import Availability, Limits, Runtime
from regoose_tui.runtime.bwrap import BwrapRuntime
from regoose_tui.runtime.container.defaults import DEFAULT_IMAGE, DEFAULT_POOL_SIZE
from regoose_tui.runtime.local import LocalRuntime

#: What to install when no isolating runtime works (one line for the user).
INSTALL_HINT = (
    "install bubblewrap (`apt-get install bubblewrap`, `dnf install bubblewrap`), "
    "or start Docker or Podman, or choose `--runtime local` / `allow_unisolated = true` "
    "in [runtime] to run tests NOT isolated"
)

#: The isolating backends ``auto`` tries, in order, unless configured otherwise.
DEFAULT_AUTO_ORDER = ("docker", "podman", "bwrap")
#: The environment variable (also a [runtime] setting) that overrides the auto order.
AUTO_ORDER_ENV = "REGOOSE_RUNTIME__AUTO_ORDER"


@dataclass(frozen=True)
class RuntimeConfig:
    """The process-wide defaults :func:`get_runtime` applies when given none."""

    limits: Limits | None = None
    allow_unisolated: bool = False
    policy: SandboxPolicy = field(default_factory=SandboxPolicy)
    #: None: the environment's REGOOSE_RUNTIME__AUTO_ORDER, else DEFAULT_AUTO_ORDER.
    auto_order: tuple[str, ...] | None = None
    image: str = DEFAULT_IMAGE
    pool_size: int = DEFAULT_POOL_SIZE


_config = RuntimeConfig()


def configure(
    limits: Limits | None = None,
    *,
    allow_unisolated: bool = False,
    config_root: Path | None = None,
    data_dir: Path | None = None,
    auto_order: Sequence[str] | None = None,
    image: str = DEFAULT_IMAGE,
    pool_size: int = DEFAULT_POOL_SIZE,
    docker_host: str | None = None,
    podman_host: str | None = None,
) -> RuntimeConfig:
    """Set the limits, the fallback rule, the host facts and the engines for later runtimes."""
    from regoose_tui.runtime.container import endpoints

    global _config
    order = tuple(auto_order) if auto_order is not None else None
    _config = RuntimeConfig(
        limits,
        allow_unisolated,
        SandboxPolicy(config_root, data_dir),
        order,
        image,
        pool_size,
    )
    endpoints.set_hosts(docker_host, podman_host)
    return _config


def configured() -> RuntimeConfig:
    """The defaults set by :func:`configure` (none set: built-in limits, no fallback)."""
    return _config


#: Names accepted by ``--runtime``, strongest isolation first.
RUNTIME_NAMES = ("auto", "docker", "podman", "bwrap", "local")

#: Every backend by name (``auto`` never picks ``local``).
_IMPLEMENTED = ("docker", "podman", "bwrap", "local")


def _backend(name: str) -> type[Runtime]:
    """The class of the backend called ``name`` (one of ``_IMPLEMENTED``)."""
    if name == BwrapRuntime.name:
        return BwrapRuntime
    if name == LocalRuntime.name:
        return LocalRuntime
    # Only when asked for: the container backends (pool, layout, tar transfer) cost
    # ~20 ms at a start that runs under bwrap.
    from regoose_tui.runtime.container.runtime import DockerRuntime, PodmanRuntime

    return DockerRuntime if name == DockerRuntime.name else PodmanRuntime


def auto_order(config: RuntimeConfig | None = None) -> tuple[str, ...]:
    """The backends ``auto`` tries, in order (configured, environment, or built in)."""
    config = config or _config
    if config.auto_order is not None:
        order: Sequence[str] = config.auto_order
    elif raw := os.environ.get(AUTO_ORDER_ENV, "").strip():
        try:
            parsed = json.loads(raw)
            order = [str(n) for n in parsed] if isinstance(parsed, list) else [str(parsed)]
        except json.JSONDecodeError:
            order = [part for part in raw.split(",")]
    else:
        order = DEFAULT_AUTO_ORDER
    names = [n.strip().lower() for n in order if n.strip()]
    unknown = [n for n in names if n not in _IMPLEMENTED or n == "local"]
    if unknown:
        raise UsageError(
            f"auto_order names {', '.join(unknown)}; it may hold docker, podman and bwrap only"
        )
    return tuple(dict.fromkeys(names))


def available_runtimes() -> dict[str, Availability]:
    """Every known backend (strongest first) and whether it is usable here."""
    by_strength = sorted(map(_backend, _IMPLEMENTED), key=lambda cls: -cls.strength)
    return {cls.name: cls.availability() for cls in by_strength}


def get_runtime(
    name: str = "auto",
    *,
    limits: Limits | None = None,
    allow_unisolated: bool | None = None,
    masked: tuple[Path, ...] = (),
) -> Runtime:
    """The runtime called ``name``, or the first usable isolating one for ``auto``.

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
        reasons: list[str] = []
        for candidate in auto_order(config):
            cls = _backend(candidate)
            available = cls.availability()
            if available.usable:
                made = _make(cls, limits, config)
                skipped = f" ({'; '.join(reasons)})" if reasons else ""
                made.selection = f"auto picked {cls.name}: {available.reason}{skipped}"
                return made
            reasons.append(f"{cls.name}: {available.reason}")
        if allowed:
            made = _make(LocalRuntime, limits, config)
            made.selection = f"auto fell back to local, NOT isolated ({'; '.join(reasons)})"
            return made
        raise SandboxUnavailable(
            f"no isolating sandbox here ({'; '.join(reasons)}): {INSTALL_HINT}"
        )
    cls = _backend(key)
    available = cls.availability()
    if not available.usable:
        raise SandboxUnavailable(f"runtime {key!r} is not usable: {available.reason}")
    made = _make(cls, limits, config)
    made.selection = f"{cls.name} as asked: {available.reason}"
    return made


def _make(cls: type[Runtime], limits: Limits | None, config: RuntimeConfig) -> Runtime:
    if cls is BwrapRuntime:
        return BwrapRuntime(limits, config.policy)
    if cls is LocalRuntime:
        return cls(limits)
    from regoose_tui.runtime.container.runtime import ContainerRuntime

    assert issubclass(cls, ContainerRuntime)
    return cls(limits, config.policy, image_name=config.image, pool_size=config.pool_size)


def runtime_report() -> list[tuple[str, bool, str]]:
    """Rows for ``regoose doctor``: (name, usable, reason), strongest first."""
    return [(name, a.usable, a.reason) for name, a in available_runtimes().items()]
