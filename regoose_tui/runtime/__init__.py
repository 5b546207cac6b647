"""Sandbox runtimes: run untrusted test code isolated, streaming its output.

    base.py           the Runtime interface (RunSpec, RunResult, Limits)
    local.py          LocalRuntime: host subprocess with rlimits, NOT isolated
    bwrap.py          BwrapRuntime: bubblewrap namespaces, no network
    registry.py       get_runtime("auto" | name), available_runtimes, runtime_report
    python_env.py     resolve_python: the interpreter that runs the user's code
    pytest_runner.py  run_pytest: pytest under coverage in a runtime -> PytestReport
    pytest_results.py JUnit XML and coverage JSON parsing

Importing this package imports nothing but the interface; pick the modules
you need.
"""

from regoose_tui.runtime.base import (
    Availability,
    Limits,
    OutputSink,
    RunResult,
    RunSpec,
    Runtime,
)

__all__ = ["Availability", "Limits", "OutputSink", "RunResult", "RunSpec", "Runtime"]
