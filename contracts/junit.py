"""JUnit XML for CI systems: one `<testsuite>` of `<testcase>`s, shared by `check` and `replay`."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class JUnitCase:
    """One test case: `outcome` is passed, failed, skipped or error; `text` is the detail CI shows."""

    name: str
    classname: str
    seconds: float
    outcome: str
    message: str = ""
    text: str = ""


def write_junit(path: str | Path, suite: str, cases: list[JUnitCase]) -> None:
    """Write `cases` as one JUnit XML test suite."""
    counts = {o: sum(1 for c in cases if c.outcome == o) for o in ("failed", "skipped", "error")}
    root = ET.Element("testsuites")
    element = ET.SubElement(
        root,
        "testsuite",
        name=suite,
        tests=str(len(cases)),
        failures=str(counts["failed"]),
        errors=str(counts["error"]),
        skipped=str(counts["skipped"]),
        time=f"{sum(c.seconds for c in cases):.3f}",
    )
    for case in cases:
        node = ET.SubElement(element, "testcase", name=case.name, classname=case.classname, time=f"{case.seconds:.3f}")
        tag = {"failed": "failure", "error": "error", "skipped": "skipped"}.get(case.outcome)
        if tag:
            child = ET.SubElement(node, tag, message=case.message[:1000])
            child.text = case.text or None
        elif case.text:
            ET.SubElement(node, "system-out").text = case.text
    ET.indent(root)
    Path(path).write_text(ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n", encoding="utf-8")
