"""SARIF 2.1.0 output (GitHub code scanning, IDE viewers, other SARIF consumers).

The document validates against the official OASIS schema
(``tests/data/sarif-schema-2.1.0.json``). Paths inside the repository root become
relative URIs against ``%SRCROOT%``; paths outside it become absolute ``file:`` URIs;
standard input is the relative URI ``-``. Every result carries a partial fingerprint
computed from rule, file, object identity and message (never the line), so an alert
keeps its identity when unrelated lines above it change.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from k8snetlint.discovery import name_bytes
from k8snetlint.findings import Finding, Related, Report, RuleInfo
from k8snetlint.reporters.github import repo_relative
from k8snetlint.reporters.jsonreport import dumps

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
TOOL_NAME = "k8snetlint"
INFORMATION_URI = "https://github.com/k8snetlint/k8snetlint"
HELP_URI = INFORMATION_URI + "/blob/main/rules/{name}.md"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "k8snetlint/v1"
LEVELS: dict[str, str] = {"error": "error", "warning": "warning", "info": "note"}
PRECISION: dict[str, str] = {"certain": "very-high", "assumed": "medium"}

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^ {0,3}(?:#{1,6}\s+(.+?)\s*#*\s*|\*\*(.+?)\*\*\s*:?\s*)$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def render(report: Report, *, root: str | None = None) -> str:
    """The SARIF log as JSON text (two-space indent, trailing newline)."""
    return dumps(to_sarif(report, root=root), ensure_ascii=True) + "\n"


def to_sarif(report: Report, *, root: str | None = None) -> dict[str, Any]:
    """The SARIF log as a JSON-ready ``dict``."""
    rules, rule_index = _rules(report)
    artifacts = _Artifacts(root)
    for file in report.files:
        artifacts.index(file, target=True)
    results: list[dict[str, Any]] = []
    occurrences: dict[str, int] = {}
    for finding in report.findings:
        results.append(_result(finding, rule_index, artifacts, occurrences, root))
    base = os.path.abspath(root if root is not None else os.getcwd())
    base_uri = Path(base).as_uri()
    if not base_uri.endswith("/"):
        base_uri += "/"
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": report.tool_version,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "originalUriBaseIds": {
            SRCROOT: {"uri": base_uri, "description": {"text": "The repository root."}}
        },
        "artifacts": artifacts.items,
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {
            "kubernetesVersion": report.kubernetes_version,
            "suppressedCount": report.suppressed,
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def fingerprint(finding: Finding, *, root: str | None = None) -> str:
    """Hash of rule, repository-relative file, object identity and message.

    Line and column are left out on purpose: the value must survive edits above the
    finding. Two findings with equal hashes are told apart by an occurrence suffix
    added in :func:`to_sarif`.
    """
    rel = repo_relative(finding.file, root)
    parts = [finding.rule, finding.file if rel is None else rel, finding.object_key()]
    parts.append(finding.message)
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def rule_descriptor(rule: RuleInfo) -> dict[str, Any]:
    """The ``reportingDescriptor`` of one rule."""
    doc = _FRONT_MATTER.sub("", rule.doc, count=1).strip()
    summary = rule.summary.strip() or rule.name
    out: dict[str, Any] = {
        "id": rule.name,
        "name": rule.name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": _what_it_does(doc) or summary},
    }
    if doc:
        out["help"] = {"text": doc, "markdown": doc}
    else:
        out["help"] = {"text": summary}
    if not rule.custom:
        out["helpUri"] = HELP_URI.format(name=quote(rule.name, safe=""))
    out["defaultConfiguration"] = {"level": LEVELS[rule.severity]}
    props: dict[str, Any] = {
        "confidence": rule.confidence,
        "enabled": rule.enabled,
        "precision": PRECISION.get(rule.confidence, "high"),
    }
    if rule.since:
        props["since"] = rule.since
    if rule.custom:
        props["custom"] = True
    out["properties"] = props
    return out


def region(line: int, column: int, end_line: int = 0, end_column: int = 0) -> dict[str, int]:
    """A SARIF region; unknown or invalid parts are left out, 0 is clamped to 1."""
    start_line = max(line, 1)
    start_column = max(column, 1)
    out = {"startLine": start_line, "startColumn": start_column}
    if end_line >= start_line:
        out["endLine"] = end_line
        if end_column > 0 and (end_line > start_line or end_column >= start_column):
            out["endColumn"] = end_column
    return out


def _rules(report: Report) -> tuple[list[dict[str, Any]], dict[str, int]]:
    descriptors: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for rule in report.rules:
        if rule.name in index:
            continue
        index[rule.name] = len(descriptors)
        descriptors.append(rule_descriptor(rule))
    # A finding whose rule is not declared (should not happen) still gets a descriptor,
    # so that every ruleIndex points at a real entry.
    for name in sorted({f.rule for f in report.findings} - set(index)):
        index[name] = len(descriptors)
        descriptors.append({"id": name, "name": name, "shortDescription": {"text": name}})
    return descriptors, index


class _Artifacts:
    """The run's ``artifacts`` array, built as files are met."""

    def __init__(self, root: str | None) -> None:
        self.root = root
        self.items: list[dict[str, Any]] = []
        self._index: dict[str, int] = {}

    def location(self, file: str) -> dict[str, Any]:
        """An ``artifactLocation`` with its index into ``artifacts``."""
        loc = self._location(file)
        loc["index"] = self.index(file)
        return loc

    def index(self, file: str, *, target: bool = False) -> int:
        if file not in self._index:
            self._index[file] = len(self.items)
            item: dict[str, Any] = {"location": self._location(file)}
            if target:
                item["roles"] = ["analysisTarget"]
            self.items.append(item)
        return self._index[file]

    def _location(self, file: str) -> dict[str, Any]:
        if file == "-":
            return {"uri": "-", "description": {"text": "standard input"}}
        rel = repo_relative(file, self.root)
        if rel is not None:
            return {"uri": quote(name_bytes(rel), safe="/"), "uriBaseId": SRCROOT}
        return {"uri": Path(os.path.abspath(file)).as_uri()}


def _result(
    finding: Finding,
    rule_index: dict[str, int],
    artifacts: _Artifacts,
    occurrences: dict[str, int],
    root: str | None,
) -> dict[str, Any]:
    digest = fingerprint(finding, root=root)
    occurrences[digest] = occurrences.get(digest, 0) + 1
    out: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index[finding.rule],
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message or finding.rule},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": artifacts.location(finding.file),
                    "region": region(
                        finding.line, finding.column, finding.end_line, finding.end_column
                    ),
                }
            }
        ],
    }
    if finding.related:
        out["relatedLocations"] = [
            _related(i, rel, artifacts) for i, rel in enumerate(finding.related, start=1)
        ]
    out["partialFingerprints"] = {FINGERPRINT_KEY: f"{digest}:{occurrences[digest]}"}
    if finding.suppressed:
        out["suppressions"] = [{"kind": "inSource"}]
    props: dict[str, Any] = {}
    if finding.object is not None:
        props["object"] = finding.object.to_json()
    if finding.assumed:
        props["assumed"] = True
    if props:
        out["properties"] = props
    return out


def _related(ident: int, rel: Related, artifacts: _Artifacts) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": ident,
        "physicalLocation": {
            "artifactLocation": artifacts.location(rel.file),
            "region": region(rel.line, rel.column),
        },
    }
    if rel.message:
        out["message"] = {"text": rel.message}
    return out


def _what_it_does(doc: str) -> str:
    """The body of the rule doc's *What it does* section, or ``""``."""
    body: list[str] = []
    inside = False
    fence = ""
    for line in doc.splitlines():
        f = _FENCE.match(line)
        if fence:
            if f and f.group(1)[0] == fence[0] and len(f.group(1)) >= len(fence):
                fence = ""
        elif f:
            fence = f.group(1)
        m = None if fence or f else _HEADING.match(line)
        if m:
            title = (m.group(1) or m.group(2) or "").strip().rstrip(":").strip()
            if inside:
                break
            inside = title.lower() == "what it does"
            continue
        if inside:
            body.append(line)
    return "\n".join(body).strip()
