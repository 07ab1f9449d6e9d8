"""The engine's seams: the connection-set algebra, decision layers and route sources."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_reference_agreement import clusters

import netutil
from k8snetlint.connectivity import PROTOCOLS, ConnSet, Route
from k8snetlint.loader import load_paths
from k8snetlint.model import build_inventory
from k8snetlint.net import Connectivity, analyze, connlist_text
from k8snetlint.net.evaluate import Decision, LayerExplanation
from k8snetlint.net.nodes import ALL, AtomNode, ClassNode, Node
from k8snetlint.net.routes import RouteContext, register_route_source, route_sources
from k8snetlint.policy import Direction
from netutil import analyze_input, conns, deployment, ep, namespace, netpol

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted(p for p in (ROOT / "fixtures" / "scenarios").iterdir() if p.is_dir())

# -- connection-set algebra -----------------------------------------------------------

_range = st.tuples(st.integers(1, 70), st.integers(0, 20)).map(lambda t: (t[0], t[0] + t[1]))
connsets = st.dictionaries(st.sampled_from(PROTOCOLS), st.lists(_range, max_size=4)).map(
    ConnSet.from_dict
)


def _pairs(cs: ConnSet) -> set[tuple[str, int]]:
    return {(p, n) for p, rs in cs.ranges for lo, hi in rs for n in range(lo, hi + 1)}


@given(connsets, connsets)
def test_connset_algebra_agrees_with_sets_of_pairs(a: ConnSet, b: ConnSet) -> None:
    assert _pairs(a | b) == _pairs(a) | _pairs(b)
    assert _pairs(a & b) == _pairs(a) & _pairs(b)
    assert _pairs(a - b) == _pairs(a) - _pairs(b)
    assert (a - b) | (a & b) == a
    assert (a - b).issubset(a) and (a - b).intersection(b).is_empty()


def test_connset_difference_of_everything() -> None:
    rest = ConnSet.all() - conns({"TCP": [80, (100, 200)]})
    assert rest.text() == "SCTP 1-65535,TCP 1-79,81-99,201-65535,UDP 1-65535"
    assert (ConnSet.all() - ConnSet.all()).is_empty()
    assert (ConnSet() - ConnSet.all()).is_empty()


# -- decision layers ------------------------------------------------------------------


class Undecided:
    """A layer that decides nothing (an admin tier with no matching rule)."""

    name = "undecided"

    def decide(self, direction: Direction, subject: ClassNode, other: Node) -> Decision | None:
        return None

    def explain(
        self,
        direction: Direction,
        subject: ClassNode,
        other: Node,
        protocol: str,
        port: int | None,
        names: tuple[str, str],
    ) -> LayerExplanation | None:
        return None


class Fixed:
    """A layer deciding ``allow``/``deny`` for every pair (an admin rule for all pods)."""

    def __init__(self, name: str, allow: ConnSet, deny: ConnSet) -> None:
        self.name = name
        self.allow = allow
        self.deny = deny

    def decide(self, direction: Direction, subject: ClassNode, other: Node) -> Decision | None:
        return Decision(self.allow, self.deny)

    def explain(
        self,
        direction: Direction,
        subject: ClassNode,
        other: Node,
        protocol: str,
        port: int | None,
        names: tuple[str, str],
    ) -> LayerExplanation | None:
        if port is None:
            return None
        if self.allow.contains(protocol, port):
            return LayerExplanation(True, ())
        if self.deny.contains(protocol, port):
            return LayerExplanation(False, ())
        return None


def _scenario(path: Path) -> Connectivity:
    cfg = netutil.config()
    loaded = load_paths([str(path)], kustomize=False)
    return analyze(build_inventory(loaded.manifests, cfg), cfg)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_layers_that_decide_nothing_change_nothing(path: Path) -> None:
    fast = _scenario(path)
    layered = _scenario(path)
    for d in ("ingress", "egress"):
        layered.evaluator.add_layer(d, Undecided(), before_network_policy=True)
        layered.evaluator.add_layer(d, Undecided(), before_network_policy=False)
    assert connlist_text(layered) == connlist_text(fast)
    for src in fast.endpoints[:6]:
        for dst in fast.endpoints[:6]:
            if src.kind == dst.kind == "external":
                continue
            a = fast.verdict(src, dst, "TCP", 80)
            b = layered.verdict(src, dst, "TCP", 80)
            assert (a.allowed, a.ingress, a.egress) == (b.allowed, b.ingress, b.egress)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters())
def test_the_layered_path_agrees_with_the_fast_path(cluster: tuple[list[Any], bool]) -> None:
    """With layers that decide nothing, the general evaluation (every layer, every pair
    visited) gives the fast path's answers exactly."""
    objs, ipblock_pods = cluster
    cfg = netutil.config(ipblock_pods=ipblock_pods)
    fast = analyze_input(objs, cfg)
    layered = analyze_input(objs, cfg)
    for d in ("ingress", "egress"):
        layered.evaluator.add_layer(d, Undecided(), before_network_policy=True)
        layered.evaluator.add_layer(d, Undecided(), before_network_policy=False)
    assert layered.connections == fast.connections
    for s in fast.endpoints:
        for t in fast.endpoints:
            assert layered.allowed(s, t) == fast.allowed(s, t)
            if s.kind == "workload" and t.kind == "workload":
                a, b = fast.verdict(s, t, "TCP", 80), layered.verdict(s, t, "TCP", 80)
                assert (a.allowed, a.egress, a.ingress) == (b.allowed, b.egress, b.ingress)


POLICY_80 = [
    namespace("x"),
    deployment("x", "a", {"app": "a"}),
    deployment("x", "b", {"app": "b"}),
    netpol(
        "x",
        "only-80",
        {
            "podSelector": {"matchLabels": {"app": "b"}},
            "ingress": [{"ports": [{"port": 80}]}],
        },
    ),
]


def test_a_layer_before_network_policy_overrides_it() -> None:
    c = analyze_input(POLICY_80)
    a, b = ep(c, "x/a"), ep(c, "x/b")
    assert c.allowed(a, b) == conns({"TCP": [80]})
    deny80 = Fixed("admin-deny-80", ConnSet(), conns({"TCP": [80]}))
    c.evaluator.add_layer("ingress", deny80, before_network_policy=True)
    assert c.allowed(a, b).is_empty()  # the admin Deny wins over the NetworkPolicy Allow
    assert c.allowed(b, a) == ALL - conns({"TCP": [80]})  # a is not isolated: default allow
    assert not c.verdict(a, b, "TCP", 80).allowed
    assert "x/a[Deployment] => x/b[Deployment]" not in connlist_text(c)


def test_a_layer_after_network_policy_applies_only_where_it_decides_nothing() -> None:
    c = analyze_input(POLICY_80)
    a, b = ep(c, "x/a"), ep(c, "x/b")
    baseline = Fixed("baseline-deny-all", ConnSet(), ALL)
    c.evaluator.add_layer("ingress", baseline, before_network_policy=False)
    assert c.allowed(a, b) == conns({"TCP": [80]})  # NetworkPolicy decided for b
    assert c.allowed(b, a).is_empty()  # nothing isolates a: the baseline Deny applies
    lines = connlist_text(c).splitlines()
    assert "x/a[Deployment] => x/b[Deployment] : TCP 80" in lines
    assert not [line for line in lines if "=> x/a[Deployment]" in line]


def test_allow_in_an_earlier_layer_is_not_taken_back_by_a_later_deny() -> None:
    c = analyze_input(POLICY_80)
    a, b = ep(c, "x/a"), ep(c, "x/b")
    c.evaluator.add_layer(
        "ingress",
        Fixed("admin-allow-443", conns({"TCP": [443]}), ConnSet()),
        before_network_policy=True,
    )
    assert c.allowed(a, b) == conns({"TCP": [80, 443]})


# -- route sources --------------------------------------------------------------------


@pytest.fixture
def extra_source() -> Iterator[str]:
    name = "test-extra"
    before = dict(route_sources())

    def source(ctx: RouteContext) -> Iterator[Route]:
        for svc in ctx.inventory.services:
            for t in ctx.service_targets(svc):
                yield Route(
                    "test", f"extra {svc.name}", t.endpoint, t.port.protocol, 1, t.target_port
                )

    register_route_source(name, source)
    yield name
    from k8snetlint.net import routes

    routes._SOURCES.clear()
    routes._SOURCES.update(before)


def test_a_registered_route_source_adds_routes(extra_source: str) -> None:
    objs = [
        namespace("x"),
        deployment("x", "a", {"app": "a"}, ports=[("http", 8080, "TCP")]),
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "a", "namespace": "x"},
            "spec": {"selector": {"app": "a"}, "ports": [{"port": 80, "targetPort": "http"}]},
        },
    ]
    c = analyze_input(objs)
    kinds = {(r.kind, r.via, r.target_port) for r in c.routes}
    assert ("service", "x/a:80", 8080) in kinds
    assert ("test", "extra a", 8080) in kinds
    assert isinstance(c.compiled.node(ep(c, "x/a")), ClassNode)
    assert isinstance(c.compiled.node(c.external_endpoints[0]), AtomNode)


# -- pods outside the input -----------------------------------------------------------

OUTSIDE = [
    namespace("shop"),
    deployment("shop", "web", {"app": "web"}, ports=[("http", 8080, "TCP")]),
    deployment("shop", "db", {"app": "db"}),
    netpol(
        "shop",
        "web",
        {
            "podSelector": {"matchLabels": {"app": "web"}},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [
                {
                    "from": [
                        {
                            "namespaceSelector": {"matchLabels": {"team": "ops"}},
                            "podSelector": {"matchLabels": {"app": "monitor"}},
                        }
                    ],
                    "ports": [{"port": "http"}],
                },
                {
                    "from": [{"namespaceSelector": {"matchLabels": {"team": "ops"}}}],
                    "ports": [{"port": 9090}],
                },
                {"from": [{"namespaceSelector": {}}], "ports": [{"port": 9090}, {"port": 9091}]},
                # its own namespace, which the input describes: nothing outside
                {"from": [{"podSelector": {"matchLabels": {"app": "db"}}}]},
                # a namespace the input defines, by name: nothing outside
                {
                    "from": [
                        {
                            "namespaceSelector": {
                                "matchLabels": {"kubernetes.io/metadata.name": "shop"}
                            }
                        }
                    ]
                },
            ],
            "egress": [
                {"to": [{"podSelector": {"matchLabels": {"app": "db"}}}]},
                {
                    "to": [
                        {
                            "namespaceSelector": {
                                "matchLabels": {"kubernetes.io/metadata.name": "kube-dns"}
                            }
                        }
                    ],
                    "ports": [
                        {"port": 53, "protocol": "UDP"},
                        {"port": "dns-tcp", "protocol": "TCP"},
                    ],
                },
            ],
        },
    ),
]


def test_exposure_lists_pods_outside_the_input_per_workload() -> None:
    c = analyze_input(OUTSIDE)
    lines = [
        f"{ep.display()} {e.direction} {e.peer.text()} : {e.conn_text()}" for ep, e in c.exposure
    ]
    assert lines == [
        # db is isolated in neither direction: the entire cluster, every port
        "shop/db[Deployment] ingress entire cluster : All Connections",
        # what the entire cluster already has (9090) is not repeated for team=ops
        "shop/web[Deployment] ingress entire cluster : TCP 9090-9091",
        "shop/web[Deployment] ingress pods with labels {app=monitor} in namespaces with "
        "labels {team=ops} : TCP 8080",
        "shop/db[Deployment] egress entire cluster : All Connections",
        # a named port towards unknown pods stays a name
        "shop/web[Deployment] egress namespaces with labels "
        "{kubernetes.io/metadata.name=kube-dns} : UDP 53,TCP dns-tcp",
    ]


def test_admits_any_source_counts_pods_outside_the_input() -> None:
    objs = [
        namespace("shop"),
        deployment("shop", "api", {"app": "api"}),
        netpol(
            "shop",
            "only-ops",
            {
                "podSelector": {},
                "ingress": [
                    {
                        "from": [{"namespaceSelector": {"matchLabels": {"team": "ops"}}}],
                        "ports": [{"port": 80}],
                    }
                ],
            },
        ),
    ]
    c = analyze_input(objs)
    (api,) = c.inventory.workloads
    # no pod or address of the input is admitted...
    assert not c.evaluator.admits_any(c.compiled.class_of[id(api)], "TCP", 80)
    # ...but pods of namespaces labelled team=ops, outside the input, are
    assert c.admits_any_source(api, "TCP", 80)
    assert not c.admits_any_source(api, "TCP", 81)
    # pinned to a namespace the input defines: nothing outside
    objs[2] = netpol(
        "shop",
        "only-shop",
        {
            "podSelector": {},
            "ingress": [
                {
                    "from": [
                        {
                            "namespaceSelector": {
                                "matchLabels": {"kubernetes.io/metadata.name": "shop"}
                            },
                            "podSelector": {"matchLabels": {"app": "nothing"}},
                        }
                    ]
                }
            ],
        },
    )
    c = analyze_input(objs)
    (api,) = c.inventory.workloads
    assert not c.admits_any_source(api, "TCP", 80)


@pytest.mark.parametrize(
    ("text", "pods", "ns", "ns_labels"),
    [
        ("pods app=monitor in namespaces team=ops", {"app": "monitor"}, None, {"team": "ops"}),
        (
            "pods app=a,tier=b in namespace kube-system",
            {"app": "a", "tier": "b"},
            "kube-system",
            {},
        ),
        ("pods app=a", {"app": "a"}, "default", {}),
        ("namespaces team=ops", {}, None, {"team": "ops"}),
        ("pods * in namespaces *", {}, None, {}),
    ],
)
def test_parse_hypothetical(
    text: str, pods: dict[str, str], ns: str | None, ns_labels: dict[str, str]
) -> None:
    from k8snetlint.net.outside import parse_hypothetical

    h = parse_hypothetical(text, "default")
    assert h is not None
    assert (dict(h.pod_labels), h.namespace, dict(h.namespace_labels)) == (pods, ns, ns_labels)


def test_parse_hypothetical_rejects_and_ignores() -> None:
    from k8snetlint.net.outside import parse_hypothetical

    assert parse_hypothetical("shop/web", "default") is None
    for bad in ("pods app", "pods a=b in nowhere", "pods a=b in namespace two words"):
        with pytest.raises(ValueError):
            parse_hypothetical(bad, "default")


_ORDINALS = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: redis, namespace: db}
spec:
  replicas: REPLICAS
  serviceName: redis
  selector: {matchLabels: {app: redis}}
  template:
    metadata: {labels: {app: redis}}
    spec:
      containers:
      - {name: redis, image: "redis:7", ports: [{containerPort: 6379, name: redis}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client, namespace: db}
spec:
  selector: {matchLabels: {app: client}}
  template:
    metadata: {labels: {app: client}}
    spec: {containers: [{name: c, image: busybox}]}
---
apiVersion: v1
kind: Service
metadata: {name: redis-primary, namespace: db}
spec:
  selector: {app: redis, statefulset.kubernetes.io/pod-name: redis-0}
  ports: [{port: 6379}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: redis, namespace: db}
spec:
  podSelector: {matchLabels: {app: redis}}
  policyTypes: [Ingress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: redis-0, namespace: db}
spec:
  podSelector: {matchLabels: {statefulset.kubernetes.io/pod-name: redis-0}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {app: client}}}]
    ports: [{port: 6379}]
"""


def test_a_per_ordinal_selector_splits_the_statefulset_per_ordinal() -> None:
    conn = analyze_input(_ORDINALS.replace("REPLICAS", "3"))
    names = sorted(e.display() for e in conn.endpoints if e.kind == "workload")
    assert names == [
        "db/client[Deployment]",
        "db/redis[StatefulSet]/redis-0",
        "db/redis[StatefulSet]/redis-1",
        "db/redis[StatefulSet]/redis-2",
    ]
    client = ep(conn, "db/client[Deployment]")
    pods = {e.display(): e for e in conn.endpoints if e.kind == "workload"}
    redis0 = pods["db/redis[StatefulSet]/redis-0"]
    redis1 = pods["db/redis[StatefulSet]/redis-1"]
    assert conn.verdict(client, redis0, "TCP", 6379).allowed
    assert not conn.verdict(client, redis1, "TCP", 6379).allowed
    # each ordinal carries its own controller labels
    w1 = conn.workload_for(redis1)
    assert w1 is not None
    assert w1.labels["statefulset.kubernetes.io/pod-name"] == "redis-1"
    assert w1.labels["apps.kubernetes.io/pod-index"] == "1"
    # the Service naming pod 0 targets pod 0 only
    (svc,) = conn.inventory.services
    assert [w.name for w in svc.target_workloads] == ["redis/redis-0"]


def test_rules_keep_one_statefulset_and_no_per_ordinal_policy_keeps_one_unit() -> None:
    text = _ORDINALS.replace("REPLICAS", "3")
    cfg = netutil.config()
    inv = netutil.inventory(text, cfg)
    assert [w.name for w in analyze(inv, cfg, per_ordinal=False).inventory.workloads] == [
        "client",
        "redis",
    ]
    plain = text.replace("statefulset.kubernetes.io/pod-name: redis-0}}", "app: redis}}")
    inv = netutil.inventory(plain, cfg)
    assert inv.per_ordinal() is inv


def test_per_ordinal_split_is_capped_with_a_note() -> None:
    conn = analyze_input(_ORDINALS.replace("REPLICAS", "65"))
    names = sorted(e.display() for e in conn.endpoints if e.kind == "workload")
    assert names == ["db/client[Deployment]", "db/redis[StatefulSet]"]
    assert any("per-ordinal selectors" in n and "db/redis" in n for n in conn.notes)
    # as one unit the per-ordinal selector matches none of its pods (the note says so)
    assert not netutil.can(conn, "db/client[Deployment]", "db/redis[StatefulSet]", 6379)


def test_an_admin_tier_subject_on_one_ordinal_applies_to_that_pod_only() -> None:
    base = _ORDINALS.replace("REPLICAS", "3").split("---\napiVersion: networking.k8s.io/v1")[0]
    anp = """---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: guard-redis-1}
spec:
  priority: 10
  subject:
    pods:
      namespaceSelector: {}
      podSelector: {matchLabels: {apps.kubernetes.io/pod-index: "1"}}
  ingress:
  - name: deny-all
    action: Deny
    from: [{namespaces: {}}]
"""
    conn = analyze_input(base + anp)
    pods = {e.display(): e for e in conn.endpoints if e.kind == "workload"}
    client = pods["db/client[Deployment]"]
    assert conn.verdict(client, pods["db/redis[StatefulSet]/redis-0"], "TCP", 6379).allowed
    assert not conn.verdict(client, pods["db/redis[StatefulSet]/redis-1"], "TCP", 6379).allowed
    assert conn.verdict(client, pods["db/redis[StatefulSet]/redis-2"], "TCP", 6379).allowed


@given(clusters())
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_rows_hold_the_pair_list(cluster: tuple[list[Any], bool]) -> None:
    """Evaluator.row (the streamed map's rows, evaluated rule by rule) holds exactly the
    pairs of the pair list (evaluated pair by pair), and the streamed rows the
    connections, source by source."""
    objs, ipblock_pods = cluster
    conn = analyze_input(objs, netutil.config(ipblock_pods=ipblock_pods))
    ev, c = conn.evaluator, conn.compiled
    want: dict[Node, set[tuple[Node, ConnSet]]] = {}
    for s, d, cs in ev.pair_list():
        want.setdefault(s, set()).add((d, cs))
    for node in [*c.class_nodes, *c.atom_nodes]:
        got = ev.row(node)
        assert len(got) == len(set(got))
        assert set(got) == want.get(node, set())
    rows = conn.stream_rows(lambda e: e.display(), lambda e: True)
    assert rows is not None
    streamed = [(src, dst, cs, a) for src, entries in rows for dst, cs, a in entries]
    assert sorted(streamed, key=lambda t: (t[0], t[1])) == [
        (x.src, x.dst, x.conns, x.assumed) for x in conn.connections
    ]
