"""`regoose doctor`: which runtimes and providers work here, and why not."""

from __future__ import annotations

import argparse
from pathlib import Path

from regoose_tui.cli.common import limits_line, settings_for
from regoose_tui.domain.layout import marked_root
from regoose_tui.providers.factory import provider_statuses
from regoose_tui.runtime import cgroup
from regoose_tui.runtime.python_env import resolve_python
from regoose_tui.runtime.registry import get_runtime, runtime_report


def doctor_command(args: argparse.Namespace) -> int:
    """Print one line per runtime and provider; exit 0 when something can run tests."""
    print("runtimes:")
    usable = False
    for name, ok, reason in runtime_report():
        usable = usable or ok
        print(f"  {'ok ' if ok else 'no '} {name:<7} {reason}")
    settings = settings_for(args)
    try:
        chosen = get_runtime("auto")
        print(f"  auto -> {chosen.describe()} ({chosen.selection})")
    except Exception as error:
        print(f"  auto -> none: {error}")
    from regoose_tui.cli.sandbox_command import doctor_lines

    print("containers:")
    for line in doctor_lines():
        print(line)
    found = cgroup.support()
    if found.usable:
        print(f"whole-run limits: {found.kind}: {found.reason}")
    else:
        print(f"whole-run limits: NONE ({found.reason}); only per-process rlimits apply")
    print(limits_line(settings))
    print("providers:")
    for status in provider_statuses():
        print(f"  {'ok ' if status.usable else 'no '} {status.name:<7} {status.reason}")
    here = Path.cwd()
    python = resolve_python(project=marked_root(here) or here)
    print(f"python for tests: {python.executable} ({python.version}, from {python.source})")
    return 0 if usable else 3
