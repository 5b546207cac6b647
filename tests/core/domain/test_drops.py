"""Drop reasons group into the kinds a count line shows."""

from __future__ import annotations

from regoose_tui.domain.drops import DUPLICATE_REASON, drop_counts, drop_kind, drops_phrase


def test_each_validator_reason_has_its_kind() -> None:
    assert drop_kind("failed: assert 1 == 2") == "failing"
    assert drop_kind("flaky: failed on a rerun: boom") == "flaky"
    assert drop_kind("adds no coverage") == "no new coverage"
    assert drop_kind(DUPLICATE_REASON) == "duplicate"
    assert drop_kind("the module could not be collected") == "not collected"
    assert drop_kind(None) == "not collected"


def test_counts_keep_the_display_order_and_the_phrase_adds_up() -> None:
    reasons = ["adds no coverage", "failed: x", DUPLICATE_REASON, DUPLICATE_REASON]
    assert list(drop_counts(reasons).items()) == [
        ("duplicate", 2),
        ("failing", 1),
        ("no new coverage", 1),
    ]
    assert drops_phrase(reasons) == "4 dropped (2 duplicate, 1 failing, 1 no new coverage)"
    assert drops_phrase([]) == ""
