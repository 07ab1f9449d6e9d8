"""The immutable values that flow from checks to reporters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
SEVERITY_RANK: dict[str, int] = {"error": 3, "warning": 2, "info": 1, "never": 99}


@dataclass(frozen=True, order=True)
class Span:
    """A 1-based region of a file. ``end_*`` are 0 when unknown."""

    line: int
    column: int
    end_line: int = 0
    end_column: int = 0


@dataclass(frozen=True)
class ObjectRef:
    """Identity of a Kubernetes object as it appears in reports."""

    api_version: str
    kind: str
    namespace: str
    name: str

    def to_json(self) -> dict[str, str]:
        return {
            "apiVersion": self.api_version,
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
        }

    def display(self) -> str:
        if self.namespace:
            return f"{self.kind} {self.namespace}/{self.name}"
        return f"{self.kind} {self.name}"


@dataclass(frozen=True)
class Related:
    """A second location that explains a finding."""

    file: str
    line: int
    column: int
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


@dataclass(frozen=True)
class Finding:
    """One problem at one place. Produced by the engine, never mutated."""

    rule: str
    severity: Severity
    message: str
    file: str
    line: int
    column: int
    end_line: int = 0
    end_column: int = 0
    object: ObjectRef | None = None
    related: tuple[Related, ...] = ()
    assumed: bool = False
    suppressed: bool = field(default=False, compare=False)
    # The field inside the object (``spec.ports[0].port``); "" when not inside one.
    field_path: str = field(default="", compare=False)

    def sort_key(self) -> tuple[str, int, int, str, str, str]:
        return (self.file, self.line, self.column, self.rule, self.message, self.object_key())

    def object_key(self) -> str:
        o = self.object
        return "" if o is None else f"{o.api_version}/{o.kind}/{o.namespace}/{o.name}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
        }
        if self.end_line:
            out["endLine"] = self.end_line
            out["endColumn"] = self.end_column
        out["object"] = None if self.object is None else self.object.to_json()
        out["related"] = [r.to_json() for r in self.related]
        if self.assumed:
            out["assumed"] = True
        return out


@dataclass(frozen=True)
class CheckedObject:
    """An object that was checked (one JUnit test case each)."""

    file: str
    line: int
    ref: ObjectRef


@dataclass(frozen=True)
class RuleInfo:
    """A rule as declared in ``rules/<name>.md`` (or a custom rule in config)."""

    name: str
    summary: str
    severity: Severity
    enabled: bool
    check: str
    params: dict[str, Any]
    confidence: Literal["certain", "assumed"]
    since: str
    doc: str = ""
    custom: bool = False
    # JSON Schema of the params users may set (front matter ``params-schema``)
    params_schema: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    """Everything a reporter may render. Findings are sorted and deduplicated."""

    tool_version: str
    kubernetes_version: str
    findings: tuple[Finding, ...]
    files: tuple[str, ...]
    objects: tuple[CheckedObject, ...]
    rules: tuple[RuleInfo, ...]
    suppressed: int = 0
    fail_on: str = "error"
    baselined: int = 0

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {s: 0 for s in SEVERITIES}
        for f in self.findings:
            out[f.severity] += 1
        return out

    def failed(self) -> bool:
        threshold = SEVERITY_RANK.get(self.fail_on, 3)
        return any(SEVERITY_RANK[f.severity] >= threshold for f in self.findings)
