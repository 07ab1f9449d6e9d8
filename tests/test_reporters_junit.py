"""JUnit XML reporter: structure, counts, escaping and determinism."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from k8snetlint.findings import CheckedObject, Finding, ObjectRef, Related, Report
from k8snetlint.reporters import junit

DB_SVC = ObjectRef("v1", "Service", "shop", "db")
DB_POL = ObjectRef("networking.k8s.io/v1", "NetworkPolicy", "shop", "db-allow")
NS = ObjectRef("v1", "Namespace", "", "shop")
GHOST = ObjectRef("v1", "Service", "shop", "ghost")


def build(root: Path, *, reverse: bool = False, fail_on: str = "warning") -> Report:
    db = str(root / "deploy" / "db.yaml")
    ns = str(root / "deploy" / "ns.yaml")
    objects = [
        CheckedObject(ns, 1, NS),
        CheckedObject(db, 1, DB_SVC),
        CheckedObject(db, 20, DB_POL),
    ]
    findings = [
        Finding(
            "service-selector-matches-nothing",
            "warning",
            'selector <app="db"> & tier matches nothing',
            db,
            7,
            5,
            object=DB_SVC,
        ),
        Finding(
            "service-target-port-missing",
            "error",
            "targetPort: http, not\ndeclared\x1b",
            db,
            12,
            9,
            object=DB_SVC,
            related=(Related(db, 30, 11, "container ports"),),
        ),
        Finding(
            "redundant-policy-rule",
            "info",
            "rule 2 changes nothing",
            db,
            25,
            7,
            object=DB_POL,
        ),
        Finding("yaml-syntax-error", "error", "mapping values are not allowed here", "-", 3, 9),
        Finding("yaml-duplicate-key", "error", "duplicate key", "-", 8, 1),
        Finding("dangling", "warning", "object not in report.objects", db, 40, 3, object=GHOST),
        Finding("suppressed-one", "error", "hidden", db, 2, 1, object=NS, suppressed=True),
    ]
    if reverse:
        objects.reverse()
    return Report(
        tool_version="0.1.0",
        kubernetes_version="1.31",
        findings=tuple(findings),
        files=(ns, db, "-"),
        objects=tuple(objects),
        rules=(),
        suppressed=1,
        fail_on=fail_on,
    )


def parse(text: str) -> ET.Element:
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    assert text.endswith("</testsuites>\n")
    return ET.fromstring(text.encode("utf-8"))


def test_structure_and_counts(tmp_path: Path) -> None:
    root = parse(junit.render(build(tmp_path), root=str(tmp_path)))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    suite = suites[0]
    assert suite.get("name") == "k8snetlint"
    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("-", "-"),
        ("deploy/db.yaml", "Service shop/db"),
        ("deploy/db.yaml", "NetworkPolicy shop/db-allow"),
        ("deploy/db.yaml", "Service shop/ghost"),
        ("deploy/ns.yaml", "Namespace shop"),
    ]
    failed = [c for c in cases if c.find("failure") is not None]
    assert len(failed) == 3
    for elem in (root, suite):
        assert elem.get("tests") == "5"
        assert elem.get("failures") == "3"
        assert elem.get("errors") == "0"
        assert elem.get("skipped") == "0"
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props == {
        "tool_version": "0.1.0",
        "kubernetes_version": "1.31",
        "files": "3",
        "suppressed": "1",
        "fail_on": "warning",
    }


def test_failures(tmp_path: Path) -> None:
    root = parse(junit.render(build(tmp_path), root=str(tmp_path)))
    cases = {c.get("name"): c for c in root.iter("testcase")}

    svc = cases["Service shop/db"].findall("failure")
    # Errors first, then warnings; one failure per finding.
    assert [f.get("type") for f in svc] == [
        "service-target-port-missing",
        "service-selector-matches-nothing",
    ]
    assert (
        svc[0].get("message") == "service-target-port-missing: targetPort: http, not\ndeclared\\x1b"
    )
    assert (svc[0].text or "").splitlines() == [
        "deploy/db.yaml:12:9",
        "  deploy/db.yaml:30:11: container ports",
    ]
    assert svc[1].get("message") == (
        'service-selector-matches-nothing: selector <app="db"> & tier matches nothing'
    )
    assert svc[1].text == "deploy/db.yaml:7:5"

    # Info findings do not fail the case; they are listed in system-out.
    pol = cases["NetworkPolicy shop/db-allow"]
    assert pol.find("failure") is None
    assert pol.findtext("system-out") == (
        "deploy/db.yaml:25:7: info: redundant-policy-rule: rule 2 changes nothing"
    )

    stdin = cases["-"].findall("failure")
    assert [f.get("message") for f in stdin] == [
        "yaml-syntax-error: mapping values are not allowed here",
        "yaml-duplicate-key: duplicate key",
    ]
    assert [(f.text or "").splitlines()[0] for f in stdin] == ["-:3:9", "-:8:1"]

    assert cases["Service shop/ghost"].find("failure") is not None
    # A suppressed finding fails nothing.
    assert cases["Namespace shop"].find("failure") is None


def test_failures_follow_fail_on(tmp_path: Path) -> None:
    """With --fail-on error, warnings go to system-out: the XML agrees with exit 0/1."""
    root = parse(junit.render(build(tmp_path, fail_on="error"), root=str(tmp_path)))
    cases = {c.get("name"): c for c in root.iter("testcase")}
    svc = cases["Service shop/db"]
    assert [f.get("type") for f in svc.findall("failure")] == ["service-target-port-missing"]
    assert svc.findtext("system-out") == (
        'deploy/db.yaml:7:5: warning: service-selector-matches-nothing: selector <app="db"> '
        "& tier matches nothing"
    )
    assert cases["Service shop/ghost"].find("failure") is None
    assert root.get("failures") == "2"
    never = parse(junit.render(build(tmp_path, fail_on="never"), root=str(tmp_path)))
    assert never.get("failures") == "0" and not list(never.iter("failure"))


def test_deterministic(tmp_path: Path) -> None:
    a = junit.render(build(tmp_path), root=str(tmp_path))
    b = junit.render(build(tmp_path, reverse=True), root=str(tmp_path))
    assert a == b


def test_empty_report() -> None:
    root = parse(junit.render(Report("0.1.0", "1.31", (), (), (), ())))
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("tests") == "0"
    assert suite.get("failures") == "0"
    assert suite.findall("testcase") == []


def test_clean_objects_pass(tmp_path: Path) -> None:
    f = str(tmp_path / "a.yaml")
    report = Report("0.1.0", "1.31", (), (f,), (CheckedObject(f, 1, DB_SVC),), ())
    root = parse(junit.render(report, root=str(tmp_path)))
    (case,) = root.iter("testcase")
    assert case.get("classname") == "a.yaml"
    assert list(case) == []


def test_file_outside_root_stays_as_given(tmp_path: Path) -> None:
    finding = Finding("yaml-syntax-error", "error", "bad", "/elsewhere/x.yaml", 1, 1)
    report = Report("0.1.0", "1.31", (finding,), ("/elsewhere/x.yaml",), (), ())
    root = parse(junit.render(report, root=str(tmp_path)))
    (case,) = root.iter("testcase")
    assert case.get("classname") == "/elsewhere/x.yaml"
    assert case.get("name") == "/elsewhere/x.yaml"
