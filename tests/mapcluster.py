"""A generated cluster of N workloads for the HTML map tests (deterministic).

Namespaces of a few tiers each (frontend -> api -> database, workers), default-deny
and per-tier allow policies in most of them, calls across namespaces, a Prometheus
that scrapes every namespace, an Ingress and a NodePort way in, and one namespace left
open (its database is reachable cluster-wide: a finding).
"""

from __future__ import annotations

ROLES = ("frontend", "api", "db", "worker", "cache", "search", "auth", "mailer", "batch", "admin")


def _deployment(ns: str, name: str, port: int, kind: str = "Deployment") -> str:
    extra = "  serviceName: " + name + "\n" if kind == "StatefulSet" else ""
    return f"""apiVersion: apps/v1
kind: {kind}
metadata: {{name: {name}, namespace: {ns}}}
spec:
{extra}  replicas: 2
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}, tier: {name.split("-")[0]}}}}}
    spec:
      containers:
        - name: main
          image: registry.example/{name}:1.0
          ports: [{{containerPort: {port}, name: http}}, {{containerPort: 9090, name: metrics}}]
---
apiVersion: v1
kind: Service
metadata: {{name: {name}, namespace: {ns}}}
spec:
  selector: {{app: {name}}}
  ports: [{{port: {port}, targetPort: {port}}}]
"""


def _allow(ns: str, name: str, port: int, peers: list[str]) -> str:
    rules = "\n".join(f"        - {p}" for p in peers)
    return f"""apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: allow-{name}, namespace: {ns}}}
spec:
  podSelector: {{matchLabels: {{app: {name}}}}}
  policyTypes: [Ingress]
  ingress:
    - from:
{rules}
      ports: [{{port: {port}}}]
    - from:
        - namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: monitoring}}}}
      ports: [{{port: 9090}}]
"""


def _deny(ns: str) -> str:
    return f"""apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: default-deny, namespace: {ns}}}
spec:
  podSelector: {{}}
  policyTypes: [Ingress]
"""


def cluster(workloads: int) -> str:
    """YAML for ``workloads`` workloads (at least 6)."""
    docs: list[str] = []
    sizes: list[int] = []
    left = workloads - 1  # prometheus
    i = 0
    while left > 0:
        size = min(left, (3, 4, 6, 5, 8, 10)[i % 6])
        sizes.append(size)
        left -= size
        i += 1
    names = [
        "shop",
        "payments",
        "web",
        "catalog",
        "accounts",
        "search",
        "ops",
        "data",
        "media",
        "orders",
        "billing",
        "social",
    ]
    docs.append("apiVersion: v1\nkind: Namespace\nmetadata: {name: monitoring}\n")
    docs.append(_deployment("monitoring", "prometheus", 9090, "StatefulSet"))
    for k, size in enumerate(sizes):
        ns = names[k % len(names)] + ("" if k < len(names) else str(k))
        docs.append(f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}}}\n")
        roles = [ROLES[j % len(ROLES)] + ("" if j < len(ROLES) else str(j)) for j in range(size)]
        open_ns = k == 1  # one namespace without policies
        if not open_ns:
            docs.append(_deny(ns))
        for j, role in enumerate(roles):
            port = 8080 + j if role != "db" else 5432
            kind = "StatefulSet" if role == "db" else "Deployment"
            docs.append(_deployment(ns, role, port, kind))
            if open_ns:
                continue
            if role == "frontend":
                peers = ["ipBlock: {cidr: 0.0.0.0/0}"]
                if k > 0:
                    prev = names[(k - 1) % len(names)]
                    peers.append(
                        "namespaceSelector: {matchLabels: "
                        f"{{kubernetes.io/metadata.name: {prev}}}}}"
                    )
            elif role == "db":
                peers = ["podSelector: {matchLabels: {app: api}}"]
            else:
                peers = ["podSelector: {matchLabels: {app: frontend}}"]
                if j > 2:
                    peers.append(f"podSelector: {{matchLabels: {{app: {roles[j - 1]}}}}}")
            docs.append(_allow(ns, role, port, peers))
        if k == 0:
            docs.append(f"""apiVersion: v1
kind: Service
metadata: {{name: frontend-public, namespace: {ns}}}
spec:
  type: NodePort
  selector: {{app: frontend}}
  ports: [{{port: 80, targetPort: 8080, nodePort: 30080}}]
""")
        if k == 2:
            docs.append(f"""apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: web, namespace: {ns}}}
spec:
  rules:
    - host: web.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: {{service: {{name: frontend, port: {{number: 8080}}}}}}
""")
    return "---\n".join(docs)
