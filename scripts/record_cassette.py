"""Record examples/cassettes/cart-llm.jsonl from the scripted OpenAI-compatible server.

    .venv/bin/python scripts/record_cassette.py [--out FILE]

The model is tests/support/openai_server.py on 127.0.0.1 answering scripted
tests for examples/shop/cart.py; `regoose generate --strategy llm --record`
runs against it on a copy of examples/, so the repository is left alone. The
prompts name files relative to the project and the answers and token counts
are fixed, so the same code records the same cassette. The README's demo
replays it with no model:

    regoose generate examples/shop/cart.py --project examples --provider openai/demo \\
        --strategy llm --replay examples/cassettes/cart-llm.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from support.cart_answers import CART_TESTS, fenced  # noqa: E402
from support.openai_server import Answer, ScriptedOpenAIServer  # noqa: E402

MODEL = "openai/demo"

GROWTH = """from decimal import Decimal

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


#: Passes but reaches nothing new: two rounds of it are a plateau, and the loop stops.
NOTHING_NEW = """from decimal import Decimal

from shop.cart import Cart


def test_{name}():
    assert Cart().subtotal() == Decimal("0.00")
"""

#: One answer per round the loop may ask for; the ones it does not ask for are not recorded.
SCRIPT = (
    Answer(fenced(CART_TESTS), prompt_tokens=1200, completion_tokens=180),
    Answer(fenced(GROWTH), prompt_tokens=1500, completion_tokens=210),
    Answer(fenced(NOTHING_NEW.format(name="an_empty_cart_has_no_subtotal")), 1600, 60),
    Answer(fenced(NOTHING_NEW.format(name="a_new_cart_subtotals_zero")), 1700, 60),
    Answer(fenced(NOTHING_NEW.format(name="a_fresh_cart_subtotals_zero")), 1800, 60),
)


def record(out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Run the recording session on a copy of examples/; the cassette goes to ``out``."""
    return asyncio.run(_record(out, extra))


async def _record(out: Path, extra: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    server = ScriptedOpenAIServer()
    await server.start()
    server.push(*SCRIPT)
    with tempfile.TemporaryDirectory(prefix="regoose-cassette-") as tmp:
        project = Path(tmp) / "examples"
        shutil.copytree(REPO / "examples", project, ignore=shutil.ignore_patterns("cassettes"))
        env = dict(os.environ, REGOOSE_DATA_DIR=str(Path(tmp) / "data"))
        env.setdefault("OPENAI_API_KEY", "sk-scripted-demo-key")
        command = [
            sys.executable,
            "-m",
            "regoose_tui",
            "generate",
            str(project / "shop" / "cart.py"),
            "--project",
            str(project),
            "--provider",
            MODEL,
            "--strategy",
            "llm",
            "--api-base",
            server.api_base,
            "--record",
            str(out),
            *extra,
        ]
        try:
            # In a thread: this loop keeps serving the scripted model meanwhile.
            return await asyncio.to_thread(
                subprocess.run, command, env=env, capture_output=True, text=True, timeout=300
            )
        finally:
            await server.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "examples/cassettes/cart-llm.jsonl")
    args = parser.parse_args()
    done = record(args.out.resolve())
    sys.stderr.write(done.stderr)
    sys.stdout.write(done.stdout)
    return done.returncode


if __name__ == "__main__":
    raise SystemExit(main())
