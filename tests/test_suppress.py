"""Suppressions: annotations, line comments, per-path ignores, unused ones."""

from __future__ import annotations

from dataclasses import replace

from lintutil import lint_text, rules_of

from k8snetlint.config import Config

BAD_PORT = """apiVersion: v1
kind: Service
metadata:
  name: web
{annotations}spec:
  selector:
    app: web
  ports:
  - port: 70000{comment}
"""


def _svc(annotations: str = "", comment: str = "") -> str:
    return BAD_PORT.format(annotations=annotations, comment=comment)


def test_annotation_suppresses_rule_on_object() -> None:
    text = _svc(
        '  annotations:\n    ignore.k8snetlint.io/schema-violation: "legacy port, fixed in Q3"\n'
    )
    report = lint_text(text, select=["schema-violation", "unused-suppression"])
    assert rules_of(report) == []
    assert report.suppressed == 1


def test_line_comment_suppresses_rule_on_its_line() -> None:
    report = lint_text(
        _svc(comment="  # k8snetlint: ignore[schema-violation]"), select=["schema-violation"]
    )
    assert rules_of(report) == []
    assert report.suppressed == 1


def test_comment_for_another_rule_does_not_suppress() -> None:
    report = lint_text(
        _svc(comment="  # k8snetlint: ignore[unknown-kind]"),
        select=["schema-violation", "unknown-kind", "unused-suppression"],
    )
    assert sorted(rules_of(report)) == ["schema-violation", "unused-suppression"]


def test_per_path_ignores() -> None:
    cfg = Config(per_path_ignores={"legacy/*": ("schema-violation",)})
    assert (
        rules_of(lint_text(_svc(), "legacy/svc.yaml", config=cfg, select=["schema-violation"]))
        == []
    )
    assert rules_of(
        lint_text(_svc(), "current/svc.yaml", config=cfg, select=["schema-violation"])
    ) == ["schema-violation"]


def test_unused_annotation_and_missing_reason() -> None:
    text = _svc('  annotations:\n    ignore.k8snetlint.io/unknown-kind: ""\n')
    report = lint_text(text, select=["schema-violation", "unknown-kind", "unused-suppression"])
    unused = [f for f in report.findings if f.rule == "unused-suppression"]
    assert len(unused) == 2
    assert {f.severity for f in unused} == {"info", "warning"}
    assert all(f.line == 6 for f in unused)


def test_annotation_naming_unknown_rule_is_reported() -> None:
    text = _svc('  annotations:\n    ignore.k8snetlint.io/no-such-rule: "typo"\n')
    report = lint_text(text, select=["unused-suppression"])
    (f,) = report.findings
    assert "names no known rule" in f.message


def test_suppression_of_rule_not_run_is_not_reported() -> None:
    cfg = replace(Config(), select=("unused-suppression",))
    text = _svc('  annotations:\n    ignore.k8snetlint.io/schema-violation: "ok"\n')
    assert rules_of(lint_text(text, config=cfg)) == []


def test_comment_on_the_line_above_says_where_the_finding_is() -> None:
    text = _svc().replace(
        "  - port: 70000", "  # k8snetlint: ignore[schema-violation]\n  - port: 70000"
    )
    report = lint_text(text, select=["schema-violation", "unused-suppression"])
    unused = [f for f in report.findings if f.rule == "unused-suppression"]
    assert [(f.line, f.message) for f in unused] == [
        (
            9,
            "suppression '# k8snetlint: ignore[schema-violation]' (comment) matched no "
            "finding; the schema-violation finding of this object is on line 10 (column 11): "
            "put the comment on that line",
        )
    ]


def test_unused_annotation_suppression_names_its_object() -> None:
    # issue 13 item 5: baselines and SARIF tie the finding to the annotated object
    text = _svc('  annotations:\n    ignore.k8snetlint.io/node-port-service: "not a NodePort"\n')
    report = lint_text(text, select=["node-port-service", "unused-suppression"])
    (f,) = report.findings
    assert f.rule == "unused-suppression"
    assert f.object is not None
    assert (f.object.kind, f.object.namespace, f.object.name) == ("Service", "default", "web")
    assert "annotation of Service default/web" in f.message
    assert f.to_json()["object"] == {
        "apiVersion": "v1",
        "kind": "Service",
        "namespace": "default",
        "name": "web",
    }
