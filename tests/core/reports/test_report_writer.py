"""write_report picks the format from the suffix and refuses unknown ones."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from regoose_tui.errors import UsageError
from regoose_tui.reports import SessionReport, parse_json, write_report


def test_each_suffix_writes_its_format(report: SessionReport, tmp_path: Path) -> None:
    markdown = write_report(report, tmp_path / "out" / "report.md")
    assert markdown.read_text(encoding="utf-8").startswith("## ❌ Regoose: ")
    as_json = write_report(report, tmp_path / "report.JSON")
    assert parse_json(as_json.read_bytes()) == report
    assert json.loads(as_json.read_text())["session_id"] == report.session_id
    junit = write_report(report, str(tmp_path / "junit.xml"))
    assert ET.parse(junit).getroot().get("tests") == "5"


def test_existing_report_is_replaced(report: SessionReport, tmp_path: Path) -> None:
    target = tmp_path / "r.md"
    target.write_text("old")
    write_report(report, target)
    assert "old" not in target.read_text()


@pytest.mark.parametrize("name", ["report.txt", "report", "report.html"])
def test_unknown_suffix_is_a_usage_error(report: SessionReport, tmp_path: Path, name: str) -> None:
    with pytest.raises(UsageError) as caught:
        write_report(report, tmp_path / name)
    assert ".md" in str(caught.value) and "\n" not in str(caught.value)
    assert not (tmp_path / name).exists()
