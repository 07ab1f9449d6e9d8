"""The HTML connectivity map: one self-contained page (inline SVG, CSS and script).

The picture is drawn from :class:`~k8snetlint.reporters.graphfmt.GraphData`: one node
per workload, boxed by namespace; one node for everything outside the cluster (every
address range folds into it; the side panel lists the ranges); the ingress controller;
and "any pod"/"anyone" nodes where a destination admits every workload (and every
address) on the same ports, so that open destinations draw one edge instead of one per
workload. The layout is computed in Python (:mod:`.graph_layout`), so the page needs no
layout library and no network; its Content-Security-Policy forbids any fetch.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from k8snetlint.connectivity import ConnSet, Endpoint
from k8snetlint.reporters import graph_layout
from k8snetlint.reporters.graphfmt import (
    ANY_POD,
    ANYONE,
    INGRESS_CONTROLLER_NAME,
    ROUTE_WORDS,
    GraphData,
    NodeFindings,
    endpoint_name,
    outside_reading,
    outside_summary,
    worst_severity,
)

OUTSIDE = "outside the cluster"
NAME_MAX = 25  # characters of a node's first line (a badge may stand on its right)


@dataclass(frozen=True)
class MapNode:
    id: str
    label: str  # first line
    sub: str  # second line
    group: str  # namespace; "" for nodes of no one namespace
    type: str  # workload, outside, ingress-controller, anyone, any-pod
    entry: bool = False  # exposed outside the cluster


@dataclass(frozen=True)
class MapEdge:
    src: str
    dst: str
    label: str
    kind: str  # pod, exposed, admitted, egress
    assumed: bool = False
    detail: str = ""  # address ranges behind an edge of the outside node


def _node_id(ep: Endpoint) -> str:
    return OUTSIDE if ep.kind == "external" else endpoint_name(ep)


def map_picture(data: GraphData) -> tuple[list[MapNode], list[MapEdge]]:
    """Nodes and edges of the map (see the module docs for the folding)."""
    workloads = sorted({e for e in data.endpoints if e.kind == "workload"})
    if data.focus is not None:
        workloads = sorted(
            set(workloads)
            | {c.src for c in data.connections if c.src.kind == "workload"}
            | {c.dst for c in data.connections if c.dst.kind == "workload"}
        )
    wl_ids = {endpoint_name(w) for w in workloads}
    # (src id, dst id) -> union of ports, assumed, exposure
    pairs: dict[tuple[str, str], ConnSet] = {}
    assumed: set[tuple[str, str]] = set()
    exposed: set[tuple[str, str]] = set()
    # per edge of the outside node: each range and its ports
    ranges: dict[tuple[str, str], list[tuple[str, ConnSet]]] = {}
    for c in data.connections:
        key = (_node_id(c.src), _node_id(c.dst))
        pairs[key] = pairs[key].union(c.conns) if key in pairs else c.conns
        if OUTSIDE in key:
            far = c.src if c.src.kind == "external" else c.dst
            ranges.setdefault(key, []).append((endpoint_name(far), c.conns))
        if c.assumed:
            assumed.add(key)
        reading = outside_reading(data, c)
        if reading is not None and reading["exposed"]:
            exposed.add(key)
    entry = {endpoint_name(r.dst) for r in data.routes if r.kind in ROUTE_WORDS and not r.blocked}
    by_dst: dict[tuple[str, str], set[str]] = {}
    by_src: dict[tuple[str, str], set[str]] = {}
    for (s, d), cs in pairs.items():
        by_dst.setdefault((d, cs.text()), set()).add(s)
        if d == OUTSIDE:
            by_src.setdefault((OUTSIDE, cs.text()), set()).add(s)
    edges: list[MapEdge] = []
    done: set[tuple[str, str]] = set()
    pseudo: set[str] = set()

    def kind_of(s: str, d: str) -> str:
        if d == OUTSIDE:
            return "egress"
        if s == OUTSIDE:
            return "exposed" if (s, d) in exposed else "admitted"
        return "pod"

    externals = sum(1 for e in data.endpoints if e.kind == "external")

    def every_address(key: tuple[str, str]) -> bool:
        """Every range of the input reaches the pod on the same ports."""
        items = ranges.get(key, [])
        return len(items) == externals and len({cs for _r, cs in items}) == 1

    def detail(key: tuple[str, str]) -> str:
        return "; ".join(f"{r}: {cs.text()}" for r, cs in sorted(ranges.get(key, [])))

    for (d, text), srcs in sorted(by_dst.items()):
        if d == OUTSIDE:
            continue
        others = wl_ids - {d}
        if len(others) >= 2 and others <= srcs:
            if OUTSIDE in srcs and (OUTSIDE, d) not in exposed and every_address((OUTSIDE, d)):
                edges.append(MapEdge(ANYONE, d, text, "pod"))
                pseudo.add(ANYONE)
                done |= {(s, d) for s in others | {OUTSIDE}}
            else:
                edges.append(MapEdge(ANY_POD, d, text, "pod"))
                pseudo.add(ANY_POD)
                done |= {(s, d) for s in others}
    for (_o, text), srcs in sorted(by_src.items()):
        if len(wl_ids) >= 2 and wl_ids <= srcs and all(every_address((w, OUTSIDE)) for w in wl_ids):
            edges.append(MapEdge(ANY_POD, OUTSIDE, text, "egress"))
            pseudo.add(ANY_POD)
            done |= {(s, OUTSIDE) for s in wl_ids}
    for (s, d), cs in sorted(pairs.items()):
        if (s, d) not in done:
            edges.append(MapEdge(s, d, cs.text(), kind_of(s, d), (s, d) in assumed, detail((s, d))))
    used = {e.src for e in edges} | {e.dst for e in edges}
    nodes: list[MapNode] = []
    for w in workloads:
        name = w.name.replace("/", " / ")
        label = name if len(name) <= NAME_MAX else name[: NAME_MAX - 1] + "…"
        nid = endpoint_name(w)
        nodes.append(MapNode(nid, label, w.workload_kind, w.namespace, "workload", nid in entry))
    if OUTSIDE in used:
        nodes.append(MapNode(OUTSIDE, OUTSIDE, "every address range", "", "outside"))
    if INGRESS_CONTROLLER_NAME in used:
        nodes.append(
            MapNode(
                INGRESS_CONTROLLER_NAME,
                "ingress controller",
                "Ingress paths",
                "",
                "ingress-controller",
            )
        )
    for gw in sorted(u for u in used if u.startswith("{gateway:")):
        # a Gateway's data plane not in the input (semantics GW-8): a proxy like the above
        nodes.append(MapNode(gw, f"gateway {gw[9:-1]}", "Gateway routes", "", "ingress-controller"))
    if ANYONE in pseudo:
        nodes.append(MapNode(ANYONE, "anyone", "every pod and address", "", "anyone"))
    if ANY_POD in pseudo:
        nodes.append(MapNode(ANY_POD, "any pod", "of every namespace", "", "any-pod"))
    return nodes, sorted(edges, key=lambda e: (e.dst, e.src, e.label))


def _asset(name: str) -> str:
    return (resources.files("k8snetlint") / "assets" / name).read_text(encoding="utf-8")


def _panel_data(
    data: GraphData, reasons: Mapping[tuple[str, str], str]
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]], dict[str, list[str]]]:
    """Per node id: who reaches it (and why), whom it reaches, and its ways in."""
    incoming: dict[str, list[dict[str, Any]]] = {}
    outgoing: dict[str, list[dict[str, Any]]] = {}
    for c in data.connections:
        s, d = endpoint_name(c.src), endpoint_name(c.dst)
        reading = outside_reading(data, c)
        item = {
            "src": s,
            "dst": d,
            "conn": c.conns.text(),
            "assumed": c.assumed,
            "why": reasons.get((s, d), ""),
            "outside": reading["meaning"] if reading is not None else "",
        }
        incoming.setdefault(_node_id(c.dst), []).append(item)
        outgoing.setdefault(_node_id(c.src), []).append(item)
    routes: dict[str, list[str]] = {}
    for r in data.routes:
        state = " (blocked by policy)" if r.blocked else ""
        routes.setdefault(endpoint_name(r.dst), []).append(
            f"{ROUTE_WORDS.get(r.kind, 'Service')} {r.via}: {r.protocol} {r.port or '(auto)'} "
            f"-> pod port {r.target_port}{state} ({r.file}:{r.line})"
        )
    return incoming, outgoing, routes


def _rect(r: graph_layout.Rect) -> dict[str, float]:
    return {"x": round(r.x, 1), "y": round(r.y, 1), "w": round(r.w, 1), "h": round(r.h, 1)}


def render_html(
    data: GraphData,
    reasons: Mapping[tuple[str, str], str] | None = None,
    findings: NodeFindings | None = None,
    namespace_findings: NodeFindings | None = None,
) -> str:
    """One self-contained page (inline SVG and script, no network access).

    ``findings`` maps a node id (connlist name) to the findings that concern it, each a
    dict with ``severity``, ``rule``, ``message`` and ``location`` (``file:line:col``);
    such nodes get a badge (count, coloured by the worst severity) and the classes
    ``has-findings sev-<worst>``. ``namespace_findings`` holds the findings tied to no
    drawn workload, by namespace ("" for none), shown on the namespace's box and in
    the side panel.
    """
    nodes, edges = map_picture(data)
    lay = graph_layout.layout(
        [(n.id, n.group) for n in nodes], [(e.src, e.dst, e.label) for e in edges]
    )
    drawn = {n.id for n in nodes}
    node_findings = {
        k: [dict(f) for f in v] for k, v in sorted((findings or {}).items()) if v and k in drawn
    }
    ns_findings = {
        k: [dict(f) for f in v] for k, v in sorted((namespace_findings or {}).items()) if v
    }
    incoming, outgoing, routes = _panel_data(data, reasons or {})
    geom = {(g.src, g.dst): g for g in lay.edges}
    payload = {
        "width": round(lay.width, 1),
        "height": round(lay.height, 1),
        "groups": [
            {"name": g, **_rect(r), "findings": len(ns_findings.get(g, ()))}
            for g, r in sorted(lay.groups.items())
        ],
        "nodes": [
            {
                "id": n.id,
                "label": n.label,
                "sub": n.sub,
                "group": n.group,
                "type": n.type,
                "entry": n.entry,
                "findings": len(node_findings.get(n.id, ())),
                "worst": worst_severity(node_findings.get(n.id, ())),
                **_rect(lay.nodes[n.id]),
            }
            for n in nodes
        ],
        "edges": [_edge_json(e, geom[(e.src, e.dst)]) for e in edges if (e.src, e.dst) in geom],
        "incoming": incoming,
        "outgoing": outgoing,
        "routes": routes,
        "findings": node_findings,
        "namespaceFindings": ns_findings,
        "summary": outside_summary(data).line(),
        "labelFont": graph_layout.LABEL_FONT,
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False)
    # never let data close the script element (nor open a comment or CDATA)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return (
        _asset("map.html")
        .replace("/*__CSS__*/", _asset("map.css"))
        .replace("/*__JS__*/", _asset("map.js"))
        .replace("__DATA__", text)
    )


def _edge_json(e: MapEdge, g: graph_layout.EdgeGeom) -> dict[str, Any]:
    box = g.label_box
    return {
        "src": e.src,
        "dst": e.dst,
        "label": e.label,
        "short": g.label,
        "kind": e.kind,
        "assumed": e.assumed,
        "detail": e.detail,
        "d": g.path,
        "lx": round(box.x + box.w / 2, 1) if box is not None else None,
        "ly": round(box.y + box.h / 2, 1) if box is not None else None,
        "lw": round(box.w, 1) if box is not None else round(graph_layout.label_size(g.label)[0], 1),
    }


__all__: Sequence[str] = ("OUTSIDE", "map_picture", "render_html")
