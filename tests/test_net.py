"""The engine's seams: the connection-set algebra, decision layers and route sources."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
