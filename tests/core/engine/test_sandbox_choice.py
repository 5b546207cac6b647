"""The runtime and the interpreter are found side by side, errors as one at a time would."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from regoose_tui.engine.options import GenerateOptions
from regoose_tui.engine.sandbox_choice import runtime_and_python
from regoose_tui.errors import UsageError
from regoose_tui.runtime.local import LocalRuntime


@pytest.fixture
def target(tmp_path: Path) -> Path:
    (tmp_path / "calc.py").write_text("def f():\n    return 1\n")
    return tmp_path / "calc.py"


async def test_both_are_found(target: Path) -> None:
    options = GenerateOptions(target=target, runtime="local", python=Path(sys.executable))
    runtime, python, layout = await runtime_and_python(options, masked=())
    assert isinstance(runtime, LocalRuntime)
    assert python.executable == Path(sys.executable) and python.source == "--python"
    assert layout.root == target.parent


async def test_the_runtimes_error_comes_first_then_the_interpreters(target: Path) -> None:
    missing = target.parent / "no-python"
    both = GenerateOptions(target=target, runtime="vm", python=missing)
    with pytest.raises(UsageError, match="unknown runtime 'vm'"):
        await runtime_and_python(both, masked=())
    python_only = GenerateOptions(target=target, runtime="local", python=missing)
    with pytest.raises(UsageError, match="no-python: no such interpreter"):
        await runtime_and_python(python_only, masked=())


async def test_a_given_runtime_and_interpreter_are_used_as_they_are(target: Path) -> None:
    options = GenerateOptions(target=target, runtime="vm", python=target.parent / "no-python")
    given = LocalRuntime()
    first = await runtime_and_python(GenerateOptions(target=target, runtime="local"), masked=())
    runtime, python, _layout = await runtime_and_python(
        options, masked=(), runtime=given, python=first[1]
    )
    assert runtime is given and python is first[1]
