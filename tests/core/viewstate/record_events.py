"""Record the events of real offline generations as JSON lines, for the reducer's tests.

    .venv/bin/python tests/core/viewstate/record_events.py

Runs `shop/pricing.py` of the examples once to the end and once cancelled as
soon as the executor's first run starts, on the local runtime, and writes
every bus event of each (in publish order) to ``recorded/<name>.jsonl``. The
temporary project path is replaced by ``/project`` so the files stay stable.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from pathlib import Path

from regoose_tui.bus.bus import MessageBus
from regoose_tui.bus.events import Event, RunOutput
from regoose_tui.engine.generation import GenerationSession
from regoose_tui.engine.options import GenerateOptions
from regoose_tui.store.store import SessionStore

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parents[2] / "examples"


async def record(name: str, *, cancel_on_output: bool) -> None:
    """Run one generation in a scratch copy of the examples and write its events."""
    with tempfile.TemporaryDirectory(prefix="regoose-record-") as scratch:
        root = Path(scratch)
        project = root / "project"
        shutil.copytree(EXAMPLES, project)
        events: list[Event] = []
        bus = MessageBus()
        store = await SessionStore.open(root / "sessions.db")
        session = GenerationSession(
            GenerateOptions(
                target=project / "shop" / "pricing.py",
                project=project,
                runtime="local",
                iterations=2,
                budget_seconds=60,
                out_dir=root / "out",
            ),
            bus=bus,
            store=store,
        )

        def keep(event: Event) -> None:
            events.append(event)
            if cancel_on_output and isinstance(event, RunOutput):
                session.cancel()

        bus.subscribe("#", keep, maxsize=100_000, name="recorder")
        try:
            await session.run()
        except BaseException as error:  # a cancelled generation raises; its events are what we want
            print(f"{name}: {type(error).__name__}: {error}", file=sys.stderr)
        await bus.close()
        await store.close()
        text = "".join(event.model_dump_json() + "\n" for event in events)
        text = text.replace(str(project), "/project").replace(str(root), "/scratch")
        (HERE / "recorded").mkdir(exist_ok=True)
        (HERE / "recorded" / f"{name}.jsonl").write_text(text)
        print(f"{name}: {len(events)} events", file=sys.stderr)


async def main() -> None:
    await record("generation", cancel_on_output=False)
    await record("cancelled", cancel_on_output=True)


if __name__ == "__main__":
    asyncio.run(main())
