"""Workload checks: bare pods, hardcoded IPs, single-replica Services."""

from __future__ import annotations

from lintutil import lint_text

from k8snetlint.config import Assume, Config

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: client
{meta}spec:
  containers:
  - name: client
    image: curl
    env:
    - name: TARGET
      value: "{value}"
"""


def test_bare_pod_and_owned_pod() -> None:
    (f,) = lint_text(POD.format(meta="", value="x"), select=["bare-pod"]).findings
    assert (f.line, f.column) == (2, 7) and "Pod default/client has no controller" in f.message
    owned = "  ownerReferences:\n  - kind: ReplicaSet\n    name: rs\n    controller: true\n"
    assert lint_text(POD.format(meta=owned, value="x"), select=["bare-pod"]).findings == ()


def test_hardcoded_ip_points_at_env_value() -> None:
    (f,) = lint_text(
        POD.format(meta="", value="172.20.3.4:80"), select=["hardcoded-pod-ip"]
    ).findings
    assert (f.line, f.column) == (11, 14)
    assert "172.20.3.4" in f.message and "172.16.0.0/12" in f.message


def test_hardcoded_ip_in_configured_pod_cidr() -> None:
    text = POD.format(meta="", value="http://203.0.113.9/")
    assert lint_text(text, select=["hardcoded-pod-ip"]).findings == ()
    cfg = Config(assume=Assume(pod_cidr=("203.0.113.0/24",)))
    (f,) = lint_text(text, select=["hardcoded-pod-ip"], config=cfg).findings
    assert "the pod network 203.0.113.0/24" in f.message


SINGLE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
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


def test_single_replica_default_and_hpa() -> None:
    (f,) = lint_text(SINGLE, select=["single-replica-service"]).findings
    assert f.severity == "info" and (f.line, f.column) == (6, 3)
    hpa = """\
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: web
  minReplicas: 2
  maxReplicas: 5
"""
    assert lint_text(SINGLE + hpa, select=["single-replica-service"]).findings == ()
