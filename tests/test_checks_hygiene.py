"""NetworkPolicy hygiene checks: messages and locations of key cases."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from lintutil import lint_text

from k8snetlint.config import Assume, Config


def _pol(spec: str, name: str = "p", ns: str = "shop") -> str:
    return (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        f"metadata:\n  name: {name}\n  namespace: {ns}\nspec:\n{spec}"
    )


def test_invalid_empty_peer_points_at_peer() -> None:
    text = _pol("  podSelector: {}\n  ingress:\n  - from:\n    - {}\n")
    (f,) = lint_text(text, select=["network-policy-invalid"]).findings
    assert "no podSelector, namespaceSelector or ipBlock" in f.message
    assert (f.line, f.column) == (10, 7)


def test_invalid_except_outside_cidr() -> None:
    text = _pol(
        "  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock:\n"
        "        cidr: 10.0.0.0/16\n        except: [10.1.0.0/24]\n"
    )
    (f,) = lint_text(text, select=["network-policy-invalid"]).findings
    assert "strictly inside" in f.message and f.line == 12


def test_inert_rules_defaulted_policy_types_are_fine() -> None:
    # egress without policyTypes: Egress is added by defaulting, nothing inert
    text = _pol("  podSelector: {}\n  egress:\n  - {}\n")
    assert lint_text(text, select=["network-policy-inert-rules"]).findings == ()


def test_allows_all_names_voided_policies() -> None:
    text = (
        _pol("  podSelector: {}\n  ingress:\n  - {}\n", "open")
        + "---\n"
        + _pol("  podSelector: {}\n  ingress: []\n", "deny")
        + "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  namespace: shop\n"
        "spec:\n  containers:\n  - name: a\n    image: x\n"
    )
    (f,) = lint_text(text, select=["network-policy-allows-all"]).findings
    assert "it voids shop/deny" in f.message
    assert f.line == 9


def test_allows_all_not_for_restricted_ports() -> None:
    text = _pol("  podSelector: {}\n  ingress:\n  - ports:\n    - port: 443\n")
    assert lint_text(text, select=["network-policy-allows-all"]).findings == ()


def test_and_or_confusion_only_adjacent_and_not_for_and_form() -> None:
    and_form = _pol(
        "  podSelector: {}\n  ingress:\n  - from:\n    - namespaceSelector: {}\n"
        "      podSelector: {matchLabels: {a: b}}\n"
    )
    assert lint_text(and_form, select=["network-policy-peer-and-or-confusion"]).findings == ()


def test_egress_dns_allowed_by_rule_towards_unknown_pods() -> None:
    text = (
        _pol(
            "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to:\n"
            "    - namespaceSelector: {}\n    ports:\n    - port: 53\n      protocol: UDP\n"
        )
        + "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  namespace: shop\n"
        + ("spec:\n  containers:\n  - name: a\n    image: x\n")
    )
    assert lint_text(text, select=["egress-blocks-dns"]).findings == ()
    blocked = text.replace("port: 53", "port: 443")
    (f,) = lint_text(blocked, select=["egress-blocks-dns"]).findings
    assert f.message.startswith("shop/a[Pod] is egress-isolated by shop/p")


def test_default_deny_without_namespace_object_points_at_workload() -> None:
    text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  namespace: shop\nspec:\n  containers:\n  - name: a\n    image: x\n"
    (f,) = lint_text(text, select=["namespace-missing-default-deny"]).findings
    assert f.line == 5 and "namespace shop has 1 workload" in f.message


def test_pod_cidr_overlap_is_assumed() -> None:
    text = _pol("  podSelector: {}\n  egress:\n  - to:\n    - ipBlock:\n        cidr: 10.0.0.0/8\n")
    cfg = Config(assume=Assume(pod_cidr=("10.244.0.0/16",)))
    (f,) = lint_text(text, select=["ipblock-overlaps-pod-network"], config=cfg).findings
    assert f.assumed and "the pod network 10.244.0.0/16" in f.message and f.line == 11
    assert lint_text(text, select=["ipblock-overlaps-pod-network"]).findings == ()


def test_redundant_whole_policy_and_cross_policy_rule() -> None:
    wide = _pol("  podSelector: {}\n  ingress:\n  - from:\n    - podSelector: {}\n", "wide")
    narrow = _pol(
        "  podSelector:\n    matchLabels: {app: api}\n  ingress:\n  - from:\n"
        "    - podSelector: {matchLabels: {app: web}}\n    ports:\n    - port: 80\n",
        "narrow",
    )
    fs = lint_text(wide + "---\n" + narrow, select=["redundant-policy-rule"]).findings
    assert [f.message for f in fs] == [
        "NetworkPolicy shop/narrow is redundant: removing it changes no allowed connection "
        "(covered by shop/wide)"
    ]
    # identical policies: only the later one is reported
    fs = lint_text(
        wide + "---\n" + wide.replace("name: wide", "name: wide2"), select=["redundant-policy-rule"]
    ).findings
    assert len(fs) == 1 and "shop/wide2 is redundant" in fs[0].message


def test_redundant_not_for_different_namespaces_selector() -> None:
    text = _pol(
        "  podSelector: {}\n  ingress:\n  - from:\n    - podSelector: {}\n"
        "  - from:\n    - namespaceSelector: {matchLabels: {team: x}}\n"
    )
    assert lint_text(text, select=["redundant-policy-rule"]).findings == ()


def test_host_network_points_at_field() -> None:
    text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\nspec:\n  hostNetwork: true\n  containers:\n  - name: a\n    image: x\n"
    (f,) = lint_text(text, select=["host-network-bypasses-policy"]).findings
    assert f.line == 6 and "default/a[Pod] uses hostNetwork" in f.message


_port_entries = st.fixed_dictionaries(
    {},
    optional={
        "port": st.sampled_from([80, 443, "http", 0]),
        "protocol": st.sampled_from(["TCP", "UDP"]),
        "endPort": st.sampled_from([90, 70]),
    },
)


@settings(max_examples=200, deadline=None)
@given(
    ports=st.lists(
        st.one_of(st.none(), st.lists(_port_entries, max_size=2)), min_size=2, max_size=4
    )
)
def test_rule_covers_with_known_ports_keys_is_rule_covers(ports: list[Any]) -> None:
    from k8snetlint.checks.hygiene import _ports_key, rule_covers
    from k8snetlint.policy import parse_rule

    rules = [
        parse_rule(
            {"ports": p, "from": [{"podSelector": {}}]}, "ingress", i, ("spec", "ingress", i)
        )[0]
        for i, p in enumerate(ports)
    ]
    keys = {id(r): _ports_key(r.ports) for r in rules}
    for big in rules:
        for small in rules:
            assert rule_covers(big, small, keys) == rule_covers(big, small)


def test_and_or_confusion_not_for_own_namespace_peer() -> None:
    # kubeflow's "istio-system, or any pod of this namespace": `- podSelector: {}` joined
    # to the namespaceSelector would add nothing, so the OR is the only meaning
    own = _pol(
        "  podSelector: {}\n  ingress:\n  - from:\n"
        "    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: istio-system}}\n"
        "    - podSelector: {}\n"
    )
    assert lint_text(own, select=["network-policy-peer-and-or-confusion"]).findings == ()
    slip = own.replace("podSelector: {}\n", "podSelector: {matchLabels: {app: gw}}\n")
    (f,) = lint_text(slip, select=["network-policy-peer-and-or-confusion"]).findings
    assert "'podSelector app=gw' as two peers" in f.message


_POD = (
    "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  namespace: shop\n"
    "spec:\n  containers:\n  - name: a\n    image: x\n"
)


def test_egress_dns_openshift_pod_port_5353() -> None:
    # StackRox's generated policies for OpenShift allow UDP 5353 to every namespace: the
    # DNS pods' own port behind the dns-default Service's 53 (policies see pod ports)
    text = _pol(
        "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to:\n"
        "    - podSelector: {matchLabels: {app: db}}\n    ports:\n    - port: 5432\n"
        "  - to:\n    - namespaceSelector: {}\n    ports:\n    - port: 5353\n"
        "      protocol: UDP\n"
    )
    assert lint_text(text + _POD, select=["egress-blocks-dns"]).findings == ()
    (f,) = lint_text(text.replace("5353", "5354") + _POD, select=["egress-blocks-dns"]).findings
    assert "port 53" in f.message


def test_egress_dns_not_for_deny_all_egress() -> None:
    # no egress rule at all: the pods talk to nobody, on purpose; no DNS hole to report
    deny = _pol("  podSelector: {}\n  policyTypes: [Ingress, Egress]\n")
    assert lint_text(deny + _POD, select=["egress-blocks-dns"]).findings == ()
    some = _pol(
        "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to:\n"
        "    - podSelector: {}\n    ports:\n    - port: 443\n",
        "web",
    )
    (f,) = lint_text(deny + "---\n" + some + _POD, select=["egress-blocks-dns"]).findings
    assert "shop/p, shop/web" in f.message
