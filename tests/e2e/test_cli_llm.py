"""`regoose generate --provider MODEL --api-base URL` end to end, through the real CLI.

The model is tests/support/openai_server.py on 127.0.0.1 (real HTTP, real
LiteLLM); the CLI runs in a subprocess while this test's event loop serves
the scripted answers. Each run ends in the right outcome and one clear line,
the session is saved, and the key appears nowhere on disk.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from e2e_support import Result, run_regoose
from support.cart_answers import CART_TESTS, fenced
from support.openai_server import Answer, ScriptedOpenAIServer, Status

MODEL = "openai/test-model"
#: Looks like a real key on purpose: it must never reach the store, a report or a test file.
SECRET = "sk-regoose-e2e-secret-5f4e3d2c1b0a"

WRONG_SUBTOTAL = """from decimal import Decimal

from shop.cart import Cart


def test_empty_cart_total_is_zero():
    assert Cart().total() == Decimal("0.00")


def test_subtotal_sums_every_unit():
    cart = Cart()
    cart.add("pen", Decimal("2.00"), 2)
    assert cart.subtotal() == Decimal("5.00")
"""

FIXED_SUBTOTAL = """from decimal import Decimal

from shop.cart import Cart


def test_subtotal_sums_every_unit():
    cart = Cart()
    cart.add("pen", Decimal("2.00"), 2)
    assert cart.subtotal() == Decimal("4.00")
"""


#: What the offline engine leaves missed in cart.py: a known SKU at another price,
#: removing some units, a fixed discount code.
MISSED_BY_OFFLINE = """from decimal import Decimal

import pytest

from shop.cart import Cart


def test_a_known_sku_at_another_price_is_refused():
    cart = Cart()
    cart.add("pen", Decimal("2.00"))
    with pytest.raises(ValueError, match="already in the cart"):
        cart.add("pen", Decimal("3.00"))


def test_removing_some_units_keeps_the_rest():
    cart = Cart()
    cart.add("pen", Decimal("2.00"), 3)
    assert cart.remove("pen", 1) == 2


def test_a_fixed_code_takes_its_value_off():
    cart = Cart()
    cart.add("book", Decimal("30.00"))
    cart.apply_discount("SAVE5")
    assert cart.discount() == Decimal("5.00")
"""


@pytest.fixture
async def server() -> AsyncIterator[ScriptedOpenAIServer]:
    srv = ScriptedOpenAIServer()
    await srv.start()
    yield srv
    await srv.close()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


async def _generate(
    shop: Path, data_dir: Path, api_base: str, *extra: str, strategy: str = "llm"
) -> Result:
    """The real CLI in a thread, so this loop keeps serving the scripted model."""
    args = [
        "generate",
        str(shop / "shop" / "cart.py"),
        "--project",
        str(shop),
        "--provider",
        MODEL,
        "--api-base",
        api_base,
        "--strategy",
        strategy,
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


def _assert_key_nowhere(*roots: Path) -> None:
    for root in roots:
        for path in [root] if root.is_file() else root.rglob("*"):
            if path.is_file():
                assert SECRET.encode() not in path.read_bytes(), path


def _sessions(data_dir: Path) -> list[sqlite3.Row]:
    conn = sqlite3.connect(data_dir / "sessions.db")
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute("SELECT status, reason, provider FROM sessions").fetchall()
    finally:
        conn.close()


async def test_a_good_answer_is_kept_and_written(
    server: ScriptedOpenAIServer, shop: Path, data_dir: Path, tmp_path: Path
) -> None:
    server.push(Answer(fenced(CART_TESTS), prompt_tokens=900, completion_tokens=150))
    report = tmp_path / "report.md"
    result = await _generate(
        shop, data_dir, server.api_base, "--iterations", "1", "--report", str(report)
    )
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["provider"] == MODEL and data["status"] == "passed"
    assert data["tests"] == 3 and data["passed"] == 3
    assert data["tokens"] == {"prompt": 900, "completion": 150, "total": 1050}
    assert set(data["origins"].values()) == {"llm"} and len(data["origins"]) == 3
    written = Path(data["tests_written"][0])
    assert "def test_adding_a_known_sku_raises_its_quantity" in written.read_text()
    request = server.requests[0]
    assert request.model == "test-model" and "class Cart" in request.prompt_text
    assert request.headers["Authorization"] == f"Bearer {SECRET}"
    # The session's usage is in the store (its events), as the status bar and replay see it.
    conn = sqlite3.connect(data_dir / "sessions.db")
    try:
        [(usage,)] = conn.execute("SELECT json FROM events WHERE kind = 'provider.usage'")
    finally:
        conn.close()
    assert json.loads(usage)["prompt_tokens"] == 900
    _assert_key_nowhere(data_dir, shop, report)


async def test_hybrid_asks_the_model_only_for_what_offline_missed(
    server: ScriptedOpenAIServer, shop: Path, data_dir: Path
) -> None:
    server.push(Answer(fenced(MISSED_BY_OFFLINE), prompt_tokens=2000, completion_tokens=200))
    result = await _generate(
        shop, data_dir, server.api_base, "--iterations", "2", "--budget", "90", strategy="hybrid"
    )
    assert result.code == 0, result.err
    data = json.loads(result.out)
    origins = data["origins"]
    assert {"offline", "llm"} <= set(origins.values())
    assert origins["test_removing_some_units_keeps_the_rest"] == "llm"
    assert sum(1 for o in origins.values() if o == "offline") >= 10
    assert data["tokens"]["total"] == 2200 and data["line_coverage"] > 93
    # One call only, for the missed code, with the offline engine's observations as facts.
    [request] = server.requests
    assert "do not yet reach part of the" in request.prompt_text
    assert "` holds" in request.prompt_text and "` raises ValueError" in request.prompt_text
    _assert_key_nowhere(data_dir, shop)


async def test_a_failing_test_is_sent_back_and_repaired(
    server: ScriptedOpenAIServer, shop: Path, data_dir: Path
) -> None:
    server.push(Answer(fenced(WRONG_SUBTOTAL)), Answer(fenced(FIXED_SUBTOTAL)))
    result = await _generate(shop, data_dir, server.api_base, "--iterations", "2")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["iterations"] == 2 and data["failed"] == 0
    assert set(data["origins"]) == {
        "test_empty_cart_total_is_zero",
        "test_subtotal_sums_every_unit",
    }
    repair = server.requests[1].prompt_text
    assert "test_subtotal_sums_every_unit" in repair and "5.00" in repair
    text = Path(data["tests_written"][0]).read_text()
    assert 'Decimal("4.00")' in text and 'Decimal("5.00")' not in text
    _assert_key_nowhere(data_dir, shop)


async def test_no_code_twice_is_one_line_and_a_saved_reason(
    server: ScriptedOpenAIServer, shop: Path, data_dir: Path
) -> None:
    server.push(Answer("I would rather not."), Answer("Still no code, sorry."))
    result = await _generate(shop, data_dir, server.api_base, "--iterations", "1")
    assert result.code == 3, result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.err
    assert "no usable test code after a stricter retry" in lines[0]
    [session] = _sessions(data_dir)
    assert session["status"] == "error" and "no usable test code" in session["reason"]
    assert not (shop / "tests" / "test_shop_cart.py").exists()
    _assert_key_nowhere(data_dir, shop)


async def test_passing_tests_that_add_no_coverage_are_not_called_failures(
    server: ScriptedOpenAIServer, shop: Path, data_dir: Path
) -> None:
    # The project's own tests already run all the model's tests run: they pass, add nothing.
    (shop / "tests").mkdir(exist_ok=True)
    (shop / "tests" / "test_cart_basics.py").write_text(CART_TESTS)
    server.push(Answer(fenced(CART_TESTS)))
    result = await _generate(shop, data_dir, server.api_base, "--iterations", "1")
    data = json.loads(result.out)
    assert data["tests"] == 0, result.err
    [session] = _sessions(data_dir)
    # They passed: the reason says they reached only covered code, not that none passed.
    assert "no generated test passed" not in session["reason"]
    assert session["reason"].startswith("3 generated tests passed, but they reached only code")
    assert "the project's own tests already run" in session["reason"]
    _assert_key_nowhere(data_dir, shop)


async def test_a_refused_key_is_one_line(
    server: ScriptedOpenAIServer, shop: Path, data_dir: Path
) -> None:
    server.push(
        Status(
            401,
            f"Incorrect API key provided: {SECRET}",
            error_type="invalid_request_error",
            code="invalid_api_key",
        )
    )
    result = await _generate(shop, data_dir, server.api_base)
    assert result.code == 3
    [line] = result.err.strip().splitlines()
    assert "API key" in line and SECRET not in line and "Traceback" not in result.err
    [session] = _sessions(data_dir)
    assert session["status"] == "error" and "API key" in session["reason"]
    _assert_key_nowhere(data_dir, shop)


async def test_an_unreachable_base_is_one_line(shop: Path, data_dir: Path) -> None:
    # Port 1 on loopback: nothing listens there, the connection is refused at once.
    result = await _generate(shop, data_dir, "http://127.0.0.1:1/v1")
    assert result.code == 3
    [line] = result.err.strip().splitlines()
    assert "cannot reach http://127.0.0.1:1/v1" in line and "Traceback" not in result.err
    [session] = _sessions(data_dir)
    assert session["status"] == "error" and "cannot reach" in session["reason"]


async def test_the_projects_instructions_reach_the_model_and_ignored_targets_are_refused(
    server: ScriptedOpenAIServer, shop: Path, data_dir: Path
) -> None:
    (shop / "regoose.toml").write_text(
        '[tool.regoose]\ninstructions = "Prices are Decimal; never compare floats."\n'
        'ignore = ["shop/textutil.py"]\n'
    )
    server.push(Answer(fenced(CART_TESTS)))
    result = await _generate(shop, data_dir, server.api_base, "--iterations", "1")
    assert result.code == 0, result.err
    system = server.requests[0].messages[0]
    assert system["role"] == "system"
    assert "Prices are Decimal; never compare floats." in system["content"]
    args = ["generate", str(shop / "shop" / "textutil.py"), "--project", str(shop), "--quiet"]
    refused = await asyncio.to_thread(
        run_regoose, *args, env={"REGOOSE_DATA_DIR": str(data_dir)}, timeout=120
    )
    assert refused.code == 2
    assert refused.err.strip().splitlines() == [
        f"regoose: input error: {shop / 'shop' / 'textutil.py'} is excluded by the project's "
        "ignore rules ('shop/textutil.py' in .regooseignore or [tool.regoose] ignore): "
        "Regoose never reads or writes it"
    ]
