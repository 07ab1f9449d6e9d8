"""Realistic multi-file applications with golden findings (and connectivity maps)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lintutil import lint_paths

from conftest import FIXTURES, ROOT
from goldens import check_golden

SCENARIOS = sorted(p for p in (FIXTURES / "scenarios").iterdir() if p.is_dir())


def _findings_json(folder: Path) -> str:
    report = lint_paths([folder])
    rows = []
    for f in report.findings:
        row = f.to_json()
        row["file"] = Path(f.file).resolve().relative_to(folder.resolve()).as_posix()
        for r in row["related"]:
            r["file"] = Path(r["file"]).resolve().relative_to(folder.resolve()).as_posix()
        rows.append(row)
    return json.dumps(rows, indent=2) + "\n"


@pytest.mark.parametrize("folder", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_scenario_findings(
    folder: Path, update_goldens: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    check_golden(folder / "expected-findings.json", _findings_json(folder), update_goldens)


@pytest.mark.parametrize("folder", SCENARIOS, ids=[p.name for p in SCENARIOS])
def test_scenario_graph(
    folder: Path, update_goldens: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from k8snetlint.cli import app

    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(app, ["graph", "--format", "txt", str(folder)])
    assert result.exit_code == 0, result.output
    check_golden(folder / "expected-graph.txt", result.stdout, update_goldens)


def test_realistic_microservices_have_no_findings(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every rule that could plausibly fire is defended in the scenario's README.
    monkeypatch.chdir(ROOT)
    report = lint_paths([FIXTURES / "scenarios" / "microservices"])
    assert report.findings == ()
    assert len(report.objects) == 42


def test_open_shop_database_is_reachable_cluster_wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    open_ = lint_paths([FIXTURES / "scenarios" / "shop-open"])
    protected = lint_paths([FIXTURES / "scenarios" / "shop-protected"])
    assert "database-reachable-cluster-wide" in [f.rule for f in open_.findings]
    assert protected.findings == ()


def test_seed_as_written_reports_the_documented_problems(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    rules = [f.rule for f in lint_paths([FIXTURES / "scenarios" / "seed"]).findings]
    assert rules.count("service-selector-matches-nothing") == 4
    assert rules.count("bare-pod") == 2
    assert "node-port-service" in rules
    assert "network-policy-selects-nothing" in rules


def test_seed_has_no_schema_findings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    report = lint_paths([FIXTURES / "scenarios" / "seed"])
    schema_rules = {
        "yaml-syntax-error",
        "yaml-duplicate-key",
        "unrendered-template",
        "not-a-kubernetes-object",
        "schema-violation",
        "unknown-kind",
        "removed-api-version",
    }
    assert [f for f in report.findings if f.rule in schema_rules] == []
    assert len(report.objects) == 8
