"""The connectivity engine's result: endpoints, listing, verdicts, routes, graph."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

import netutil
from k8snetlint.config import IngressController
from k8snetlint.connectivity import ConnSet, Endpoint
from k8snetlint.net import connlist_text, range_name
from netutil import analyze_input, can, config, deployment, ep, namespace, netpol, pod
from reference import Reference

SEED = Path("/work/shared/seed-examples.yaml")


def test_external_ranges_are_the_fewest_every_ipblock_treats_alike() -> None:
    c = analyze_input([namespace("x"), pod("x", "a")])
    assert [e.name for e in c.external_endpoints] == [
        "0.0.0.0-255.255.255.255",
        "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    ]
    c = analyze_input(
        [
            namespace("x"),
            pod("x", "a"),
            netpol(
                "x",
                "p",
                {
                    "podSelector": {},
                    "ingress": [
                        {"from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}]},
                        {
                            "from": [
                                {"ipBlock": {"cidr": "10.0.0.0/8"}},
                                {"ipBlock": {"cidr": "2001:db8::/32"}},
                            ]
                        },
                        {"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]},
                    ],
                },
            ),
        ]
    )
    assert [e.name for e in c.external_endpoints] == [
        "0.0.0.0-9.255.255.255",
        "10.0.0.0-10.0.255.255",
        "10.1.0.0-10.1.255.255",
        "10.2.0.0-10.255.255.255",
        "11.0.0.0-255.255.255.255",
        "::-2001:db7:ffff:ffff:ffff:ffff:ffff:ffff",
        "2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
        "2001:db9::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    ]
    assert c.external_endpoints_for("10.1.2.3").name == "10.1.0.0-10.1.255.255"
    assert c.external_endpoints_for("2001:db8::1").name.startswith("2001:db8::-")
    assert c.external_ranges(c.external_endpoints_for("10.0.0.1")) == (4, 0x0A000000, 0x0A00FFFF)
    assert range_name(4, 0, 255) == "0.0.0.0-0.0.0.255"


def test_endpoints_and_workloads_round_trip() -> None:
    c = analyze_input([namespace("x"), deployment("x", "web", {"app": "web"}), pod("x", "a")])
    for w in c.inventory.workloads:
        e = c.endpoint_for(w)
        assert e.kind == "workload" and c.workload_for(e) is w
    assert c.workload_for(c.external_endpoints[0]) is None
    assert list(c.endpoints) == sorted(c.endpoints)
    with pytest.raises(KeyError):
        c.allowed(Endpoint("workload", "x", "nope", "Pod"), c.external_endpoints[0])
    # external to external is not modelled
    assert c.allowed(c.external_endpoints[0], c.external_endpoints[1]).is_empty()


def test_connlist_text_matches_netpol_analyzer_format() -> None:
    c = analyze_input(
        [
            namespace("x"),
            pod("x", "a", {"app": "a"}, [("http", 8080, "TCP")]),
            pod("x", "b", {"app": "b"}),
            netpol(
                "x",
                "p",
                {
                    "podSelector": {"matchLabels": {"app": "a"}},
                    "policyTypes": ["Ingress", "Egress"],
                    "ingress": [
                        {
                            "from": [{"podSelector": {}}],
                            "ports": [
                                {"port": 8000, "endPort": 8010},
                                {"port": 53, "protocol": "UDP"},
                                {"port": 80},
                            ],
                        }
                    ],
                },
            ),
        ]
    )
    text = connlist_text(c)
    assert text.endswith("\n")
    lines = text.splitlines()
    assert lines == sorted(lines)
    assert "x/b[Pod] => x/a[Pod] : TCP 80,8000-8010,UDP 53" in lines
    assert "0.0.0.0-255.255.255.255 => x/b[Pod] : All Connections" in lines
    assert not any(line.startswith("x/a[Pod]") for line in lines)  # egress denied entirely
    assert connlist_text(analyze_input([namespace("x")])) == ""


def test_seed_example_listing() -> None:
    c = analyze_input(SEED.read_text())
    text = connlist_text(c)
    assert "default/pod-a[Pod] => default/pod-b[Pod] : All Connections" in text
    assert "default/pod-b[Pod] => default/pod-a[Pod] : All Connections" in text
    assert c.assumed_namespaces == ("default",)
    assert c.routes == ()  # every Service selects nothing
    assert c.ingress_controller in c.endpoints  # the Ingress exists


def test_verdict_reasons_carry_file_and_line() -> None:
    text = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: x}
spec:
  podSelector:
    matchLabels: {app: db}
  ingress:
  - from:
    - podSelector: {matchLabels: {app: web}}
  - from:
    - podSelector: {matchLabels: {app: api}}
    - podSelector: {matchLabels: {app: web}}
    ports:
    - port: 5432
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: x, labels: {app: db}}
spec: {containers: [{name: c, image: postgres}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: x, labels: {app: web}}
spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: other, namespace: x, labels: {app: other}}
spec: {containers: [{name: c, image: nginx}]}
"""
    c = analyze_input(text)
    web, db, other = ep(c, "x/web"), ep(c, "x/db"), ep(c, "x/other")
    v = c.verdict(web, db, "tcp", 5432)
    assert v.allowed and v.protocol == "TCP"
    assert (
        v.egress[0].not_isolated and "no policy selects x/web[Pod] for egress" in v.egress[0].text
    )
    r0, r1 = v.ingress
    assert (r0.policy, r0.rule_index, r0.peer_index, r0.port_index, r0.line) == (
        "x/db",
        0,
        0,
        -1,
        8,
    )
    assert (r1.policy, r1.rule_index, r1.peer_index, r1.port_index, r1.line) == (
        "x/db",
        1,
        1,
        0,
        10,
    )
    assert r0.file == "test.yaml" and r0.direction == "ingress"
    v = c.verdict(other, db, "TCP", 5432)
    assert not v.allowed
    (deny,) = v.ingress
    assert deny.policy == "x/db" and deny.rule_index == -1 and deny.line == 5
    assert "none of its rules allows x/other[Pod] on TCP 5432" in deny.text
    # any port of a protocol
    assert c.verdict(web, db, "TCP", None).allowed
    assert not c.verdict(other, db, "UDP", None).allowed
    # from outside
    v = c.verdict(c.external_endpoints_for("1.2.3.4"), web, "TCP", 80)
    assert v.allowed and v.egress[0].not_isolated and "external source" in v.egress[0].text


def test_same_class_workloads_are_paired_but_not_with_themselves() -> None:
    c = analyze_input(
        [
            namespace("x"),
            deployment("x", "a", {"app": "same"}),
            deployment("x", "b", {"app": "same"}),
        ]
    )
    assert c.class_count == 1
    pairs = {
        (x.src.name, x.dst.name) for x in c.connections if x.src.kind == x.dst.kind == "workload"
    }
    assert pairs == {("a", "b"), ("b", "a")}


def test_assumed_namespace_labels_are_flagged() -> None:
    objs = [
        namespace("x", {"team": "a"}),
        pod("x", "server", {"app": "server"}),
        pod("y", "client", {"app": "client"}),  # y has no Namespace object
        pod("x", "client", {"app": "client"}),
        netpol(
            "x",
            "p",
            {
                "podSelector": {"matchLabels": {"app": "server"}},
                "ingress": [
                    {
                        "from": [
                            {
                                "namespaceSelector": {
                                    "matchExpressions": [
                                        {"key": "team", "operator": "DoesNotExist"}
                                    ]
                                }
                            }
                        ]
                    }
                ],
            },
        ),
    ]
    c = analyze_input(objs)
    assert c.assumed_namespaces == ("y",)
    assert can(c, "y/client", "x/server")
    v = c.verdict(ep(c, "y/client"), ep(c, "x/server"), "TCP", 80)
    assert v.assumed and any("namespace y" in n for n in v.notes)
    conn = next(
        x for x in c.connections if x.src.display() == "y/client[Pod]" and x.dst.name == "server"
    )
    assert conn.assumed
    assert not c.verdict(ep(c, "x/client"), ep(c, "x/server"), "TCP", 80).assumed
    # config supplies the labels: the result changes and is still flagged as assumed
    c = analyze_input(objs, config(namespace_labels={"y": {"team": "b"}}))
    assert not can(c, "y/client", "x/server")
    assert any("no Namespace object for y" in n for n in c.notes)


def test_ingress_controller_with_known_namespace_obeys_its_egress() -> None:
    ingress = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "i", "namespace": "shop"},
        "spec": {"defaultBackend": {"service": {"name": "web", "port": {"number": 80}}}},
    }
    objs = [
        namespace("shop"),
        namespace("ingress-nginx"),
        deployment("shop", "web", {"app": "web"}, [("http", 8080, "TCP")]),
        netutil.service("shop", "web", {"app": "web"}, [{"port": 80, "targetPort": 8080}]),
        ingress,
    ]
    ctrl = IngressController(namespace="ingress-nginx", labels={"app": "ingress-nginx"})
    c = analyze_input(objs, config(ingress_controller=ctrl))
    (route,) = [r for r in c.routes if r.kind == "ingress"]
    assert not route.blocked and route.via == "shop/i (default backend)"
    c = analyze_input(
        [*objs, netpol("ingress-nginx", "deny-egress", {"policyTypes": ["Egress"]})],
        config(ingress_controller=ctrl),
    )
    (route,) = [r for r in c.routes if r.kind == "ingress"]
    assert route.blocked
    assert "ingress-controller" not in connlist_text(c)
    # a policy admitting the controller's namespace by name
    peer = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}},
        "podSelector": {"matchLabels": {"app": "ingress-nginx"}},
    }
    c = analyze_input(
        [*objs, netpol("shop", "p", {"ingress": [{"from": [peer]}]})],
        config(ingress_controller=ctrl),
    )
    assert c.allowed(c.ingress_controller, ep(c, "shop/web")).is_all()
    assert not c.verdict(c.ingress_controller, ep(c, "shop/web"), "TCP", 8080).assumed
    assert "{ingress-controller} => shop/web[Deployment] : TCP 8080" in connlist_text(c)


def test_nx_graph() -> None:
    import networkx as nx

    c = analyze_input(SEED.read_text().replace("app: database", "app: backend"))
    g = c.nx_graph
    assert isinstance(g, nx.MultiDiGraph)
    assert g.nodes["default/pod-a[Pod]"]["type"] == "workload"
    assert g.nodes["svc:default/backend-service"]["type"] == "service"
    assert g.nodes["ingress:default/app-ingress */api"]["type"] == "ingress"
    assert g.has_edge("ingress:default/app-ingress */api", "svc:default/backend-service")
    edge = g.get_edge_data("default/pod-b[Pod]", "default/pod-a[Pod]")["connection"]
    assert edge["conns"] == "All Connections" and "not isolated" in edge["reasons"]
    "".join(nx.generate_graphml(g))  # every attribute is graphml-safe


def test_networkx_is_imported_lazily() -> None:
    code = "import sys, k8snetlint.net, k8snetlint.model; print('networkx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_routes_are_sorted_and_deterministic() -> None:
    objs = [
        namespace("x"),
        deployment("x", "web", {"app": "web"}, [("http", 8080, "TCP")]),
        netutil.service(
            "x", "b", {"app": "web"}, [{"port": 80, "targetPort": "http"}], type="NodePort"
        ),
        netutil.service("x", "a", {"app": "web"}, [{"port": 81, "targetPort": 8080}]),
    ]
    routes = analyze_input(objs).routes
    keys = [(r.kind, r.via) for r in routes]
    assert keys == sorted(keys)
    assert keys == [
        ("nodeport", "x/b:80 nodePort (auto)"),
        ("service", "x/a:81"),
        ("service", "x/b:80"),
    ]
    assert routes == analyze_input(list(reversed(objs))).routes


def test_generated_cluster_agrees_with_reference_on_sampled_pairs() -> None:
    objs = netutil.generate_cluster(12, 6, 6, seed=3)
    c = analyze_input(objs)
    ref = Reference(objs)
    pods = {p.display: p for p in ref.pods}
    eps = [e for e in c.endpoints if e.kind == "workload"]
    assert len(eps) == len(pods) == 72
    rnd = random.Random(5)
    for _ in range(400):
        s, d = rnd.choice(eps), rnd.choice(eps)
        got = c.allowed(s, d)
        for proto, port in (("TCP", 8000), ("TCP", 8003), ("TCP", 9090), ("UDP", 53), ("TCP", 53)):
            assert got.contains(proto, port) == ref.allowed(
                pods[s.display()], pods[d.display()], proto, port
            )
    listed = {(x.src, x.dst) for x in c.connections}
    for s in eps[:20]:
        for d in eps:
            assert ((s, d) in listed) == (s != d and not c.allowed(s, d).is_empty())


def test_allowed_is_a_connset() -> None:
    c = analyze_input([namespace("x"), pod("x", "a"), pod("x", "b")])
    assert c.allowed(ep(c, "x/a"), ep(c, "x/b")) == ConnSet.all()
    assert c.allowed(ep(c, "x/a"), ep(c, "x/a")) == ConnSet.all()


def test_helpers_for_rules() -> None:
    objs = [
        namespace("x"),
        pod("x", "db", {"app": "db"}, [("pg", 5432, "TCP")], ["10.0.0.5"]),
        pod("x", "open", {"app": "open"}, [("pg", 5432, "TCP")]),
        pod("x", "web", {"app": "web"}),
        netpol(
            "x",
            "db",
            {
                "podSelector": {"matchLabels": {"app": "db"}},
                "ingress": [
                    {"from": [{"podSelector": {}}]},
                    {"from": [{"ipBlock": {"cidr": "192.0.2.0/24"}}], "ports": [{"port": "pg"}]},
                ],
            },
        ),
        netpol(
            "x",
            "open",
            {
                "podSelector": {"matchLabels": {"app": "open"}},
                "ingress": [{"from": [{"namespaceSelector": {}}], "ports": [{"port": "pg"}]}],
            },
        ),
        netpol(
            "x",
            "web",
            {
                "podSelector": {"matchLabels": {"app": "web"}},
                "policyTypes": ["Egress"],
                "egress": [
                    {
                        "to": [{"podSelector": {"matchLabels": {"app": "db"}}}],
                        "ports": [{"port": "pg"}],
                    }
                ],
            },
        ),
    ]
    c = analyze_input(objs)
    inv = c.inventory
    db, open_, web = (inv.workload("x", n, "Pod") for n in ("db", "open", "web"))
    assert db is not None and open_ is not None and web is not None
    assert not c.admits_any_pod(db, "TCP", 5432)
    assert c.admits_any_pod(open_, "TCP", 5432) and not c.admits_any_pod(open_, "TCP", 80)
    assert c.admits_any_pod(web, "UDP", 53)
    assert c.external_sources(db, "TCP", 5432) == ("192.0.2.0-192.0.2.255",)
    assert c.external_sources(db, "TCP", 80) == ()
    assert c.egress_allows(web, "TCP", 5432) and not c.egress_allows(web, "UDP", 53)
    assert c.egress_allows(db, "UDP", 53)
    block = inv.policies[0].ingress[1].peers[0].ip_block  # type: ignore[index]
    assert block is not None and c.workloads_with_ip_in(block) == ()
    from k8snetlint.policy import parse_ip_block

    pods_block, _ = parse_ip_block({"cidr": "10.0.0.0/24"}, ())
    assert pods_block is not None and c.workloads_with_ip_in(pods_block) == (db,)
