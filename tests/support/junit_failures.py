"""Run a small test module for real and read each failure as the validator gets it (JUnit)."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from regoose_tui.domain.feedback import FailedTest


def junit_failures(folder: Path, files: dict[str, str]) -> dict[str, FailedTest]:
    """Write ``files`` (name -> source) into ``folder``, run pytest there, return its failures.

    Keyed by test name, ``TestClass::test_name`` for a test in a class.
    """
    for name, source in files.items():
        (folder / name).write_text(source)
    junit = folder / "junit.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}"],
        cwd=folder,
        capture_output=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        timeout=120,
    )
    found = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        failure = case.find("failure")
        if failure is None:
            continue
        name = case.get("name", "")
        owner = case.get("classname", "").rsplit(".", 1)[-1]
        if owner.startswith("Test"):
            name = f"{owner}::{name}"
        found[name] = FailedTest(name, failure.get("message", ""), failure.text or "")
    return found
