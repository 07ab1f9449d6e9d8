"""Markdown step summary for GitHub Actions."""

from __future__ import annotations

from pathlib import Path

from k8snetlint.findings import CheckedObject, Finding, ObjectRef, Report
from k8snetlint.reporters import summary

DB = ObjectRef("v1", "Service", "shop", "db")
MERMAID = "flowchart LR\n  shop/api -->|TCP 5432| shop/db\n"


def build(root: Path, findings: list[Finding], **kw: object) -> Report:
    f = str(root / "deploy" / "db.yaml")
    return Report(
        tool_version="0.1.0",
        kubernetes_version="1.31",
        findings=tuple(findings),
        files=(f,),
        objects=(CheckedObject(f, 1, DB),),
        rules=(),
        **kw,  # type: ignore[arg-type]
    )


def sample(root: Path) -> list[Finding]:
    f = str(root / "deploy" / "db.yaml")
    return [
        Finding("network-policy-allows-all", "warning", "allows | everything", f, 3, 5),
        Finding("service-selector-matches-nothing", "warning", "no pod <b>", f, 7, 5, object=DB),
        Finding("redundant-policy-rule", "info", "rule 2 is *redundant*", f, 9, 1),
        Finding("ingress-backend-port-missing", "error", "port 80\nmissing", f, 12, 9),
        Finding("yaml-syntax-error", "error", "bad", "-", 2, 0),
    ]


def test_counts_tables(tmp_path: Path) -> None:
    md = summary.render_summary(build(tmp_path, sample(tmp_path), suppressed=3), root=str(tmp_path))
    assert md.startswith("## k8snetlint\n")
    assert md.endswith("\n") and not md.endswith("\n\n")
    assert "**Failed** (fail-on: `error`): 1 file, 1 object checked" in md
    assert "3 findings suppressed" in md
    assert "| Severity | Findings |" in md
    assert "| \u274c error | 2 |" in md
    assert "| \u26a0\ufe0f warning | 2 |" in md
    assert "| \u2139\ufe0f info | 1 |" in md
    assert "| **total** | **5** |" in md
    # By rule: worst severity first, then count, then name.
    rule_rows = [line for line in md.splitlines() if line.startswith("| `")]
    assert rule_rows == [
        "| `ingress-backend-port-missing` | error 1 | 1 |",
        "| `yaml-syntax-error` | error 1 | 1 |",
        "| `network-policy-allows-all` | warning 1 | 1 |",
        "| `service-selector-matches-nothing` | warning 1 | 1 |",
        "| `redundant-policy-rule` | info 1 | 1 |",
    ]
    assert "```mermaid" not in md


def test_worst_findings_errors_first_and_escaped(tmp_path: Path) -> None:
    md = summary.render_summary(build(tmp_path, sample(tmp_path)), root=str(tmp_path))
    section = md.split("### Findings\n", 1)[1]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "`" in line]
    assert rows == [
        "| \u274c error | `-:2` | `yaml-syntax-error` | bad |",
        "| \u274c error | `deploy/db.yaml:12:9` | `ingress-backend-port-missing` | port 80 missing |",
        "| \u26a0\ufe0f warning | `deploy/db.yaml:3:5` | `network-policy-allows-all` "
        "| allows \\| everything |",
        "| \u26a0\ufe0f warning | `deploy/db.yaml:7:5` | `service-selector-matches-nothing` "
        "| no pod &lt;b&gt; (Service shop/db) |",
        "| \u2139\ufe0f info | `deploy/db.yaml:9:1` | `redundant-policy-rule` "
        "| rule 2 is \\*redundant\\* |",
    ]


def test_at_most_20_findings(tmp_path: Path) -> None:
    f = str(tmp_path / "a.yaml")
    many = [Finding("r-info", "info", f"i{n}", f, n + 1, 1) for n in range(30)]
    many.append(Finding("r-error", "error", "the error", f, 99, 1))
    md = summary.render_summary(build(tmp_path, many), root=str(tmp_path))
    assert "### Worst 20 findings" in md
    rows = [line for line in md.splitlines() if line.startswith("| ") and "`a.yaml:" in line]
    assert len(rows) == 20
    assert "the error" in rows[0]
    assert "11 more not shown" in md


def test_clean_report(tmp_path: Path) -> None:
    md = summary.render(build(tmp_path, []), root=str(tmp_path))
    assert "**Passed**" in md
    assert "| **total** | **0** |" in md
    assert "No findings." in md
    assert "### Findings" not in md


def test_mermaid_block(tmp_path: Path) -> None:
    md = summary.render_summary(build(tmp_path, []), MERMAID)
    assert "### Connectivity map\n\n```mermaid\nflowchart LR\n" in md
    assert md.endswith("shop/db\n```\n")
    # A map that already carries its fence is not wrapped twice.
    fenced = "```mermaid\n" + MERMAID + "```\n"
    md2 = summary.render_summary(build(tmp_path, []), fenced)
    assert md2.count("```mermaid") == 1
    # A map too large for Mermaid is replaced by a note.
    big = "flowchart LR\n" + "  a --> b\n" * 10_000
    md3 = summary.render_summary(build(tmp_path, []), big)
    assert "```mermaid" not in md3
    assert "k8snetlint graph --format mermaid" in md3


def test_write_step_summary_appends(tmp_path: Path) -> None:
    path = tmp_path / "step-summary.md"
    path.write_text("previous step\n", encoding="utf-8")
    report = build(tmp_path, sample(tmp_path))
    summary.write_step_summary(report, str(path), MERMAID, root=str(tmp_path))
    summary.write_step_summary(report, str(path))
    text = path.read_text(encoding="utf-8")
    assert text.startswith("previous step\n\n## k8snetlint\n")
    assert text.count("## k8snetlint") == 2
    assert text.count("```mermaid") == 1
    assert text == (
        "previous step\n\n"
        + summary.render_summary(report, MERMAID, root=str(tmp_path))
        + "\n"
        + summary.render_summary(report)
    )


def test_write_step_summary_new_file(tmp_path: Path) -> None:
    path = tmp_path / "new.md"
    report = build(tmp_path, [])
    summary.write_step_summary(report, str(path))
    assert path.read_text(encoding="utf-8") == summary.render_summary(report)
