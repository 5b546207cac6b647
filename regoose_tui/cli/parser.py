"""The command line: every subcommand, its options and its help text."""

from __future__ import annotations

import argparse
from typing import NoReturn

from regoose_tui import __version__
from regoose_tui.cli.arg_types import non_negative_int, positive_float, positive_int
from regoose_tui.cli.ci_options import add_ci_options
from regoose_tui.cli.review_parser import add_review_commands, add_review_options

RUNTIME_CHOICES = ("auto", "docker", "podman", "bwrap", "local")
STRATEGY_CHOICES = ("offline", "llm", "hybrid")


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"regoose: usage error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    """The full `regoose` parser."""
    parser = _Parser(
        prog="regoose",
        description="Writes, runs and repairs pytest tests for your Python code. "
        "With no command, opens the app on the current folder.",
    )
    parser.add_argument("--version", action="version", version=f"regoose {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    generate = commands.add_parser(
        "generate",
        help="write, run and keep tests for a Python file or a folder (headless, for CI)",
        description="Generate pytest tests for TARGET, run them in the sandbox, keep the "
        "passing ones that add coverage. Exit 0 when every kept test passes, 1 when tests "
        "failed, 2 on a usage or input error.",
    )
    generate.add_argument(
        "target", metavar="TARGET", help="the Python file to test, or a folder (every module)"
    )
    _add_project(generate)
    _add_model_options(generate)
    _add_runtime(generate)
    _add_limits(generate)
    generate.add_argument(
        "--out",
        metavar="DIR",
        help="write test files to DIR (default: staged for review under the data dir; "
        "--apply writes into the project's test folder, e.g. ROOT/tests)",
    )
    generate.add_argument(
        "--python",
        metavar="PATH",
        help="the interpreter (or virtualenv folder) that runs the project's code; "
        "default: the project's .venv/venv, then $VIRTUAL_ENV, then Regoose's own",
    )
    generate.add_argument(
        "--iterations", type=positive_int, metavar="N", help="generate/validate rounds (default 3)"
    )
    generate.add_argument(
        "--budget",
        type=positive_float,
        metavar="SECONDS",
        help="time budget for the whole generation (default 120)",
    )
    generate.add_argument(
        "--max-cost",
        type=positive_float,
        metavar="USD",
        help="stop before a model call would take the session's cost past USD",
    )
    generate.add_argument(
        "--plateau",
        type=positive_int,
        metavar="K",
        help="stop after K rounds in a row with no new coverage (default 1 offline, 2 with a model)",
    )
    generate.add_argument(
        "--repairs",
        type=non_negative_int,
        metavar="N",
        help="send a failing test back to the model for repair up to N times (default 2)",
    )
    generate.add_argument(
        "--report",
        nargs="+",
        action="extend",
        metavar="FILE",
        help="write reports: FILE.md, FILE.json or FILE.xml (JUnit); several at once",
    )
    generate.add_argument("--force", action="store_true", help="overwrite an existing test file")
    add_review_options(generate)
    add_ci_options(generate)
    generate.add_argument(
        "--json", action="store_true", help="print one JSON object with the result"
    )
    generate.add_argument("--quiet", "-q", action="store_true", help="no progress lines on stderr")
    _add_scope(generate)

    run = commands.add_parser(
        "run",
        help="run existing tests in the sandbox, streaming their output",
        description="Run a test folder or files with pytest in the sandbox.",
    )
    run.add_argument("tests", nargs="+", metavar="TESTS", help="test files or folders")
    _add_project(run)
    _add_runtime(run)
    _add_limits(run)
    run.add_argument("--cov", metavar="FILE.py", help="measure coverage of this file")
    run.add_argument("--json", action="store_true", help="print one JSON object with the result")

    watch = commands.add_parser(
        "watch",
        help="on each save, rerun the related tests in the sandbox (Ctrl+C stops)",
        description="Watch PATH (default: the current folder); when a module is saved, rerun "
        "the project's tests that import it (a saved test file reruns itself) in the sandbox.",
    )
    watch.add_argument("path", nargs="?", metavar="PATH", help="folder to watch (default .)")
    _add_project(watch)
    _add_runtime(watch)
    _add_limits(watch)
    watch.add_argument(
        "--generate",
        action="store_true",
        help="after a rerun that leaves lines or branches of the module uncovered, generate "
        "tests for it (staged for review unless --apply)",
    )
    add_review_options(watch)
    watch.add_argument("--once-for-test", action="store_true", help=argparse.SUPPRESS)

    sessions = commands.add_parser("sessions", help="list, show, export or delete past sessions")
    session_commands = sessions.add_subparsers(
        dest="sessions_command", metavar="ACTION", required=True, parser_class=_Parser
    )
    listing = session_commands.add_parser("list", help="past sessions, newest first")
    listing.add_argument("--limit", type=positive_int, default=50)
    listing.add_argument("--search", help="only sessions whose target or status matches")
    listing.add_argument("--json", action="store_true")
    show = session_commands.add_parser("show", help="one session: summary, tests, files")
    show.add_argument("session_id", metavar="ID")
    show.add_argument("--json", action="store_true")
    export = session_commands.add_parser("export", help="one session as a report")
    export.add_argument("session_id", metavar="ID")
    export.add_argument("--format", choices=("md", "json", "junit"), default="md")
    export.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")
    delete = session_commands.add_parser("delete", help="delete a session and its records")
    delete.add_argument("session_id", metavar="ID")

    add_review_commands(commands)
    sandbox = commands.add_parser(
        "sandbox", help="the container sandbox image: build, status, prune"
    )
    sandbox_commands = sandbox.add_subparsers(
        dest="sandbox_command", metavar="ACTION", required=True, parser_class=_Parser
    )
    build = sandbox_commands.add_parser(
        "build", help="build the sandbox image (offline FROM scratch, or --dockerfile)"
    )
    build.add_argument("--dockerfile", metavar="PATH", help="build from this Dockerfile instead")
    build.add_argument(
        "--if-reachable",
        action="store_true",
        help="build only where an engine answers; none answering is fine (make test uses it)",
    )
    status = sandbox_commands.add_parser("status", help="engines, image and leftovers")
    prune = sandbox_commands.add_parser("prune", help="remove leftover sandbox containers")
    prune.add_argument(
        "--all", action="store_true", help="every Regoose container, live owners' too"
    )
    prune.add_argument("--image", action="store_true", help="remove the sandbox image too")
    for action in (build, status, prune):
        action.add_argument("--engine", choices=("docker", "podman"), help="only this engine")
        action.add_argument(
            "--image-name", metavar="NAME", help="image name (default [runtime] image)"
        )

    commands.add_parser("doctor", help="which runtimes and providers are usable here, and why not")
    config = commands.add_parser("config", help="print the effective settings (secrets masked)")
    _add_project(config)

    schema = commands.add_parser(
        "schema",
        help="print the JSON Schema of a JSON output (report, generate --json, run --json)",
        description="Print the versioned JSON Schema (draft 2020-12) of the JSON report, "
        "of `regoose generate --json` or of `regoose run --json`.",
    )
    schema.add_argument("document", choices=("report", "generate", "run"))

    tui = commands.add_parser("tui", help="open the app (the default with no command)")
    tui.add_argument("project_dir", nargs="?", default=".", metavar="PROJECT_DIR")
    tui.add_argument("--provider")
    _add_runtime(tui)
    return parser


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    """--provider and how the model is called: --api-base, --fallback, --strategy."""
    parser.add_argument(
        "--provider",
        metavar="MODEL",
        help="offline (default) or a LiteLLM model string such as openai/gpt-4o-mini",
    )
    parser.add_argument(
        "--api-base",
        metavar="URL",
        help="base URL of an OpenAI-compatible server (vLLM, llama.cpp, a proxy)",
    )
    parser.add_argument(
        "--fallback",
        action="append",
        metavar="MODEL",
        help="a model to try when the main one keeps failing (repeatable, in order)",
    )
    parser.add_argument(
        "--strategy",
        choices=STRATEGY_CHOICES,
        help="who writes the tests: offline, llm (the model), or hybrid (offline first, "
        "the model for what is still missed; the default with a model)",
    )
    cassette = parser.add_mutually_exclusive_group()
    cassette.add_argument(
        "--record",
        metavar="FILE",
        help="write every model request and answer to FILE (JSON lines; keys never included)",
    )
    cassette.add_argument(
        "--replay",
        metavar="FILE",
        help="answer every model call from a recorded FILE: no model, no network, no cost",
    )


def _add_scope(parser: argparse.ArgumentParser) -> None:
    """What a generate run covers: --jobs, --only, --diff, --shard."""
    scope = parser.add_argument_group("scope (a folder fans out one generation per module)")
    scope.add_argument(
        "--jobs",
        "-j",
        type=positive_int,
        metavar="N",
        help="modules generated at once (default 1)",
    )
    scope.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="only this function, method or class (parse_date, Cart.total, Cart); repeatable",
    )
    scope.add_argument(
        "--diff",
        metavar="REF",
        help="only the functions and methods changed since the git revision REF",
    )
    scope.add_argument(
        "--shard",
        metavar="K/N",
        help="only the K-th of N stable slices of the module list (a CI matrix)",
    )


def _add_project(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--project",
        metavar="DIR",
        help="the import root (default: found by walking up past __init__.py files)",
    )


def _add_runtime(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--runtime",
        choices=RUNTIME_CHOICES,
        help="sandbox: auto picks the strongest usable one (default auto)",
    )


def _add_limits(parser: argparse.ArgumentParser) -> None:
    limits = parser.add_argument_group("sandbox limits (each run; default from [runtime])")
    limits.add_argument(
        "--timeout",
        type=positive_float,
        metavar="SECONDS",
        help="wall-clock limit of one sandboxed run; killed past it (default 120)",
    )
    limits.add_argument(
        "--memory",
        type=positive_int,
        metavar="MB",
        help="memory limit of one run, its whole process tree (default 2048)",
    )
    limits.add_argument(
        "--pids",
        type=positive_int,
        metavar="N",
        help="most processes/threads one run may have (default 1024)",
    )
