"""The admin policy tiers: typed views, the per-direction decision, the class-level layer."""

from __future__ import annotations

from typing import Any

import pytest

import netutil
from k8snetlint.connectivity import ConnSet
from k8snetlint.tiers import (
    AdminPolicy,
    ClassFacts,
    TierLayer,
    conn_difference,
    decide,
    parse_tier_policy,
    tier_policies,
)

V1 = "policy.networking.k8s.io/v1alpha1"
V2 = "policy.networking.k8s.io/v1alpha2"
ALL = ConnSet.all()


def anp(name: str, priority: Any, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": V1,
        "kind": "AdminNetworkPolicy",
        "metadata": {"name": name},
        "spec": {"priority": priority, "subject": {"namespaces": {}}, **spec},
    }


def banp(spec: dict[str, Any], name: str = "default") -> dict[str, Any]:
    return {
        "apiVersion": V1,
        "kind": "BaselineAdminNetworkPolicy",
        "metadata": {"name": name},
        "spec": {"subject": {"namespaces": {}}, **spec},
    }


def cnp(name: str, tier: str, priority: int, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": V2,
        "kind": "ClusterNetworkPolicy",
        "metadata": {"name": name},
        "spec": {"tier": tier, "priority": priority, "subject": {"namespaces": {}}, **spec},
    }


def parse(obj: dict[str, Any]) -> AdminPolicy:
    return parse_tier_policy(netutil.manifest_of(obj))


def tcp(*ports: int) -> ConnSet:
    return ConnSet.from_dict({"TCP": [(p, p) for p in ports]})


# --- connection sets -------------------------------------------------------------


def test_conn_difference() -> None:
    a = ConnSet.from_dict({"TCP": [(1, 100)], "UDP": [(53, 53)]})
    b = ConnSet.from_dict({"TCP": [(10, 20), (50, 50)], "SCTP": [(1, 9)]})
    assert conn_difference(a, b) == ConnSet.from_dict(
        {"TCP": [(1, 9), (21, 49), (51, 100)], "UDP": [(53, 53)]}
    )
    assert conn_difference(a, ConnSet()) == a
    assert conn_difference(a, ALL).is_empty()
    assert conn_difference(ALL, a).union(a) == ALL


# --- parsing ---------------------------------------------------------------------


def test_anp_is_parsed_with_paths_and_names() -> None:
    pol = parse(
        anp(
            "cluster-deny",
            10,
            {
                "ingress": [
                    {
                        "name": "deny-from-guests",
                        "action": "Deny",
                        "from": [{"namespaces": {"matchLabels": {"tenant": "guest"}}}],
                        "ports": [
                            {"portNumber": {"port": 80}},
                            {"portRange": {"protocol": "UDP", "start": 1000, "end": 2000}},
                            {"namedPort": "http"},
                        ],
                    }
                ]
            },
        )
    )
    assert pol.active and pol.layer == "admin" and pol.priority == 10
    assert pol.label() == "AdminNetworkPolicy cluster-deny (priority 10)"
    (rule,) = pol.ingress
    assert rule.label() == 'ingress[0] "deny-from-guests"'
    assert rule.action == "Deny" and rule.path == ("spec", "ingress", 0)
    assert [p.text() for p in rule.ports or ()] == ["TCP 80", "UDP 1000-2000", "named port http"]
    assert rule.conns((("http", "TCP", 8080),)) == ConnSet.from_dict(
        {"TCP": [(80, 80), (8080, 8080)], "UDP": [(1000, 2000)]}
    )
    # towards an external address a named port matches nothing
    assert rule.conns(None) == ConnSet.from_dict({"TCP": [(80, 80)], "UDP": [(1000, 2000)]})
    assert pol.problems == ()


def test_cnp_protocols_and_accept() -> None:
    pol = parse(
        cnp(
            "guard",
            "Baseline",
            3,
            {
                "egress": [
                    {
                        "action": "Accept",
                        "to": [{"pods": {"podSelector": {}}}],
                        "protocols": [
                            {"tcp": {"destinationPort": {"number": 443}}},
                            {"udp": {"destinationPort": {"range": {"start": 5, "end": 6}}}},
                            {"destinationNamedPort": "dns"},
                        ],
                    }
                ]
            },
        )
    )
    assert pol.layer == "baseline" and pol.label() == (
        "ClusterNetworkPolicy guard (tier Baseline, priority 3)"
    )
    (rule,) = pol.egress
    assert rule.action == "Allow" and rule.action_word == "Accept"
    # pods peer without namespaceSelector: every namespace (v1alpha2 makes it optional)
    assert rule.peers[0].namespace_selector is not None
    assert rule.peers[0].namespace_selector.is_empty
    assert rule.conns((("dns", "UDP", 53),)) == ConnSet.from_dict(
        {"TCP": [(443, 443)], "UDP": [(5, 6), (53, 53)]}
    )


def test_banp_not_named_default_is_ignored() -> None:
    assert not parse(banp({}, name="baseline")).active
    assert "must be named 'default'" in parse(banp({}, name="baseline")).ignored
    assert parse(banp({})).active


@pytest.mark.parametrize(
    ("obj", "words"),
    [
        (anp("a", 1001, {}), "priority"),
        (anp("a", "1", {}), "priority"),
        (dict(anp("a", 1, {}), spec={"priority": 1}), "subject"),
        (cnp("c", "Middle", 1, {}), "tier"),
    ],
)
def test_rejected_objects_are_ignored(obj: dict[str, Any], words: str) -> None:
    pol = parse(obj)
    assert not pol.active
    assert any(words in msg for _path, msg in pol.problems)


def test_peer_with_no_known_field_fails_closed() -> None:
    pol = parse(
        anp(
            "a",
            1,
            {
                "egress": [
                    {"action": "Allow", "to": [{"futurePeer": {}}]},
                    {
                        "action": "Deny",
                        "to": [{"futurePeer": {}}],
                        "ports": [{"portNumber": {"port": 1}}],
                    },
                ]
            },
        )
    )
    allow, deny = pol.egress
    assert allow.fail_closed and not allow.matches_all
    assert deny.fail_closed and deny.matches_all and deny.conns(None) == ALL
    assert any("futurePeer" in msg for _p, msg in pol.problems)


def test_tier_policies_are_ordered() -> None:
    objs = [
        banp({}),
        cnp("z", "Admin", 5, {}),
        anp("b", 5, {}),
        anp("a", 5, {}),
        cnp("base", "Baseline", 1, {}),
        anp("first", 0, {}),
    ]
    got = [p.key for p in tier_policies(netutil.manifests_of(objs))]
    assert got == [
        "AdminNetworkPolicy/first",
        "AdminNetworkPolicy/a",
        "AdminNetworkPolicy/b",
        "ClusterNetworkPolicy/z",
        "ClusterNetworkPolicy/base",
        "BaselineAdminNetworkPolicy/default",
    ]


# --- the decision ----------------------------------------------------------------


def _rules(pol: AdminPolicy, direction: str = "ingress") -> list[Any]:
    return [(pol, r) for r in pol.rules(direction)]  # type: ignore[arg-type]


def test_decision_first_match_by_port() -> None:
    pol = parse(
        anp(
            "a",
            1,
            {
                "ingress": [
                    {
                        "action": "Allow",
                        "from": [{"namespaces": {}}],
                        "ports": [{"portNumber": {"port": 80}}],
                    },
                    {
                        "action": "Deny",
                        "from": [{"namespaces": {}}],
                        "ports": [{"portRange": {"start": 1, "end": 100}}],
                    },
                    {
                        "action": "Pass",
                        "from": [{"namespaces": {}}],
                        "ports": [{"portNumber": {"port": 443}}],
                    },
                ]
            },
        )
    )
    admin = _rules(pol)
    # no NetworkPolicy, no baseline: 80 allowed, 1-100 else denied, the rest allowed
    got = decide(admin, [], None, ())
    assert got == conn_difference(
        ALL, conn_difference(ConnSet.from_dict({"TCP": [(1, 100)]}), tcp(80))
    )
    # a NetworkPolicy allowing only 443 and 8080: Pass hands 443 to it; 80 stays allowed
    np_allowed = tcp(443, 8080)
    got = decide(admin, [], np_allowed, ())
    assert got == tcp(80, 443, 8080)


def test_decision_baseline_only_without_networkpolicy() -> None:
    base = parse(banp({"ingress": [{"action": "Deny", "from": [{"namespaces": {}}]}]}))
    assert decide([], _rules(base), None, ()) == ConnSet()
    assert decide([], _rules(base), tcp(80), ()) == tcp(80)


def test_decision_with_steps_names_the_rules() -> None:
    pol = parse(
        anp(
            "cluster-deny",
            10,
            {
                "ingress": [
                    {"name": "deny-from-guests", "action": "Deny", "from": [{"namespaces": {}}]}
                ]
            },
        )
    )
    decision = decide(_rules(pol), [], None, (), steps=True)
    assert not isinstance(decision, ConnSet)
    assert decision.allowed.is_empty()
    (step,) = decision.admin
    assert (
        step.text()
        == 'AdminNetworkPolicy cluster-deny (priority 10) ingress[0] "deny-from-guests": Deny'
    )


# --- the class layer -------------------------------------------------------------


def facts() -> list[ClassFacts]:
    return [
        ClassFacts(
            0,
            "a",
            {"app": "web"},
            {"kubernetes.io/metadata.name": "a"},
            (("http", "TCP", 8080),),
            (("10.0.0.5",),),
        ),
        ClassFacts(
            1, "b", {"app": "db"}, {"kubernetes.io/metadata.name": "b", "tenant": "guest"}, ()
        ),
        ClassFacts(
            2,
            "b",
            {"app": "host"},
            {"kubernetes.io/metadata.name": "b", "tenant": "guest"},
            (),
            host_network=True,
        ),
        ClassFacts(3, None, None, None, ()),  # a pseudo-pod of unknown namespace and labels
    ]


ATOMS = [(4, 0, 167772159), (4, 167772160, 184549375), (4, 184549376, 4294967295)]  # 10.0.0.0/8 cut


def test_layer_subjects_and_peers() -> None:
    pols = tier_policies(
        netutil.manifests_of(
            [
                anp(
                    "guests",
                    1,
                    {
                        "egress": [
                            {
                                "action": "Deny",
                                "to": [{"namespaces": {"matchLabels": {"tenant": "guest"}}}],
                            },
                            {"action": "Allow", "to": [{"networks": ["10.0.0.0/8"]}]},
                            {"action": "Pass", "to": [{"networks": ["0.0.0.0/0"]}]},
                        ]
                    },
                )
            ]
        )
    )
    layer = TierLayer(pols, facts(), ATOMS)
    # the empty namespaces subject selects every class but the host-network one
    assert layer.profile("egress", 2) is None
    prof = layer.profile("egress", 0)
    assert prof is not None
    deny, allow, passes = prof.admin
    assert deny.cls == 0b0010  # class 1 only: host-network class 2 is never a peer
    assert allow.cls == 0b0001 and allow.ext == 0b010  # the pod at 10.0.0.5, and 10.0.0.0/8
    assert passes.cls == 0b1011 and passes.ext == 0b111  # 0.0.0.0/0 matches pods of unknown IP
    assert layer.decide("egress", 0, ("c", 1), None, ()) == ConnSet()
    assert layer.decide("egress", 0, ("x", 1), tcp(1), None) == ALL
    assert layer.decide("egress", 0, ("x", 2), tcp(1), None) == tcp(1)
    # the unknown pseudo-pod is selected only by empty selectors
    assert layer.profile("egress", 3) is not None
