"""The JUnit XML report: testsuites/testsuite/testcase, coverage as properties.

Follows the schema CI servers read (Jenkins, GitLab, GitHub test reporters):
counts on both suite levels, ``time`` in seconds, one ``failure``, ``error``
or ``skipped`` child per unsuccessful case. Text is stripped of ANSI codes and
of characters XML 1.0 cannot hold, so the file always parses.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from regoose_tui.reports.model import SessionReport, TestResult
from regoose_tui.reports.text import iso_time, printable

_XML_ILLEGAL = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_EXCEPTION_NAME = re.compile(
    r"^(?:E\s+)?((?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*(?:Error|Exception|Failed|Exit|Interrupt|Warning))\b",
    re.MULTILINE,
)
_MESSAGE_ATTRIBUTE_LIMIT = 300


def xml_text(text: str) -> str:
    """Text XML 1.0 can carry: ANSI removed, illegal characters shown as ``\\xNN``."""
    return _XML_ILLEGAL.sub(lambda m: f"\\x{ord(m.group()):02x}", printable(text))


def split_nodeid(nodeid: str) -> tuple[str, str]:
    """``dir/test_m.py::Cls::test_x[a::b]`` -> (``dir.test_m.Cls``, ``test_x[a::b]``)."""
    bracket = nodeid.find("[")
    head, params = (nodeid, "") if bracket < 0 else (nodeid[:bracket], nodeid[bracket:])
    parts = head.split("::")
    if len(parts) == 1:
        return "", nodeid
    module = parts[0].removesuffix(".py").replace("\\", "/").strip("/").replace("/", ".")
    return ".".join([module, *parts[1:-1]]), parts[-1] + params


def _first_line(message: str) -> str:
    for line in message.splitlines():
        if line.strip():
            line = line.strip()
            if len(line) > _MESSAGE_ATTRIBUTE_LIMIT:
                return line[: _MESSAGE_ATTRIBUTE_LIMIT - 1] + "…"
            return line
    return ""


def _outcome_element(test: TestResult) -> ET.Element | None:
    message = xml_text(test.message or "")
    if test.outcome == "passed":
        return None
    if test.outcome in {"skipped", "dropped"}:
        prefix = "dropped by the validator" if test.outcome == "dropped" else ""
        summary = ": ".join(part for part in (prefix, _first_line(message)) if part)
        element = ET.Element("skipped", {"message": summary} if summary else {})
        if message:
            element.text = message
        return element
    tag = "failure" if test.outcome == "failed" else "error"
    found = _EXCEPTION_NAME.search(message)
    kind = found.group(1) if found else ("AssertionError" if tag == "failure" else "Error")
    element = ET.Element(tag, {"message": _first_line(message), "type": kind})
    element.text = message
    return element


def _counts(report: SessionReport) -> dict[str, str]:
    counts = report.outcome_counts()
    return {
        "tests": str(len(report.tests)),
        "failures": str(counts["failed"]),
        "errors": str(counts["error"]),
        "skipped": str(counts["skipped"] + counts["dropped"]),
        "time": f"{sum(test.duration for test in report.tests):.3f}",
    }


def _figure(value: float | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _properties(report: SessionReport) -> ET.Element:
    values: list[tuple[str, object]] = [
        ("regoose.session_id", report.session_id),
        ("regoose.target", report.target),
        ("regoose.provider", report.provider),
        ("regoose.runtime", report.runtime),
        ("regoose.isolated", str(report.isolated).lower()),
        ("regoose.status", report.status),
        ("regoose.reason", report.reason),
        ("regoose.iterations", report.iterations),
        ("regoose.wall_seconds", f"{report.wall_seconds:.3f}"),
        ("coverage.line_percent_before", _figure(report.line_percent_before)),
        ("coverage.line_percent", _figure(report.line_percent_after)),
        ("coverage.branch_percent_before", _figure(report.branch_percent_before)),
        ("coverage.branch_percent", _figure(report.branch_percent_after)),
        ("coverage.line_delta", _figure(report.line_delta)),
        ("coverage.branch_delta", _figure(report.branch_delta)),
        ("coverage.project_tests", report.project_tests),
        ("coverage.failing_before", report.failing_before),
        ("provider.prompt_tokens", report.prompt_tokens),
        ("provider.completion_tokens", report.completion_tokens),
        ("provider.cost_usd", f"{report.cost_usd:.6f}"),
        ("regoose.stopped_by", report.stopped_by),
        ("regoose.stop_detail", report.stop_detail or None),
        ("regoose.suspected_bugs", len(report.suspected_bugs)),
        *(
            (f"regoose.suspected_bug.{b['test']}", f"{b['input']}: {b['why']}")
            for b in report.suspected_bugs
        ),
        *(("regoose.note", line) for line in report.notes),
    ]
    properties = ET.Element("properties")
    for name, value in values:
        if value is not None:
            ET.SubElement(properties, "property", {"name": name, "value": xml_text(str(value))})
    return properties


def build_junit(report: SessionReport) -> ET.Element:
    """The ``<testsuites>`` element of a report."""
    counts = _counts(report)
    root = ET.Element("testsuites", {"name": "regoose", **counts})
    suite_attributes = {"name": xml_text(report.target), **counts}
    if report.started_at:
        suite_attributes["timestamp"] = iso_time(report.started_at)
    suite = ET.SubElement(root, "testsuite", suite_attributes)
    suite.append(_properties(report))
    for test in report.tests:
        classname, name = split_nodeid(test.nodeid)
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "classname": xml_text(classname),
                "name": xml_text(name),
                "time": f"{test.duration:.3f}",
            },
        )
        outcome = _outcome_element(test)
        if outcome is not None:
            case.append(outcome)
        if test.why:
            # Why the validator kept it; CI readers show testcase properties.
            props = ET.SubElement(case, "properties")
            ET.SubElement(props, "property", {"name": "regoose.why", "value": xml_text(test.why)})
    return root


def render_junit(report: SessionReport) -> str:
    """The JUnit XML report text, with an XML declaration."""
    root = build_junit(report)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
