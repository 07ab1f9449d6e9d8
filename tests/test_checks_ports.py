"""Port checks: target ports, protocols, policy ports, probes and node ports."""

from __future__ import annotations

from lintutil import lint_text

from k8snetlint.config import Assume, Config


def _dep(name: str, label: str, ports: str) -> str:
    return f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
        tier: {label}
    spec:
      containers:
      - name: main
        image: app
        ports:
{ports}"""


SVC = """\
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  selector:
    tier: api
  ports:
  - port: 80
    targetPort: {tp}
---
"""


def test_named_target_port_resolved_per_pod() -> None:
    text = SVC.format(tp="http")
    text += _dep("a", "api", "        - name: http\n          containerPort: 8080\n")
    text += "---\n" + _dep("b", "api", "        - name: web\n          containerPort: 9000\n")
    (f,) = lint_text(text, select=["service-target-port-missing"]).findings
    assert f.message.startswith("targetPort 'http' of port 80 of Service default/api")
    assert "Deployment default/b" in f.message and "Deployment default/a" not in f.message
    assert (f.line, f.column) == (10, 17)
    assert f.severity == "error" and not f.assumed


def test_numeric_target_port_is_assumed_and_can_be_turned_off() -> None:
    text = SVC.format(tp="9090") + _dep("a", "api", "        - containerPort: 8080\n")
    (f,) = lint_text(text, select=["service-target-port-missing"]).findings
    assert f.assumed and f.severity == "info" and "works without a declaration" in f.message
    cfg = Config(params={"service-target-port-missing": {"numeric": False}})
    assert lint_text(text, select=["service-target-port-missing"], config=cfg).findings == ()


def test_numeric_target_port_not_judged_without_declared_ports() -> None:
    text = SVC.format(tp="9090") + _dep("a", "api", "        - containerPort: 9090\n")
    assert lint_text(text, select=["service-target-port-missing"]).findings == ()


def test_policy_port_message_and_location() -> None:
    text = _dep("web", "web", "        - name: http\n          containerPort: 8080\n")
    text += """\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: default
spec:
  podSelector:
    matchLabels:
      app: web
  ingress:
  - ports:
    - port: 8080
  - ports:
    - port: 8443
    - port: 8000
      endPort: 8100
"""
    (f,) = lint_text(text, select=["network-policy-port-not-exposed"]).findings
    assert f.message == (
        "port 8443 allowed by rule 1 of NetworkPolicy default/web, "
        "but pods app=web listen on 8080 (http)"
    )
    assert (f.line, f.column) == (35, 13)


def test_node_port_range_from_config() -> None:
    text = """\
apiVersion: v1
kind: Service
metadata:
  name: np
spec:
  type: NodePort
  ports:
  - port: 80
    nodePort: 30080
"""
    assert lint_text(text, select=["node-port-conflict"]).findings == ()
    cfg = Config(assume=Assume(node_port_range=(31000, 32000)))
    (f,) = lint_text(text, select=["node-port-conflict"], config=cfg).findings
    assert "outside the node port range 31000-32000" in f.message
    assert (f.line, f.column) == (9, 15)


def test_duplicate_port_number_across_containers() -> None:
    text = _dep("web", "web", "        - containerPort: 8080\n")
    text += (
        "      - name: side\n        image: side\n        ports:\n        - containerPort: 8080\n"
    )
    (f,) = lint_text(text, select=["duplicate-container-port"]).findings
    assert "8080/TCP of container side" in f.message and f.line == 23
    assert f.related[0].line == 19


def test_policy_port_not_judged_when_a_selected_workload_declares_no_port() -> None:
    # netpol-analyzer's ipblockstest: tier=frontend selects tiller (44134 declared) and
    # six workloads declaring no port, any of which may listen on UDP 53
    quiet = _dep("agent", "front", "").replace("        ports:\n", "")
    text = (
        _dep("tiller", "front", "        - containerPort: 44134\n")
        + "---\n"
        + quiet
        + """\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: front
spec:
  podSelector:
    matchLabels:
      tier: front
  ingress:
  - ports:
    - port: 53
      protocol: UDP
"""
    )
    rule = "network-policy-port-not-exposed"
    assert lint_text(text, select=[rule]).findings == ()
    (f,) = lint_text(
        text.replace("app: agent\n        tier: front", "app: agent\n        tier: back"),
        select=[rule],
    ).findings
    assert "port 53/UDP allowed by rule 0 of NetworkPolicy default/front" in f.message
