"""The headless core never loads Textual or LiteLLM, and the import contracts hold."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]

HEADLESS = [
    "regoose_tui.cli.main",
    "regoose_tui.cli.generate_command",
    "regoose_tui.cli.scope_command",
    "regoose_tui.cli.run_command",
    "regoose_tui.cli.sessions_command",
    "regoose_tui.engine.generation",
    "regoose_tui.engine.fan_out",
    "regoose_tui.engine.test_run",
    "regoose_tui.providers.factory",
    "regoose_tui.providers.offline",
    "regoose_tui.runtime.registry",
    "regoose_tui.store.store",
    "regoose_tui.reports",
    "regoose_tui.bus.bus",
    "regoose_tui.plan",
    "regoose_tui.chat.intents",
    "regoose_tui.chat.explain",
    "regoose_tui.conversation",
    "regoose_tui.conversation.engine_turns",
    "regoose_tui.config",
    "regoose_tui.viewstate",
    "regoose_tui.viewstate.progress",
]


@pytest.mark.parametrize("module", HEADLESS)
def test_headless_module_loads_no_textual_or_litellm(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "bad = sorted(m for m in ('textual', 'litellm', 'docker') if m in sys.modules)\n"
        "print(','.join(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    ).stdout.strip()
    assert out == "", f"{module} pulled in {out}"


def test_import_linter_contracts_are_kept() -> None:
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(linter), "--no-cache"], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "broken" in result.stdout and "0 broken" in result.stdout


def test_import_graph_sees_the_widgets_under_the_name_the_code_uses() -> None:
    """`regoose_tui.widgets.*` imports are edges of the contract graph, not dropped names.

    Were the widgets not a real subpackage in a checkout, grimp would squash an import
    of `regoose_tui.widgets.chat_view` into `regoose_tui` and no contract could see it.
    """
    import grimp

    graph = grimp.build_graph("regoose_tui", include_external_packages=True)
    assert "regoose_tui.widgets.chat_view" in graph.modules
    assert "regoose_tui.widgets.chat_view" in graph.find_modules_directly_imported_by(
        "regoose_tui.app.turns"
    )


def test_starting_a_generation_loads_no_report_renderer_or_pytest() -> None:
    """`regoose generate` pays at start-up only for what every run needs.

    The report renderers (JUnit, Markdown, the stored-session reader) and the
    document models load when a report or `--json` is asked for; pytest only
    ever runs in the sandbox (the keep-rule plugin is staged, not imported).
    """
    code = (
        "import sys, regoose_tui.cli.main, regoose_tui.cli.generate_command\n"
        "import regoose_tui.engine.generation, regoose_tui.providers.offline\n"
        "late = ('regoose_tui.reports.junit', 'regoose_tui.reports.markdown',\n"
        "        'regoose_tui.reports.from_store', 'regoose_tui.reports.documents',\n"
        "        'regoose_tui.runtime.keep_plugin', 'pytest')\n"
        "print(','.join(sorted(m for m in late if m in sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    ).stdout.strip()
    assert out == "", f"loaded at start-up: {out}"
    # The lazy package still hands out every public name.
    names = subprocess.run(
        [
            sys.executable,
            "-c",
            "import regoose_tui.reports as r; print(sorted(n for n in r.__all__ if getattr(r, n)))",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    ).stdout
    assert "write_report" in names and "report_from_store" in names


#: Loaded by nothing a generation under bwrap runs: the debugger and unittest (doctest
#: brings both), the ignore-rule matcher of a project without rules, the container
#: backends (and tarfile, their transfer format), the TUI and the model client.
NOT_AT_START = (
    "textual",
    "litellm",
    "docker",
    "pdb",
    "doctest",
    "unittest",
    "pathspec",
    "tarfile",
    "regoose_tui.runtime.container.runtime",
    "regoose_tui.runtime.container.pool",
    "regoose_tui.runtime.container.transfer",
)


def test_a_generation_under_bwrap_starts_without_modules_it_never_uses(
    tmp_path: Path,
) -> None:
    """`regoose generate` under bwrap: what its start loads, in a fresh interpreter.

    The command line is parsed, the generate command and the offline engine are
    imported, and the start-up steps run: the runtime, the project's rules (a
    project without any) and the analysis of a module without doctests.
    """
    (tmp_path / "calc.py").write_text("def sign(n):\n    return 'pos' if n > 0 else 'other'\n")
    code = (
        "import sys, pathlib\n"
        "from regoose_tui.cli.parser import build_parser\n"
        "build_parser().parse_args(['generate', 'calc.py', '--runtime', 'bwrap'])\n"
        "import regoose_tui.cli.main, regoose_tui.cli.generate_command\n"
        "import regoose_tui.engine.generation, regoose_tui.providers.offline\n"
        "from regoose_tui.project_config import load_project_config\n"
        "from regoose_tui.synth.analysis import analyze_module\n"
        "from regoose_tui.errors import SandboxUnavailable\n"
        "from regoose_tui.runtime.registry import get_runtime\n"
        "try:\n"
        "    get_runtime('bwrap')\n"
        "except SandboxUnavailable:\n"
        "    pass\n"
        "root = pathlib.Path(sys.argv[1])\n"
        "assert not load_project_config(root).ignore\n"
        "analyze_module((root / 'calc.py').read_text(), root / 'calc.py')\n"
        f"late = {NOT_AT_START!r}\n"
        "print(','.join(sorted(m for m in late if m in sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    ).stdout.strip()
    assert out == "", f"loaded at start-up: {out}"
