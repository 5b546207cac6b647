"""JUnit XML: parses, counts right, escapes everything, carries coverage."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from regoose_tui.reports import SessionReport, TestResult, render_junit
from regoose_tui.reports.junit import split_nodeid


def _parse(report: SessionReport) -> ET.Element:
    text = render_junit(report)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(text.encode("utf-8"))


def test_structure_and_counts(report: SessionReport) -> None:
    root = _parse(report)
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    for element in (root, suites[0]):
        assert element.get("tests") == "5"
        assert element.get("failures") == "1"
        assert element.get("errors") == "1"
        assert element.get("skipped") == "2"  # skipped + dropped
        assert element.get("time") == "0.212"
    suite = suites[0]
    assert suite.get("name") == "src/cart.py"
    assert suite.get("timestamp") == "2023-11-14T22:13:20"
    cases = suite.findall("testcase")
    assert len(cases) == 5
    # The kept test carries why as a property; the others their outcome element.
    assert [len(case) for case in cases] == [1, 1, 1, 1, 1]
    [why] = cases[0].findall("properties/property")
    assert why.get("name") == "regoose.why"
    assert why.get("value") == "passed 3 of 3 runs in random order; adds lines 4-5"
    properties = {p.get("name"): p.get("value") for p in suite.findall("properties/property")}
    assert properties["regoose.stopped_by"] == "plateau"
    assert properties["regoose.suspected_bugs"] == "1"
    assert [child.tag for case in cases for child in case] == [
        "properties",
        "failure",
        "error",
        "skipped",
        "skipped",
    ]
    # Properties come first, as the schema requires.
    assert suite[0].tag == "properties"


def test_failure_text_is_escaped_and_stripped(report: SessionReport) -> None:
    failure = _parse(report).find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("type") == "AssertionError"
    assert failure.get("message") == "E   AssertionError: assert 90 == 95"
    assert failure.text == "E   AssertionError: assert 90 == 95\n<tag> & 'q' \"d\"\\x00 ```"
    error = _parse(report).find("testsuite/testcase/error")
    assert error is not None and error.get("type") == "RuntimeError"


def test_names_follow_pytest_junitxml(report: SessionReport) -> None:
    cases = _parse(report).findall("testsuite/testcase")
    assert (cases[1].get("classname"), cases[1].get("name")) == (
        "tests.test_cart.TestCart",
        "test_discount[a|b::c]",
    )
    assert cases[0].get("time") == "0.012"
    skipped = [case.find("skipped") for case in cases[3:]]
    assert [s.get("message") for s in skipped if s is not None] == [
        "no database",
        "dropped by the validator: flaky: 1 of 2 runs",
    ]


@pytest.mark.parametrize(
    ("nodeid", "expected"),
    [
        ("tests/test_m.py::test_x", ("tests.test_m", "test_x")),
        ("test_m.py::C::D::test_y[1-2]", ("test_m.C.D", "test_y[1-2]")),
        ("a/b/test_m.py::test_p[x::y]", ("a.b.test_m", "test_p[x::y]")),
        ("tests/test_broken.py", ("", "tests/test_broken.py")),
    ],
)
def test_split_nodeid(nodeid: str, expected: tuple[str, str]) -> None:
    assert split_nodeid(nodeid) == expected


def test_coverage_and_run_figures_are_properties(report: SessionReport) -> None:
    properties = {
        p.get("name"): p.get("value")
        for p in _parse(report).findall("testsuite/properties/property")
    }
    assert properties["coverage.line_percent_before"] == "40.00"
    assert properties["coverage.line_percent"] == "92.50"
    assert properties["coverage.branch_percent"] == "81.25"
    assert properties["regoose.isolated"] == "false"
    assert properties["regoose.session_id"] == "5e55104abc01"
    assert properties["provider.prompt_tokens"] == "1234"
    assert properties["provider.cost_usd"] == "0.001200"


def test_unknown_figures_are_left_out_and_empty_reports_parse() -> None:
    empty = SessionReport(
        session_id="s", target="t.py", provider="offline", runtime="docker", isolated=True,
        status="error", reason="import hung",
    )  # fmt: skip
    root = _parse(empty)
    assert root.get("tests") == "0"
    names = {p.get("name") for p in root.findall("testsuite/properties/property")}
    assert "coverage.line_percent" not in names
    assert root.find("testsuite/testcase") is None
    suite = root.find("testsuite")
    assert suite is not None and suite.get("timestamp") is None


def test_every_illegal_character_still_parses() -> None:
    nasty = "".join(chr(code) for code in range(0, 0x20)) + "\ud800\ufffe\uffff]]>"
    report = SessionReport(
        session_id="s", target="t.py", provider="p", runtime="r", isolated=True, status="failed",
        tests=[TestResult(f"t.py::test_{nasty}", "failed", 0.0, nasty)],
    )  # fmt: skip
    failure = _parse(report).find("testsuite/testcase/failure")
    assert failure is not None and failure.text is not None
    kept = {9: "\t", 10: "\n", 13: "\n"}
    expected = "".join(kept.get(code, f"\\x{code:02x}") for code in range(0x20))
    assert failure.text == expected + "\\xd800\\xfffe\\xffff]]>"
