"""One test (at least) per numbered point of ``docs/semantics.md``.

NP-1 to NP-25 are ``test_semantics_01`` to ``25``; the entry points E-1 to E-3 are
``test_semantics_26`` to ``28``.
"""

from __future__ import annotations

from typing import Any

import netutil
from k8snetlint.config import IngressController
from k8snetlint.connectivity import ConnSet
from k8snetlint.net import connlist_text
from netutil import analyze_input, can, config, deployment, ep, namespace, netpol, pod, service


def three_pods(*extra: dict[str, Any], ports: Any = (("http", 80, "TCP"),)) -> list[dict[str, Any]]:
    return [
        namespace("x", {"team": "x"}),
        namespace("y", {"team": "y"}),
        pod("x", "a", {"pod": "a"}, ports),
        pod("x", "b", {"pod": "b"}, ports),
        pod("y", "c", {"pod": "c"}, ports),
        *extra,
    ]


def test_semantics_01_isolation_is_per_direction() -> None:
    c = analyze_input(
        three_pods(netpol("x", "deny-in", {"podSelector": {"matchLabels": {"pod": "a"}}}))
    )
    assert not can(c, "x/b", "x/a")  # a is isolated for ingress
    assert can(c, "x/a", "x/b")  # ... but not for egress
    assert can(c, "x/b", "y/c")
    # a policy in another namespace never isolates
    c = analyze_input(three_pods(netpol("y", "deny-in", {"podSelector": {}})))
    assert can(c, "x/b", "x/a")
    assert not can(c, "x/b", "y/c")


def test_semantics_02_both_ends_must_agree() -> None:
    c = analyze_input(
        three_pods(
            # a may only talk to c
            netpol(
                "x",
                "a-egress",
                {
                    "podSelector": {"matchLabels": {"pod": "a"}},
                    "policyTypes": ["Egress"],
                    "egress": [
                        {
                            "to": [
                                {
                                    "namespaceSelector": {},
                                    "podSelector": {"matchLabels": {"pod": "c"}},
                                }
                            ]
                        }
                    ],
                },
            ),
            # b admits a
            netpol(
                "x",
                "b-ingress",
                {
                    "podSelector": {"matchLabels": {"pod": "b"}},
                    "ingress": [{"from": [{"podSelector": {}}]}],
                },
            ),
        )
    )
    assert not can(c, "x/a", "x/b")  # egress of a refuses although b admits
    assert can(c, "x/a", "y/c")
    v = c.verdict(ep(c, "x/a"), ep(c, "x/b"), "TCP", 80)
    assert not v.allowed
    assert v.egress[0].policy == "x/a-egress" and v.egress[0].rule_index == -1
    assert v.ingress[0].policy == "x/b-ingress" and v.ingress[0].rule_index == 0


def test_semantics_03_policytypes_defaulting() -> None:
    # egress: [] without policyTypes -> Ingress only (network-config-analyzer gets this wrong)
    c = analyze_input(three_pods(netpol("x", "p", {"podSelector": {}, "egress": []})))
    pol = c.inventory.policies[0]
    assert pol.policy_types == ("Ingress",)
    assert can(c, "x/a", "y/c")  # egress not isolated
    assert not can(c, "y/c", "x/a")  # ingress isolated
    # egress with a rule -> Ingress and Egress
    c = analyze_input(
        three_pods(
            netpol(
                "x",
                "p",
                {"podSelector": {}, "egress": [{"ports": [{"port": 53, "protocol": "UDP"}]}]},
            )
        )
    )
    assert c.inventory.policies[0].policy_types == ("Ingress", "Egress")
    assert not can(c, "x/a", "y/c")
    assert can(c, "x/a", "y/c", 53, "UDP")
    assert c.allowed(ep(c, "x/a"), ep(c, "y/c")) == ConnSet.from_dict({"UDP": [(53, 53)]})
    # policyTypes: [] behaves like a missing list
    c = analyze_input(
        three_pods(netpol("x", "p", {"podSelector": {}, "policyTypes": [], "egress": []}))
    )
    assert c.inventory.policies[0].policy_types == ("Ingress",)
    # explicit Egress only: ingress stays open
    c = analyze_input(three_pods(netpol("x", "p", {"podSelector": {}, "policyTypes": ["Egress"]})))
    assert can(c, "y/c", "x/a")
    assert not can(c, "x/a", "y/c")


def test_semantics_03_udp_53_is_allowed_both_ends() -> None:
    c = analyze_input(
        three_pods(
            netpol(
                "x",
                "p",
                {"podSelector": {}, "egress": [{"ports": [{"port": 53, "protocol": "UDP"}]}]},
            ),
            ports=(("dns", 53, "UDP"),),
        )
    )
    assert can(c, "x/a", "y/c", 53, "UDP")


def test_semantics_04_empty_or_missing_pod_selector_selects_namespace() -> None:
    specs: tuple[dict[str, Any], ...] = ({"podSelector": {}}, {})
    for spec in specs:
        c = analyze_input(three_pods(netpol("x", "deny", spec)))
        assert not can(c, "y/c", "x/a")
        assert not can(c, "y/c", "x/b")
        assert can(c, "x/a", "y/c")  # other namespace untouched
        assert {w.name for w in c.selected_workloads(c.inventory.policies[0])} == {"a", "b"}


def test_semantics_05_rules_lists() -> None:
    choices: tuple[list[Any] | None, ...] = (None, [])
    for ingress in choices:
        spec: dict[str, Any] = {"podSelector": {}}
        if ingress is not None:
            spec["ingress"] = ingress
        c = analyze_input(three_pods(netpol("x", "p", spec)))
        assert c.allowed(ep(c, "y/c"), ep(c, "x/a")).is_empty()
        assert c.allowed(ep(c, "8.8.8.8"), ep(c, "x/a")).is_empty()
    # ingress: [{}] allows every source, external included, on every port
    c = analyze_input(three_pods(netpol("x", "p", {"podSelector": {}, "ingress": [{}]})))
    assert c.allowed(ep(c, "y/c"), ep(c, "x/a")).is_all()
    assert c.allowed(ep(c, "8.8.8.8"), ep(c, "x/a")).is_all()
    # the same holds for egress
    c = analyze_input(
        three_pods(netpol("x", "p", {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{}]}))
    )
    assert c.allowed(ep(c, "x/a"), ep(c, "y/c")).is_all()
    assert c.allowed(ep(c, "x/a"), ep(c, "1.2.3.4")).is_all()
    c = analyze_input(
        three_pods(netpol("x", "p", {"podSelector": {}, "policyTypes": ["Egress"], "egress": []}))
    )
    assert c.allowed(ep(c, "x/a"), ep(c, "1.2.3.4")).is_empty()


def test_semantics_06_missing_or_empty_peers_match_everything() -> None:
    for rule in ({"ports": [{"port": 80}]}, {"from": [], "ports": [{"port": 80}]}):
        c = analyze_input(three_pods(netpol("x", "p", {"podSelector": {}, "ingress": [rule]})))
        assert can(c, "y/c", "x/a")
        assert can(c, "x/b", "x/a")
        assert can(c, "10.0.0.1", "x/a")
        assert not can(c, "10.0.0.1", "x/a", 81)
    c = analyze_input(
        three_pods(
            netpol(
                "x",
                "p",
                {
                    "podSelector": {},
                    "policyTypes": ["Egress"],
                    "egress": [{"to": [], "ports": [{"port": 443}]}],
                },
            )
        )
    )
    assert can(c, "x/a", "203.0.113.9", 443)
    assert not can(c, "x/a", "203.0.113.9", 80)


def test_semantics_07_invalid_peers_reported_and_skipped() -> None:
    text = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: x}
spec:
  podSelector: {}
  ingress:
  - from:
    - {}
    - ipBlock: {cidr: 10.0.0.0/8}
      podSelector: {}
    - podSelector:
        matchLabels: {pod: b}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {pod: a}}
spec: {containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: x, labels: {pod: b}}
spec: {containers: [{name: c, image: i}]}
"""
    c = analyze_input(text)
    pol = c.inventory.policies[0]
    paths = [p for p, _ in pol.problems]
    assert ("spec", "ingress", 0, "from", 0) in paths
    assert ("spec", "ingress", 0, "from", 1) in paths
    assert not pol.ingress[0].peers[0].valid  # type: ignore[index]
    assert pol.manifest.span_at(paths[0]).line == 9
    # the valid peer still works; the invalid ones match nothing (never fail open)
    assert can(c, "x/b", "x/a")
    assert not can(c, "x/a", "x/b")
    assert not can(c, "10.1.1.1", "x/a")
    # a rule whose only peers are invalid allows nothing
    c = analyze_input(
        three_pods(netpol("x", "p", {"podSelector": {}, "ingress": [{"from": [{}]}]}))
    )
    assert not can(c, "x/b", "x/a")
    assert not can(c, "10.1.1.1", "x/a")


def test_semantics_08_pod_selector_peer_is_policy_namespace() -> None:
    objs = three_pods(
        pod("y", "a", {"pod": "a"}, (("http", 80, "TCP"),)),
        netpol(
            "x",
            "p",
            {
                "podSelector": {"matchLabels": {"pod": "b"}},
                "ingress": [{"from": [{"podSelector": {"matchLabels": {"pod": "a"}}}]}],
            },
        ),
    )
    c = analyze_input(objs)
    assert can(c, "x/a", "x/b")
    assert not can(c, "y/a", "x/b")  # same labels, other namespace
    c = analyze_input(
        three_pods(
            netpol("x", "p", {"podSelector": {}, "ingress": [{"from": [{"podSelector": {}}]}]})
        )
    )
    assert can(c, "x/a", "x/b")
    assert not can(c, "y/c", "x/b")
    assert not can(c, "10.0.0.1", "x/b")


def test_semantics_09_namespace_selector_peer() -> None:
    c = analyze_input(
        three_pods(
            netpol(
                "x",
                "p",
                {
                    "podSelector": {},
                    "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"team": "y"}}}]}],
                },
            )
        )
    )
    assert can(c, "y/c", "x/a")
    assert not can(c, "x/b", "x/a")
    c = analyze_input(
        three_pods(
            netpol(
                "x", "p", {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {}}]}]}
            )
        )
    )
    assert can(c, "y/c", "x/a")
    assert can(c, "x/b", "x/a")
    assert not can(c, "192.168.0.1", "x/a")


def test_semantics_10_and_versus_or() -> None:
    objs = [
        namespace("x"),
        namespace("y", {"team": "y"}),
        pod("x", "server", {"pod": "server"}),
        pod("x", "a", {"pod": "a"}),
        pod("y", "a", {"pod": "a"}),
        pod("y", "b", {"pod": "b"}),
    ]
    and_peer = {
        "namespaceSelector": {"matchLabels": {"team": "y"}},
        "podSelector": {"matchLabels": {"pod": "a"}},
    }
    c = analyze_input(
        [
            *objs,
            netpol(
                "x",
                "and",
                {
                    "podSelector": {"matchLabels": {"pod": "server"}},
                    "ingress": [{"from": [and_peer]}],
                },
            ),
        ]
    )
    assert can(c, "y/a", "x/server")
    assert not can(c, "y/b", "x/server")
    assert not can(c, "x/a", "x/server")
    or_peers = [
        {"namespaceSelector": {"matchLabels": {"team": "y"}}},
        {"podSelector": {"matchLabels": {"pod": "a"}}},
    ]
    c = analyze_input(
        [
            *objs,
            netpol(
                "x",
                "or",
                {
                    "podSelector": {"matchLabels": {"pod": "server"}},
                    "ingress": [{"from": or_peers}],
                },
            ),
        ]
    )
    assert can(c, "y/a", "x/server")
    assert can(c, "y/b", "x/server")
    assert can(c, "x/a", "x/server")


def test_semantics_11_label_selectors() -> None:
    objs = [
        namespace("x"),
        pod("x", "server", {"role": "server"}),
        pod("x", "prod", {"env": "prod", "tier": "web"}),
        pod("x", "dev", {"env": "dev"}),
        pod("x", "bare", {}),
    ]

    def admitted(selector: dict[str, Any]) -> set[str]:
        c = analyze_input(
            [
                *objs,
                netpol(
                    "x",
                    "p",
                    {
                        "podSelector": {"matchLabels": {"role": "server"}},
                        "ingress": [{"from": [{"podSelector": selector}]}],
                    },
                ),
            ]
        )
        return {n for n in ("prod", "dev", "bare") if can(c, f"x/{n}", "x/server")}

    assert admitted(
        {"matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "qa"]}]}
    ) == {"prod"}
    # NotIn and DoesNotExist match objects lacking the key
    assert admitted(
        {"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["prod"]}]}
    ) == {"dev", "bare"}
    assert admitted({"matchExpressions": [{"key": "env", "operator": "Exists"}]}) == {"prod", "dev"}
    assert admitted({"matchExpressions": [{"key": "env", "operator": "DoesNotExist"}]}) == {"bare"}
    # matchLabels AND matchExpressions
    assert admitted(
        {
            "matchLabels": {"env": "prod"},
            "matchExpressions": [{"key": "tier", "operator": "Exists"}],
        }
    ) == {"prod"}
    assert (
        admitted(
            {
                "matchLabels": {"env": "dev"},
                "matchExpressions": [{"key": "tier", "operator": "Exists"}],
            }
        )
        == set()
    )
    assert admitted({}) == {"prod", "dev", "bare"}
    # invalid selectors never crash and match nothing
    assert (
        admitted({"matchExpressions": [{"key": "env", "operator": "Like", "values": ["p"]}]})
        == set()
    )
    assert admitted({"matchExpressions": [{"key": "env", "operator": "In", "values": []}]}) == set()
    # a Service without selector manages no pods; an empty selector neither
    inv = netutil.inventory(
        [
            *objs,
            service("x", "none", None, [{"port": 80}]),
            service("x", "empty", {}, [{"port": 80}]),
        ]
    )
    none, empty = inv.service("x", "none"), inv.service("x", "empty")
    assert none is not None and empty is not None
    assert none.selector is None and not none.target_workloads
    assert empty.selector_empty and not empty.target_workloads


def test_semantics_12_ipblock_except() -> None:
    block = {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}
    c = analyze_input(
        three_pods(netpol("x", "p", {"podSelector": {}, "ingress": [{"from": [block]}]}))
    )
    assert can(c, "10.0.0.1", "x/a")
    assert not can(c, "10.1.2.3", "x/a")
    assert not can(c, "11.0.0.1", "x/a")
    names = {e.name for e in c.external_endpoints}
    assert {"10.0.0.0-10.0.255.255", "10.1.0.0-10.1.255.255", "10.2.0.0-10.255.255.255"} <= names
    # excluded by one rule, allowed by another rule (or policy)
    c = analyze_input(
        three_pods(
            netpol("x", "p", {"podSelector": {}, "ingress": [{"from": [block]}]}),
            netpol(
                "x",
                "q",
                {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "10.1.2.0/24"}}]}]},
            ),
        )
    )
    assert can(c, "10.1.2.3", "x/a")
    assert not can(c, "10.1.3.3", "x/a")
    # an except outside the cidr (or equal to it) makes the peer invalid: reported, skipped
    c = analyze_input(
        three_pods(
            netpol(
                "x",
                "p",
                {
                    "podSelector": {},
                    "ingress": [
                        {"from": [{"ipBlock": {"cidr": "10.0.0.0/16", "except": ["10.0.0.0/16"]}}]}
                    ],
                },
            )
        )
    )
    pol = c.inventory.policies[0]
    assert pol.problems and pol.problems[0][0] == (
        "spec",
        "ingress",
        0,
        "from",
        0,
        "ipBlock",
        "except",
        0,
    )
    assert not can(c, "10.0.0.1", "x/a")


def test_semantics_13_ipblock_and_pods() -> None:
    objs = [
        namespace("x"),
        pod("x", "server", {"pod": "server"}),
        pod("x", "known", {"pod": "client"}, ips=["10.0.0.7"]),
        pod("x", "unknown", {"pod": "client2"}),
        netpol(
            "x",
            "p",
            {
                "podSelector": {"matchLabels": {"pod": "server"}},
                "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/24"}}]}],
            },
        ),
    ]
    c = analyze_input(objs)  # default: an ipBlock never matches a pod
    assert not can(c, "x/known", "x/server")
    assert can(c, "10.0.0.7", "x/server")
    assert any("ipBlocks never match pods" in n for n in c.notes)
    c = analyze_input(objs, config(ipblock_pods=True))  # opt-in: pods with a known IP
    assert can(c, "x/known", "x/server")
    assert not can(c, "x/unknown", "x/server")  # no known IP: never matched
    v = c.verdict(ep(c, "x/known"), ep(c, "x/server"), "TCP", 80)
    assert v.allowed and v.assumed


def test_semantics_14_ports() -> None:
    def allowed(ports: Any) -> ConnSet:
        rule: dict[str, Any] = {}
        if ports is not None:
            rule["ports"] = ports
        c = analyze_input(three_pods(netpol("x", "p", {"podSelector": {}, "ingress": [rule]})))
        return c.allowed(ep(c, "y/c"), ep(c, "x/a"))

    assert allowed(None).is_all()
    assert allowed([]).is_all()
    assert allowed([{"protocol": "UDP"}]) == ConnSet.from_dict({"UDP": [(1, 65535)]})
    assert allowed([{"port": 443}]) == ConnSet.from_dict({"TCP": [(443, 443)]})  # TCP by default


def test_semantics_15_named_ports_resolve_against_destination() -> None:
    objs = [
        namespace("x"),
        pod("x", "web", {"app": "web"}, [("http", 8080, "TCP")]),
        pod("x", "api", {"app": "api"}, [("http", 9090, "TCP")]),
        pod("x", "db", {"app": "db"}, [("pg", 5432, "TCP")]),
        pod("x", "udp", {"app": "udp"}, [("http", 7070, "UDP")]),
    ]
    # ingress: the selected (destination) pod's own port named http
    c = analyze_input(
        [*objs, netpol("x", "in", {"podSelector": {}, "ingress": [{"ports": [{"port": "http"}]}]})]
    )
    assert c.allowed(ep(c, "x/db"), ep(c, "x/web")) == ConnSet.from_dict({"TCP": [(8080, 8080)]})
    assert c.allowed(ep(c, "x/db"), ep(c, "x/api")) == ConnSet.from_dict({"TCP": [(9090, 9090)]})
    assert c.allowed(
        ep(c, "x/web"), ep(c, "x/db")
    ).is_empty()  # no such port: nothing, never fail open
    assert c.allowed(ep(c, "x/web"), ep(c, "x/udp")).is_empty()  # name matches, protocol does not
    # egress: the destination's port, not the source's
    c = analyze_input(
        [
            *objs,
            netpol(
                "x",
                "out",
                {
                    "podSelector": {"matchLabels": {"app": "web"}},
                    "policyTypes": ["Egress"],
                    "egress": [{"ports": [{"port": "http"}]}],
                },
            ),
        ]
    )
    assert c.allowed(ep(c, "x/web"), ep(c, "x/api")) == ConnSet.from_dict({"TCP": [(9090, 9090)]})
    assert c.allowed(ep(c, "x/web"), ep(c, "x/db")).is_empty()
    # a named port never applies to an ipBlock destination
    assert c.allowed(ep(c, "x/web"), ep(c, "1.1.1.1")).is_empty()


def test_semantics_16_endport() -> None:
    def run(port: dict[str, Any]) -> tuple[ConnSet, list[str]]:
        c = analyze_input(
            three_pods(netpol("x", "p", {"podSelector": {}, "ingress": [{"ports": [port]}]}))
        )
        return c.allowed(ep(c, "y/c"), ep(c, "x/a")), [
            m for _, m in c.inventory.policies[0].problems
        ]

    cs, problems = run({"port": 8000, "endPort": 8010})
    assert cs == ConnSet.from_dict({"TCP": [(8000, 8010)]}) and not problems
    assert cs.contains("TCP", 8010) and not cs.contains("TCP", 8011)
    for bad in (
        {"endPort": 8010},
        {"port": "http", "endPort": 8010},
        {"port": 8010, "endPort": 8000},
    ):
        cs, problems = run(bad)
        assert cs.is_empty(), bad
        assert problems, bad


def test_semantics_17_protocols_are_separate() -> None:
    c = analyze_input(
        three_pods(
            netpol(
                "x",
                "p",
                {
                    "podSelector": {},
                    "ingress": [
                        {
                            "ports": [
                                {"port": 80, "protocol": "UDP"},
                                {"port": 80, "protocol": "SCTP"},
                            ]
                        }
                    ],
                },
            )
        )
    )
    assert can(c, "y/c", "x/a", 80, "UDP")
    assert can(c, "y/c", "x/a", 80, "SCTP")
    assert not can(c, "y/c", "x/a", 80, "TCP")


def test_semantics_18_other_protocols_are_not_modelled() -> None:
    c = analyze_input(three_pods())
    v = c.verdict(ep(c, "x/a"), ep(c, "y/c"), "ICMP", None)
    assert not v.allowed
    assert any("TCP, UDP and SCTP" in n for n in v.notes)
    assert any("docs/semantics.md NP-18" in n for n in c.notes)
    assert {p for p, _ in ConnSet.all().ranges} == {"TCP", "UDP", "SCTP"}


def test_semantics_19_union_and_allow_all() -> None:
    c = analyze_input(
        three_pods(
            netpol("x", "p80", {"podSelector": {}, "ingress": [{"ports": [{"port": 80}]}]}),
            netpol("x", "p443", {"podSelector": {}, "ingress": [{"ports": [{"port": 443}]}]}),
        )
    )
    assert c.allowed(ep(c, "y/c"), ep(c, "x/a")) == ConnSet.from_dict(
        {"TCP": [(80, 80), (443, 443)]}
    )
    c = analyze_input(
        three_pods(
            netpol("x", "deny", {"podSelector": {}}),
            netpol(
                "x",
                "narrow",
                {
                    "podSelector": {},
                    "ingress": [{"from": [{"podSelector": {"matchLabels": {"pod": "b"}}}]}],
                },
            ),
            netpol("x", "allow-all", {"podSelector": {}, "ingress": [{}]}),
        )
    )
    assert c.allowed(ep(c, "y/c"), ep(c, "x/a")).is_all()
    assert c.allowed(ep(c, "8.8.8.8"), ep(c, "x/a")).is_all()


def test_semantics_20_loopback_left_out_of_listing() -> None:
    objs = [
        namespace("x"),
        deployment("x", "web", {"app": "web"}, replicas=3),
        deployment("x", "web2", {"app": "web"}),  # same labels: same class
    ]
    c = analyze_input(objs)
    pairs = {(x.src.display(), x.dst.display()) for x in c.connections}
    assert ("x/web[Deployment]", "x/web[Deployment]") not in pairs
    assert ("x/web[Deployment]", "x/web2[Deployment]") in pairs
    assert ("x/web2[Deployment]", "x/web[Deployment]") in pairs
    # a query between two pods of one workload is still answered
    web = ep(c, "x/web[Deployment]")
    assert c.allowed(web, web).is_all()
    c = analyze_input([*objs, netpol("x", "deny", {"podSelector": {}})])
    assert c.allowed(web, web).is_empty()
    assert any("docs/semantics.md NP-20" in n for n in c.notes)


def test_semantics_21_node_traffic_is_not_modelled() -> None:
    c = analyze_input(three_pods(netpol("x", "deny", {"podSelector": {}})))
    assert any("own node" in n and "docs/semantics.md NP-21" in n for n in c.notes)


def test_semantics_22_host_network_evaluated_like_pods() -> None:
    objs = three_pods(
        pod("x", "hn", {"pod": "hn"}, (("http", 80, "TCP"),), hostNetwork=True),
        netpol(
            "x",
            "p",
            {
                "podSelector": {"matchLabels": {"pod": "hn"}},
                "ingress": [{"from": [{"podSelector": {"matchLabels": {"pod": "a"}}}]}],
            },
        ),
    )
    c = analyze_input(objs)
    assert can(c, "x/a", "x/hn")
    assert not can(c, "x/b", "x/hn")
    assert [w.name for w in c.host_network_workloads] == ["hn"]
    assert any("hostNetwork" in n and "x/hn[Pod]" in n for n in c.notes)
    v = c.verdict(ep(c, "x/a"), ep(c, "x/hn"), "TCP", 80)
    assert v.assumed and any("hostNetwork" in n for n in v.notes)
    conn = next(x for x in c.connections if x.dst.name == "hn")
    assert conn.assumed


def test_semantics_23_services_act_after_dnat() -> None:
    objs = [
        namespace("x"),
        pod("x", "web-1", {"app": "web"}, [("http", 8080, "TCP")]),
        pod("x", "web-2", {"app": "web"}, [("http", 9090, "TCP")]),
        pod("x", "client", {"app": "client"}),
        service("x", "web", {"app": "web"}, [{"name": "http", "port": 80, "targetPort": "http"}]),
        netpol(
            "x",
            "p",
            {
                "podSelector": {"matchLabels": {"app": "web"}},
                "ingress": [{"ports": [{"port": 8080}]}],
            },
        ),
    ]
    c = analyze_input(objs)
    svc = c.inventory.service("x", "web")
    assert svc is not None
    resolved = {w.name: t for _, w, t in svc.resolutions()}
    assert resolved == {"web-1": 8080, "web-2": 9090}
    routes = {
        (r.dst.name, r.port, r.target_port, r.blocked) for r in c.routes if r.kind == "service"
    }
    assert routes == {("web-1", 80, 8080, False), ("web-2", 80, 9090, True)}
    # policies see pod ports, never the Service port
    assert can(c, "x/client", "x/web-1", 8080)
    assert not can(c, "x/client", "x/web-1", 80)


def test_semantics_24_selects_nothing_has_no_effect() -> None:
    c = analyze_input(
        three_pods(
            netpol("x", "ghost", {"podSelector": {"matchLabels": {"pod": "nobody"}}}),
            netpol(
                "x",
                "p",
                {
                    "podSelector": {"matchLabels": {"pod": "a"}},
                    "ingress": [{"from": [{"podSelector": {"matchLabels": {"pod": "nobody"}}}]}],
                },
            ),
        )
    )
    ghost = c.inventory.policy("x", "ghost")
    p = c.inventory.policy("x", "p")
    assert ghost is not None and p is not None
    assert c.selected_workloads(ghost) == ()
    assert can(c, "y/c", "x/b")  # no effect
    assert c.peer_workloads(p, p.ingress[0], 0) == ()
    assert c.allowed(
        ep(c, "x/b"), ep(c, "x/a")
    ).is_empty()  # a peer matching nothing allows nothing


def test_semantics_25_inert_rules() -> None:
    c = analyze_input(
        three_pods(
            netpol(
                "x",
                "p",
                {
                    "podSelector": {},
                    "policyTypes": ["Egress"],
                    "ingress": [{"from": [{"podSelector": {"matchLabels": {"pod": "b"}}}]}],
                    "egress": [{}],
                },
            )
        )
    )
    pol = c.inventory.policies[0]
    assert not pol.problems
    assert pol.inert and pol.inert[0][0] == ("spec", "ingress")
    assert pol.ingress == () and len(pol.inert_ingress) == 1
    assert can(c, "y/c", "x/a")  # ingress not isolated: the rule is ignored


def _exposed(svc_spec: dict[str, Any], policy: dict[str, Any] | None = None) -> list[Any]:
    objs: list[dict[str, Any]] = [
        namespace("x"),
        deployment("x", "web", {"app": "web"}, [("http", 8080, "TCP")]),
        service(
            "x",
            "web",
            {"app": "web"},
            [{"port": 80, "targetPort": 8080, "nodePort": 30080}],
            **svc_spec,
        ),
    ]
    if policy is not None:
        objs.append(netpol("x", "p", policy))
    return list(analyze_input(objs).routes)


def test_semantics_26_service_exposure() -> None:
    routes = _exposed({"type": "NodePort"})
    kinds = {r.kind: r for r in routes}
    assert set(kinds) == {"service", "nodeport"}
    node = kinds["nodeport"]
    assert (node.port, node.target_port, node.blocked) == (30080, 8080, False)
    assert "0.0.0.0-255.255.255.255" in node.sources
    # the pods' ingress policy as evaluated for an external source
    routes = _exposed(
        {"type": "NodePort"},
        {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {}}]}]},
    )
    assert next(r for r in routes if r.kind == "nodeport").blocked
    assert not next(r for r in routes if r.kind == "service").blocked
    routes = _exposed(
        {"type": "NodePort"},
        {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "203.0.113.0/24"}}]}]},
    )
    node = next(r for r in routes if r.kind == "nodeport")
    assert not node.blocked and node.sources == ("203.0.113.0-203.0.113.255",)
    # LoadBalancer narrowed by loadBalancerSourceRanges; externalIPs
    routes = _exposed(
        {
            "type": "LoadBalancer",
            "loadBalancerSourceRanges": ["198.51.100.0/24"],
            "externalIPs": ["192.0.2.10"],
        }
    )
    lb = next(r for r in routes if r.kind == "loadbalancer")
    assert lb.sources == ("198.51.100.0-198.51.100.255",) and lb.port == 80
    assert {r.kind for r in routes} == {"service", "nodeport", "loadbalancer", "externalip"}
    routes = _exposed(
        {"type": "LoadBalancer", "loadBalancerSourceRanges": ["198.51.100.0/24"]},
        {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "203.0.113.0/24"}}]}]},
    )
    assert next(r for r in routes if r.kind == "loadbalancer").blocked


INGRESS = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: app, namespace: shop}
spec:
  rules:
  - host: shop.example
    http:
      paths:
      - path: /api
        pathType: Prefix
        backend:
          service:
            name: api
            port: {name: http}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  selector: {app: api}
  ports: [{name: http, port: 80, targetPort: web}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        image: api
        ports: [{name: web, containerPort: 8080}]
"""

POLICY = """
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: shop}
spec:
  podSelector: {}
  ingress:
  - from: [%s]
"""


def test_semantics_27_ingress_routes_through_the_controller() -> None:
    c = analyze_input(INGRESS)
    (route,) = [r for r in c.routes if r.kind == "ingress"]
    assert (route.via, route.port, route.target_port, route.blocked) == (
        "shop/app shop.example/api",
        80,
        8080,
        False,
    )
    assert route.line == 12  # the backend
    assert "{ingress-controller} => shop/api[Deployment] : TCP 8080" in connlist_text(c)
    # unknown controller: only a rule admitting every pod of every namespace admits it
    for peer, blocked in (
        ("{namespaceSelector: {}}", False),
        ("{namespaceSelector: {}, podSelector: {}}", False),
        ("{podSelector: {}}", True),
        ("{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}}", True),
    ):
        c = analyze_input(INGRESS + POLICY % peer)
        (route,) = [r for r in c.routes if r.kind == "ingress"]
        assert route.blocked is blocked, peer
        if blocked:
            assert "ingress-controller" not in connlist_text(c)
    # config names the controller's namespace and labels
    ctrl = IngressController(
        namespace="ingress-nginx", labels={"app.kubernetes.io/name": "ingress-nginx"}
    )
    c = analyze_input(
        INGRESS
        + POLICY
        % "{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}}",
        config(ingress_controller=ctrl),
    )
    (route,) = [r for r in c.routes if r.kind == "ingress"]
    assert not route.blocked
    assert c.ingress_controller.namespace == "ingress-nginx"


def test_semantics_28_host_port() -> None:
    objs = [
        namespace("x"),
        pod("x", "agent", {"app": "agent"}),
    ]
    objs[1]["spec"]["containers"][0]["ports"] = [{"containerPort": 9100, "hostPort": 19100}]
    c = analyze_input(objs)
    (route,) = [r for r in c.routes if r.kind == "hostport"]
    assert (route.port, route.target_port, route.blocked) == (19100, 9100, False)
    c = analyze_input([*objs, netpol("x", "deny", {"podSelector": {}})])
    (route,) = [r for r in c.routes if r.kind == "hostport"]
    assert route.blocked
