"""The per-test keep rule and suspected bugs, end to end through the CLI and a scripted model.

Real HTTP to tests/support/openai_server.py, real LiteLLM, real bubblewrap
runs: a test that crashes inside the code is kept as a strict xfail and
listed under "Suspected bugs" (md, JSON, summary); a test the model marks
xfail itself after a repair is listed too; a flaky test is dropped saying
so; a test still failing after --repairs N is given up on.
"""

from __future__ import annotations

import ast
import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from e2e_support import Result, run_regoose
from support.cart_answers import fenced
from support.openai_server import Answer, ScriptedOpenAIServer, Status

MODEL = "openai/test-model"

#: An injected bug: an unknown SKU crashes instead of counting 0, as the docstring says.
BUG_FROM = "        return 0 if item is None else item.quantity"
BUG_TO = "        return item.quantity"

CRASH_TESTS = """from decimal import Decimal

from shop.cart import Cart


def test_an_unknown_sku_counts_zero():
    assert Cart().quantity_of("pen") == 0


def test_a_known_sku_counts_its_units():
    cart = Cart()
    cart.add("pen", Decimal("2.00"), 3)
    assert cart.quantity_of("pen") == 3
"""

#: The subtotal is right; the test expects the discount to leave it alone (it does not).
WRONG_DISCOUNT = """from decimal import Decimal

from shop.cart import Cart


def test_welcome_code_takes_ten_percent():
    cart = Cart()
    cart.add("book", Decimal("30.00"))
    cart.apply_discount("WELCOME10")
    assert cart.discount() == Decimal("3.50")
"""

MARKED_BY_MODEL = """from decimal import Decimal

import pytest

from shop.cart import Cart


@pytest.mark.xfail(strict=True, reason="suspected bug: 10% of 30.00 should be 3.50 per the spec")
def test_welcome_code_takes_ten_percent():
    cart = Cart()
    cart.add("book", Decimal("30.00"))
    cart.apply_discount("WELCOME10")
    assert cart.discount() == Decimal("3.50")
"""

FLAKY = """from decimal import Decimal

from shop.cart import Cart

calls = []


def test_empty_cart_total_is_zero():
    assert Cart().total() == Decimal("0.00")


def test_second_run_fails():
    calls.append(1)
    cart = Cart()
    cart.add("pen", Decimal("2.00"), 2)
    assert len(calls) != 2 and cart.subtotal() == Decimal("4.00")
"""

STILL_WRONG = """from decimal import Decimal

from shop.cart import Cart


def test_subtotal_sums_every_unit():
    cart = Cart()
    cart.add("pen", Decimal("2.00"), 2)
    assert cart.subtotal() == Decimal("5.00")
"""


def _fenced(code: str) -> str:
    return fenced(code, intro="Here you go.")


@pytest.fixture
async def server() -> AsyncIterator[ScriptedOpenAIServer]:
    srv = ScriptedOpenAIServer()
    await srv.start()
    yield srv
    await srv.close()


async def _generate(
    shop: Path, data: Path, api_base: str, *extra: str, strategy: str = "llm"
) -> Result:
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
        "--apply",
        *extra,
    ]
    env = {
        "REGOOSE_DATA_DIR": str(data),
        "OPENAI_API_KEY": "sk-test-keep",
        "REGOOSE_PROVIDER__TIMEOUT_SECONDS": "5",
        "REGOOSE_PROVIDER__MAX_RETRIES": "0",
    }
    return await asyncio.to_thread(run_regoose, *args, env=env, timeout=240)


async def test_a_crash_inside_the_code_is_kept_as_a_strict_xfail(
    server: ScriptedOpenAIServer, shop: Path, tmp_path: Path
) -> None:
    cart = shop / "shop" / "cart.py"
    cart.write_text(cart.read_text().replace(BUG_FROM, BUG_TO))
    server.push(Answer(_fenced(CRASH_TESTS)))
    report, data = tmp_path / "report.md", tmp_path / "data"
    result = await _generate(
        shop,
        data,
        server.api_base,
        "--iterations",
        "1",
        "--json",
        "--quiet",
        "--report",
        str(report),
    )
    assert result.code == 0, result.err
    out = json.loads(result.out)
    [bug] = out["suspected_bugs"]
    assert bug["test"] == "test_an_unknown_sku_counts_zero"
    assert bug["input"] == 'Cart().quantity_of("pen")'
    assert bug["observed"].startswith("raises AttributeError")
    assert "AttributeError inside Cart.quantity_of" in bug["why"]
    text = Path(out["tests_written"][0]).read_text()
    # Read the decorator as code: the written file is ruff-formatted, which may wrap it.
    [marked] = [
        node
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef) and node.name == "test_an_unknown_sku_counts_zero"
    ]
    [xfail] = [d for d in marked.decorator_list if "xfail" in ast.unparse(d)]
    assert isinstance(xfail, ast.Call)
    keywords = {k.arg: ast.unparse(k.value) for k in xfail.keywords}
    assert keywords["strict"] == "True" and keywords["raises"] == "AttributeError"
    assert 'assert Cart().quantity_of("pen") == 0' in text  # the expectation, not the crash
    assert "pytest.raises(AttributeError" not in text
    outcomes = {r["nodeid"].split("::")[-1]: r for r in out["results"]}
    assert outcomes["test_an_unknown_sku_counts_zero"]["outcome"] == "skipped"
    assert outcomes["test_a_known_sku_counts_its_units"]["why"].startswith(
        "passed 3 of 3 runs in random order; adds line"
    )
    markdown = report.read_text()
    assert "### Suspected bugs (1)" in markdown
    assert '`Cart().quantity_of("pen")`' in markdown
    assert out["stopped_by"] == "iterations"


async def test_a_test_the_model_marks_xfail_after_repair_is_a_suspected_bug(
    server: ScriptedOpenAIServer, shop: Path, tmp_path: Path
) -> None:
    server.push(Answer(_fenced(WRONG_DISCOUNT)), Answer(_fenced(MARKED_BY_MODEL)))
    result = await _generate(
        shop, tmp_path / "data", server.api_base, "--iterations", "2", "--plateau", "3"
    )
    assert result.code == 0, result.err
    # The repair prompt carried the failing test's own source (it was cut from the suite).
    repair = server.requests[1].prompt_text
    assert 'assert cart.discount() == Decimal("3.50")' in repair
    summary = result.out
    assert "suspected bugs (1), kept as strict xfail:" in summary
    assert "test_welcome_code_takes_ten_percent: " in summary
    assert "10% of 30.00 should be 3.50 per the spec" in summary


async def test_a_flaky_test_is_dropped_saying_so(
    server: ScriptedOpenAIServer, shop: Path, tmp_path: Path
) -> None:
    server.push(Answer(_fenced(FLAKY)))
    result = await _generate(
        shop, tmp_path / "data", server.api_base, "--iterations", "1", "--json", "--quiet"
    )
    assert result.code == 0, result.err
    out = json.loads(result.out)
    [dropped] = out["dropped_tests"]
    assert dropped["nodeid"].endswith("::test_second_run_fails") and dropped["kind"] == "flaky"
    assert dropped["reason"].startswith("flaky: failed 1 of 3 runs in random order")
    assert out["iteration_log"][0]["flaky"] == 1
    assert [r["nodeid"].split("::")[-1] for r in out["results"]] == [
        "test_empty_cart_total_is_zero"
    ]


async def test_a_test_still_failing_after_its_repairs_is_given_up(
    server: ScriptedOpenAIServer, shop: Path, tmp_path: Path
) -> None:
    good = "\n\ndef test_empty_cart_len_is_zero():\n    assert len(Cart()) == 0\n"
    more = (
        "from decimal import Decimal\n\nfrom shop.cart import Cart\n\n\n"
        "def test_removing_some_units_keeps_the_rest():\n    cart = Cart()\n"
        '    cart.add("pen", Decimal("2.00"), 3)\n    assert cart.remove("pen", 1) == 2\n'
    )
    server.push(
        Answer(_fenced(STILL_WRONG + good)), Answer(_fenced(STILL_WRONG)), Answer(_fenced(more))
    )
    result = await _generate(
        shop,
        tmp_path / "data",
        server.api_base,
        "--iterations",
        "3",
        "--repairs",
        "1",
        "--plateau",
        "5",
        "--json",
        "--quiet",
    )
    assert result.code == 0, result.err
    out = json.loads(result.out)
    # One repair asked, then given up: the third call asks for coverage, not that repair.
    assert len(server.requests) == 3
    assert "Fix the TESTS" in server.requests[1].prompt_text
    assert "Fix the TESTS" not in server.requests[2].prompt_text
    reasons = {d["reason"] for d in out["dropped_tests"]}
    assert any(r.startswith("failed after 1 repair: ") for r in reasons), reasons
    assert [entry["repaired"] for entry in out["iteration_log"]] == [1, 0, 0]
    assert "test_removing_some_units_keeps_the_rest" in out["origins"]


async def test_hybrid_keeps_the_offline_tests_when_the_model_fails(
    server: ScriptedOpenAIServer, shop: Path, tmp_path: Path
) -> None:
    server.push(Status(500, "the model server fell over"))
    data, report = tmp_path / "data", tmp_path / "report.json"
    args = ["--iterations", "2", "--budget", "90", "--report", str(report)]
    result = await _generate(shop, data, server.api_base, *args, strategy="hybrid")
    assert result.code == 0, result.err
    summary = result.out
    [line] = [ln for ln in summary.splitlines() if ln.startswith("tests: ")]
    assert f"({MODEL}: server error (HTTP 500) after 1 attempt;" in line
    assert "tests kept before are written" in line
    assert "stopped: provider error" in summary
    written = shop / "tests" / "test_shop_cart.py"
    assert "def test_" in written.read_text()
    conn = sqlite3.connect(data / "sessions.db")
    try:
        [(status, reason)] = conn.execute("SELECT status, reason FROM sessions").fetchall()
    finally:
        conn.close()
    assert status == "passed" and "server error (HTTP 500)" in reason
    saved = json.loads(report.read_text())
    assert saved["stopped_by"] == "provider" and saved["reason"] == reason


async def test_a_model_with_no_price_is_said_once_not_free(
    server: ScriptedOpenAIServer, shop: Path, tmp_path: Path
) -> None:
    server.push(Answer(_fenced(CRASH_TESTS)), Answer(_fenced(STILL_WRONG)))
    result = await _generate(
        shop, tmp_path / "data", server.api_base, "--iterations", "2", "--plateau", "3"
    )
    assert result.code == 0, result.err
    notes = [ln for ln in result.out.splitlines() if ln.startswith("note: cost unknown for")]
    assert len(notes) == 1 and "test-model" in notes[0]
