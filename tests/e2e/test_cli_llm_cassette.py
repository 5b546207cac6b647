"""Cassettes and stop conditions through the real CLI, against the scripted model server.

Recording talks real HTTP to tests/support/openai_server.py on 127.0.0.1; a
replay runs with that server stopped and must give the same test file and
the same JSON (but the session id and timings). The stop conditions
(--max-cost, --plateau) are driven the same way and named in `stopped_by`.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from e2e_support import REPO, Result, run_regoose
from support.openai_server import Answer, ScriptedOpenAIServer

#: Looks like a real key on purpose: it must never reach a cassette.
SECRET = "sk-regoose-cassette-secret-0a1b2c3d4e5f"
SHIPPED = REPO / "examples" / "cassettes" / "cart-llm.jsonl"


def _script() -> ModuleType:
    """scripts/record_cassette.py, for its scripted answers (one source for both)."""
    spec = importlib.util.spec_from_file_location(
        "record_cassette", REPO / "scripts" / "record_cassette.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("record_cassette", module)
    spec.loader.exec_module(module)
    return module


RECORDING = _script()

#: Reaches only what the first scripted answer already reaches: a flat round.
FLAT = """from decimal import Decimal

from shop.cart import Cart


def test_{name}():
    assert Cart().total() == Decimal("0.00")
"""


def _flat(*names: str) -> list[Answer]:
    return [Answer(f"```python\n{FLAT.format(name=name)}```\n") for name in names]


@pytest.fixture
async def server() -> AsyncIterator[ScriptedOpenAIServer]:
    srv = ScriptedOpenAIServer()
    await srv.start()
    yield srv
    await srv.close()


async def _generate(
    shop: Path, data_dir: Path, *extra: str, model: str = "openai/demo", target: str = "cart.py"
) -> Result:
    """The real CLI in a thread, so this loop keeps serving the scripted model."""
    args = [
        "generate",
        str(shop / "shop" / target),
        "--project",
        str(shop),
        "--provider",
        model,
        "--strategy",
        "llm",
        "--runtime",
        "bwrap",
        "--json",
        "--quiet",
        "--apply",
        *extra,
    ]
    env = {
        "REGOOSE_DATA_DIR": str(data_dir),
        "OPENAI_API_KEY": SECRET,
        "REGOOSE_PROVIDER__TIMEOUT_SECONDS": "5",
        "REGOOSE_PROVIDER__MAX_RETRIES": "0",
    }
    return await asyncio.to_thread(run_regoose, *args, env=env, timeout=240)


def _stable(data: dict[str, Any]) -> dict[str, Any]:
    """The JSON without what differs between two runs of one session: its id and timings."""
    data = dict(data, session_id=None, wall_seconds=None)
    data["results"] = [dict(r, duration=None) for r in data["results"]]
    data["iteration_log"] = [dict(i, check_seconds=None) for i in data["iteration_log"]]
    return data


async def test_a_replay_with_the_server_stopped_gives_the_same_tests_and_json(
    server: ScriptedOpenAIServer, shop: Path, tmp_path: Path
) -> None:
    cassette = tmp_path / "session.jsonl"
    server.push(*RECORDING.SCRIPT)
    recorded = await _generate(
        shop, tmp_path / "data1", "--api-base", server.api_base, "--record", str(cassette)
    )
    assert recorded.code == 0, recorded.err
    first = json.loads(recorded.out)
    written = Path(first["tests_written"][0])
    tests_then = written.read_bytes()
    calls = len(server.requests)
    assert calls == 3 and first["stopped_by"] == "iterations"
    assert server.requests[0].headers["Authorization"] == f"Bearer {SECRET}"
    raw = cassette.read_text()
    assert len(raw.splitlines()) == calls
    assert SECRET not in raw and "Authorization" not in raw
    await server.close()

    written.unlink()
    replayed = await _generate(shop, tmp_path / "data2", "--replay", str(cassette))
    assert replayed.code == 0, replayed.err
    again = json.loads(replayed.out)
    assert written.read_bytes() == tests_then
    assert _stable(again) == _stable(first)
    assert again["tokens"]["total"] == first["tokens"]["total"] > 0


async def test_the_shipped_cassette_replays_the_readme_demo(shop: Path, tmp_path: Path) -> None:
    result = await _generate(shop, tmp_path / "data", "--replay", str(SHIPPED))
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["status"] == "passed" and data["tests"] == 6
    assert set(data["origins"].values()) == {"llm"}
    assert (
        "def test_removing_some_units_keeps_the_rest" in Path(data["tests_written"][0]).read_text()
    )
    assert SECRET not in SHIPPED.read_text()


async def test_a_replay_of_another_session_is_one_clear_line(shop: Path, tmp_path: Path) -> None:
    result = await _generate(shop, tmp_path / "data", "--replay", str(SHIPPED), target="pricing.py")
    assert result.code == 3
    [line] = result.err.strip().splitlines()
    assert "call 1 differs from the recorded request" in line and "Traceback" not in result.err


async def test_max_cost_stops_before_a_call_that_would_pass_it(
    server: ScriptedOpenAIServer, shop: Path, tmp_path: Path
) -> None:
    # gpt-4o-mini is in LiteLLM's local cost map: 100k prompt + 1k answer tokens ~ $0.0156.
    first, growth = RECORDING.SCRIPT[0], RECORDING.SCRIPT[1]
    server.push(
        Answer(first.text, prompt_tokens=100_000, completion_tokens=1_000),
        Answer(growth.text, prompt_tokens=100_000, completion_tokens=1_000),
    )
    result = await _generate(
        shop,
        tmp_path / "data",
        "--api-base",
        server.api_base,
        "--iterations",
        "3",
        "--max-cost",
        "0.02",
        model="openai/gpt-4o-mini",
    )
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert len(server.requests) == 1 and data["iterations"] == 1
    assert data["stopped_by"] == "cost" and "stopped: cost limit" in data["stop_detail"]
    assert 0.01 < data["cost_usd"] <= 0.02


async def test_a_plateau_stops_the_loop_after_k_flat_rounds(
    server: ScriptedOpenAIServer, shop: Path, tmp_path: Path
) -> None:
    # Round 1 keeps tests; rounds 2 and 3 pass but reach nothing new: K=2 stops after 3.
    server.push(RECORDING.SCRIPT[0], *_flat("a_new_cart_is_free", "nothing_costs_nothing", "x"))
    result = await _generate(
        shop, tmp_path / "data", "--api-base", server.api_base, "--iterations", "6"
    )
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert len(server.requests) == 3 and data["iterations"] == 3
    assert data["stopped_by"] == "plateau"
    assert data["stop_detail"] == "stopped: no new coverage (no new coverage for 2 rounds)"


async def test_plateau_one_stops_at_the_first_flat_round(
    server: ScriptedOpenAIServer, shop: Path, tmp_path: Path
) -> None:
    server.push(RECORDING.SCRIPT[0], *_flat("a_new_cart_is_free", "nothing_costs_nothing"))
    result = await _generate(
        shop,
        tmp_path / "data",
        "--api-base",
        server.api_base,
        "--iterations",
        "6",
        "--plateau",
        "1",
    )
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert len(server.requests) == 2 and data["stopped_by"] == "plateau"
