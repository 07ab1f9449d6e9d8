"""Parsing NetworkPolicies into rules, peers and ports, and their primitives."""

from __future__ import annotations

from typing import Any

import pytest

import netutil
from k8snetlint.connectivity import ConnSet
from k8snetlint.policy import (
    IPBlock,
    Peer,
    PodFacts,
    conns_of,
    direction_allows,
    effective_policy_types,
    ipblock_matches_pods,
    parse_ip_block,
    parse_network_policy,
    parse_port,
    policy_selects_pod,
    subtract_intervals,
    valid_port_name,
)
from k8snetlint.selectors import parse_selector


def policy(spec: dict[str, Any], ns: str = "x") -> Any:
    return parse_network_policy(netutil.manifest_of(netutil.netpol(ns, "p", spec)), ns)


@pytest.mark.parametrize(
    ("types", "egress", "expected"),
    [
        (None, None, ("Ingress",)),
        (None, [], ("Ingress",)),
        ([], [], ("Ingress",)),
        (None, [{}], ("Ingress", "Egress")),
        ([], [{"to": []}], ("Ingress", "Egress")),
        (["Egress"], None, ("Egress",)),
        (["Egress", "Ingress"], None, ("Ingress", "Egress")),
        (["Ingress"], [{}], ("Ingress",)),
    ],
)
def test_effective_policy_types(types: Any, egress: Any, expected: tuple[str, ...]) -> None:
    assert effective_policy_types(types, egress) == expected


def test_parse_structure_and_paths() -> None:
    p = policy(
        {
            "podSelector": {"matchLabels": {"app": "db"}},
            "ingress": [
                {
                    "from": [
                        {"podSelector": {}},
                        {"namespaceSelector": {}, "podSelector": {"matchLabels": {"a": "b"}}},
                    ],
                    "ports": [{"port": 5432}],
                },
                {},
                None,
            ],
        }
    )
    assert p.key == "x/p" and p.policy_types == ("Ingress",) and p.explicit_policy_types is None
    assert p.isolates("ingress") and not p.isolates("egress")
    r0, r1, r2 = p.ingress
    assert r0.path == ("spec", "ingress", 0) and r0.direction == "ingress"
    assert r0.peers is not None and [x.kind for x in r0.peers] == ["pod", "pod+namespace"]
    assert r0.peers[1].path == ("spec", "ingress", 0, "from", 1)
    assert r0.ports is not None and r0.ports[0].path == ("spec", "ingress", 0, "ports", 0)
    assert r1.peers is None and r1.ports is None and r1.allows_all_peers()
    assert r2.peers is None and r2.ports is None  # a null rule is an empty rule
    assert not p.problems and not p.inert
    assert p.selects("x", {"app": "db"}) and not p.selects("y", {"app": "db"})
    assert [peer.index for _, peer in p.peers()] == [0, 1]


def test_missing_spec_selects_everything_and_denies_ingress() -> None:
    m = netutil.manifest_of(
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "p", "namespace": "x"},
        }
    )
    p = parse_network_policy(m, "x")
    assert p.pod_selector.is_empty and p.policy_types == ("Ingress",) and p.ingress == ()


def test_problems_are_recorded_with_paths() -> None:
    p = policy(
        {
            "podSelector": {"matchExpressions": [{"key": "a", "operator": "Nope"}]},
            "policyTypes": ["Ingress", "Sideways"],
            "ingress": [
                {
                    "from": [
                        {},
                        {"ipBlock": {"cidr": "10.0.0.0/8"}, "namespaceSelector": {}},
                        {"ipBlock": {"cidr": "300.0.0.0/8"}},
                    ],
                    "ports": [
                        {"port": 80, "endPort": 79},
                        {"protocol": "ICMP"},
                        {"port": "Not_A_Name"},
                        {"port": 0},
                    ],
                }
            ],
        }
    )
    paths = {path for path, _ in p.problems}
    assert ("spec", "podSelector", "matchExpressions", 0, "operator") in paths
    assert ("spec", "policyTypes", 1) in paths
    assert ("spec", "ingress", 0, "from", 0) in paths
    assert ("spec", "ingress", 0, "from", 1) in paths
    assert ("spec", "ingress", 0, "from", 2, "ipBlock", "cidr") in paths
    assert ("spec", "ingress", 0, "ports", 0, "endPort") in paths
    assert ("spec", "ingress", 0, "ports", 1, "protocol") in paths
    assert ("spec", "ingress", 0, "ports", 2, "port") in paths
    assert ("spec", "ingress", 0, "ports", 3, "port") in paths
    rule = p.ingress[0]
    assert rule.peers is not None and not any(x.valid for x in rule.peers)
    assert rule.ports is not None and not any(x.valid for x in rule.ports)
    # nothing fails open: the rule allows nothing at all
    assert conns_of(rule.ports, ()).is_empty()


def test_inert_rules() -> None:
    p = policy({"policyTypes": ["Ingress"], "egress": [{"to": [{"podSelector": {}}]}]})
    assert p.egress == () and len(p.inert_egress) == 1
    assert p.inert == (
        (("spec", "egress"), "egress rules are ignored: policyTypes ['Ingress'] lacks Egress"),
    )
    assert not p.problems


def test_ip_block() -> None:
    b, probs = parse_ip_block(
        {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16", "10.3.0.0/16"]}, ("b",)
    )
    assert b is not None and not probs
    assert b.intervals == (
        (0x0A000000, 0x0A00FFFF),
        (0x0A020000, 0x0A02FFFF),
        (0x0A040000, 0x0AFFFFFF),
    )
    assert b.contains("10.0.0.1") and not b.contains("10.1.0.1") and b.contains("10.2.0.1")
    assert not b.contains("11.0.0.0") and not b.contains("::1") and not b.contains("garbage")
    v6, _ = parse_ip_block({"cidr": "2001:db8::/32"}, ())
    assert v6 is not None and v6.version == 6 and v6.contains("2001:db8::1")
    everything, _ = parse_ip_block({"cidr": "0.0.0.0/0"}, ())
    assert everything is not None and everything.is_everything()
    host_bits, _ = parse_ip_block({"cidr": "10.0.0.1/24"}, ())  # accepted like net.ParseCIDR
    assert host_bits is not None and host_bits.contains("10.0.0.200")
    for raw in (
        {"cidr": "10.0.0.0/8", "except": ["10.0.0.0/8"]},  # not strictly inside
        {"cidr": "10.0.0.0/8", "except": ["11.0.0.0/16"]},
        {"cidr": "10.0.0.0/8", "except": ["2001:db8::/64"]},
        {"cidr": "10.0.0.0/8", "except": ["bad"]},
        {"cidr": "nonsense"},
        {"except": ["10.0.0.0/16"]},
        "10.0.0.0/8",
    ):
        block, probs = parse_ip_block(raw, ("b",))
        assert block is None and probs, raw


def test_ipblock_matches_pods() -> None:
    b = IPBlock("10.0.0.0/24", (), 4, ((0x0A000000, 0x0A0000FF),))
    assert ipblock_matches_pods(b, [("10.0.0.1",)])
    assert ipblock_matches_pods(b, [("10.0.0.1", "2001:db8::1")])  # dual stack: the v4 address
    assert not ipblock_matches_pods(b, [("10.0.0.1",), ("10.0.1.1",)])  # every pod must match
    assert not ipblock_matches_pods(b, [])
    assert not ipblock_matches_pods(b, [()])


def test_subtract_intervals() -> None:
    assert subtract_intervals((0, 10), []) == [(0, 10)]
    assert subtract_intervals((0, 10), [(0, 10)]) == []
    assert subtract_intervals((0, 10), [(2, 3), (5, 5)]) == [(0, 1), (4, 4), (6, 10)]
    assert subtract_intervals((0, 10), [(8, 20)]) == [(0, 7)]


def test_ports_and_named_resolution() -> None:
    named = (("dns", "UDP", 53), ("http", "TCP", 8080), ("http", "TCP", 8081))
    spec, probs = parse_port({}, 0, ())
    assert (spec.protocol, spec.port, spec.valid) == ("TCP", None, True) and not probs
    assert spec.ranges(None) == [("TCP", 1, 65535)]
    spec, _ = parse_port({"port": "http"}, 0, ())
    assert spec.named and spec.ranges(named) == [("TCP", 8080, 8080), ("TCP", 8081, 8081)]
    assert spec.ranges(None) == []  # external destination
    assert spec.contains("TCP", 8081, named) and not spec.contains("TCP", 53, named)
    spec, _ = parse_port({"port": "dns"}, 0, ())
    assert spec.ranges(named) == []  # TCP by default: the UDP port does not count
    spec, _ = parse_port({"port": 8000, "endPort": 8010, "protocol": "SCTP"}, 0, ())
    assert spec.ranges(None) == [("SCTP", 8000, 8010)] and spec.text() == "SCTP 8000-8010"
    assert conns_of(None, ()) == ConnSet.all()
    specs = (
        parse_port({"port": "http"}, 0, ())[0],
        parse_port({"port": 53, "protocol": "UDP"}, 1, ())[0],
    )
    assert conns_of(specs, named) == ConnSet.from_dict({"TCP": [(8080, 8081)], "UDP": [(53, 53)]})
    assert conns_of(specs, None) == ConnSet.from_dict({"UDP": [(53, 53)]})
    assert conns_of((), ()) == ConnSet()


@pytest.mark.parametrize("name", ["http", "a", "web-8080", "x1"])
def test_valid_port_names(name: str) -> None:
    assert valid_port_name(name)


@pytest.mark.parametrize("name", ["", "HTTP", "-a", "a-", "a--b", "80", "abcdefghijklmnop", "a_b"])
def test_invalid_port_names(name: str) -> None:
    assert not valid_port_name(name)


def test_peer_matching_with_unknowns() -> None:
    ns_any = Peer(0, (), None, parse_selector({}))
    ns_team = Peer(0, (), None, parse_selector({"matchLabels": {"team": "a"}}))
    pod_only = Peer(0, (), parse_selector({}), None)
    both = Peer(0, (), parse_selector({"matchLabels": {"app": "x"}}), parse_selector({}))
    # fully known pod
    assert pod_only.matches_pod("x", "x", {"app": "x"}, {"team": "a"})
    assert not pod_only.matches_pod("x", "y", {"app": "x"}, {"team": "a"})
    assert ns_team.matches_pod("x", "y", {}, {"team": "a"})
    # unknown namespace: only an empty namespaceSelector matches; podSelector-only never
    assert ns_any.matches_pod("x", None, None, None)
    assert not ns_team.matches_pod("x", None, None, None)
    assert not pod_only.matches_pod("x", None, None, None)
    # unknown labels: only an empty podSelector matches
    assert not both.matches_pod("x", None, None, None)
    assert pod_only.matches_pod("x", "x", None, {"team": "a"})
    # an invalid peer never matches
    assert not Peer(0, (), valid=False).matches_pod("x", "x", {}, {})


def test_pairwise_helpers() -> None:
    p = policy(
        {
            "podSelector": {"matchLabels": {"app": "db"}},
            "ingress": [
                {
                    "from": [{"podSelector": {"matchLabels": {"app": "api"}}}],
                    "ports": [{"port": "pg"}],
                }
            ],
        }
    )
    db = PodFacts("x", {"app": "db"}, {"kubernetes.io/metadata.name": "x"}, (("pg", "TCP", 5432),))
    api = PodFacts("x", {"app": "api"}, {"kubernetes.io/metadata.name": "x"})
    web = PodFacts("x", {"app": "web"}, {"kubernetes.io/metadata.name": "x"})
    assert policy_selects_pod(p, db) and not policy_selects_pod(p, api)
    assert not policy_selects_pod(p, PodFacts("x", None, None))
    assert direction_allows([p], "ingress", db, api, db.named_ports) == ConnSet.from_dict(
        {"TCP": [(5432, 5432)]}
    )
    assert direction_allows([p], "ingress", db, web, db.named_ports).is_empty()
    assert direction_allows([p], "ingress", db, "10.0.0.1", db.named_ports).is_empty()
    assert direction_allows([p], "ingress", api, web, ()).is_all()  # not isolated
    assert direction_allows([p], "egress", db, web, ()).is_all()
