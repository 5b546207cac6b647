"""`regoose sessions list | show | export | delete`."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from regoose_tui.cli.common import open_store, print_json, settings_for
from regoose_tui.domain.display import shown_path, shown_paths
from regoose_tui.store.records import SessionRecord

#: `--format` names and the report suffixes they stand for.
FORMAT_SUFFIXES = {"md": ".md", "json": ".json", "junit": ".xml"}


def _when(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


def _coverage(record: SessionRecord) -> str:
    if record.line_percent is None:
        return "-"
    return f"{record.line_percent:.0f}%/{(record.branch_percent or 0):.0f}%"


async def sessions_command(args: argparse.Namespace) -> int:
    """Dispatch the sessions sub-action."""
    settings = settings_for(args)
    async with open_store(settings) as store:
        action = args.sessions_command
        if action == "list":
            records = await store.list_sessions(limit=args.limit, search=args.search)
            if args.json:
                print_json([r.model_dump(mode="json") for r in records])
                return 0
            if not records:
                print(
                    f"no session matches {args.search!r}"
                    if args.search
                    else "no sessions yet: run `regoose generate FILE.py`"
                )
                return 0
            print(f"{'ID':<12}  {'WHEN':<16}  {'STATUS':<11}  {'TESTS':>5}  {'COVER':>9}  TARGET")
            for r in records:
                print(
                    f"{r.id:<12}  {_when(r.created_at):<16}  {r.status:<11}  "
                    f"{(r.tests or 0):>5}  {_coverage(r):>9}  {r.target}"
                )
            return 0
        session_id = await store.resolve_session_id(args.session_id)
        if action == "show":
            record = await store.get_session(session_id)
            results = await store.results(session_id)
            files = await store.files(session_id)
            if args.json:
                print_json(
                    {
                        "session": record.model_dump(mode="json"),
                        "results": [r.model_dump(mode="json") for r in results],
                        "files": [f.path for f in files],
                    }
                )
                return 0
            print(f"session {record.id}  {record.status}  {_when(record.created_at)}")
            print(f"  target   {shown_paths(record.target, record.project or None)}")
            print(f"  provider {record.provider}   runtime {record.runtime}")
            print(
                f"  tests    {record.tests or 0} ({record.passed or 0} passed, {record.failed or 0} failed)"
            )
            print(f"  coverage {_coverage(record)} (lines/branches)")
            if record.reason:
                print(f"  reason   {record.reason}")
            for file in files:
                print(
                    f"  wrote    {shown_path(file.path, record.project or None)} ({file.tests} tests)"
                )
            for result in results:
                line = f"    {result.outcome:<8} {result.nodeid}"
                if result.outcome != "passed" and result.message:
                    line += f"  ({result.message.splitlines()[0][:100]})"
                print(line)
            return 0
        if action == "export":
            from regoose_tui.reports import render_report, report_from_store

            report = await report_from_store(store, session_id)
            text = render_report(report, FORMAT_SUFFIXES[args.format])
            if args.output:
                from regoose_tui.store.safe_write import atomic_write_text

                atomic_write_text(Path(args.output), text)
                print(f"wrote {args.output}", file=sys.stderr)
            else:
                sys.stdout.write(text if text.endswith("\n") else text + "\n")
            return 0
        if action == "delete":
            await store.delete_session(session_id)
            print(f"deleted session {session_id}")
            return 0
    return 2
