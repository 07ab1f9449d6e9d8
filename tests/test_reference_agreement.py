"""The engine agrees with the brute-force reference on generated clusters.

Hypothesis generates a few namespaces (some with labels, some without a Namespace
object), workloads with labels, named ports and (for Pods) addresses, and policies
with random selectors (valid and invalid), peers, ports, endPort, ipBlocks with
excepts and policyTypes. For every ordered pair of workloads (a workload with itself
included), every external range and sample addresses, and every port of a small
universe, :mod:`k8snetlint.net` must answer exactly like :mod:`tests.reference`.
"""

from __future__ import annotations

import ipaddress
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import netutil
from k8snetlint.net import Connectivity
from reference import Reference, RefPod

NAMESPACES = ("x", "y", "z")
PORT_UNIVERSE = (53, 79, 80, 81, 82, 8080)
PROTOS = ("TCP", "UDP", "SCTP")
SAMPLE_IPS = (
    "10.0.0.5",
    "10.1.0.7",
    "10.1.255.255",
    "192.168.1.9",
    "8.8.8.8",
    "0.0.0.0",
    "2001:db8::5",
    "::1",
)
POD_IPS = ("10.0.0.5", "10.1.0.7", "192.168.1.9", "10.0.0.200", "2001:db8::5")
CIDRS = (
    {"cidr": "10.0.0.0/8"},
    {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]},
    {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16", "10.0.0.128/25"]},
    {"cidr": "192.168.0.0/16"},
    {"cidr": "0.0.0.0/0"},
    {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]},
    {"cidr": "10.0.0.0/24"},
    {"cidr": "10.0.0.0/24", "except": ["10.0.0.0/24"]},  # invalid: not strictly inside
    {"cidr": "10.0.0.0/24", "except": ["11.0.0.0/25"]},  # invalid: outside
    {"cidr": "2001:db8::/32"},
    {"cidr": "::/0", "except": ["2001:db8::/32"]},
)

label_keys = st.sampled_from(["app", "tier"])
label_values = st.sampled_from(["a", "b", "c"])
pod_labels = st.dictionaries(label_keys, label_values, max_size=2)
ns_label_sets = st.dictionaries(
    st.sampled_from(["team", "env"]), st.sampled_from(["a", "b"]), max_size=2
)


def weighted(*pairs: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """Pick a strategy with the given relative weights."""
    pool = [strat for weight, strat in pairs for _ in range(weight)]
    return st.sampled_from(pool).flatmap(lambda strat: strat)


def selector(
    keys: st.SearchStrategy[str], values: st.SearchStrategy[str]
) -> st.SearchStrategy[dict[str, Any]]:
    set_expr = st.builds(
        lambda k, op, vals: {"key": k, "operator": op, "values": vals},
        keys,
        st.sampled_from(["In", "NotIn"]),
        weighted((6, st.lists(values, min_size=1, max_size=2, unique=True)), (1, st.just([]))),
    )
    exist_expr = st.builds(
        lambda k, op, vals: {
            "key": k,
            "operator": op,
            **({"values": vals} if vals is not None else {}),
        },
        keys,
        st.sampled_from(["Exists", "DoesNotExist"]),
        weighted((6, st.none()), (1, st.just(["a"]))),
    )
    bogus = st.builds(lambda k: {"key": k, "operator": "Bogus", "values": ["a"]}, keys)
    expr = weighted((5, set_expr), (4, exist_expr), (1, bogus))
    return weighted(
        (2, st.just({})),
        (
            4,
            st.builds(
                lambda ml: {"matchLabels": ml},
                st.dictionaries(keys, values, min_size=1, max_size=2),
            ),
        ),
        (4, st.builds(lambda me: {"matchExpressions": me}, st.lists(expr, min_size=1, max_size=2))),
        (
            1,
            st.builds(
                lambda ml, me: {"matchLabels": ml, "matchExpressions": me},
                st.dictionaries(keys, values, min_size=1, max_size=1),
                st.lists(expr, min_size=1, max_size=1),
            ),
        ),
    )


pod_sel = selector(label_keys, label_values)
ns_sel = selector(
    st.sampled_from(["team", "env", "kubernetes.io/metadata.name"]),
    st.sampled_from(["a", "b", "x", "y"]),
)

peer = weighted(
    (3, st.builds(lambda s: {"podSelector": s}, pod_sel)),
    (3, st.builds(lambda s: {"namespaceSelector": s}, ns_sel)),
    (3, st.builds(lambda n, p: {"namespaceSelector": n, "podSelector": p}, ns_sel, pod_sel)),
    (2, st.builds(lambda b: {"ipBlock": b}, st.sampled_from(CIDRS))),
    (1, st.just({})),
    (1, st.builds(lambda b: {"ipBlock": b, "podSelector": {}}, st.sampled_from(CIDRS))),
)

port_entry = st.one_of(
    st.just({}),
    st.builds(lambda p: {"protocol": p}, st.sampled_from(PROTOS)),
    st.builds(lambda n: {"port": n}, st.sampled_from([53, 80, 81, 8080])),
    st.builds(
        lambda n, p: {"port": n, "protocol": p},
        st.sampled_from([53, 80, 81]),
        st.sampled_from(PROTOS),
    ),
    st.builds(
        lambda n, p: {"port": n, "protocol": p},
        st.sampled_from(["http", "dns", "metrics"]),
        st.sampled_from(PROTOS),
    ),
    st.builds(
        lambda a, b: {"port": a, "endPort": b},
        st.sampled_from([79, 80, 81]),
        st.sampled_from([78, 81, 82, 8080]),
    ),
    st.builds(lambda b: {"endPort": b}, st.sampled_from([81, 82])),
    st.builds(lambda b: {"port": "http", "endPort": b}, st.sampled_from([81, 82])),
)


ipblock_peer = st.builds(lambda b: {"ipBlock": b}, st.sampled_from(CIDRS))
selector_peer = weighted(
    (3, st.builds(lambda s: {"podSelector": s}, pod_sel)),
    (3, st.builds(lambda s: {"namespaceSelector": s}, ns_sel)),
    (3, st.builds(lambda n, p: {"namespaceSelector": n, "podSelector": p}, ns_sel, pod_sel)),
)
open_peer = weighted(
    (1, st.just({"podSelector": {}})),
    (1, st.just({"namespaceSelector": {}})),
    (1, st.just({"namespaceSelector": {}, "podSelector": {}})),
)

# Each mode stresses one part of the semantics; "mixed" combines everything.
PEERS = {
    "mixed": peer,
    "selectors": selector_peer,
    "ports": open_peer,
    "ipblocks": weighted((6, ipblock_peer), (1, open_peer)),
}
PORTS = {
    "mixed": port_entry,
    "selectors": st.builds(lambda n: {"port": n}, st.sampled_from([80, 81])),
    "ports": weighted(
        (3, port_entry),
        (
            2,
            st.builds(
                lambda n, p: {"port": n, "protocol": p},
                st.sampled_from(["http", "dns"]),
                st.sampled_from(("TCP", "TCP", "UDP")),
            ),
        ),
    ),
    "ipblocks": weighted(
        (3, st.builds(lambda n: {"port": n}, st.sampled_from([80, 81]))), (1, port_entry)
    ),
}


def rules(direction: str, mode: str) -> st.SearchStrategy[Any]:
    key = "from" if direction == "ingress" else "to"
    peers = weighted((1, st.just([])), (6, st.lists(PEERS[mode], min_size=1, max_size=2)))
    if mode == "ports":
        peers = weighted((2, st.just([])), (1, st.lists(PEERS[mode], min_size=1, max_size=1)))
    rule = st.fixed_dictionaries(
        {},
        optional={
            key: peers,
            "ports": weighted((1, st.just([])), (3, st.lists(PORTS[mode], min_size=1, max_size=2))),
        },
    )
    return weighted((1, st.just([])), (5, st.lists(rule, min_size=1, max_size=2)))


@st.composite
def policy_specs(draw: st.DrawFn, mode: str) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if draw(st.integers(0, 3)):
        spec["podSelector"] = draw(
            pod_sel if mode != "ports" else weighted((1, pod_sel), (2, st.just({})))
        )
    types = draw(st.sampled_from([None, None, [], ["Ingress"], ["Egress"], ["Ingress", "Egress"]]))
    if types is not None:
        spec["policyTypes"] = types
    if draw(st.integers(0, 3)):
        spec["ingress"] = draw(rules("ingress", mode))
    if draw(st.integers(0, 2)) == 0:
        spec["egress"] = draw(rules("egress", mode))
    return spec


workload_ports = st.lists(
    st.tuples(
        st.sampled_from([None, "http", "http", "dns", "metrics"]),
        st.sampled_from([53, 80, 81, 8080]),
        st.sampled_from(("TCP", "TCP", "UDP", "SCTP")),
    ),
    max_size=3,
)


@st.composite
def clusters(draw: st.DrawFn, mode: str = "mixed") -> tuple[list[dict[str, Any]], bool]:
    objs: list[dict[str, Any]] = []
    for ns in NAMESPACES:
        if draw(st.booleans()):
            objs.append(netutil.namespace(ns, draw(ns_label_sets)))
    n_wl = draw(st.integers(2, 6))
    for i in range(n_wl):
        ns = draw(st.sampled_from(NAMESPACES[:1] if mode == "ports" else NAMESPACES))
        labels = draw(pod_labels)
        ports = draw(workload_ports)
        if mode == "ipblocks" or draw(st.booleans()):
            ips = draw(st.lists(st.sampled_from(POD_IPS), max_size=2, unique=True))
            objs.append(netutil.pod(ns, f"w{i}", labels, ports, ips))
        else:
            objs.append(netutil.deployment(ns, f"w{i}", labels, ports))
    for i in range(draw(st.integers(1, 4))):
        objs.append(
            netutil.netpol(
                draw(st.sampled_from(NAMESPACES[:1] if mode == "ports" else NAMESPACES)),
                f"p{i}",
                draw(policy_specs(mode)),
            )
        )
    return objs, draw(st.booleans())


def _ref_pod(ref: Reference, display: str) -> RefPod:
    return next(p for p in ref.pods if p.display == display)


def check_agreement(objs: list[dict[str, Any]], ipblock_pods: bool) -> None:
    cfg = netutil.config(ipblock_pods=ipblock_pods)
    conn: Connectivity = netutil.analyze_input(objs, cfg)
    ref = Reference(objs, ipblock_matches_pods=ipblock_pods)
    workloads = [e for e in conn.endpoints if e.kind == "workload"]
    assert len(workloads) == len(ref.pods)
    # every ordered pair of workloads, a workload with itself included
    for s in workloads:
        rs = _ref_pod(ref, s.display())
        for d in workloads:
            rd = _ref_pod(ref, d.display())
            got = conn.allowed(s, d)
            for proto in PROTOS:
                for port in PORT_UNIVERSE:
                    want = ref.allowed(rs, rd, proto, port)
                    assert got.contains(proto, port) == want, (
                        s.display(),
                        d.display(),
                        proto,
                        port,
                        got,
                    )
                    v = conn.verdict(s, d, proto, port)
                    assert v.allowed == want, (s.display(), d.display(), proto, port, v)
    # external ranges: both ends of every range and sample addresses
    ips: list[str] = list(SAMPLE_IPS)
    for e in conn.external_endpoints:
        version, lo, hi = conn.external_ranges(e)
        for n in (lo, hi):
            ips.append(str(ipaddress.ip_address(n) if version == 6 else ipaddress.IPv4Address(n)))
    for ip in ips:
        x = conn.external_endpoints_for(ip)
        for w in workloads:
            rw = _ref_pod(ref, w.display())
            into = conn.allowed(x, w)
            out = conn.allowed(w, x)
            for proto in PROTOS:
                for port in PORT_UNIVERSE:
                    assert into.contains(proto, port) == ref.allowed(ip, rw, proto, port), (
                        ip,
                        w.display(),
                        proto,
                        port,
                    )
                    assert out.contains(proto, port) == ref.allowed(rw, ip, proto, port), (
                        w.display(),
                        ip,
                        proto,
                        port,
                    )
    # the listing is exactly the non-empty pairs of distinct endpoints
    listed = {(c.src, c.dst): c.conns for c in conn.connections}
    for s in conn.endpoints:
        for d in conn.endpoints:
            if s == d or s.kind == "ingress-controller" or d.kind == "ingress-controller":
                continue
            cs = conn.allowed(s, d)
            if cs.is_empty():
                assert (s, d) not in listed
            else:
                assert listed.get((s, d)) == cs, (s, d)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters())
def test_engine_agrees_with_reference(cluster: tuple[list[dict[str, Any]], bool]) -> None:
    objs, ipblock_pods = cluster
    check_agreement(objs, ipblock_pods)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters("selectors"))
def test_engine_agrees_with_reference_on_selectors(
    cluster: tuple[list[dict[str, Any]], bool],
) -> None:
    objs, ipblock_pods = cluster
    check_agreement(objs, ipblock_pods)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters("ports"))
def test_engine_agrees_with_reference_on_ports(cluster: tuple[list[dict[str, Any]], bool]) -> None:
    objs, ipblock_pods = cluster
    check_agreement(objs, ipblock_pods)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters("ipblocks"))
def test_engine_agrees_with_reference_on_ipblocks(
    cluster: tuple[list[dict[str, Any]], bool],
) -> None:
    objs, ipblock_pods = cluster
    check_agreement(objs, ipblock_pods)


@settings(max_examples=25, deadline=None)
@given(clusters(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_order(
    cluster: tuple[list[dict[str, Any]], bool], rnd: random.Random
) -> None:
    objs, ipblock_pods = cluster
    cfg = netutil.config(ipblock_pods=ipblock_pods)
    a = netutil.analyze_input(objs, cfg)
    shuffled = list(objs)
    rnd.shuffle(shuffled)
    b = netutil.analyze_input(shuffled, cfg)
    assert a.endpoints == b.endpoints
    assert a.connections == b.connections
    assert a.routes == b.routes
