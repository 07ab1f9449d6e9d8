"""Truth tables in the style of the upstream e2e suite (``test/e2e/network/netpol``).

Namespaces x, y, z each hold pods a, b, c; every pod serves ports 80 and 81 over TCP,
UDP and SCTP (container ports named ``serve-80-tcp`` and so on). Each test states the
expected 9x9 reachability for one protocol/port and compares every ordered pair of
distinct pods (loopback is plugin-defined, docs/semantics.md NP-20).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import netutil
from k8snetlint.net import Connectivity
from netutil import config, ep, netpol

NAMESPACES = ("x", "y", "z")
PODS = tuple(f"{ns}/{p}" for ns in NAMESPACES for p in "abc")
IPS = {
    f"{ns}/{p}": f"10.0.{i}.{j + 1}" for i, ns in enumerate(NAMESPACES) for j, p in enumerate("abc")
}


def model(*policies: dict[str, Any], with_ips: bool = False) -> list[dict[str, Any]]:
    objs: list[dict[str, Any]] = []
    for ns in NAMESPACES:
        # like upstream: namespaces carry a custom label, the name label is implicit
        objs.append(netutil.namespace(ns, {"ns": ns}))
        for p in "abc":
            ports = [
                (f"serve-{n}-{proto.lower()}", n, proto)
                for n in (80, 81)
                for proto in ("TCP", "UDP", "SCTP")
            ]
            ips = [IPS[f"{ns}/{p}"]] if with_ips else []
            objs.append(netutil.pod(ns, p, {"pod": p}, ports, ips))
    objs.extend(policies)
    return objs


def analyze(*policies: dict[str, Any], ipblock_pods: bool = False) -> Connectivity:
    return netutil.analyze_input(
        model(*policies, with_ips=ipblock_pods), config(ipblock_pods=ipblock_pods)
    )


Expect = Callable[[str, str], bool]


def check(c: Connectivity, expect: Expect, port: int = 80, proto: str = "TCP") -> None:
    """Compare the 9x9 table (without the diagonal) and print both tables on mismatch."""
    wrong: list[str] = []
    got_rows, want_rows = [], []
    for src in PODS:
        got_row, want_row = [], []
        for dst in PODS:
            if src == dst:
                got_row.append(".")
                want_row.append(".")
                continue
            got = c.allowed(ep(c, src), ep(c, dst)).contains(proto, port)
            want = expect(src, dst)
            got_row.append("X" if not got else "o")
            want_row.append("X" if not want else "o")
            if got != want:
                wrong.append(f"{src} -> {dst}: got {got}, want {want}")
        got_rows.append(f"{src:4} " + " ".join(got_row))
        want_rows.append(f"{src:4} " + " ".join(want_row))
    if wrong:
        header = "     " + " ".join(p[0] + p[2] for p in PODS)
        raise AssertionError(
            f"{proto}/{port}\nexpected:\n{header}\n"
            + "\n".join(want_rows)
            + f"\ngot:\n{header}\n"
            + "\n".join(got_rows)
            + "\n"
            + "\n".join(wrong)
        )


def allow_all(_s: str, _d: str) -> bool:
    return True


def ns_of(pod: str) -> str:
    return pod.split("/")[0]


def only(pairs: Iterable[tuple[str, str]]) -> Expect:
    s = set(pairs)
    return lambda a, b: (a, b) in s


def test_no_policy_allows_everything() -> None:
    c = analyze()
    for proto in ("TCP", "UDP", "SCTP"):
        check(c, allow_all, 80, proto)


def test_default_deny_ingress() -> None:
    c = analyze(netpol("x", "deny-ingress", {"podSelector": {}, "policyTypes": ["Ingress"]}))
    for port in (80, 81):
        check(c, lambda s, d: ns_of(d) != "x", port)


def test_default_deny_egress() -> None:
    c = analyze(netpol("x", "deny-egress", {"podSelector": {}, "policyTypes": ["Egress"]}))
    check(c, lambda s, d: ns_of(s) != "x")
    check(c, lambda s, d: ns_of(s) != "x", 81, "UDP")


def test_default_deny_all() -> None:
    c = analyze(netpol("x", "deny-all", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}))
    check(c, lambda s, d: ns_of(s) != "x" and ns_of(d) != "x")


def test_allow_ingress_from_same_namespace() -> None:
    c = analyze(
        netpol(
            "x",
            "allow-same-ns",
            {
                "podSelector": {"matchLabels": {"pod": "a"}},
                "ingress": [{"from": [{"podSelector": {}}]}],
            },
        )
    )
    check(c, lambda s, d: d != "x/a" or ns_of(s) == "x")


def test_pod_selector_peer() -> None:
    c = analyze(
        netpol(
            "x",
            "allow-b",
            {
                "podSelector": {"matchLabels": {"pod": "a"}},
                "ingress": [{"from": [{"podSelector": {"matchLabels": {"pod": "b"}}}]}],
            },
        )
    )
    check(c, lambda s, d: d != "x/a" or s == "x/b")


def test_namespace_selector_peer() -> None:
    c = analyze(
        netpol(
            "x",
            "allow-ns-y",
            {
                "podSelector": {"matchLabels": {"pod": "a"}},
                "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"ns": "y"}}}]}],
            },
        )
    )
    check(c, lambda s, d: d != "x/a" or ns_of(s) == "y")


def test_namespace_and_pod_selector_in_one_peer_is_and() -> None:
    peer = {
        "namespaceSelector": {"matchLabels": {"ns": "y"}},
        "podSelector": {"matchLabels": {"pod": "b"}},
    }
    c = analyze(
        netpol(
            "x",
            "and",
            {"podSelector": {"matchLabels": {"pod": "a"}}, "ingress": [{"from": [peer]}]},
        )
    )
    check(c, lambda s, d: d != "x/a" or s == "y/b")


def test_namespace_and_pod_selector_as_two_peers_is_or() -> None:
    peers = [
        {"namespaceSelector": {"matchLabels": {"ns": "y"}}},
        {"podSelector": {"matchLabels": {"pod": "b"}}},
    ]
    c = analyze(
        netpol(
            "x", "or", {"podSelector": {"matchLabels": {"pod": "a"}}, "ingress": [{"from": peers}]}
        )
    )
    check(c, lambda s, d: d != "x/a" or ns_of(s) == "y" or s == "x/b")


def test_match_expressions_namespace_not_in() -> None:
    peer = {
        "namespaceSelector": {
            "matchExpressions": [{"key": "ns", "operator": "NotIn", "values": ["y"]}]
        }
    }
    c = analyze(
        netpol(
            "x",
            "not-y",
            {"podSelector": {"matchLabels": {"pod": "a"}}, "ingress": [{"from": [peer]}]},
        )
    )
    check(c, lambda s, d: d != "x/a" or ns_of(s) != "y")


def test_allow_only_port_81() -> None:
    c = analyze(
        netpol(
            "x",
            "port-81",
            {"podSelector": {"matchLabels": {"pod": "a"}}, "ingress": [{"ports": [{"port": 81}]}]},
        )
    )
    check(c, lambda s, d: d != "x/a", 80)
    check(c, allow_all, 81)
    check(c, lambda s, d: d != "x/a", 81, "UDP")


def test_named_port() -> None:
    c = analyze(
        netpol(
            "x",
            "named",
            {
                "podSelector": {"matchLabels": {"pod": "a"}},
                "ingress": [{"ports": [{"port": "serve-81-tcp"}]}],
            },
        )
    )
    check(c, allow_all, 81, "TCP")
    check(c, lambda s, d: d != "x/a", 80, "TCP")
    check(c, lambda s, d: d != "x/a", 81, "UDP")


def test_named_port_egress_resolves_against_server() -> None:
    c = analyze(
        netpol(
            "x",
            "egress-named",
            {
                "podSelector": {"matchLabels": {"pod": "a"}},
                "policyTypes": ["Egress"],
                "egress": [{"ports": [{"port": "serve-80-udp", "protocol": "UDP"}]}],
            },
        )
    )
    check(c, allow_all, 80, "UDP")
    check(c, lambda s, d: s != "x/a", 80, "TCP")
    check(c, lambda s, d: s != "x/a", 81, "UDP")


def test_stacked_policies_are_unioned() -> None:
    c = analyze(
        netpol(
            "x",
            "from-b",
            {
                "podSelector": {"matchLabels": {"pod": "a"}},
                "ingress": [{"from": [{"podSelector": {"matchLabels": {"pod": "b"}}}]}],
            },
        ),
        netpol(
            "x",
            "from-y-c",
            {
                "podSelector": {"matchLabels": {"pod": "a"}},
                "ingress": [
                    {
                        "from": [
                            {
                                "namespaceSelector": {"matchLabels": {"ns": "y"}},
                                "podSelector": {"matchLabels": {"pod": "c"}},
                            }
                        ]
                    }
                ],
            },
        ),
    )
    check(c, lambda s, d: d != "x/a" or s in ("x/b", "y/c"))


def test_stacked_ports_are_unioned() -> None:
    c = analyze(
        netpol(
            "x",
            "p80",
            {"podSelector": {"matchLabels": {"pod": "a"}}, "ingress": [{"ports": [{"port": 80}]}]},
        ),
        netpol(
            "x",
            "p81",
            {"podSelector": {"matchLabels": {"pod": "a"}}, "ingress": [{"ports": [{"port": 81}]}]},
        ),
    )
    check(c, allow_all, 80)
    check(c, allow_all, 81)
    check(c, lambda s, d: d != "x/a", 80, "UDP")


def test_allow_all_takes_precedence_over_deny() -> None:
    c = analyze(
        netpol("x", "deny-all", {"podSelector": {}, "policyTypes": ["Ingress"]}),
        netpol("x", "allow-all", {"podSelector": {}, "ingress": [{}]}),
    )
    check(c, allow_all)
    check(c, allow_all, 81, "SCTP")


def test_egress_denied_at_client_while_server_allows() -> None:
    c = analyze(
        netpol(
            "x",
            "a-no-egress",
            {"podSelector": {"matchLabels": {"pod": "a"}}, "policyTypes": ["Egress"]},
        ),
        netpol(
            "y",
            "b-admits-x-a",
            {
                "podSelector": {"matchLabels": {"pod": "b"}},
                "ingress": [
                    {
                        "from": [
                            {
                                "namespaceSelector": {"matchLabels": {"ns": "x"}},
                                "podSelector": {"matchLabels": {"pod": "a"}},
                            }
                        ]
                    }
                ],
            },
        ),
    )
    check(c, lambda s, d: s != "x/a" and (d != "y/b" or s == "x/a"))


def test_egress_and_ingress_must_both_allow() -> None:
    c = analyze(
        netpol(
            "x",
            "a-to-y",
            {
                "podSelector": {"matchLabels": {"pod": "a"}},
                "egress": [{"to": [{"namespaceSelector": {"matchLabels": {"ns": "y"}}}]}],
                "policyTypes": ["Egress"],
            },
        ),
        netpol(
            "y",
            "y-from-x",
            {
                "podSelector": {},
                "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"ns": "x"}}}]}],
            },
        ),
    )
    check(c, lambda s, d: (s != "x/a" or ns_of(d) == "y") and (ns_of(d) != "y" or ns_of(s) == "x"))


def test_protocols_are_separate() -> None:
    c = analyze(
        netpol(
            "x",
            "udp-only",
            {
                "podSelector": {"matchLabels": {"pod": "a"}},
                "ingress": [{"ports": [{"port": 80, "protocol": "UDP"}]}],
            },
        )
    )
    check(c, allow_all, 80, "UDP")
    check(c, lambda s, d: d != "x/a", 80, "TCP")
    check(c, lambda s, d: d != "x/a", 80, "SCTP")
    c = analyze(
        netpol(
            "x",
            "sctp-all",
            {
                "podSelector": {"matchLabels": {"pod": "a"}},
                "ingress": [{"ports": [{"protocol": "SCTP"}]}],
            },
        )
    )
    check(c, allow_all, 81, "SCTP")
    check(c, lambda s, d: d != "x/a", 81, "TCP")


def test_default_namespace_name_label() -> None:
    peer = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "y"}}}
    c = analyze(
        netpol(
            "x",
            "from-y",
            {"podSelector": {"matchLabels": {"pod": "a"}}, "ingress": [{"from": [peer]}]},
        )
    )
    check(c, lambda s, d: d != "x/a" or ns_of(s) == "y")


def test_end_port() -> None:
    c = analyze(
        netpol(
            "x",
            "range",
            {
                "podSelector": {"matchLabels": {"pod": "a"}},
                "ingress": [{"ports": [{"port": 80, "endPort": 81, "protocol": "TCP"}]}],
            },
        )
    )
    check(c, allow_all, 80)
    check(c, allow_all, 81)
    check(c, lambda s, d: d != "x/a", 80, "UDP")
    c = analyze(
        netpol(
            "x",
            "range",
            {
                "podSelector": {"matchLabels": {"pod": "a"}},
                "ingress": [{"ports": [{"port": 81, "endPort": 82}]}],
            },
        )
    )
    check(c, lambda s, d: d != "x/a", 80)
    check(c, allow_all, 81)


def test_ipblock_with_except_for_external_addresses() -> None:
    c = analyze(
        netpol(
            "x",
            "egress-cidr",
            {
                "podSelector": {"matchLabels": {"pod": "a"}},
                "policyTypes": ["Egress"],
                "egress": [
                    {"to": [{"ipBlock": {"cidr": "192.0.2.0/24", "except": ["192.0.2.128/25"]}}]}
                ],
            },
        )
    )
    a = ep(c, "x/a")
    assert c.allowed(a, ep(c, "192.0.2.1")).is_all()
    assert c.allowed(a, ep(c, "192.0.2.200")).is_empty()
    assert c.allowed(a, ep(c, "8.8.8.8")).is_empty()
    assert c.allowed(ep(c, "x/b"), ep(c, "8.8.8.8")).is_all()
    # ipBlocks never match pods by default
    check(c, lambda s, d: s != "x/a")


def test_ipblock_matches_pods_with_known_ips_under_opt_in() -> None:
    policy = netpol(
        "x",
        "from-y-cidr",
        {
            "podSelector": {"matchLabels": {"pod": "a"}},
            "ingress": [
                {"from": [{"ipBlock": {"cidr": "10.0.1.0/24", "except": [IPS["y/b"] + "/32"]}}]}
            ],
        },
    )
    # default: the ipBlock matches no pod, so only external addresses get in
    check(analyze(policy), lambda s, d: d != "x/a")
    c = analyze(policy, ipblock_pods=True)
    check(c, lambda s, d: d != "x/a" or s in ("y/a", "y/c"))
    assert c.allowed(ep(c, "10.0.1.77"), ep(c, "x/a")).is_all()
    # egress to a pod CIDR, upstream's "should allow egress access to server in CIDR block"
    c = analyze(
        netpol(
            "x",
            "egress-to-z",
            {
                "podSelector": {"matchLabels": {"pod": "a"}},
                "policyTypes": ["Egress"],
                "egress": [{"to": [{"ipBlock": {"cidr": "10.0.2.0/24"}}]}],
            },
        ),
        ipblock_pods=True,
    )
    check(c, lambda s, d: s != "x/a" or ns_of(d) == "z")
