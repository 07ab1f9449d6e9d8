"""GitHub Actions workflow-command reporter."""

from __future__ import annotations

from pathlib import Path

import pytest

from k8snetlint.findings import Finding, ObjectRef, Related, Report
from k8snetlint.reporters import github
from k8snetlint.reporters.github import escape_data, escape_property, relative_path, render

DB = ObjectRef("v1", "Service", "shop", "db")


def report(findings: list[Finding], *, files: int = 2, suppressed: int = 0) -> Report:
    return Report(
        tool_version="0.1.0",
        kubernetes_version="1.31",
        findings=tuple(findings),
        files=tuple(f"f{i}.yaml" for i in range(files)),
        objects=(),
        rules=(),
        suppressed=suppressed,
    )


def test_escaping_helpers() -> None:
    assert escape_data("100% a:b, c\r\nd") == "100%25 a:b, c%0D%0Ad"
    assert escape_property("100% a:b, c\r\nd") == "100%25 a%3Ab%2C c%0D%0Ad"
    # ``%`` first: an already escaped sequence is escaped again, not passed through.
    assert escape_data("%0A") == "%250A"


def test_exact_lines(tmp_path: Path) -> None:
    root = str(tmp_path)
    db = str(tmp_path / "deploy" / "db.yaml")
    findings = [
        Finding(
            rule="service-selector-matches-nothing",
            severity="error",
            message="100% broken: app=db, tier=data\nsecond line",
            file=db,
            line=12,
            column=7,
            end_line=12,
            end_column=19,
            object=DB,
        ),
        Finding(
            rule="network-policy-allows-all",
            severity="warning",
            message="spans lines",
            file=db,
            line=3,
            column=5,
            end_line=6,
            end_column=2,
        ),
        Finding(
            rule="not-a-kubernetes-object",
            severity="info",
            message="no kind",
            file="-",
            line=1,
            column=1,
        ),
        Finding(
            rule="yaml-syntax-error",
            severity="error",
            message="mapping values are not allowed here",
            file="/outside/dir/a,b:c.yaml",
            line=4,
            column=9,
        ),
        Finding(
            rule="ingress-backend-port-missing",
            severity="error",
            message="port 8080 not offered",
            file=db,
            line=20,
            column=11,
            related=(Related(str(tmp_path / "deploy" / "svc.yaml"), 4, 3, "the Service, ports"),),
            assumed=True,
        ),
    ]
    out = render(report(findings, suppressed=1), root=root)
    assert out.endswith("\n")
    assert out.splitlines() == [
        "::error file=deploy/db.yaml,line=12,col=7,endLine=12,endColumn=19,"
        "title=k8snetlint service-selector-matches-nothing"
        "::100%25 broken: app=db, tier=data%0Asecond line",
        "::warning file=deploy/db.yaml,line=3,endLine=6,"
        "title=k8snetlint network-policy-allows-all::spans lines",
        "::notice file=-,line=1,col=1,title=k8snetlint not-a-kubernetes-object::no kind",
        "::error file=/outside/dir/a%2Cb%3Ac.yaml,line=4,col=9,"
        "title=k8snetlint yaml-syntax-error::mapping values are not allowed here",
        "::error file=deploy/db.yaml,line=20,col=11,title=k8snetlint ingress-backend-port-missing"
        "::port 8080 not offered%0A  deploy/svc.yaml:4:3: the Service, ports"
        "%0A  (verdict depends on assumed cluster facts)",
        "k8snetlint: 3 errors, 1 warning, 1 info in 2 files (1 suppressed)",
    ]


def test_unknown_positions_are_left_out(tmp_path: Path) -> None:
    f = Finding("r", "warning", "m", str(tmp_path / "a.yaml"), line=0, column=0)
    assert github.annotation(f, root=str(tmp_path)) == (
        "::warning file=a.yaml,line=1,title=k8snetlint r::m"
    )
    # An end before the start is ignored rather than emitted.
    g = Finding("r", "error", "m", str(tmp_path / "a.yaml"), 5, 2, end_line=4, end_column=1)
    assert github.annotation(g, root=str(tmp_path)) == (
        "::error file=a.yaml,line=5,col=2,title=k8snetlint r::m"
    )


def test_clean_report_prints_only_the_summary() -> None:
    assert render(report([], files=1)) == "k8snetlint: no findings in 1 file\n"


def test_suppressed_findings_are_not_annotated(tmp_path: Path) -> None:
    f = Finding("r", "error", "m", str(tmp_path / "a.yaml"), 1, 1, suppressed=True)
    assert render(report([f]), root=str(tmp_path)) == "k8snetlint: no findings in 2 files\n"


def test_relative_path(tmp_path: Path) -> None:
    root = str(tmp_path)
    assert relative_path("-", root) == "-"
    assert relative_path(str(tmp_path / "x" / "y.yaml"), root) == "x/y.yaml"
    assert relative_path(str(tmp_path / "x" / ".." / "y.yaml"), root) == "y.yaml"
    assert relative_path("/elsewhere/y.yaml", root) == "/elsewhere/y.yaml"
    assert github.repo_relative("/elsewhere/y.yaml", root) is None
    assert github.repo_relative("-", root) is None


def test_relative_path_defaults_to_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    assert relative_path("sub/a.yaml") == "sub/a.yaml"
    assert relative_path(str(tmp_path / "sub" / "a.yaml")) == "sub/a.yaml"
    # Relative to cwd, outside root: kept exactly as given.
    assert relative_path("sub/a.yaml", str(tmp_path / "other")) == "sub/a.yaml"
