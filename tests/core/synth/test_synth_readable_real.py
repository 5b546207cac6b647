"""The engine on a real module nobody here wrote: the file is kept as written.

``colorsys`` from the standard library, copied into a project under another
name, goes through two generation rounds the way the validator runs them
(the second round gets the first's suite and gaps as feedback, and
``merge_suites`` joins the two). The written file is judged as a person would
judge it, from the folder it lands in: no ``ruff check`` finding (E, F, I, B),
``ruff format --check`` clean, no test name ending in a counter, one class
per unit, and every test passing.
"""

from __future__ import annotations

import ast
import asyncio
import colorsys
import inspect
import re
import subprocess
import sys

import pytest
from support.ruff_runs import ruff
from synth_samples import make_target, sandbox_for, synthesize_here

from regoose_tui.domain.feedback import Feedback
from regoose_tui.domain.suite_edit import list_test_names, merge_suites
from regoose_tui.runtime.local import LocalRuntime
from regoose_tui.synth.engine import synthesize
from regoose_tui.synth.formatting import ruff_command

COUNTER = re.compile(r"_\d+$")

needs_ruff = pytest.mark.skipif(ruff_command() is None, reason="ruff is not installed")

REGISTRY = '''
class Registry:
    """Named handlers; the package's default one comes filled."""

    def __init__(self):
        self.handlers = {}

    def add(self, name, handler):
        self.handlers[name] = handler

    def describe(self):
        if not self.handlers:
            return "empty"
        if len(self.handlers) > 2:
            return "busy"
        return ", ".join(sorted(self.handlers))


DEFAULT = Registry()
DEFAULT.add("print", print)
DEFAULT.add("len", len)
DEFAULT.add("repr", repr)
'''


@pytest.fixture(scope="module")
def two_rounds(tmp_path_factory):
    """Round one on a colorsys copy, round two from its feedback, merged as the validator does."""
    tmp = tmp_path_factory.mktemp("colour")
    target = make_target(tmp, "colour_space", inspect.getsource(colorsys))
    out = tmp / "elsewhere" / "test_colour_space.py"
    out.parent.mkdir()
    target = type(target)(**{**vars(target), "out_path": out})

    def generate(work: str, feedback: Feedback | None):
        return asyncio.run(
            synthesize(
                target,
                sandbox_for(LocalRuntime(), target, tmp / f"sandbox-{work}"),
                python=sys.executable,
                budget_seconds=20,
                work_dir=tmp / work,
                feedback=feedback,
            )
        )

    first = generate("one", None)
    feedback = Feedback(
        kept_test_source=first.test_source,
        missing_lines=first.missing_lines or (1,),
        line_percent=first.line_percent or 0.0,
    )
    second = generate("two", feedback)
    merged = merge_suites(first.test_source, second.test_source)
    out.write_text(merged, encoding="utf-8")
    return target, out, merged


@needs_ruff
def test_the_written_file_passes_ruff_check_and_format_from_where_it_lands(two_rounds):
    _target, out, _merged = two_rounds
    check = ruff(
        "check", "--isolated", "--select", "E,F,I,B", "--ignore", "E501", out.name, cwd=out.parent
    )
    assert check.returncode == 0, check.stdout
    fmt = ruff("format", "--isolated", "--check", out.name, cwd=out.parent)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_names_say_the_behaviour_never_a_counter_one_class_per_unit(two_rounds):
    _target, _out, merged = two_rounds
    names = list_test_names(merged)
    assert len(names) >= 6 and len(set(names)) == len(names)
    assert not [n for n in names if COUNTER.search(n)]
    tree = ast.parse(merged)
    classes = [n.name for n in tree.body if isinstance(n, ast.ClassDef)]
    assert len(classes) == len(set(classes))
    assert {"TestRgbToHsv", "TestHlsToRgb"} <= set(classes)
    assert not [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    # Imports: one block, each module once.
    imports = [ast.unparse(n) for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    assert len(imports) == len(set(imports))
    froms = [n.module for n in tree.body if isinstance(n, ast.ImportFrom)]
    assert len(froms) == len(set(froms))


def test_every_test_of_the_merged_file_passes(two_rounds):
    target, out, _merged = two_rounds
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(out)],
        capture_output=True,
        text=True,
        cwd=out.parent,
        env={"PYTHONPATH": str(target.project_dir), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-3000:]


async def test_the_packages_own_instance_reaches_what_a_bare_one_cannot(tmp_path):
    _target, result = await synthesize_here(tmp_path, "registry", REGISTRY)
    # A private copy of DEFAULT (three handlers) takes the "busy" branch.
    assert "copy.deepcopy(DEFAULT)" in result.test_source
    assert result.branch_percent == 100.0
