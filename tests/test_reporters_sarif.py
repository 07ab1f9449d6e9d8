"""SARIF reporter: schema-valid output, locations, rules and stable fingerprints."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from k8snetlint.findings import Finding, ObjectRef, Related, Report, RuleInfo
from k8snetlint.reporters import sarif

SCHEMA_PATH = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"

DOC = """\
## What it does

Flags a Service whose selector matches no pod in its namespace.

## Why is this bad?

Traffic to the Service goes nowhere.

## Example

```yaml
# What it does
kind: Service
```

## Fix

```yaml
kind: Service
```
"""

DB = ObjectRef("v1", "Service", "shop", "db")
API = ObjectRef("apps/v1", "Deployment", "shop", "api")


def rule(name: str, severity: str = "error", **kw: Any) -> RuleInfo:
    return RuleInfo(
        name=name,
        summary=f"summary of {name}",
        severity=severity,  # type: ignore[arg-type]
        enabled=kw.pop("enabled", True),
        check="check",
        params={},
        confidence=kw.pop("confidence", "certain"),
        since="0.1.0",
        **kw,
    )


RULES = (
    rule("service-selector-matches-nothing", "warning", doc=DOC),
    rule("ingress-backend-port-missing"),
    rule("yaml-syntax-error"),
    rule("namespace-selector-matches-nothing", "warning", confidence="assumed"),
    rule("not-a-kubernetes-object", "info", enabled=False),
    rule("db-reachable-from-anywhere", custom=True),
)


def findings(root: Path) -> list[Finding]:
    db = str(root / "deploy" / "db.yaml")
    return [
        Finding(
            rule="service-selector-matches-nothing",
            severity="warning",
            message="selector app=db, tier=data matches 100% of nothing:\nno pod",
            file=db,
            line=7,
            column=5,
            end_line=8,
            end_column=17,
            object=DB,
        ),
        Finding(
            rule="ingress-backend-port-missing",
            severity="error",
            message="port 8080 not offered",
            file=str(root / "deploy" / "ingress.yaml"),
            line=14,
            column=21,
            end_line=14,
            end_column=25,
            object=API,
            related=(
                Related(db, 9, 7, "the Service ports"),
                Related("/outside/svc.yaml", 0, 0, ""),
            ),
        ),
        Finding(
            rule="yaml-syntax-error",
            severity="error",
            message="mapping values are not allowed here",
            file="-",
            line=3,
            column=9,
        ),
        Finding(
            rule="namespace-selector-matches-nothing",
            severity="warning",
            message="no namespace has team=x",
            file="/outside/other dir/np.yaml",
            line=0,
            column=0,
            assumed=True,
        ),
        Finding(
            rule="not-a-kubernetes-object",
            severity="info",
            message="no kind",
            file=str(root / "values.yaml"),
            line=1,
            column=1,
        ),
        Finding(
            rule="undeclared-rule",
            severity="warning",
            message="a rule missing from report.rules",
            file=db,
            line=30,
            column=3,
        ),
    ]


def make_report(items: list[Finding], root: Path) -> Report:
    return Report(
        tool_version="0.1.0",
        kubernetes_version="1.31",
        findings=tuple(items),
        files=(str(root / "deploy" / "db.yaml"), str(root / "deploy" / "ingress.yaml"), "-"),
        objects=(),
        rules=RULES,
        suppressed=2,
    )


@cache
def validator() -> Any:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def assert_valid(doc: dict[str, Any]) -> None:
    errors = sorted(validator().iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    # The schema declares draft-04; the output must pass a draft-07 validator too,
    # which also checks the ``uri-reference`` format (when a URI checker is installed).
    draft7 = jsonschema.Draft7Validator(
        validator().schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    assert not list(draft7.iter_errors(doc))


def render(report: Report, root: Path) -> dict[str, Any]:
    text = sarif.render(report, root=str(root))
    assert text.endswith("}\n")
    assert text == json.dumps(json.loads(text), indent=2) + "\n"
    doc: dict[str, Any] = json.loads(text)
    return doc


def walk(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    yield key, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from walk(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v, key)


def test_schema_declares_draft_04() -> None:
    assert validator().__class__ is jsonschema.Draft4Validator


def test_report_with_findings_is_valid(tmp_path: Path) -> None:
    doc = render(make_report(findings(tmp_path), tmp_path), tmp_path)
    assert_valid(doc)
    assert doc["$schema"].endswith("sarif-schema-2.1.0.json")
    assert doc["version"] == "2.1.0"
    assert len(doc["runs"]) == 1
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "k8snetlint"
    assert driver["version"] == "0.1.0"
    assert driver["informationUri"].startswith("https://")
    assert len(run["results"]) == 6
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"


def test_empty_report_is_valid_and_has_results(tmp_path: Path) -> None:
    empty = Report("0.1.0", "1.31", (), (), (), ())
    doc = render(empty, tmp_path)
    assert_valid(doc)
    run = doc["runs"][0]
    assert run["results"] == []
    assert run["tool"]["driver"]["rules"] == []
    assert run["artifacts"] == []


def test_no_empty_objects_and_no_zero_positions(tmp_path: Path) -> None:
    doc = render(make_report(findings(tmp_path), tmp_path), tmp_path)
    for key, value in walk(doc):
        assert value != {}, f"empty object under {key!r}"
        assert key != "snippet"
        if key in ("startLine", "startColumn", "endLine", "endColumn"):
            assert isinstance(value, int) and value >= 1, (key, value)


def test_results(tmp_path: Path) -> None:
    doc = render(make_report(findings(tmp_path), tmp_path), tmp_path)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    for res in results:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        art = res["locations"][0]["physicalLocation"]["artifactLocation"]
        assert run["artifacts"][art["index"]]["location"]["uri"] == art["uri"]
    assert [r["level"] for r in results] == [
        "warning",
        "error",
        "error",
        "warning",
        "note",
        "warning",
    ]
    lines = [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results]
    assert lines == [7, 14, 3, 1, 1, 30]
    assert set(lines) != {1}

    first = results[0]
    assert first["message"]["text"] == "selector app=db, tier=data matches 100% of nothing:\nno pod"
    loc = first["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "deploy/db.yaml"
    assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    assert loc["region"] == {"startLine": 7, "startColumn": 5, "endLine": 8, "endColumn": 17}
    assert first["properties"]["object"] == DB.to_json()

    second = results[1]
    assert second["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 14,
        "startColumn": 21,
        "endLine": 14,
        "endColumn": 25,
    }
    related = second["relatedLocations"]
    assert [r["id"] for r in related] == [1, 2]
    assert related[0]["message"] == {"text": "the Service ports"}
    assert related[0]["physicalLocation"]["artifactLocation"]["uri"] == "deploy/db.yaml"
    assert related[0]["physicalLocation"]["region"] == {"startLine": 9, "startColumn": 7}
    assert "message" not in related[1]
    assert related[1]["physicalLocation"]["artifactLocation"]["uri"] == "file:///outside/svc.yaml"
    assert "uriBaseId" not in related[1]["physicalLocation"]["artifactLocation"]
    assert related[1]["physicalLocation"]["region"] == {"startLine": 1, "startColumn": 1}

    stdin = results[2]["locations"][0]["physicalLocation"]
    assert stdin["artifactLocation"]["uri"] == "-"
    assert "uriBaseId" not in stdin["artifactLocation"]
    assert stdin["region"] == {"startLine": 3, "startColumn": 9}

    outside = results[3]
    art = outside["locations"][0]["physicalLocation"]["artifactLocation"]
    assert art["uri"] == "file:///outside/other%20dir/np.yaml"
    assert outside["properties"] == {"assumed": True}

    # An undeclared rule still gets a descriptor so that ruleIndex stays valid.
    assert rules[results[5]["ruleIndex"]] == {
        "id": "undeclared-rule",
        "name": "undeclared-rule",
        "shortDescription": {"text": "undeclared-rule"},
    }


def test_artifacts(tmp_path: Path) -> None:
    doc = render(make_report(findings(tmp_path), tmp_path), tmp_path)
    arts = doc["runs"][0]["artifacts"]
    uris = [a["location"]["uri"] for a in arts]
    # The checked files first (in report order), then others met in findings.
    assert uris == [
        "deploy/db.yaml",
        "deploy/ingress.yaml",
        "-",
        "file:///outside/svc.yaml",
        "file:///outside/other%20dir/np.yaml",
        "values.yaml",
    ]
    assert [a.get("roles") for a in arts[:3]] == [["analysisTarget"]] * 3
    assert "roles" not in arts[3]


def test_rules(tmp_path: Path) -> None:
    doc = render(make_report(findings(tmp_path), tmp_path), tmp_path)
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules[: len(RULES)]] == [r.name for r in RULES]
    sel = rules[0]
    assert sel["name"] == "service-selector-matches-nothing"
    assert sel["shortDescription"] == {"text": "summary of service-selector-matches-nothing"}
    assert sel["fullDescription"] == {
        "text": "Flags a Service whose selector matches no pod in its namespace."
    }
    assert sel["help"]["markdown"] == DOC.strip()
    assert sel["help"]["text"] == DOC.strip()
    assert sel["helpUri"] == (
        "https://github.com/k8snetlint/k8snetlint/blob/main/rules/"
        "service-selector-matches-nothing.md"
    )
    assert sel["defaultConfiguration"] == {"level": "warning"}
    assert sel["properties"]["confidence"] == "certain"
    assert sel["properties"]["enabled"] is True

    by_id = {r["id"]: r for r in rules}
    assert by_id["namespace-selector-matches-nothing"]["properties"]["confidence"] == "assumed"
    info = by_id["not-a-kubernetes-object"]
    assert info["defaultConfiguration"] == {"level": "note"}
    assert info["properties"]["enabled"] is False
    # Without a doc, help and full description fall back to the summary.
    assert info["help"] == {"text": "summary of not-a-kubernetes-object"}
    assert info["fullDescription"] == {"text": "summary of not-a-kubernetes-object"}
    custom = by_id["db-reachable-from-anywhere"]
    assert "helpUri" not in custom
    assert custom["properties"]["custom"] is True


def test_front_matter_is_not_part_of_help() -> None:
    desc = sarif.rule_descriptor(rule("r", doc="---\nname: r\n---\n" + DOC))
    assert desc["help"]["markdown"] == DOC.strip()
    assert desc["fullDescription"]["text"].startswith("Flags a Service")


def fingerprints(doc: dict[str, Any]) -> list[str]:
    return [r["partialFingerprints"]["k8snetlint/v1"] for r in doc["runs"][0]["results"]]


def test_fingerprints_ignore_line_changes(tmp_path: Path) -> None:
    items = findings(tmp_path)
    before = fingerprints(render(make_report(items, tmp_path), tmp_path))
    moved = [
        dataclasses.replace(
            f,
            line=f.line + 5,
            end_line=f.end_line + 5 if f.end_line else 0,
            column=f.column + 2,
            related=tuple(dataclasses.replace(r, line=r.line + 5) for r in f.related),
        )
        for f in items
    ]
    after = fingerprints(render(make_report(moved, tmp_path), tmp_path))
    assert before == after
    assert len(set(before)) == len(before)


def test_fingerprints_do_not_depend_on_root_spelling(tmp_path: Path) -> None:
    items = findings(tmp_path)
    a = fingerprints(render(make_report(items, tmp_path), tmp_path))
    b = fingerprints(render(make_report(items, tmp_path), tmp_path / "deploy" / ".."))
    assert a == b


@pytest.mark.parametrize(
    "change",
    [
        {"message": "another message"},
        {"rule": "ingress-backend-port-missing"},
        {"object": API},
        {"file": "elsewhere.yaml"},
    ],
)
def test_fingerprints_change_with_identity(tmp_path: Path, change: dict[str, Any]) -> None:
    base = findings(tmp_path)[0]
    a = sarif.fingerprint(base, root=str(tmp_path))
    b = sarif.fingerprint(dataclasses.replace(base, **change), root=str(tmp_path))
    assert a != b


def test_identical_findings_get_distinct_fingerprints(tmp_path: Path) -> None:
    f = Finding("yaml-syntax-error", "error", "same", str(tmp_path / "a.yaml"), 3, 1)
    g = dataclasses.replace(f, line=9)
    doc = render(make_report([f, g], tmp_path), tmp_path)
    fa, fb = fingerprints(doc)
    assert fa.split(":")[0] == fb.split(":")[0]
    assert (fa.split(":")[1], fb.split(":")[1]) == ("1", "2")


def test_suppressed_findings_carry_a_suppression(tmp_path: Path) -> None:
    f = Finding("yaml-syntax-error", "error", "m", str(tmp_path / "a.yaml"), 3, 1, suppressed=True)
    doc = render(make_report([f], tmp_path), tmp_path)
    assert_valid(doc)
    assert doc["runs"][0]["results"][0]["suppressions"] == [{"kind": "inSource"}]


def test_regions() -> None:
    assert sarif.region(0, 0) == {"startLine": 1, "startColumn": 1}
    assert sarif.region(4, 2, 3, 9) == {"startLine": 4, "startColumn": 2}
    assert sarif.region(4, 6, 4, 2) == {"startLine": 4, "startColumn": 6, "endLine": 4}
    assert sarif.region(4, 6, 5, 0) == {"startLine": 4, "startColumn": 6, "endLine": 5}


def test_special_characters_in_paths(tmp_path: Path) -> None:
    f = Finding("r", "error", "m", str(tmp_path / "dir with space" / "a#b%c:d.yaml"), 2, 1)
    doc = render(make_report([f], tmp_path), tmp_path)
    assert_valid(doc)
    art = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert art["uri"] == "dir%20with%20space/a%23b%25c%3Ad.yaml"
