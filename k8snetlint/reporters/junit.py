"""JUnit XML for CI test-report views (GitLab, Jenkins, Azure DevOps, ...).

One ``<testsuite name="k8snetlint">`` (inside ``<testsuites>``, as pytest writes it)
with one ``<testcase>`` per checked object: ``classname`` is the file, ``name`` is
``Kind namespace/name``. A finding at or above the report's ``--fail-on`` severity is
a ``<failure>`` of its object's test case (worst first), so the test view agrees with
the exit code; the others are listed in the test case's ``<system-out>`` and do not
fail it. Findings without an object (syntax errors and
other file-level problems) form one test case per file, named after the file.
``failures`` counts failed test cases, so it never exceeds ``tests``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from k8snetlint.findings import SEVERITY_RANK, Finding, ObjectRef, Report
from k8snetlint.reporters.github import active_findings, relative_path

SUITE_NAME = "k8snetlint"


def failing(report: Report) -> frozenset[str]:
    """The severities that fail a test case: those at or above ``--fail-on``."""
    threshold = SEVERITY_RANK.get(report.fail_on, 3)
    return frozenset(s for s, rank in SEVERITY_RANK.items() if s != "never" and rank >= threshold)


# Characters XML 1.0 cannot carry, even escaped (C0 controls but tab/LF/CR, surrogates,
# U+FFFE/U+FFFF).
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass
class _Case:
    file: str
    line: int
    name: str
    findings: list[Finding] = field(default_factory=list)


def render(report: Report, *, root: str | None = None) -> str:
    """The JUnit XML document (UTF-8 declaration, trailing newline)."""
    cases = _cases(report)
    fails = failing(report)
    failed = sum(1 for c in cases if any(f.severity in fails for f in c.findings))

    suites = ET.Element("testsuites", _counts(SUITE_NAME, len(cases), failed))
    suite = ET.SubElement(suites, "testsuite", _counts(SUITE_NAME, len(cases), failed))
    props = ET.SubElement(suite, "properties")
    for key, value in (
        ("tool_version", report.tool_version),
        ("kubernetes_version", report.kubernetes_version),
        ("files", str(len(report.files))),
        ("suppressed", str(report.suppressed)),
        ("fail_on", report.fail_on),
    ):
        ET.SubElement(props, "property", {"name": key, "value": _clean(value)})

    for case in cases:
        file = relative_path(case.file, root)
        elem = ET.SubElement(
            suite,
            "testcase",
            {"classname": _clean(file), "name": _clean(case.name), "time": "0"},
        )
        ordered = sorted(case.findings, key=lambda f: (-SEVERITY_RANK[f.severity], f.sort_key()))
        info: list[str] = []
        for f in ordered:
            where = _where(f, root)
            if f.severity in fails:
                failure = ET.SubElement(
                    elem,
                    "failure",
                    {"message": _clean(f"{f.rule}: {f.message}"), "type": _clean(f.rule)},
                )
                failure.text = _clean(_details(f, where, root))
            else:
                info.append(f"{where}: {f.severity}: {f.rule}: {f.message}")
        if info:
            ET.SubElement(elem, "system-out").text = _clean("\n".join(info))

    ET.indent(suites, space="  ")
    body = ET.tostring(suites, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def _counts(name: str, tests: int, failures: int) -> dict[str, str]:
    return {
        "name": name,
        "tests": str(tests),
        "failures": str(failures),
        "errors": "0",
        "skipped": "0",
        "time": "0",
    }


def _cases(report: Report) -> list[_Case]:
    by_key: dict[tuple[str, ObjectRef], _Case] = {}
    by_ref: dict[ObjectRef, _Case] = {}
    for obj in report.objects:
        key = (obj.file, obj.ref)
        if key not in by_key:
            case = _Case(obj.file, obj.line, obj.ref.display())
            by_key[key] = case
            by_ref.setdefault(obj.ref, case)
    per_file: dict[str, _Case] = {}
    for f in active_findings(report):
        if f.object is None:
            if f.file not in per_file:
                per_file[f.file] = _Case(f.file, 0, f.file)
            per_file[f.file].findings.append(f)
            continue
        found = by_key.get((f.file, f.object)) or by_ref.get(f.object)
        if found is None:  # an object the report did not list as checked
            found = _Case(f.file, f.line, f.object.display())
            by_key[(f.file, f.object)] = found
            by_ref[f.object] = found
        found.findings.append(f)
    cases = list(by_key.values()) + list(per_file.values())
    cases.sort(key=lambda c: (c.file, c.line, c.name))
    return cases


def _where(f: Finding, root: str | None) -> str:
    return f"{relative_path(f.file, root)}:{max(f.line, 1)}:{max(f.column, 1)}"


def _details(f: Finding, where: str, root: str | None) -> str:
    lines = [where]
    if f.assumed:
        lines.append("(verdict depends on assumed cluster facts)")
    for rel in f.related:
        rwhere = f"{relative_path(rel.file, root)}:{max(rel.line, 1)}:{max(rel.column, 1)}"
        lines.append(f"  {rwhere}: {rel.message}" if rel.message else f"  {rwhere}")
    return "\n".join(lines)


def _clean(text: str) -> str:
    """Text XML 1.0 can hold: forbidden characters become ``\\xNN``/``\\uNNNN``."""
    return _INVALID_XML.sub(lambda m: ascii(m.group(0))[1:-1], text)
