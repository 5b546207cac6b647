"""`regoose` entry point: parse, dispatch, map errors to exit codes.

Exit codes: 0 ok, 1 tests failed, 2 usage or input error, 3 other Regoose
error (sandbox, provider, store), 130 interrupted. User errors print one line
on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import gc
import os
import sys
import threading
from collections.abc import Sequence
from typing import NoReturn

from regoose_tui.errors import (
    ConfigError,
    FileExistsRefused,
    InputError,
    RegooseError,
    SessionNotFound,
    UsageError,
)

EXIT_OK = 0
EXIT_TESTS_FAILED = 1
EXIT_USAGE = 2
EXIT_ERROR = 3
EXIT_INTERRUPTED = 130

_USER_ERRORS = (UsageError, InputError, ConfigError, SessionNotFound, FileExistsRefused)


def exit_code_for(error: RegooseError) -> int:
    """The exit code for a Regoose error: 2 for what the user can fix in the command."""
    return EXIT_USAGE if isinstance(error, _USER_ERRORS) else EXIT_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return (and exit with) its exit code."""
    # LiteLLM would fetch its cost map at import; it is imported lazily, but set this first.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    from regoose_tui.cli.parser import build_parser

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = dispatch(args)
    except RegooseError as error:
        print(f"regoose: {error.title.lower()}: {error.msg}", file=sys.stderr)
        code = exit_code_for(error)
    except KeyboardInterrupt:
        print("regoose: interrupted", file=sys.stderr)
        code = EXIT_INTERRUPTED
    except Exception as error:  # a bug of ours: one line, and where to look
        print(
            f"regoose: internal error: {type(error).__name__}: {error} "
            "(set REGOOSE_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        if os.environ.get("REGOOSE_DEBUG"):
            raise
        code = EXIT_ERROR
    if argv is None:
        # The process ends here: a last collection over everything a session left in
        # memory would run at interpreter shutdown and cost ~0.15 s per command. Frozen,
        # the objects are left to the OS; atexit hooks, flushing and closing still run.
        gc.disable()
        gc.freeze()
        end_process(code)
    return code


def end_process(code: int) -> NoReturn:
    """Exit with ``code`` as ``sys.exit`` would, without the interpreter's teardown.

    What an exit owes the user still happens, in the interpreter's own order:
    non-daemon threads finish, the atexit hooks run (logging flushes, temporary
    folders go, a coverage run saves its data), stdout and stderr are flushed.
    Tearing down every module's objects after that (~50 ms) is left to the OS.
    """
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()  # the hooks sys.exit would run (no public way to run them)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing left to say
            pass
    os._exit(code)


def dispatch(args: argparse.Namespace) -> int:
    """Call the handler of the chosen subcommand."""
    command = getattr(args, "command", None)
    if command is None or command == "tui":
        from regoose_tui.cli.tui_command import launch_app

        return launch_app(args)
    if command == "generate":
        from regoose_tui.cli.generate_command import generate_command

        return asyncio.run(generate_command(args))
    if command == "run":
        from regoose_tui.cli.run_command import run_command

        return asyncio.run(run_command(args))
    if command == "watch":
        from regoose_tui.cli.watch_command import watch_command

        return asyncio.run(watch_command(args))
    if command == "sessions":
        from regoose_tui.cli.sessions_command import sessions_command

        return asyncio.run(sessions_command(args))
    if command in ("apply", "undo"):
        from regoose_tui.cli import review_commands

        handler = (
            review_commands.apply_command if command == "apply" else review_commands.undo_command
        )
        return asyncio.run(handler(args))
    if command == "sandbox":
        from regoose_tui.cli.sandbox_command import sandbox_command

        return sandbox_command(args)
    if command == "doctor":
        from regoose_tui.cli.doctor_command import doctor_command

        return doctor_command(args)
    if command == "config":
        from regoose_tui.cli.config_command import config_command

        return config_command(args)
    if command == "schema":
        from regoose_tui.cli.schema_command import schema_command

        return schema_command(args)
    raise UsageError(f"unknown command {command!r}")
