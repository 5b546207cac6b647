"""`--json`: the document models are imported while the generator runs, not after it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]

CODE = """
import asyncio, sys
from regoose_tui.bus.events import AgentStarted
from regoose_tui.cli.generate_command import _DOCUMENTS, _DocumentWarmUp

async def main():
    warm = _DocumentWarmUp()
    warm.on_event(AgentStarted(agent="analyzer"))
    await warm.finished()
    print(_DOCUMENTS in sys.modules)
    warm.on_event(AgentStarted(agent="generator"))
    warm.on_event(AgentStarted(agent="generator"))  # one import, not two
    await warm.finished()
    from regoose_tui.reports.documents import GenerateDocument
    print(_DOCUMENTS in sys.modules, GenerateDocument.__name__)

asyncio.run(main())
"""


def test_the_document_models_load_in_a_worker_once_the_generator_starts() -> None:
    out = subprocess.run(
        [sys.executable, "-c", CODE], capture_output=True, text=True, check=True, cwd=REPO
    ).stdout.split()
    assert out == ["False", "True", "GenerateDocument"]
