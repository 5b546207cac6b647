"""Runtime registry: which sandboxes exist here, and the one to use.

``--runtime auto`` picks the strongest usable backend; callers learn which
one through ``runtime.name`` and must show ``runtime.describe()`` (it says
NOT ISOLATED for the local runtime).
"""

from __future__ import annotations

from regoose_tui.errors import SandboxUnavailable, UsageError
from regoose_tui.runtime.base import Availability, Runtime
from regoose_tui.runtime.bwrap import BwrapRuntime
from regoose_tui.runtime.local import LocalRuntime

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


def get_runtime(name: str = "auto") -> Runtime:
    """The runtime called ``name``, or the strongest usable one for ``auto``.

    Raises ``UsageError`` for an unknown name and ``SandboxUnavailable`` (with
    the backend's own reason) for a known one that cannot run here.
    """
    key = name.strip().lower()
    if key not in RUNTIME_NAMES:
        raise UsageError(f"unknown runtime {name!r}; choose one of {', '.join(RUNTIME_NAMES)}")
    if key == "auto":
        for cls in sorted(_IMPLEMENTED.values(), key=lambda c: -c.strength):
            if cls.availability().usable:
                return cls()
        raise SandboxUnavailable("no sandbox runtime is usable on this machine")
    if key in _PLANNED:
        raise SandboxUnavailable(f"runtime {key!r} is {_PLANNED_REASON}")
    cls = _IMPLEMENTED[key]
    available = cls.availability()
    if not available.usable:
        raise SandboxUnavailable(f"runtime {key!r} is not usable: {available.reason}")
    return cls()


def runtime_report() -> list[tuple[str, bool, str]]:
    """Rows for ``regoose doctor``: (name, usable, reason), strongest first."""
    return [(name, a.usable, a.reason) for name, a in available_runtimes().items()]
