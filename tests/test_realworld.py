"""Published manifests of widely used projects (tests/realworld/): every finding is
pinned (golden) and judged right or wrong (judgements.json, README.md).

Each project folder is checked on its own, as a user would run ``k8snetlint check
<folder>``. The judgement of a finding is the first entry of judgements.json with the
same rule whose ``project`` and ``contains`` (a substring of the message) fit.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from lintutil import lint_paths

from goldens import check_golden

REALWORLD = Path(__file__).resolve().parent / "realworld"
PROJECTS = sorted(p.name for p in REALWORLD.iterdir() if p.is_dir())
SIZE_BUDGET = 5 * 1024 * 1024

# Error-level findings judged wrong: none. (Go template text in alerting rules was
# reported as an unrendered template until the loader part of issue 8 landed.)
KNOWN_WRONG_ERRORS: set[tuple[str, str]] = set()


def _findings() -> list[dict[str, Any]]:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl renders the Kustomize projects of the corpus")
    out: list[dict[str, Any]] = []
    for project in PROJECTS:
        report = lint_paths([REALWORLD / project])
        for f in report.findings:
            item = f.to_json()
            item["file"] = Path(f.file).resolve().relative_to(REALWORLD).as_posix()
            for r in item["related"]:
                r["file"] = Path(r["file"]).resolve().relative_to(REALWORLD).as_posix()
            out.append(item)
    return out


_CACHE: list[list[dict[str, Any]]] = []


def findings() -> list[dict[str, Any]]:
    if not _CACHE:
        _CACHE.append(_findings())
    return _CACHE[0]


def judge(finding: dict[str, Any], judgements: list[dict[str, Any]]) -> dict[str, Any] | None:
    project = finding["file"].split("/", 1)[0]
    for j in judgements:
        if j["rule"] != finding["rule"]:
            continue
        if "project" in j and j["project"] != project:
            continue
        if "contains" in j and j["contains"] not in finding["message"]:
            continue
        return j
    return None


def load_judgements() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(
        (REALWORLD / "judgements.json").read_text(encoding="utf-8")
    )
    return data


def precision_table() -> dict[str, tuple[int, int]]:
    """rule -> (right, judged)."""
    judgements = load_judgements()
    table: dict[str, tuple[int, int]] = {}
    for f in findings():
        j = judge(f, judgements)
        assert j is not None
        right, total = table.get(f["rule"], (0, 0))
        table[f["rule"]] = (right + (j["verdict"] == "right"), total + 1)
    return table


def test_corpus_is_small_and_has_provenance() -> None:
    total = sum(p.stat().st_size for p in REALWORLD.rglob("*") if p.is_file())
    assert total < SIZE_BUDGET
    assert len(PROJECTS) >= 10
    readme = (REALWORLD / "README.md").read_text(encoding="utf-8")
    for project in PROJECTS:
        assert f"`{project}/`" in readme, f"{project} has no source/version/licence entry"


def test_findings_golden(update_goldens: bool) -> None:
    text = json.dumps(findings(), indent=2) + "\n"
    check_golden(REALWORLD / "expected-findings.json", text, update_goldens)


def test_every_finding_is_judged() -> None:
    judgements = load_judgements()
    for j in judgements:
        assert j["verdict"] in ("right", "wrong") and j["reason"], j
    unjudged = [f for f in findings() if judge(f, judgements) is None]
    assert unjudged == []
    used = {id(judge(f, judgements)) for f in findings()}
    stale = [j for j in judgements if id(j) not in used]
    assert stale == [], "judgements that match no finding"


def test_no_error_level_false_positive() -> None:
    judgements = load_judgements()
    wrong_errors = {
        (f["rule"], f["file"])
        for f in findings()
        if f["severity"] == "error" and (j := judge(f, judgements)) and j["verdict"] == "wrong"
    }
    assert wrong_errors == KNOWN_WRONG_ERRORS


def test_precision_per_rule() -> None:
    for rule, (right, total) in precision_table().items():
        if total >= 5:
            assert right / total >= 0.95, (rule, right, total)


def test_readme_precision_table_is_current() -> None:
    readme = (REALWORLD / "README.md").read_text(encoding="utf-8")
    for rule, (right, total) in precision_table().items():
        assert f"| `{rule}` | {total} | {right} |" in readme, rule
