"""The chat's and the CLI's summary lines say how many tests were dropped and why."""

from __future__ import annotations

from pathlib import Path

from regoose_tui.cli.generate_command import _summary
from regoose_tui.conversation.replies import generation_summary, relative
from regoose_tui.engine.outcome import GenerationOutcome, TestRecord


def _outcome(dropped: tuple[tuple[str, str], ...]) -> GenerationOutcome:
    records = tuple(TestRecord(f"tests/test_cart.py::test_{n}", "passed", 0.01) for n in range(49))
    return GenerationOutcome(
        session_id="s1", provider="offline", runtime="bwrap", isolated=True,
        target=Path("/p/shop/cart.py"), module="shop.cart", status="passed",
        tests_written=(Path("/p/tests/test_cart.py"),), tests=49, passed=49, failed=0,
        line_percent=91.0, branch_percent=80.0, wall_seconds=12.0, iterations=2,
        records=records, dropped=dropped,
    )  # fmt: skip


DROPPED = (
    *((f"tests/test_cart.py::test_dup_{n}", "duplicate of a kept test") for n in range(4)),
    ("tests/test_cart.py::test_x", "flaky: failed on a rerun: boom"),
    ("tests/test_cart.py::test_y", "adds no coverage"),
)


def test_the_chat_reply_counts_the_drops_by_why() -> None:
    text = generation_summary(_outcome(DROPPED), "tests/test_cart.py")
    assert text.startswith(
        "**shop.cart**: 49 tests, 49 passed, 0 failed; "
        "6 dropped (4 duplicate, 1 flaky, 1 no new coverage) — line coverage 91%"
    )
    assert "dropped" not in generation_summary(_outcome(()), "tests/test_cart.py")


def test_the_cli_summary_counts_the_drops_by_why() -> None:
    first = _summary(_outcome(DROPPED)).splitlines()[0]
    assert first.startswith(
        "shop.cart: 49 tests, 49 passed, 0 failed, 6 dropped (4 duplicate, 1 flaky, "
        "1 no new coverage); line coverage 91.0%"
    )


def test_chat_paths_are_relative_inside_the_project_and_absolute_outside(tmp_path: Path) -> None:
    assert relative(tmp_path / "p" / "tests" / "test_a.py", tmp_path / "p") == "tests/test_a.py"
    assert relative(tmp_path / "q" / "a.py", tmp_path / "p") == str(tmp_path / "q" / "a.py")


def test_the_chat_says_why_tests_stayed_or_went_and_lists_suspected_bugs() -> None:
    from dataclasses import replace

    outcome = replace(
        _outcome(DROPPED),
        records=(
            TestRecord(
                "tests/test_cart.py::test_total", "passed", why="passed 3 of 3 runs; adds line 9"
            ),
        ),
        stop_detail="stopped: no new coverage (no new coverage for 2 rounds)",
        notes=("cost unknown for openai/x",),
        suspected_bugs=(
            {
                "test": "test_mean_does_not_crash",
                "input": "mean()",
                "observed": "raises ZeroDivisionError: division by zero",
                "why": "ZeroDivisionError inside mean (line 6)",
            },
        ),
    )
    text = generation_summary(outcome, "tests/test_cart.py")
    assert "Stopped: no new coverage (no new coverage for 2 rounds)." in text
    assert "Note: cost unknown for openai/x." in text
    assert "**Suspected bugs (1)**, kept as `xfail(strict=True)`" in text
    assert "- `test_mean_does_not_crash`: `mean()` raises ZeroDivisionError" in text
    assert "- `test_total`: passed 3 of 3 runs; adds line 9" in text
    assert "- `test_x`: flaky: failed on a rerun: boom" in text
    assert text.rstrip().endswith("**Reject** discards it.")
