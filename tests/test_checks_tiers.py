"""Admin policy tier rules beyond their fixtures (k8snetlint/checks/tiers.py)."""

from __future__ import annotations

from lintutil import lint_text

from k8snetlint.findings import Finding

PODS = """
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {tenant: shop}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx, ports: [{containerPort: 8080}]}]
"""

# As kubernetes-sigs/network-policy-api's conformance "gress-rules" policy, which writes
# the same peer three times (Accept, Deny, Pass): the first decides, the others never do.
SHADOWED_PASS = """
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: gress-rules}
spec:
  tier: Admin
  priority: 15
  subject:
    namespaces: {matchLabels: {tenant: shop}}
  ingress:
  - name: allow-from-shop
    action: Accept
    from: [{namespaces: {matchLabels: {tenant: shop}}}]
  - name: pass-from-shop
    action: Pass
    from: [{namespaces: {matchLabels: {tenant: shop}}}]
  - name: pass-from-all
    action: Pass
    from: [{namespaces: {}}]
"""


def findings(*docs: str, rule: str) -> list[Finding]:
    text = "\n---\n".join(d.strip() for d in docs)
    return list(lint_text(text, select=[rule]).findings)


def test_pass_no_op_is_silent_on_a_shadowed_pass() -> None:
    """A Pass that an earlier rule shadows passes nothing, so it cannot "act as an
    Allow": admin-policy-rule-shadowed reports it; pass-no-op reports only the Pass
    that can decide something."""
    (f,) = findings(PODS, SHADOWED_PASS, rule="admin-policy-pass-no-op")
    assert '"pass-from-all"' in f.message
    assert f.assumed
    (s,) = findings(PODS, SHADOWED_PASS, rule="admin-policy-rule-shadowed")
    assert '"pass-from-shop"' in s.message
