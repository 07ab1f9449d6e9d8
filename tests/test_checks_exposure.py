"""Exposure and reachability checks: messages, locations, scenarios, custom assertions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lintutil import lint_paths, lint_text
from test_tiers import tier_clusters

from conftest import FIXTURES
from k8snetlint.config import Config

DB_RULE = "database-reachable-cluster-wide"

POSTGRES = """\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: postgres
  namespace: shop
spec:
  serviceName: postgres
  selector:
    matchLabels:
      app: postgres
  template:
    metadata:
      labels:
        app: postgres
    spec:
      containers:
      - name: postgres
        image: bitnami/postgresql:16
        ports:
        - containerPort: 5432
---
apiVersion: v1
kind: Service
metadata:
  name: postgres
  namespace: shop
spec:
  selector:
    app: postgres
  ports:
  - port: 5432
"""

POLICY = """\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: db
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: postgres
  ingress:
  - from:
    - {peer}
    ports:
    - port: 5432
"""


def test_database_without_policy_points_at_container_port_and_service() -> None:
    report = lint_text(POSTGRES, select=[DB_RULE])
    (f,) = report.findings
    assert (f.line, f.column) == (20, 11)  # the containerPort entry
    assert "any pod in any namespace" in f.message
    assert "no NetworkPolicy selects it" in f.message
    assert [(r.line, r.message) for r in f.related] == [
        (31, "Service shop/postgres port 5432 forwards to it")
    ]


def test_database_open_to_every_namespace_names_the_rule() -> None:
    text = POSTGRES + POLICY.format(peer="namespaceSelector: {}")
    (f,) = lint_text(text, select=[DB_RULE]).findings
    assert "shop/db ingress rule 0" in f.message
    assert f.related[0].message == "shop/db ingress rule 0 lets it in"
    assert f.related[0].line == 44  # the peer


def test_database_restricted_by_pod_labels_is_not_reported() -> None:
    text = POSTGRES + POLICY.format(peer="podSelector: {matchLabels: {app: api}}")
    assert lint_text(text, select=[DB_RULE]).findings == ()


def test_database_known_ingress_controller_still_probes_any_pod() -> None:
    from k8snetlint.config import Assume, IngressController

    cfg = Config(assume=Assume(ingress_controller=IngressController(namespace="ingress")))
    assert len(lint_text(POSTGRES, select=[DB_RULE], config=cfg).findings) == 1


def test_shop_scenarios() -> None:
    open_ = lint_paths([FIXTURES / "scenarios" / "shop-open"], select=[DB_RULE])
    assert [Path(f.file).name for f in open_.findings] == ["apps.yaml"]
    assert "shop/postgres[StatefulSet]" in open_.findings[0].message
    protected = lint_paths([FIXTURES / "scenarios" / "shop-protected"], select=[DB_RULE])
    assert protected.findings == ()


def test_database_exposed_by_node_port() -> None:
    text = POSTGRES.replace(
        "spec:\n  selector:\n    app: postgres",
        "spec:\n  type: NodePort\n  selector:\n    app: postgres",
    )
    fs = lint_text(text, select=["database-exposed-externally"]).findings
    assert len(fs) == 1 and "NodePort shop/postgres:5432" in fs[0].message
    assert fs[0].line == 20


def test_sensitive_host_port() -> None:
    text = """\
apiVersion: v1
kind: Pod
metadata:
  name: debug
spec:
  containers:
  - name: sshd
    image: example/sshd
    ports:
    - containerPort: 22
      hostPort: 2222
"""
    (f,) = lint_text(text, select=["sensitive-port-exposed"]).findings
    assert "sensitive port TCP 22" in f.message and "hostPort" in f.message
    assert f.line == 10


def _assertion(params: dict[str, object], expect: str = "deny") -> Config:
    return Config(
        custom_rules=(
            {
                "name": "payments-isolated",
                "summary": "Payments pods are not reachable from namespace public.",
                "severity": "error",
                "enabled": True,
                "check": "reachability-assertion",
                "confidence": "certain",
                "since": "0.1.0",
                "params": {**params, "expect": expect},
            },
        )
    )


PAYMENTS = """\
apiVersion: v1
kind: Pod
metadata:
  name: pay
  namespace: shop
  labels:
    tier: payments
spec:
  containers:
  - name: pay
    image: example/pay
    ports:
    - containerPort: 8443
---
apiVersion: v1
kind: Pod
metadata:
  name: client
  namespace: public
  labels:
    app: client
spec:
  containers:
  - name: c
    image: example/client
"""
DENY_PUBLIC = """\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: pay
  namespace: shop
spec:
  podSelector:
    matchLabels:
      tier: payments
  ingress:
  - from:
    - podSelector: {}
"""
PARAMS = {
    "to": {"podSelector": {"matchLabels": {"tier": "payments"}}},
    "from": {"namespace": "public"},
    "ports": ["8443/TCP"],
}


def test_reachability_assertion_deny_fires_and_points_at_port() -> None:
    report = lint_text(PAYMENTS, select=["payments-isolated"], config=_assertion(PARAMS))
    (f,) = report.findings
    assert f.rule == "payments-isolated"
    assert f.message == (
        "public/client[Pod] can reach shop/pay[Pod] on TCP 8443, but the rule expects deny"
    )
    assert f.line == 13


def test_reachability_assertion_holds_with_policy() -> None:
    report = lint_text(
        PAYMENTS + DENY_PUBLIC, select=["payments-isolated"], config=_assertion(PARAMS)
    )
    assert report.findings == ()


def test_reachability_assertion_expect_allow_and_external() -> None:
    cfg = _assertion(PARAMS, expect="allow")
    fs = lint_text(PAYMENTS + DENY_PUBLIC, select=["payments-isolated"], config=cfg).findings
    assert len(fs) == 1 and "cannot reach" in fs[0].message
    ext = _assertion({"to": PARAMS["to"], "from": {"external": True}})
    fs = lint_text(PAYMENTS, select=["payments-isolated"], config=ext).findings
    assert len(fs) == 1 and "0.0.0.0-255.255.255.255" in fs[0].message


# ---------------------------------------------------------------------------------
# Issue 8: database detection by repository name; one finding per workload


def test_database_image_matches_whole_repository_names() -> None:
    from k8snetlint.checks.exposure import database_image, image_repository

    assert image_repository("registry:5000/team/PostgreSQL:16@sha256:abc") == "postgresql"
    for image in (
        "postgres:16",
        "docker.io/bitnami/postgresql:16.3.0",
        "mongo",
        "mongodb/mongodb-community-server:7.0-ubi8",
        "bitnami/redis-cluster:7",
        "redis:7-alpine",
        "cockroachdb/cockroach:v24.1",
        "rethinkdb:2.4",
        "mcr.microsoft.com/mssql/server:2022-latest",
        "quay.io/coreos/etcd:v3.5",
        "percona/percona-server-mongodb:7.0",
    ):
        assert database_image(image) is not None, image
    for image in (
        "arungupta/wildfly-mysql-javaee7",
        "quay.io/prometheuscommunity/postgres-exporter:v0.15.0",
        "oliver006/redis_exporter",
        "mysql-proxy/app",
        "example/myredis-app",
        "us-docker.pkg.dev/google-samples/containers/gb-redis-follower:v2",
        "nginx",
        "server",
    ):
        assert database_image(image) is None, image
    assert database_image("example/inhouse-kv", ["inhouse-kv"]) is not None


def test_database_port_is_the_second_signal_but_not_for_exporters() -> None:
    def deployment(image: str, port: int) -> str:
        return (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: x}\n"
            "spec:\n  selector: {matchLabels: {app: d}}\n  template:\n"
            "    metadata: {labels: {app: d}}\n    spec:\n      containers:\n"
            f"      - {{name: c, image: '{image}', ports: [{{containerPort: {port}}}]}}\n"
        )

    hit = lint_text(deployment("weaveworksdemos/catalogue-db:0.3.0", 3306), select=[DB_RULE])
    assert [f.rule for f in hit.findings] == [DB_RULE]
    for image in ("oliver006/redis_exporter", "haproxy-proxy:2"):
        assert lint_text(deployment(image, 6379), select=[DB_RULE]).findings == ()


def test_one_cluster_wide_finding_per_database_listing_ports() -> None:
    report = lint_text(
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: cass, namespace: c}\n"
        "spec:\n  selector: {matchLabels: {app: cass}}\n  template:\n"
        "    metadata: {labels: {app: cass}}\n    spec:\n      containers:\n"
        "      - name: c\n        image: cassandra:5\n        ports:\n"
        "        - {containerPort: 9042}\n        - {containerPort: 7000}\n"
        "        - {containerPort: 7199}\n",
        select=[DB_RULE],
    )
    (f,) = report.findings
    # in declaration order; the finding points at the first
    assert "accepts TCP 9042, TCP 7000, TCP 7199 from" in f.message


def test_one_external_finding_per_database_listing_ports_and_routes() -> None:
    report = lint_paths(
        [FIXTURES / "rules" / "database-exposed-externally" / "fail-admin-ui.yaml"],
        select=["database-exposed-externally"],
    )
    (f,) = report.findings
    assert "TCP 8080, TCP 28015" in f.message
    assert f.message.count("LoadBalancer rdb/rethinkdb-admin") == 2
    assert len(f.related) == 4  # one per route


def test_service_unreachable_only_when_nothing_outside_is_admitted() -> None:
    folder = FIXTURES / "rules" / "service-unreachable"
    assert (
        lint_paths([folder / "pass-outside-input.yaml"], select=["service-unreachable"]).findings
        == ()
    )
    closed = (
        (folder / "pass-outside-input.yaml")
        .read_text(encoding="utf-8")
        .replace("    - namespaceSelector: {}\n      podSelector:", "    - podSelector:")
    )
    (f,) = lint_text(closed, select=["service-unreachable"]).findings
    assert f.message.startswith("Service mon/exporter:9100")


def test_declared_workloads_take_part_in_rules_and_reach() -> None:
    from dataclasses import replace

    from k8snetlint.model import build_inventory
    from k8snetlint.net import analyze
    from netutil import load

    cfg = replace(
        Config(),
        workloads=(
            {
                "namespace": "data",
                "name": "postgres",
                "kind": "StatefulSet",
                "labels": {"app": "postgres"},
                "ports": [{"name": "pg", "containerPort": 5432}],
            },
        ),
    )
    text = (
        "apiVersion: v1\nkind: Service\nmetadata: {name: db, namespace: data}\n"
        "spec: {selector: {app: postgres}, ports: [{port: 5432, targetPort: pg}]}\n"
    )
    report = lint_text(text, select=[DB_RULE, "service-selector-matches-nothing"], config=cfg)
    (f,) = report.findings
    assert (f.rule, f.severity, f.assumed) == (DB_RULE, "warning", True)
    assert f.object is not None and f.object.api_version == "k8snetlint/declared"
    conn = analyze(build_inventory(load(text), cfg), cfg)
    (w,) = conn.inventory.workloads
    assert w.origin == "declared"
    assert any(c.dst.name == "postgres" for c in conn.connections)


def test_graph_notes_mark_declared_and_operator_workloads() -> None:
    from dataclasses import replace

    from k8snetlint.model import build_inventory
    from k8snetlint.net import analyze
    from netutil import load

    cfg = replace(Config(), workloads=({"namespace": "data", "name": "pg", "labels": {"a": "b"}},))
    text = "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k8s, namespace: mon}\n"
    conn = analyze(build_inventory(load(text), cfg), cfg)
    assert "declared under workloads: in the config, not in the input: data/pg[Deployment]" in (
        conn.notes
    )
    assert (
        "pods an operator creates from custom resources: "
        "mon/prometheus-k8s[StatefulSet] (Prometheus mon/k8s)"
    ) in conn.notes


# ---------------------------------------------------------------------------------
# the admin and baseline tiers in force (docs/semantics.md, T)

TIER_RULES = [
    "database-exposed-externally",
    "service-unreachable",
    "ingress-route-blocked-by-policy",
    "database-reachable-cluster-wide",
    "workload-not-isolated",
]

NODEPORT_DB = POSTGRES.replace(
    "  ports:\n  - port: 5432\n", "  type: NodePort\n  ports:\n  - port: 5432\n"
)

DB_INGRESS = """\
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: db, namespace: shop}
spec:
  rules:
  - http:
      paths:
      - path: /
        pathType: Prefix
        backend: {service: {name: postgres, port: {number: 5432}}}
"""

# a Deny whose peer has no known field fails closed (T10): it matches every source
ADMIN_DENY_ALL = """\
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: lockdown}
spec:
  priority: 5
  subject: {namespaces: {}}
  ingress:
  - name: deny-everything
    action: Deny
    from: [{someFutureField: {}}]
"""

BASELINE_DENY = """\
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: default}
spec:
  subject: {namespaces: {}}
  ingress:
  - name: default-deny
    action: Deny
    from: [{namespaces: {}}]
"""

ADMIN_ALLOW_ALL = """\
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: open-db}
spec:
  priority: 5
  subject: {namespaces: {}}
  ingress:
  - name: from-all
    action: Allow
    from: [{namespaces: {}}]
"""

NP_DENY = """\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress]
"""


def _tier_findings(text: str) -> list[tuple[str, int]]:
    return sorted((f.rule, f.line) for f in lint_text(text, select=TIER_RULES).findings)


def test_without_tiers_the_database_is_open() -> None:
    assert _tier_findings(NODEPORT_DB + DB_INGRESS) == [
        ("database-exposed-externally", 20),
        ("database-reachable-cluster-wide", 20),
        ("workload-not-isolated", 13),
    ]


def test_admin_deny_of_everything_closes_every_route() -> None:
    report = lint_text(NODEPORT_DB + DB_INGRESS + ADMIN_DENY_ALL, select=TIER_RULES)
    # no external source, no pod: the NodePort is blocked, the Service has no one to
    # serve and the workload's ingress is decided by the admin tier
    assert sorted((f.rule, f.line) for f in report.findings) == [
        ("ingress-route-blocked-by-policy", 43),
        ("service-unreachable", 32),
    ]


def test_baseline_deny_from_every_namespace_isolates_from_pods_only() -> None:
    # the baseline names namespaces only: addresses outside the cluster still reach the
    # NodePort (ANP ingress cannot name them), but the workload is no longer unisolated
    assert _tier_findings(NODEPORT_DB + DB_INGRESS + BASELINE_DENY) == [
        ("database-exposed-externally", 20),
        ("ingress-route-blocked-by-policy", 43),
    ]
    (f,) = lint_text(NODEPORT_DB + BASELINE_DENY, select=["database-exposed-externally"]).findings
    assert "NodePort shop/postgres:5432" in f.message


def test_admin_allow_from_every_namespace_overrides_a_networkpolicy_deny() -> None:
    assert _tier_findings(NODEPORT_DB + NP_DENY) == [("service-unreachable", 32)]
    report = lint_text(NODEPORT_DB + NP_DENY + ADMIN_ALLOW_ALL, select=TIER_RULES)
    (f,) = report.findings
    assert f.rule == "database-reachable-cluster-wide"
    assert "AdminNetworkPolicy open-db (priority 5)" in f.message


def test_workload_not_isolated_says_what_the_tiers_decide() -> None:
    partial = ADMIN_ALLOW_ALL.replace(
        "from: [{namespaces: {}}]", "from: [{namespaces: {matchLabels: {team: ops}}}]"
    )
    ops = """\
---
apiVersion: v1
kind: Namespace
metadata: {name: ops, labels: {team: ops}}
---
apiVersion: v1
kind: Pod
metadata: {name: probe, namespace: ops}
spec:
  containers: [{name: c, image: curl}]
"""
    report = lint_text(POSTGRES + ops + partial, select=["workload-not-isolated"])
    msgs = {f.message for f in report.findings}
    assert (
        "no NetworkPolicy selects shop/postgres[StatefulSet] for ingress: beyond what the "
        "admin and baseline tiers decide, it accepts every source on every port"
    ) in msgs


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tier_clusters(), st.integers(0, 3))
def test_any_pod_probe_of_a_subset_agrees_with_the_whole(
    objs: list[dict[str, Any]], skip: int
) -> None:
    """database-reachable-cluster-wide asks "from any pod" of an analysis holding only its
    targets and the policies isolating their ingress (config names the controller):
    every verdict is the one the whole inventory gives."""
    from dataclasses import replace

    import netutil
    from k8snetlint.config import IngressController
    from k8snetlint.net import analyze

    known = netutil.config(ingress_controller=IngressController(namespace="y", labels={"a": "1"}))
    unknown = replace(known, assume=replace(known.assume, ingress_controller=IngressController()))
    inv = netutil.inventory(objs, known)
    conn = analyze(inv, known, per_ordinal=False)
    targets = [w for i, w in enumerate(inv.workloads) if i % 4 != skip]
    keep = {id(p) for w in targets for p in conn.policies_selecting(w, "ingress")}
    sub = analyze(
        inv.subset(targets, [p for p in inv.policies if id(p) in keep]), unknown, per_ordinal=False
    )
    whole = analyze(inv, unknown, per_ordinal=False)
    for w in targets:
        for proto in ("TCP", "UDP"):
            for port in (80, 53, None):
                a = whole.verdict(whole.ingress_controller, whole.endpoint_for(w), proto, port)
                b = sub.verdict(sub.ingress_controller, sub.endpoint_for(w), proto, port)
                assert (a.allowed, a.ingress) == (b.allowed, b.ingress)


# ---------------------------------------------------------------------------------
# database_ports: the memoised form against the straightforward one


def _reference_database_ports(w: Any, params: dict[str, Any]) -> tuple[Any, ...]:
    """database_ports as first written: every lookup recomputed, nothing cached."""
    import re

    from k8snetlint.checks.exposure import _db_table, _image_path, image_repository
    from k8snetlint.model import ContainerPort

    def image_db(image: str, extra: list[str]) -> Any:
        names, suffixes, prefixes = _db_table()
        path = _image_path(image)
        repo = path.rsplit("/", 1)[-1]
        last_two = "/".join(path.rsplit("/", 2)[-2:])
        for candidate in (last_two, repo):
            if candidate in names:
                return names[candidate]
        if repo in {e.lower() for e in extra}:
            return (repo, (), ())
        for pre, db in prefixes.items():
            if repo.startswith(pre) and repo[len(pre) :] in suffixes:
                return db
        return None

    not_db = re.compile(r"exporter|proxy|envoy|nginx|metrics|sidecar|operator")
    extra = [str(i) for i in params.get("database-images", ())]
    dbs = [db for img in w.images if (db := image_db(img, extra)) is not None]
    label_key = str(params.get("component-label", "app.kubernetes.io/component"))
    components = {str(c) for c in params.get("component-values", ())}
    known = {int(p) for p in params.get("database-ports", ())}
    by_port_only = any(p.number in known for p in w.ports) and not (
        w.images and all(not_db.search(image_repository(img)) for img in w.images)
    )
    if not dbs and w.labels.get(label_key) not in components and not by_port_only:
        return ()
    for db in dbs:
        if isinstance(db, tuple):
            continue
        known.update(db.ports)
        known.update(db.admin_ports)
    by_port = tuple(p for p in w.ports if p.number in known)
    if by_port:
        return by_port
    if w.ports:
        return w.ports
    defaults = sorted({db.ports[0] for db in dbs if not isinstance(db, tuple) and db.ports})
    return tuple(
        ContainerPort("", n, None, "TCP", None, None, (*w.pod_spec_path, "containers"))
        for n in defaults
    )


_IMAGES = st.sampled_from(
    [
        "postgres:16",
        "bitnami/redis-cluster:7",
        "quay.io/prometheuscommunity/postgres-exporter:v0.15.0",
        "envoyproxy/envoy:v1.30",
        "mcr.microsoft.com/mssql/server:2022-latest",
        "cockroachdb/cockroach:v24.1",
        "example/InHouse-KV:1",
        "nginx",
        "app",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    images=st.lists(_IMAGES, max_size=3),
    ports=st.lists(st.sampled_from([5432, 6379, 8080, 9121, 1433, 80]), max_size=3),
    component=st.sampled_from([None, "db", "web"]),
    extra=st.lists(st.sampled_from(["inhouse-kv", "App", "nginx"]), max_size=2),
    known=st.lists(st.sampled_from([5432, 6379, 80]), max_size=3),
)
def test_database_ports_agrees_with_the_straightforward_form(
    images: list[str],
    ports: list[int],
    component: str | None,
    extra: list[str],
    known: list[int],
) -> None:
    from k8snetlint.checks.exposure import _database_ports_of, database_ports
    from k8snetlint.context import Context
    from k8snetlint.document import Manifest, YMap
    from k8snetlint.model import ContainerPort, Workload

    m = Manifest("f.yaml", 0, YMap(), "apps/v1", "Deployment", "d", "x")
    w = Workload(
        manifest=m,
        kind="Deployment",
        namespace="x",
        name="d",
        labels={"app.kubernetes.io/component": component} if component else {},
        template_path=("spec", "template"),
        ports=tuple(
            ContainerPort("c", n, None, "TCP", None, None, ("spec", "p", i))
            for i, n in enumerate(ports)
        ),
        images=tuple(images),
    )
    params: dict[str, Any] = {
        "database-images": extra,
        "database-ports": known,
        "component-values": ["db"],
    }
    want = _reference_database_ports(w, params)
    assert database_ports(w, params) == want
    ctx = Context((m,), (), Config(), "1.30")
    ports_of = _database_ports_of(ctx, params)
    assert ports_of(w) == want
    assert _database_ports_of(ctx, params)(w) is ports_of(w)  # memoised per run


def _table_words() -> list[str]:
    from k8snetlint.checks.exposure import _db_table

    names, suffixes, prefixes = _db_table()
    return sorted({*names, *suffixes, *prefixes, "x", "-", "/"})


@settings(max_examples=500, deadline=None)
@given(
    parts=st.lists(st.sampled_from(_table_words()), min_size=1, max_size=3),
    registry=st.sampled_from(["", "docker.io/", "registry:5000/team/", "Bitnami/"]),
    tag=st.sampled_from(["", ":16", ":7-alpine@sha256:abc", "@sha256:abc"]),
    extra=st.lists(st.sampled_from(["redis-x", "inhouse", "MySQL-Custom"]), max_size=2),
)
def test_database_image_agrees_with_the_prefix_scan(
    parts: list[str], registry: str, tag: str, extra: list[str]
) -> None:
    from k8snetlint.checks.exposure import _db_table, _image_path, database_image

    image = registry + "".join(parts) + tag
    names, suffixes, prefixes = _db_table()
    path = _image_path(image)
    repo = path.rsplit("/", 1)[-1]
    last_two = "/".join(path.rsplit("/", 2)[-2:])
    want = names.get(last_two) or names.get(repo)
    if want is None and repo in {e.lower() for e in extra}:
        want = database_image(repo, [repo])  # an extra name: its own entry
    if want is None:
        want = next(
            (
                db
                for pre, db in prefixes.items()
                if repo.startswith(pre) and repo[len(pre) :] in suffixes
            ),
            None,
        )
    assert database_image(image, extra) == want
