"""Reference checks: selectors, backends and names that lead nowhere."""

from __future__ import annotations

from pathlib import Path

from lintutil import lint_paths, lint_text

from conftest import FIXTURES

SVC = """\
apiVersion: v1
kind: Service
metadata:
  name: web
{ns}spec:
  selector:
    app: {sel}
  ports:
  - port: 80
"""

DEP = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
{ns}spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx
"""

RULE = "service-selector-matches-nothing"


def test_selector_message_names_closest_workload_and_points_at_selector() -> None:
    text = SVC.format(ns="  namespace: shop\n", sel="webb") + "---\n"
    text += DEP.format(ns="  namespace: shop\n")
    (f,) = lint_text(text, select=[RULE]).findings
    assert f.message == (
        "Service shop/web selects app=webb but no workload in namespace shop has that label "
        "(closest: Deployment shop/web with app=web)"
    )
    assert (f.line, f.column) == (7, 3)  # `selector:`
    (rel,) = f.related
    assert rel.line == 23  # the Deployment's template labels


def test_service_without_namespace_matches_deployment_in_default() -> None:
    text = SVC.format(ns="", sel="web") + "---\n" + DEP.format(ns="  namespace: default\n")
    assert lint_text(text, select=[RULE]).findings == ()


def test_service_and_deployment_in_separate_folders(tmp_path: Path) -> None:
    (tmp_path / "svc").mkdir()
    (tmp_path / "deploy").mkdir()
    (tmp_path / "svc" / "web.yaml").write_text(SVC.format(ns="", sel="web"))
    (tmp_path / "deploy" / "web.yaml").write_text(DEP.format(ns=""))
    assert lint_paths([tmp_path], select=[RULE]).findings == ()
    (tmp_path / "deploy" / "web.yaml").unlink()
    (f,) = lint_paths([tmp_path], select=[RULE]).findings
    assert f.file.endswith("web.yaml") and "no workload in namespace default" in f.message


def test_externalname_and_selectorless_services_are_ignored() -> None:
    text = """\
apiVersion: v1
kind: Service
metadata:
  name: ext
spec:
  type: ExternalName
  externalName: example.com
  selector:
    app: nothing
---
apiVersion: v1
kind: Service
metadata:
  name: manual
spec:
  ports:
  - port: 80
---
apiVersion: v1
kind: Service
metadata:
  name: empty
spec:
  selector: {}
  ports:
  - port: 80
"""
    assert lint_text(text, select=[RULE]).findings == ()


def test_ingress_backend_service_in_other_namespace() -> None:
    text = SVC.format(ns="  namespace: back\n", sel="web") + "---\n"
    text += """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: front
  namespace: front
spec:
  defaultBackend:
    service:
      name: web
      port:
        name: http
"""
    (f,) = lint_text(text, select=["ingress-backend-service-missing"]).findings
    assert "exists in namespace back" in f.message
    assert (f.line, f.column) == (20, 13)  # the backend's service name


def test_namespace_selector_uses_config_namespace_labels() -> None:
    from k8snetlint.config import Assume, Config

    text = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: from-monitoring
  namespace: shop
spec:
  podSelector: {}
  ingress:
  - from:
    - namespaceSelector:
        matchLabels:
          team: ops
"""
    rule = "namespace-selector-matches-nothing"
    (f,) = lint_text(text, select=[rule]).findings
    assert f.assumed and (f.line, f.column) == (10, 7)
    cfg = Config(assume=Assume(namespace_labels={"monitoring": {"team": "ops"}}))
    assert lint_text(text, select=[rule], config=cfg).findings == ()


def test_workload_selector_mismatch_points_at_failing_label() -> None:
    text = DEP.format(ns="").replace("        app: web\n    spec", "        app: webapp\n    spec")
    (f,) = lint_text(text, select=["workload-selector-mismatch"]).findings
    assert (f.line, f.column) == (8, 12)
    assert "pod template labels (app=webapp)" in f.message


def test_statefulset_service_not_headless() -> None:
    text = """\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
    spec:
      containers:
      - name: db
        image: postgres
---
apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  selector:
    app: db
  ports:
  - port: 5432
"""
    (f,) = lint_text(text, select=["statefulset-service-missing"]).findings
    assert "not headless" in f.message and f.line == 6


def test_seed_scenario_reports_dangling_selectors_and_bare_pods() -> None:
    seed = FIXTURES / "scenarios" / "seed"
    rules = ["service-selector-matches-nothing", "bare-pod", "network-policy-selects-nothing"]
    report = lint_paths([seed], select=rules)
    got = sorted((f.rule, f.object.name if f.object else "") for f in report.findings)
    assert got == [
        ("bare-pod", "pod-a"),
        ("bare-pod", "pod-b"),
        ("network-policy-selects-nothing", "allow-backend"),
        ("service-selector-matches-nothing", "backend-service"),
        ("service-selector-matches-nothing", "frontend-service"),
        ("service-selector-matches-nothing", "test-service"),
        ("service-selector-matches-nothing", "web-service"),
    ]


# ---------------------------------------------------------------------------------
# Issue 8: severities that follow what the input can tell


def test_service_selector_error_with_workloads_warning_without() -> None:
    folder = FIXTURES / "rules" / "service-selector-matches-nothing"
    report = lint_paths([folder / "fail-example.yaml"], select=["service-selector-matches-nothing"])
    assert [(f.severity, f.assumed) for f in report.findings] == [("error", False)]
    report = lint_paths(
        [folder / "fail-other-namespace.yaml"], select=["service-selector-matches-nothing"]
    )
    assert [(f.severity, f.assumed) for f in report.findings] == [("warning", True)]


def test_selectors_match_controller_labels_and_operator_pods() -> None:
    folder = FIXTURES / "rules"
    for path in (
        folder / "service-selector-matches-nothing" / "pass-controller-labels.yaml",
        folder / "service-selector-matches-nothing" / "pass-operator-pods.yaml",
        folder / "service-selector-matches-nothing" / "pass-deploymentconfig.yaml",
        folder / "network-policy-selects-nothing" / "pass-operator-pods.yaml",
    ):
        report = lint_paths(
            [path],
            select=[
                "service-selector-matches-nothing",
                "network-policy-selects-nothing",
                "network-policy-peer-matches-nothing",
                "service-target-port-missing",
            ],
        )
        assert report.findings == (), path


def test_peer_outside_the_input_is_info_and_assumed() -> None:
    path = FIXTURES / "rules" / "network-policy-peer-matches-nothing" / "fail-outside-input.yaml"
    (f,) = lint_paths([path], select=["network-policy-peer-matches-nothing"]).findings
    assert (f.severity, f.assumed) == ("info", True)
    assert "only pods outside the input" in f.message
    # the same peer without the namespace part means the policy's own namespace: a typo
    own = path.read_text(encoding="utf-8").replace(
        "    - namespaceSelector: {}\n      podSelector:", "    - podSelector:"
    )
    (g,) = lint_text(own, select=["network-policy-peer-matches-nothing"]).findings
    assert (g.severity, g.assumed) == ("warning", False)
    assert "admits nothing" in g.message


PEER_CONTROLLER_LABELS = """\
apiVersion: v1
kind: Namespace
metadata: {name: jobs, labels: {team: data}}
---
apiVersion: v1
kind: Namespace
metadata: {name: web, labels: {team: web}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: jobs}
spec:
  template:
    metadata: {labels: {app: m}}
    spec: {restartPolicy: Never, containers: [{name: m, image: busybox}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: a, image: nginx}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: from-jobs, namespace: web}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {team: data}}
      podSelector: {matchLabels: {job-name: migrate}}
    - namespaceSelector: {}
      podSelector: {matchLabels: {job-name: migrate}}
    - namespaceSelector: {matchLabels: {team: web}}
      podSelector: {matchLabels: {job-name: migrate}}
    - namespaceSelector: {}
      podSelector: {matchLabels: {job-name: other}}
"""


def test_peer_with_controller_labels_across_namespaces() -> None:
    """A peer's podSelector may name a label the controller adds (a Job's job-name), in
    every namespace its namespaceSelector covers; answered once per selector."""
    report = lint_text(PEER_CONTROLLER_LABELS, select=["network-policy-peer-matches-nothing"])
    assert [f.field_path for f in report.findings] == [
        "spec.ingress[0].from[2].podSelector",  # namespace web holds no such Job
        "spec.ingress[0].from[3].podSelector",  # no Job named other anywhere
    ]


def test_namespace_selector_naming_namespaces_outside_the_input_is_info() -> None:
    # kubeflow's `kubernetes.io/metadata.name In (istio-system)`: every namespace
    # carries its name label, so the selector matches exactly istio-system, which is
    # only not in the input
    text = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: from-gateway
  namespace: shop
spec:
  podSelector: {}
  ingress:
  - from:
    - namespaceSelector:
        matchExpressions:
        - key: kubernetes.io/metadata.name
          operator: In
          values: [istio-system]
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: monitoring
"""
    rule = "namespace-selector-matches-nothing"
    got = lint_text(text, select=[rule]).findings
    assert [(f.severity, f.assumed) for f in got] == [("info", True), ("info", True)]
    assert "names namespace istio-system, which the input does not define: the peer" in (
        got[0].message
    )
    # a name close to a namespace of the input is the likely typo: warning
    typo = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: monitoring\n---\n" + (
        text.replace("name: monitoring\n", "name: monitorin\n")
    )
    fs = lint_text(typo, select=[rule]).findings
    assert [f.severity for f in fs] == ["info", "warning"]
    assert "names namespace monitorin, which the input does not define; did you mean " in (
        fs[1].message
    )
    assert fs[1].message.endswith("monitoring (in the input)? A misspelt name admits nothing")
    # a name label with another label still needs labels the input does not show
    other = text.replace(
        "          kubernetes.io/metadata.name: monitoring\n",
        "          kubernetes.io/metadata.name: monitoring\n          team: ops\n",
    )
    f = lint_text(other, select=[rule]).findings[1]
    assert f.assumed and f.severity == "warning" and "team=ops" in f.message
    assert "label the Namespace in the input" in f.message


_NP = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: worker
  namespace: sandbox
spec:
  podSelector:
    matchLabels:
      app: worker
  policyTypes: [Ingress]
"""


def test_policy_selects_nothing_in_namespace_without_workloads_is_assumed_info() -> None:
    # kubeflow's common/kubeflow-namespace: the policies of a namespace whose
    # Deployments come from other folders
    (f,) = lint_text(_NP, select=["network-policy-selects-nothing"]).findings
    assert f.assumed and f.severity == "info"
    assert "the input holds no workload in namespace sandbox" in f.message
    other = _NP + "---\n" + DEP.format(ns="  namespace: sandbox\n")
    (f,) = lint_text(other, select=["network-policy-selects-nothing"]).findings
    assert not f.assumed and f.severity == "warning"


def test_policy_selects_pods_of_a_custom_resource_pod_template() -> None:
    # GKE's agent-sandbox sample: a SandboxTemplate carries the worker pods' template
    template = """\
apiVersion: extensions.agents.x-k8s.io/v1alpha1
kind: SandboxTemplate
metadata:
  name: worker
  namespace: sandbox
spec:
  podTemplate:
    metadata:
      labels:
        app: worker
    spec:
      containers:
      - name: worker
        image: worker
"""
    dep = DEP.format(ns="  namespace: sandbox\n")
    text = _NP + "---\n" + template + "---\n" + dep
    assert lint_text(text, select=["network-policy-selects-nothing"]).findings == ()
    other = text.replace("        app: worker\n    spec:", "        app: other\n    spec:")
    (f,) = lint_text(other, select=["network-policy-selects-nothing"]).findings
    assert f.assumed and "SandboxTemplate worker" in f.message
