"""A whole conversation in a fresh interpreter never loads Textual (nor LiteLLM)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conversation_support import FAILING_TEST, PROJECT_TOML

REPO = Path(__file__).resolve().parents[3]

SCRIPT = """
import asyncio, json, sys
from pathlib import Path

from regoose_tui.bus.bus import MessageBus
from regoose_tui.config import load_settings
from regoose_tui.conversation import Conversation, StandaloneHost
from regoose_tui.providers.scripted import ScriptedProvider
from regoose_tui.store.store import SessionStore

SUITE = "from shop.textutil import slugify\\n\\n\\ndef test_slug():\\n    assert slugify('A b') == 'a-b'\\n"


async def main(project: Path, db: Path) -> dict:
    events = []

    async def listen(event):
        events.append(event.kind)

    async with SessionStore.open(db) as store:
        host = StandaloneHost(
            load_settings(project), store, provider_factory=lambda n: ScriptedProvider(lambda r: SUITE)
        )
        conversation = Conversation(host, project_dir=project, bus=MessageBus(), listener=listen)
        errors = []
        for text in ("/help", "/frobnicate", "run the tests", "/explain", "/generate shop/textutil.py"):
            result = await conversation.send(text)
            errors.append(type(result.error).__name__ if result.error else None)
        block = next(iter(conversation.proposed))
        written = await conversation.accept(block)
        await conversation.bus.close(grace=2)
    return {
        "errors": errors,
        "written": str(written),
        "kinds": sorted(set(events)),
        "loaded": sorted(m for m in ("textual", "litellm", "regoose_tui.app") if m in sys.modules),
    }


print(json.dumps(asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2])))))
"""


def test_a_whole_conversation_runs_without_textual(project: Path, tmp_path: Path) -> None:
    (project / "regoose.toml").write_text(
        PROJECT_TOML.format(runtime="local", budget=15), encoding="utf-8"
    )
    (project / "tests").mkdir()
    (project / "tests" / "test_cart_by_hand.py").write_text(FAILING_TEST, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(project), str(tmp_path / "db" / "sessions.db")],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["loaded"] == []
    assert out["errors"] == [None, "UsageError", None, None, None]
    assert Path(out["written"]) == project / "tests" / "test_shop_textutil.py"
    assert {"chat.message.finished", "chat.notice", "chat.suite.proposed"} <= set(out["kinds"])
