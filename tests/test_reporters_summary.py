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
        "| `ingress-backend-port-missing` | \u274c error | 1 |",
        "| `yaml-syntax-error` | \u274c error | 1 |",
        "| `network-policy-allows-all` | \u26a0\ufe0f warning | 1 |",
        "| `service-selector-matches-nothing` | \u26a0\ufe0f warning | 1 |",
        "| `redundant-policy-rule` | \u2139\ufe0f info | 1 |",
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


def test_worst_20_then_every_other_finding(tmp_path: Path) -> None:
    f = str(tmp_path / "a.yaml")
    many = [Finding("r-info", "info", f"i{n}", f, n + 1, 1) for n in range(30)]
    many.append(Finding("r-error", "error", "the error", f, 99, 1))
    md = summary.render_summary(build(tmp_path, many), root=str(tmp_path))
    assert "### Worst 20 findings" in md
    top, rest = md.split("<details>", 1)
    rows = [line for line in top.splitlines() if line.startswith("| ") and "`a.yaml:" in line]
    assert len(rows) == 20
    assert "the error" in rows[0]
    # GitHub annotates 10 notices per step: the other 20 are only in the summary
    assert (
        "<summary>11 more (20 of all findings are not shown as annotations: GitHub shows "
        "at most 10 of each severity per step)</summary>" in rest
    )
    listed = [line for line in rest.splitlines() if line.startswith("| ") and "`a.yaml:" in line]
    assert len(listed) == 11
    assert all(f"| i{n} |" in md for n in range(30))


def test_message_does_not_repeat_the_object(tmp_path: Path) -> None:
    f = str(tmp_path / "a.yaml")
    pod = ObjectRef("v1", "Pod", "default", "pod-a")
    md = summary.render_summary(
        build(
            tmp_path,
            [
                Finding(
                    "bare-pod",
                    "warning",
                    "Pod default/pod-a has no controller",
                    f,
                    1,
                    1,
                    object=pod,
                )
            ],
        ),
        root=str(tmp_path),
    )
    assert "| Pod default/pod-a has no controller |" in md


def test_map_note(tmp_path: Path) -> None:
    md = summary.render_summary(build(tmp_path, []), None, map_note="The map is left out.")
    assert "### Connectivity map\n\nThe map is left out.\n" in md


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


def _deployments(n: int) -> str:
    docs = [
        f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: w{i:03d}, namespace: big}}\n"
        f"spec:\n  selector: {{matchLabels: {{app: w{i:03d}}}}}\n  template:\n"
        f"    metadata: {{labels: {{app: w{i:03d}}}}}\n"
        "    spec: {containers: [{name: c, image: 'nginx:1.27', ports: [{containerPort: 80}]}]}\n"
        for i in range(n)
    ]
    docs.append(
        "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: big}\n"
        "spec: {type: LoadBalancer, selector: {app: w150}, ports: [{port: 80}]}\n"
    )
    return "---\n".join(docs)


def test_large_map_becomes_a_subgraph_with_entry_points_first(tmp_path: Path) -> None:
    from k8snetlint.config import Config
    from k8snetlint.context import Context
    from k8snetlint.loader import load_text

    loaded = load_text(_deployments(210), "big.yaml")
    assert not loaded.issues
    ctx = Context(tuple(loaded.manifests), (), Config(), "")
    finding = Finding(
        "bare-pod",
        "warning",
        "x",
        "big.yaml",
        1,
        1,
        object=ObjectRef("apps/v1", "Deployment", "big", "w199"),
    )
    mermaid, note = summary.connectivity_map(ctx.connectivity, build(tmp_path, [finding]))
    assert note is not None and note.startswith("The whole map has 21")
    assert "subgraph of 30 workloads (1 entry point first" in note
    assert mermaid is not None and len(mermaid) < summary.MAX_MERMAID
    assert '"w150<br/>Deployment"' in mermaid and '"w199<br/>Deployment"' in mermaid
    md = summary.render_summary(build(tmp_path, []), mermaid, map_note=note)
    assert md.index(note) < md.index("```mermaid")
