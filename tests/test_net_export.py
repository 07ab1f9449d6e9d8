"""The txt map made from shared pieces (:meth:`RowStream.text_rows` over
:meth:`Evaluator.open_row` and :meth:`Evaluator.closed_row`) against the answers
evaluated pair by pair and formatted line by line: the same bytes and summary on every
scenario and generated input, the same rows class by class, and the line-by-line path
wherever the pieces do not apply (admin tiers, a focus, a Gateway's connections)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from benchutil import bench_module
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_reference_agreement import (
    NAMESPACES,
    ns_label_sets,
    pod_labels,
    policy_specs,
    workload_ports,
)

import netutil
from k8snetlint.config import Config
from k8snetlint.connectivity import ConnSet
from k8snetlint.loader import load_paths
from k8snetlint.model import build_inventory
from k8snetlint.net import Connectivity, analyze
from k8snetlint.net.export import RowStream, TextRow
from k8snetlint.net.nodes import ALL, Node
from k8snetlint.reporters import graphfmt

ROOT = Path(__file__).resolve().parent.parent


def _inputs() -> list[Path]:
    """Every scenario of fixtures/ and tests/ (directories, and the rule examples file
    by file) that loads without errors."""
    out: list[Path] = []
    for group in ("scenarios", "connectivity-cli"):
        out.extend(p for p in sorted((ROOT / "fixtures" / group).iterdir()) if p.is_dir())
    for rule in sorted((ROOT / "fixtures" / "rules").iterdir()):
        if rule.is_dir():
            out.extend(sorted(rule.glob("*.yaml")))
    out.extend(p for p in sorted((ROOT / "tests" / "realworld").iterdir()) if p.is_dir())
    for group in ("netpol-analyzer", "tiers", "gateway-api"):
        folder = ROOT / "tests" / "data" / group
        if folder.is_dir():
            out.extend(p for p in sorted(folder.iterdir()) if p.is_dir())
    return out


INPUTS = _inputs()


def _analyze(path: Path, cfg: Config | None = None) -> Connectivity | None:
    cfg = cfg or Config()
    loaded = load_paths([str(path)], ())
    if loaded.errors:
        return None
    return analyze(build_inventory(loaded.manifests, cfg), cfg)


def _text_rows(conn: Connectivity, focus: Any = None) -> list[Any]:
    rows = conn.stream_rows(graphfmt.endpoint_name, lambda e: True, focus)
    if rows is None:
        return []
    assert isinstance(rows, RowStream)
    return list(rows.text_rows(lambda cs: cs.text()))


def _made(conn: Connectivity, focus: Any = None) -> int:
    """How many sources' lines the pieces made."""
    return sum(isinstance(r, TextRow) for r in _text_rows(conn, focus))


def _same_map(conn: Connectivity) -> None:
    """The streamed txt map (made from pieces where they apply) is the materialised
    one (every pair evaluated, the lines sorted), byte for byte; the summary too."""
    data = graphfmt.graph_data(conn)
    stream = graphfmt.MapStream(conn)
    assert "".join(stream.chunks("text")) == graphfmt.render_txt(data)
    assert stream.summary() == graphfmt.outside_summary(data)


def _same_rows(conn: Connectivity) -> int:
    """Every class's row put together from open_row/closed_row is Evaluator.row's;
    returns how many classes had pieces."""
    c, ev = conn.compiled, conn.evaluator
    pieces = 0
    for s in range(c.n):
        node = c.class_nodes[s]
        want = set(ev.row(node))
        got: dict[Node, ConnSet] = {}
        row = ev.open_row(s)
        closed = ev.closed_row(s)
        if row is not None:
            assert closed is None
            for d in range(c.n):
                if not (c.in_iso >> d) & 1:
                    got[c.class_nodes[d]] = ALL
            for atom in c.atom_nodes:
                got[atom] = ALL
            for adm in (*row.shared, *row.own):
                for d, cs in adm.dsts:
                    assert cs.ranges
                    got[c.class_nodes[d]] = cs
        elif closed is not None:
            share, isolated = closed
            for bits, cs in share.pieces:
                for d in range(c.n):
                    if (bits >> d) & 1:
                        assert c.class_nodes[d] not in got
                        got[c.class_nodes[d]] = cs
            for dnode, cs in (*share.open, *isolated):
                assert dnode not in got and cs.ranges
                got[dnode] = cs
        else:
            continue
        pieces += 1
        assert set(got.items()) == want, s
    return pieces


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_made_map_is_the_line_by_line_map(path: Path) -> None:
    conn = _analyze(path)
    if conn is None:
        pytest.skip("does not load")
    _same_map(conn)
    _same_rows(conn)


def test_the_pieces_are_used() -> None:
    """The scenarios without admin tiers have their rows made from pieces (the
    comparisons above compare something), open and closed egress both."""
    open_made = closed_made = 0
    for name in ("shop-open", "shop-protected", "microservices", "multi-namespace"):
        conn = _analyze(ROOT / "fixtures" / "scenarios" / name)
        assert conn is not None and _made(conn) > 0
        c, ev = conn.compiled, conn.evaluator
        open_made += sum(ev.open_row(s) is not None for s in range(c.n))
        closed_made += sum(ev.closed_row(s) is not None for s in range(c.n))
    assert open_made > 0 and closed_made > 0


def test_admin_tiers_fall_back_to_line_by_line() -> None:
    folder = ROOT / "tests" / "data" / "netpol-analyzer" / "anp_banp_core_test"
    conn = _analyze(folder)
    assert conn is not None and conn.inventory.tier_policies
    c, ev = conn.compiled, conn.evaluator
    assert all(ev.open_row(s) is None and ev.closed_row(s) is None for s in range(c.n))
    assert _made(conn) == 0 and _text_rows(conn)
    _same_map(conn)


def test_a_focus_falls_back_to_line_by_line() -> None:
    conn = _analyze(ROOT / "fixtures" / "scenarios" / "shop-open")
    assert conn is not None and _made(conn) > 0
    for w in conn.inventory.workloads[:3]:
        focus = conn.endpoint_for(w)
        assert _made(conn, focus) == 0
        data = graphfmt.graph_data(conn, focus)
        assert "".join(graphfmt.MapStream(conn, focus).chunks("text")) == graphfmt.render_txt(data)


def test_sources_with_gateway_connections_are_listed_line_by_line() -> None:
    """A source holding connections no class row holds (a Gateway's data plane) is
    listed line by line, the others from pieces."""
    conn = _analyze(ROOT / "fixtures" / "scenarios" / "gateway-seed")
    assert conn is not None
    rows = conn.stream_rows(graphfmt.endpoint_name, lambda e: True)
    assert isinstance(rows, RowStream) and rows.extra_of
    for row in rows.text_rows(lambda cs: cs.text()):
        if isinstance(row, TextRow):
            assert row.src not in rows.extra_of
    _same_map(conn)


def test_ipv6_ranges_left_out_of_made_rows(tmp_path: Path) -> None:
    """Address ranges the map leaves out (IPv6 when the input never mentions it) are
    left out of the made rows too."""
    (tmp_path / "in.yaml").write_text(
        """apiVersion: apps/v1
kind: Deployment
metadata: {name: a, namespace: x}
spec:
  selector: {matchLabels: {app: a}}
  template:
    metadata: {labels: {app: a}}
    spec: {containers: [{name: c, image: i}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: b, namespace: x}
spec:
  selector: {matchLabels: {app: b}}
  template:
    metadata: {labels: {app: b}}
    spec: {containers: [{name: c, image: i}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: out, namespace: x}
spec:
  podSelector: {matchLabels: {app: b}}
  policyTypes: [Egress]
  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}], ports: [{port: 443}]}, {to: [{podSelector: {}}]}]
"""
    )
    conn = _analyze(tmp_path)
    assert conn is not None and _made(conn) == 2
    text = "".join(graphfmt.MapStream(conn).chunks("text"))
    assert "10.0.0.0-10.255.255.255" in text and "::" not in text
    _same_map(conn)


@pytest.mark.parametrize("deny_every", [1, 2, 4])
def test_policy_dense_corpus(deny_every: int) -> None:
    """The bench's policy-dense corpus, small: namespaces of about 50 workloads,
    rules admitting whole namespaces and single pods, open and isolated egress."""
    files = bench_module("corpus").plan_policy_dense(220, 120, 150, 3, deny_every)
    objs = [o for rel in sorted(files) for o in files[rel]]
    conn = netutil.analyze_input(objs, Config())
    assert _same_rows(conn) == conn.compiled.n
    assert _made(conn) > 0
    _same_map(conn)


@st.composite
def wide_clusters(draw: st.DrawFn) -> tuple[list[dict[str, Any]], bool]:
    """Clusters of up to 14 workloads in up to 3 namespaces (so that rules admit
    whole namespaces and parts of them), policies of every kind of peer and port."""
    objs: list[dict[str, Any]] = []
    for ns in NAMESPACES:
        if draw(st.booleans()):
            objs.append(netutil.namespace(ns, draw(ns_label_sets)))
    for i in range(draw(st.integers(2, 14))):
        ns = draw(st.sampled_from(NAMESPACES))
        labels = draw(pod_labels)
        ports = draw(workload_ports)
        if draw(st.booleans()):
            objs.append(netutil.pod(ns, f"w{i}", labels, ports, ["10.0.0.5"] if i % 3 else []))
        else:
            objs.append(netutil.deployment(ns, f"w{i}", labels, ports))
    for i in range(draw(st.integers(0, 6))):
        spec = draw(policy_specs("mixed"))
        objs.append(netutil.netpol(draw(st.sampled_from(NAMESPACES)), f"p{i}", spec))
    return objs, draw(st.booleans())


@given(wide_clusters())
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_generated_made_map_is_the_line_by_line_map(cluster: tuple[list[Any], bool]) -> None:
    objs, ipblock_pods = cluster
    conn = netutil.analyze_input(objs, netutil.config(ipblock_pods=ipblock_pods))
    assert _same_rows(conn) == conn.compiled.n
    _same_map(conn)


@pytest.mark.parametrize("deny_every", [1, 4])
def test_both_ways_of_grouping_rules_agree(deny_every: int) -> None:
    """Evaluator._block cuts each rule's classes to each namespace, or visits each
    rule's classes: the same groups either way."""
    files = bench_module("corpus").plan_policy_dense(300, 160, 100, 5, deny_every)
    conn = netutil.analyze_input([o for rel in sorted(files) for o in files[rel]], Config())
    ev = conn.evaluator
    idx = ev._index()
    assert len(idx.spans) > 2
    firsts = sorted(set(idx.block_of))
    for first, last in firsts:
        assert ev._block(idx, first, last, by_class=True) == ev._block(
            idx, first, last, by_class=False
        )
    # one namespace per workload
    objs = [netutil.deployment(f"n{i}", "w", {"app": "w"}, []) for i in range(6)]
    objs.append(
        netutil.netpol(
            "n1", "p", {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {}}]}]}
        )
    )
    conn = netutil.analyze_input(objs, Config())
    idx = conn.evaluator._index()
    assert len(idx.spans) == 6
    _same_map(conn)
