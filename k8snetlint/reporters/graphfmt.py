"""Renderers of the connectivity map: txt, json, csv, dot, mermaid, graphml and html.

Every renderer takes the (possibly focus-filtered) connections and routes of a
:class:`~k8snetlint.net.export.GraphSource` (a :class:`~k8snetlint.net.Connectivity`) and returns text. Output is deterministic:
connections are sorted by their connlist line, routes by their fields.
"""

from __future__ import annotations

import csv
import gc
import io
import ipaddress
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from k8snetlint.connectivity import Connection, ConnSet, Endpoint, Route
from k8snetlint.textsafe import escape_control, escape_xml_forbidden

if TYPE_CHECKING:
    from k8snetlint.findings import Finding, Report
    from k8snetlint.model import Inventory, Workload
    from k8snetlint.net.export import GraphSource, Row, TextRow

GRAPH_FORMATS = ("txt", "json", "csv", "dot", "mermaid", "graphml", "html")

INGRESS_CONTROLLER_NAME = "{ingress-controller}"
ANYONE = "anyone (every pod and every address)"
ANY_POD = "any pod (all namespaces)"
INTERNET = "any address outside the cluster"

SEVERITY_ORDER = ("error", "warning", "info")

# findings per node id (or per namespace): dicts with severity, rule, message, location
NodeFindings = Mapping[str, Sequence[Mapping[str, str]]]


EXTERNAL_SUFFIX = "[External]"
# Route kinds that carry traffic from outside the cluster to pods
OUTSIDE_ROUTE_KINDS = ("nodeport", "loadbalancer", "externalip", "hostport", "ingress", "gateway")


def endpoint_name(ep: Endpoint) -> str:
    """The connlist name of an endpoint (netpol-analyzer's spelling): ``ns/name[Kind]``,
    ``a.b.c.d-e.f.g.h[External]`` or ``{ingress-controller}``."""
    found = _NAMES.get(ep)
    if found is None:
        found = _endpoint_name(ep)
        if len(_NAMES) < 1 << 20:  # asked once per pair: millions of times per map
            _NAMES[ep] = found
    return found


_NAMES: dict[Endpoint, str] = {}


def _endpoint_name(ep: Endpoint) -> str:
    if ep.kind == "ingress-controller":
        return INGRESS_CONTROLLER_NAME
    if ep.kind == "external":
        return ep.name + EXTERNAL_SUFFIX
    return ep.display()


def is_ipv6_range(name: str) -> bool:
    return ":" in name


def _ipv6_text(text: str) -> bool:
    try:
        return ipaddress.ip_network(text.strip(), strict=False).version == 6
    except ValueError:
        return False


def mentions_ipv6(inv: Inventory) -> bool:
    """Whether the input names an IPv6 address anywhere the engine reads addresses:
    ipBlocks, admin-tier networks, pod IPs, Service externalIPs,
    loadBalancerSourceRanges and ipFamilies."""
    for pol in inv.policies:
        for _rule, peer in pol.peers():
            if peer.ip_block is not None and peer.ip_block.version == 6:
                return True
    for tier in inv.tier_policies:  # admin tiers: networks peers
        for direction in ("ingress", "egress"):
            for trule in tier.rules(direction):
                if any(b.version == 6 for p in trule.peers for b in p.networks):
                    return True
    for w in inv.workloads:
        if any(_ipv6_text(ip) for pod in w.pod_ips for ip in pod):
            return True
    for svc in inv.services:
        if any(_ipv6_text(x) for x in (*svc.external_ips, *svc.load_balancer_source_ranges)):
            return True
        spec = svc.manifest.data.get("spec")
        families = spec.get("ipFamilies") if isinstance(spec, dict) else None
        if isinstance(families, list) and "IPv6" in families:
            return True
    return False


def connlist_line(c: Connection) -> str:
    return f"{endpoint_name(c.src)} => {endpoint_name(c.dst)} : {c.conns.text()}"


@dataclass(frozen=True)
class GraphData:
    """What the renderers draw: endpoints, allowed connections, routes and notes."""

    endpoints: tuple[Endpoint, ...]
    connections: tuple[Connection, ...]
    routes: tuple[Route, ...]
    notes: tuple[str, ...] = ()
    focus: Endpoint | None = None

    @cached_property
    def open_ways_in(self) -> dict[Endpoint, tuple[Route, ...]]:
        """Per workload, the routes from outside the cluster that policy does not block."""
        out: dict[Endpoint, list[Route]] = {}
        for r in self.routes:
            if not r.blocked and r.kind in OUTSIDE_ROUTE_KINDS:
                out.setdefault(r.dst, []).append(r)
        return {k: tuple(v) for k, v in out.items()}


def _drop_ipv6(
    endpoints: tuple[Endpoint, ...], conns: tuple[Connection, ...], routes: tuple[Route, ...]
) -> tuple[tuple[Endpoint, ...], tuple[Connection, ...], tuple[Route, ...]]:
    def v6(ep: Endpoint) -> bool:
        return ep.kind == "external" and is_ipv6_range(ep.name)

    return (
        tuple(e for e in endpoints if not v6(e)),
        tuple(c for c in conns if not (v6(c.src) or v6(c.dst))),
        tuple(
            r
            if not any(is_ipv6_range(x) for x in r.sources)
            else replace(r, sources=tuple(x for x in r.sources if not is_ipv6_range(x)))
            for r in routes
        ),
    )


def graph_data(conn: GraphSource, focus: Endpoint | None = None) -> GraphData:
    """The connectivity result, restricted to pairs touching ``focus`` when given.

    IPv6 address ranges are left out unless the input mentions IPv6 (the engine always
    models both families; without IPv6 in the input every IPv6 line would repeat an
    IPv4 one).
    """
    conns = tuple(conn.connections)
    routes = tuple(conn.routes)
    endpoints = tuple(conn.endpoints)
    if not mentions_ipv6(conn.inventory):
        endpoints, conns, routes = _drop_ipv6(endpoints, conns, routes)
    if focus is not None:
        conns = tuple(c for c in conns if focus in (c.src, c.dst))
        routes = tuple(r for r in routes if r.dst == focus)
        keep = {focus} | {c.src for c in conns} | {c.dst for c in conns}
        endpoints = tuple(e for e in endpoints if e in keep)
    conns = tuple(sorted(conns, key=connlist_line))
    return GraphData(endpoints, conns, routes, tuple(conn.notes), focus)


# -- txt / json / csv ---------------------------------------------------------------


def render_txt(data: GraphData) -> str:
    lines = sorted(escape_control(connlist_line(c)) for c in data.connections)
    return "\n".join(lines) + ("\n" if lines else "")


def endpoint_json(ep: Endpoint) -> dict[str, str]:
    return {
        "name": endpoint_name(ep),
        "type": ep.kind,
        "namespace": ep.namespace,
        "workload": ep.name if ep.kind == "workload" else "",
        "kind": ep.workload_kind if ep.kind == "workload" else "",
    }


def ports_json(cs: ConnSet) -> list[dict[str, Any]]:
    return [
        {"protocol": proto, "from": lo, "to": hi}
        for proto, ranges in cs.ranges
        for lo, hi in ranges
    ]


def route_json(r: Route) -> dict[str, Any]:
    return {
        "kind": r.kind,
        "via": r.via,
        "dst": endpoint_json(r.dst),
        "protocol": r.protocol,
        "port": r.port,
        "targetPort": r.target_port,
        "blocked": r.blocked,
        "sources": list(r.sources),
        "file": r.file,
        "line": r.line,
    }


def worst_severity(items: Sequence[Mapping[str, str]]) -> str:
    """The most severe ``severity`` of ``items`` ("" when there are none)."""
    present = {f.get("severity", "") for f in items}
    return next((s for s in SEVERITY_ORDER if s in present), "info" if items else "")


def _shown_findings(
    data: GraphData, node_ids: set[str] | None, findings: NodeFindings | None
) -> dict[str, list[dict[str, str]]]:
    """Findings of the nodes that are drawn, as plain lists of plain dicts."""
    if not findings:
        return {}
    if node_ids is None:
        node_ids = {endpoint_name(e) for e in data.endpoints}
    return {k: [dict(f) for f in v] for k, v in sorted(findings.items()) if v and k in node_ids}


ROUTE_WORDS = {
    "nodeport": "NodePort",
    "loadbalancer": "LoadBalancer",
    "externalip": "externalIP",
    "hostport": "hostPort",
    "ingress": "Ingress",
    "gateway": "Gateway",
}


def _range_of(name: str) -> tuple[int, int, int] | None:
    """(version, first, last) of ``a-b`` (the engine's range names), None otherwise."""
    lo, sep, hi = name.partition("-")
    if not sep:
        return None
    try:
        a, b = ipaddress.ip_address(lo), ipaddress.ip_address(hi)
    except ValueError:
        return None
    return (a.version, int(a), int(b))


def _overlaps(a: str, b: str) -> bool:
    ra, rb = _range_of(a), _range_of(b)
    return (
        ra is not None and rb is not None and ra[0] == rb[0] and ra[1] <= rb[2] and rb[1] <= ra[2]
    )


def exposure_routes(data: GraphData, c: Connection) -> list[Route]:
    """The open ways in from outside that carry traffic of ``c`` (an external source to
    a workload): NodePort, LoadBalancer, externalIPs, hostPort whose admitted sources
    overlap the range, and Ingress paths; each only on a port ``c`` allows."""
    out: list[Route] = []
    for r in data.open_ways_in.get(c.dst, ()):
        if r.kind in ("ingress", "gateway"):
            out.append(r)  # through a proxy (ingress controller, Gateway): not an address
            continue
        if c.conns.contains(r.protocol, r.target_port) and any(
            _overlaps(src, c.src.name) for src in r.sources
        ):
            out.append(r)
    return out


def outside_reading(data: GraphData, c: Connection) -> dict[str, Any] | None:
    """What a connection with an end outside the cluster means, or None for other pairs.

    ``direction`` is ``egress`` (pods may open connections to those addresses) or
    ``ingress`` (the destination's ingress policy admits those addresses). An ingress
    reading is ``exposed`` only when a NodePort, LoadBalancer, externalIP, hostPort or
    Ingress carries such traffic to the pods; otherwise the policy admits the addresses
    but nothing outside the cluster is routed to the pods (a ClusterIP-only database is
    not internet-facing).
    """
    if c.src.kind == "workload" and c.dst.kind == "external":
        return {
            "direction": "egress",
            "exposed": False,
            "via": [],
            "meaning": f"egress: pods of {endpoint_name(c.src)} may open connections to "
            f"{c.dst.name} ({c.conns.text()})",
        }
    if c.src.kind != "external":
        return None
    ways = exposure_routes(data, c)
    if ways:
        via = sorted({f"{ROUTE_WORDS[r.kind]} {r.via}" for r in ways})
        meaning = (
            f"ingress, exposed: {endpoint_name(c.dst)} is reachable from outside the "
            f"cluster through {', '.join(via)}"
        )
    else:
        via = []
        meaning = (
            f"ingress, not exposed: the ingress policy of {endpoint_name(c.dst)} admits "
            f"{c.src.name}, but no NodePort, LoadBalancer, externalIP, hostPort or Ingress "
            "leads to it; only hosts that route to pod IPs (nodes, peered networks) could "
            "connect"
        )
    return {"direction": "ingress", "exposed": bool(ways), "via": via, "meaning": meaning}


def _count(names: Sequence[str]) -> str:
    return f"{len(names)} workload{'s' if len(names) != 1 else ''}"


def _names(names: Sequence[str], shown: int = 5) -> str:
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")


@dataclass(frozen=True)
class OutsideSummary:
    """Workloads by how they meet addresses outside the cluster."""

    egress: tuple[str, ...]
    exposed: tuple[str, ...]
    policy_only: tuple[str, ...]
    connections: int
    workloads: int

    def line(self) -> str:
        """One line for people: counts, and what the address-range lines mean."""
        conns = f"{self.connections} connection{'s' if self.connections != 1 else ''}"
        wls = f"{self.workloads} workload{'s' if self.workloads != 1 else ''}"
        out = f"{conns} between {wls}"
        if not (self.egress or self.exposed or self.policy_only):
            return out + "; none with addresses outside the cluster"
        parts = []
        if self.egress:
            parts.append(f"{_count(self.egress)} may send to it (egress)")
        if self.exposed:
            parts.append(
                f"{_count(self.exposed)} exposed to it through NodePort, LoadBalancer, "
                f"externalIPs, hostPort, Ingress or Gateway ({_names(self.exposed)})"
            )
        if self.policy_only:
            parts.append(
                f"{_count(self.policy_only)} admitted by policy only, not exposed: no "
                "Service, Ingress or Gateway routes outside traffic to it "
                f"({_names(self.policy_only)})"
            )
        return out + ". Outside the cluster: " + "; ".join(parts)

    def json(self) -> dict[str, Any]:
        return {
            "text": self.line(),
            "connections": self.connections,
            "workloads": self.workloads,
            "egressToOutside": list(self.egress),
            "exposedToOutside": list(self.exposed),
            "admittedByPolicyOnly": list(self.policy_only),
        }


def outside_summary(data: GraphData) -> OutsideSummary:
    egress: set[str] = set()
    exposed: set[str] = set()
    admitted: set[str] = set()
    for c in data.connections:
        reading = outside_reading(data, c)
        if reading is None:
            continue
        if reading["direction"] == "egress":
            egress.add(endpoint_name(c.src))
        elif reading["exposed"]:
            exposed.add(endpoint_name(c.dst))
        else:
            admitted.add(endpoint_name(c.dst))
    return OutsideSummary(
        tuple(sorted(egress)),
        tuple(sorted(exposed)),
        tuple(sorted(admitted - exposed)),
        len(data.connections),
        sum(1 for e in data.endpoints if e.kind == "workload"),
    )


def render_json(
    data: GraphData,
    findings: NodeFindings | None = None,
    namespace_findings: NodeFindings | None = None,
) -> str:
    """The connections and routes; with ``findings``, also the findings per node and per
    namespace (those tied to no drawn workload)."""
    doc: dict[str, Any] = {
        "focus": endpoint_name(data.focus) if data.focus is not None else None,
        "connections": [
            {
                "src": endpoint_json(c.src),
                "dst": endpoint_json(c.dst),
                "conn": c.conns.text(),
                "allConnections": c.conns.is_all(),
                "ports": ports_json(c.conns),
                "assumed": c.assumed,
                "outside": outside_reading(data, c),
            }
            for c in data.connections
        ],
        "routes": [route_json(r) for r in data.routes],
        "notes": list(data.notes),
        "summary": outside_summary(data).json(),
    }
    if findings is not None or namespace_findings is not None:
        doc["findings"] = findings_json(data, findings, namespace_findings)
    return json.dumps(doc, indent=2) + "\n"


def findings_json(
    data: GraphData, findings: NodeFindings | None, namespace_findings: NodeFindings | None
) -> dict[str, Any]:
    """The ``findings`` of the json map: per drawn node, and per namespace."""
    return {
        "nodes": _shown_findings(data, None, findings),
        "namespaces": {
            k: [dict(f) for f in v] for k, v in sorted((namespace_findings or {}).items()) if v
        },
    }


CSV_COLUMNS = (
    "type",
    "src",
    "src_type",
    "src_namespace",
    "dst",
    "dst_type",
    "dst_namespace",
    "protocol",
    "port_from",
    "port_to",
    "conn",
    "assumed",
    "outside",
    "route_kind",
    "via",
    "via_port",
    "blocked",
    "file",
    "line",
)


def _csv_bool(b: bool) -> str:
    return "true" if b else "false"


def render_csv(data: GraphData) -> str:
    """One record per row, every column meaning the same in every row.

    ``type`` is ``connection`` (one row per allowed pair and protocol range; ``conn``
    is the pair's whole CONN text, ``outside`` says ``egress``, ``ingress-exposed`` or
    ``ingress-not-exposed`` for pairs with an address range) or ``route`` (one row per
    way in and source: ``route_kind`` service, nodeport, loadbalancer, externalip,
    hostport or ingress; ``via`` the Service or Ingress and ``via_port`` the port it
    listens on). ``protocol``, ``port_from`` and ``port_to`` are always ports of the
    destination pods. Columns that do not apply to a record are empty. Control
    characters in names are written as visible escapes, as in the txt format.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")

    def put(row: Sequence[object]) -> None:
        # every text cell escaped: CSV quoting keeps a newline inside its field, but a
        # terminal or a CI log still starts a new line there
        writer.writerow([escape_control(v) if isinstance(v, str) else v for v in row])

    put(CSV_COLUMNS)

    def ep_cols(ep: Endpoint) -> list[str]:
        return [endpoint_name(ep), ep.kind, ep.namespace]

    for c in data.connections:
        reading = outside_reading(data, c)
        outside = ""
        if reading is not None:
            outside = reading["direction"]
            if outside == "ingress":
                outside += "-exposed" if reading["exposed"] else "-not-exposed"
        for proto, ranges in c.conns.ranges:
            for lo, hi in ranges:
                put(
                    [
                        "connection",
                        *ep_cols(c.src),
                        *ep_cols(c.dst),
                        proto,
                        lo,
                        hi,
                        c.conns.text(),
                        _csv_bool(c.assumed),
                        outside,
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                    ]
                )
    for r in data.routes:
        for src in r.sources or ("",):
            if not src:
                src_cols = ["", "", ""]
            elif src == r.sources[0] and src.endswith("[IngressController]"):
                src_cols = [INGRESS_CONTROLLER_NAME, "ingress-controller", ""]
            else:
                src_cols = [src + EXTERNAL_SUFFIX, "external", ""]
            put(
                [
                    "route",
                    *src_cols,
                    *ep_cols(r.dst),
                    r.protocol,
                    r.target_port,
                    r.target_port,
                    "",
                    "",
                    "",
                    r.kind,
                    r.via,
                    r.port or "",
                    _csv_bool(r.blocked),
                    r.file,
                    r.line,
                ]
            )
    return buf.getvalue()


# -- aggregated picture (dot, mermaid, html) ------------------------------------------


@dataclass(frozen=True)
class Edge:
    src: str  # node id
    dst: str
    label: str
    assumed: bool = False


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    group: str  # namespace, "" for outside the cluster
    type: str  # workload, external, ingress-controller, anyone, any-pod, internet
    entry: bool = False  # reachable from outside (route or external source)


@dataclass(frozen=True)
class Picture:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]


def node_id(ep: Endpoint) -> str:
    return endpoint_name(ep)


def picture(data: GraphData) -> Picture:
    """Nodes and edges, one edge per (src, dst) with "open to everyone" edges aggregated.

    For each destination and CONN text, when the sources include every other workload
    (and every external range) the individual edges become one edge from a pseudo-node
    ``anyone`` (or ``any pod``); sources covering every external range become one edge
    from ``internet``.
    """
    workloads = {e for e in data.endpoints if e.kind == "workload"}
    externals = {e for e in data.endpoints if e.kind == "external"}
    if data.focus is not None:
        # a focused picture shows every edge touching the focus; aggregate only when the
        # whole population admits it, so use every endpoint of the connections
        workloads |= {c.src for c in data.connections if c.src.kind == "workload"}
        externals |= {c.src for c in data.connections if c.src.kind == "external"}
    entry: set[Endpoint] = {r.dst for r in data.routes if r.kind != "service" and not r.blocked}
    entry |= {c.dst for c in data.connections if c.src.kind != "workload"}
    by_dst: dict[tuple[Endpoint, str], set[Endpoint]] = {}
    for c in data.connections:
        by_dst.setdefault((c.dst, c.conns.text()), set()).add(c.src)
    assumed = {(c.src, c.dst) for c in data.connections if c.assumed}
    edges: list[Edge] = []
    pseudo: set[str] = set()
    for (dst, text), srcs in sorted(by_dst.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        others = workloads - {dst}
        rest = set(srcs)
        all_pods = len(others) >= 2 and others <= srcs
        all_ext = bool(externals) and externals <= srcs
        if all_pods and all_ext:
            edges.append(Edge(ANYONE, node_id(dst), text))
            pseudo.add(ANYONE)
            rest -= others | externals
        else:
            if all_pods:
                edges.append(Edge(ANY_POD, node_id(dst), text))
                pseudo.add(ANY_POD)
                rest -= others
            if all_ext and len(externals) >= 2:
                edges.append(Edge(INTERNET, node_id(dst), text))
                pseudo.add(INTERNET)
                rest -= externals
        for s in sorted(rest):
            edges.append(Edge(node_id(s), node_id(dst), text, (s, dst) in assumed))
    used = {e.src for e in edges} | {e.dst for e in edges}
    nodes: list[Node] = []
    for ep in data.endpoints:
        if ep.kind == "external" and node_id(ep) not in used:
            continue
        label = f"{ep.name}\n{ep.workload_kind}" if ep.kind == "workload" else endpoint_name(ep)
        group = ep.namespace if ep.kind == "workload" else ""
        nodes.append(Node(node_id(ep), label, group, ep.kind, ep in entry))
    for p, t in ((ANYONE, "anyone"), (ANY_POD, "any-pod"), (INTERNET, "internet")):
        if p in pseudo:
            nodes.append(Node(p, p, "", t))
    return Picture(tuple(nodes), tuple(sorted(edges, key=lambda e: (e.dst, e.src, e.label))))


def _groups(nodes: Sequence[Node]) -> dict[str, list[Node]]:
    out: dict[str, list[Node]] = {}
    for n in nodes:
        out.setdefault(n.group, []).append(n)
    return dict(sorted(out.items()))


def _dot_q(s: str) -> str:
    text = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + escape_control(text) + '"'


def render_dot(data: GraphData) -> str:
    pic = picture(data)
    out = [
        "digraph connectivity {",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fillcolor=white, fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    for i, (group, nodes) in enumerate(_groups(pic.nodes).items()):
        indent = "  "
        if group:
            out.append(f"  subgraph cluster_{i} {{")
            out.append(f"    label={_dot_q('namespace ' + group)};")
            out.append("    style=rounded;")
            indent = "    "
        for n in nodes:
            attrs = [f"label={_dot_q(n.label)}"]
            if n.type in ("anyone", "any-pod", "internet", "external"):
                attrs.append("shape=ellipse")
                attrs.append("fillcolor=lightyellow")
            elif n.type == "ingress-controller":
                attrs.append("shape=hexagon")
            if n.entry:
                attrs.append("color=red, penwidth=2")
            out.append(f"{indent}{_dot_q(n.id)} [{', '.join(attrs)}];")
        if group:
            out.append("  }")
    for e in pic.edges:
        style = ", style=dashed" if e.assumed else ""
        out.append(f"  {_dot_q(e.src)} -> {_dot_q(e.dst)} [label={_dot_q(e.label)}{style}];")
    out.append("}")
    return "\n".join(out) + "\n"


# Mermaid labels: a control character other than the newline (already <br/>) is
# written as its escape, so a label cannot drive the terminal the map is printed on.
_NO_CONTROL = {c: escape_control(chr(c)) for c in (*range(0x20), *range(0x7F, 0xA0)) if c != 0x0A}


def _mm(s: str) -> str:
    return (
        s.replace("&", "#amp;")
        .replace('"', "#quot;")
        .replace("<", "#lt;")
        .replace(">", "#gt;")
        .replace("\n", "<br/>")
        .translate(_NO_CONTROL)
    )


def render_mermaid(data: GraphData) -> str:
    pic = picture(data)
    ids = {n.id: f"n{i}" for i, n in enumerate(pic.nodes)}
    out = ["flowchart LR"]
    for i, (group, nodes) in enumerate(_groups(pic.nodes).items()):
        indent = "  "
        if group:
            out.append(f'  subgraph ns{i}["namespace {_mm(group)}"]')
            indent = "    "
        for n in nodes:
            label = _mm(n.label)
            if n.type in ("anyone", "any-pod", "internet", "external"):
                out.append(f'{indent}{ids[n.id]}(["{label}"])')
            elif n.type == "ingress-controller":
                out.append(f'{indent}{ids[n.id]}{{{{"{label}"}}}}')
            else:
                out.append(f'{indent}{ids[n.id]}["{label}"]')
        if group:
            out.append("  end")
    for e in pic.edges:
        arrow = "-.->" if e.assumed else "-->"
        out.append(f'  {ids[e.src]} {arrow}|"{_mm(e.label)}"| {ids[e.dst]}')
    entries = [ids[n.id] for n in pic.nodes if n.entry]
    if entries:
        out.append("  classDef entry stroke:#d00,stroke-width:3px")
        out.append(f"  class {','.join(entries)} entry")
    return "\n".join(out) + "\n"


# -- graphml ------------------------------------------------------------------------


def render_graphml(conn: GraphSource, focus: Endpoint | None = None) -> str:
    """The engine's graph (workloads, ranges, Services, Ingress paths) as GraphML; IPv6
    ranges only when the input mentions IPv6."""
    import networkx as nx

    g = conn.nx_graph
    if focus is not None:
        f = focus.display()
        edges = [(u, v, k) for u, v, k in g.edges(keys=True) if f in (u, v)]
        sub = g.edge_subgraph(edges).copy() if edges else nx.MultiDiGraph()
        if f in g and f not in sub:
            sub.add_node(f, **g.nodes[f])
        g = sub
    if not mentions_ipv6(conn.inventory):  # as in the other formats
        v6 = [n for n, t in g.nodes(data="type") if t == "external" and is_ipv6_range(n)]
        if v6:
            g = g.copy()
            g.remove_nodes_from(v6)
    # XML 1.0 forbids most control characters (names from the input may hold them)
    return escape_xml_forbidden("\n".join(nx.generate_graphml(g, prettyprint=True))) + "\n"


# -- findings on the map ----------------------------------------------------------

FindingsByKey = dict[str, list[dict[str, str]]]


def finding_json(f: Finding) -> dict[str, str]:
    """A finding as the graph formats show it."""
    return {
        "severity": f.severity,
        "rule": f.rule,
        "message": f.message,
        "location": f"{f.file}:{f.line}:{f.column}",
        "object": f.object.display() if f.object is not None else "",
    }


def _workload_index(conn: GraphSource) -> dict[tuple[str, str, str], set[Endpoint]]:
    """(kind, namespace, name) of every object a workload stands for -> its endpoints."""
    index: dict[tuple[str, str, str], set[Endpoint]] = {}
    for w in conn.inventory.workloads:
        ep = conn.endpoint_for(w)
        keys = {(w.kind, w.namespace, w.name), (w.manifest.kind, w.namespace, w.manifest.name)}
        keys |= {(p.kind, w.namespace, p.name) for p in w.pods}
        if w.owner is not None:
            keys.add((w.owner[0], w.namespace, w.owner[1]))
        for key in keys:
            index.setdefault(key, set()).add(ep)
    return index


def _concerned_workloads(conn: GraphSource, kind: str, ns: str, name: str) -> list[Workload]:
    """The workloads a Service, Ingress or NetworkPolicy concerns (empty when unknown)."""
    inv = conn.inventory
    if kind == "Service":
        svc = inv.service(ns, name)
        return list(svc.target_workloads) if svc is not None else []
    if kind == "NetworkPolicy":
        pol = inv.policy(ns, name)
        return list(conn.selected_workloads(pol)) if pol is not None else []
    if kind == "Ingress":
        out: list[Workload] = []
        for ing in inv.ingresses_in(ns):
            if ing.name != name:
                continue
            for b in ing.backends:
                svc = inv.service(ns, b.service) if b.service else None
                if svc is not None:
                    out.extend(svc.target_workloads)
        return out
    return []


def map_findings(conn: GraphSource, report: Report) -> tuple[FindingsByKey, FindingsByKey]:
    """Findings per node id, and per namespace for those tied to no workload.

    A finding on a workload (or one of its pods) goes to that workload's node; one on a
    Service, Ingress or NetworkPolicy to the workloads it selects or routes to; any other
    to its namespace ("" for cluster-scoped objects and findings on no object).
    """
    from k8snetlint.findings import SEVERITY_RANK

    index = _workload_index(conn)
    nodes: dict[str, list[Finding]] = {}
    namespaces: dict[str, list[Finding]] = {}
    for f in report.findings:
        if f.suppressed:
            continue
        o = f.object
        if o is None:
            namespaces.setdefault("", []).append(f)
            continue
        eps = set(index.get((o.kind, o.namespace, o.name), ()))
        if not eps:
            eps = {
                conn.endpoint_for(w)
                for w in _concerned_workloads(conn, o.kind, o.namespace, o.name)
            }
        if eps:
            for ep in eps:
                nodes.setdefault(node_id(ep), []).append(f)
        else:
            ns = o.name if o.kind == "Namespace" and not o.namespace else o.namespace
            namespaces.setdefault(ns, []).append(f)

    def out(groups: dict[str, list[Finding]]) -> FindingsByKey:
        return {
            k: [
                finding_json(f)
                for f in sorted(v, key=lambda f: (-SEVERITY_RANK[f.severity], f.sort_key()))
            ]
            for k, v in sorted(groups.items())
        }

    return out(nodes), out(namespaces)


# -- html ---------------------------------------------------------------------------


def render_html(
    data: GraphData,
    reasons: dict[tuple[str, str], str] | None = None,
    findings: NodeFindings | None = None,
    namespace_findings: NodeFindings | None = None,
) -> str:
    """The self-contained HTML map (see :mod:`k8snetlint.reporters.graph_html`)."""
    from k8snetlint.reporters import graph_html

    return graph_html.render_html(data, reasons, findings, namespace_findings)


def pair_reasons(conn: GraphSource) -> dict[tuple[str, str], str]:
    """(src, dst) connlist names -> the policies and rules behind the connection."""
    out: dict[tuple[str, str], str] = {}
    names = {ep.display(): endpoint_name(ep) for ep in conn.endpoints}
    for u, v, attrs in conn.nx_graph.edges(data=True):
        if attrs.get("kind") == "connection" and attrs.get("reasons"):
            out[(names.get(u, u), names.get(v, v))] = str(attrs["reasons"])
    return out


# -- streamed map (txt, csv, json, jsonl) -------------------------------------------

STREAM_FORMATS = ("text", "csv", "json", "json-compact", "jsonl")
# the json formats' writing: indentation and separators of json.dumps
JSON_FORMATS = ("json", "json-compact")


def _indent_json(value: object, by: int) -> str:
    """``value`` as ``json.dumps(indent=2)`` writes it ``by`` levels deep in a document."""
    return json.dumps(value, indent=2).replace("\n", "\n" + "  " * by)


class MapStream:
    """The map written as it is listed, source by source (see
    :meth:`~k8snetlint.net.export.GraphSource.stream_rows`): the txt, csv, json and
    jsonl renderings, equal byte for byte to the materialised ones of txt, csv and
    json, with memory bounded by the analysis rather than by the number of pairs.

    :meth:`chunks` yields the text; :meth:`summary` is complete once it is exhausted.
    """

    def __init__(self, conn: GraphSource, focus: Endpoint | None = None) -> None:
        self.conn = conn
        self.focus = focus
        self.ipv6 = mentions_ipv6(conn.inventory)
        endpoints, routes = tuple(conn.endpoints), tuple(conn.routes)
        if not self.ipv6:
            endpoints, _none, routes = _drop_ipv6(endpoints, (), routes)
        if focus is not None:
            routes = tuple(r for r in routes if r.dst == focus)
        self.data = GraphData(endpoints, (), routes, tuple(conn.notes), focus)
        self.connections = 0
        self._egress: set[str] = set()
        self._exposed: set[str] = set()
        self._admitted: set[str] = set()
        self._touched: set[Endpoint] = set()
        self._texts: dict[int, tuple[ConnSet, str]] = {}

    def keep(self, ep: Endpoint) -> bool:
        return self.ipv6 or not (ep.kind == "external" and is_ipv6_range(ep.name))

    def _text(self, cs: ConnSet) -> str:
        hit = self._texts.get(id(cs))
        if hit is None:
            hit = self._texts[id(cs)] = (cs, cs.text())
        return hit[1]

    def _rows(self, name: Callable[[Endpoint], str]) -> Iterator[Row]:
        rows = self.conn.stream_rows(name, self.keep, self.focus)
        if rows is None:  # names that do not sort by parts: sort the whole lines
            rows = _runs(graph_data(self.conn, self.focus).connections)
        return self._counted(rows)

    def _counted(self, rows: Iterator[Row]) -> Iterator[Row]:
        """The rows, counted into the summary on the way."""
        focus = self.focus
        for src, entries in rows:
            self.connections += len(entries)
            if focus is not None:
                self._touched.add(src)
                self._touched.update(dep for dep, _cs, _a in entries)
            if src.kind == "external" or src.kind == "workload":
                for dep, cs, assumed in entries:
                    if src.kind == "external" or dep.kind == "external":
                        self._reading(Connection(src, dep, cs, assumed))
            yield src, entries

    def _reading(self, c: Connection) -> dict[str, Any] | None:
        reading = outside_reading(self.data, c)
        if reading is not None:
            if reading["direction"] == "egress":
                self._egress.add(endpoint_name(c.src))
            elif reading["exposed"]:
                self._exposed.add(endpoint_name(c.dst))
            else:
                self._admitted.add(endpoint_name(c.dst))
        return reading

    def summary(self) -> OutsideSummary:
        """As :func:`outside_summary` of the materialised map (once streamed)."""
        workloads = sum(1 for e in self.shown().endpoints if e.kind == "workload")
        return OutsideSummary(
            tuple(sorted(self._egress)),
            tuple(sorted(self._exposed)),
            tuple(sorted(self._admitted - self._exposed)),
            self.connections,
            workloads,
        )

    # -- formats ----------------------------------------------------------------

    def chunks(
        self,
        fmt: str,
        findings: tuple[NodeFindings, NodeFindings] | None = None,
        tail: Mapping[str, Any] | None = None,
    ) -> Iterator[str]:
        """The map in ``fmt`` (one of :data:`STREAM_FORMATS`) as chunks of text.
        json only: ``findings`` (per node, per namespace) and ``tail``, keys written
        after them (``exposure``)."""
        return _gc_paused(self._chunks(fmt, findings, tail or {}))

    def _chunks(
        self,
        fmt: str,
        findings: tuple[NodeFindings, NodeFindings] | None,
        tail: Mapping[str, Any],
    ) -> Iterator[str]:
        if fmt == "text":
            return self._txt()
        if fmt == "csv":
            return self._csv()
        if fmt == "jsonl":
            return self._jsonl()
        return self._json(findings, tail, compact=fmt == "json-compact")

    def shown(self) -> GraphData:
        """The map's data as the materialised rendering restricts it (once streamed):
        with a focus, only the endpoints of the pairs listed."""
        if self.focus is None:
            return self.data
        shown = self._touched | {self.focus}
        return replace(self.data, endpoints=tuple(e for e in self.data.endpoints if e in shown))

    def _txt(self) -> Iterator[str]:
        names: dict[Endpoint, str] = {}

        def name(ep: Endpoint) -> str:
            found = names.get(ep)
            if found is None:
                found = names[ep] = escape_control(endpoint_name(ep))
            return found

        rows = self.conn.stream_rows(name, self.keep, self.focus)
        if rows is None:  # names that do not sort by parts: sort the whole lines
            data = graph_data(self.conn, self.focus)
            for _row in self._counted(_runs(data.connections)):
                pass
            return iter([render_txt(data)])
        from k8snetlint.net.export import RowStream  # (loaded with the analysis)

        if isinstance(rows, RowStream):
            return self._txt_made(rows.text_rows(self._escaped_text), names)
        return self._txt_lines(self._counted(rows), names)

    def _escaped_text(self, cs: ConnSet) -> str:
        return escape_control(self._text(cs))

    def _txt_made(self, rows: Iterator[Row | TextRow], names: dict[Endpoint, str]) -> Iterator[str]:
        """The txt lines of rows some of which come made (counted as :meth:`_counted`
        counts them: a made row has no focus, and its only outside reading is its
        source's egress)."""
        from k8snetlint.net.export import TextRow

        line = self._txt_line_maker(names)
        for row in rows:
            if isinstance(row, TextRow):
                self.connections += row.lines
                if row.external and row.src.kind == "workload":
                    self._egress.add(endpoint_name(row.src))
                yield row.text
            else:
                for src, entries in self._counted(iter((row,))):
                    yield line(src, entries)

    def _txt_lines(self, rows: Iterator[Row], names: dict[Endpoint, str]) -> Iterator[str]:
        line = self._txt_line_maker(names)
        for src, entries in rows:
            yield line(src, entries)

    def _txt_line_maker(
        self, names: dict[Endpoint, str]
    ) -> Callable[[Endpoint, list[tuple[Endpoint, ConnSet, bool]]], str]:
        """The txt lines of one row, as a function (its caches made once)."""
        # by id: an Endpoint's own hash is computed in Python, once per line otherwise
        dkeys = {id(e): n + " : " for e, n in names.items()}
        texts: dict[int, str] = {}

        def line(src: Endpoint, entries: list[tuple[Endpoint, ConnSet, bool]]) -> str:
            prefix = names[src] + " => "
            parts: list[str] = []
            for dep, cs, _a in entries:
                t = texts.get(id(cs))
                if t is None:
                    t = texts[id(cs)] = escape_control(self._text(cs))
                k = dkeys.get(id(dep))
                if k is None:  # an equal endpoint, another object
                    k = names[dep] + " : "
                parts.append(k + t)
            return prefix + ("\n" + prefix).join(parts) + "\n"

        return line

    def _csv(self) -> Iterator[str]:
        return self._csv_lines(self._rows(endpoint_name))

    def _csv_lines(self, rows: Iterator[Row]) -> Iterator[str]:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        cols: dict[Endpoint, list[str]] = {}

        def ep_cols(ep: Endpoint) -> list[str]:
            found = cols.get(ep)
            if found is None:
                found = cols[ep] = [
                    escape_control(v) for v in (endpoint_name(ep), ep.kind, ep.namespace)
                ]
            return found

        for src, entries in rows:
            scols = ep_cols(src)
            for dep, cs, assumed in entries:
                outside = ""
                if src.kind == "external" or dep.kind == "external":
                    reading = outside_reading(self.data, Connection(src, dep, cs, assumed))
                    if reading is not None:
                        outside = reading["direction"]
                        if outside == "ingress":
                            outside += "-exposed" if reading["exposed"] else "-not-exposed"
                text = escape_control(self._text(cs))
                tail = [text, _csv_bool(assumed), outside, "", "", "", "", "", ""]
                dcols = ep_cols(dep)
                for proto, ranges in cs.ranges:
                    for lo, hi in ranges:
                        writer.writerow(["connection", *scols, *dcols, proto, lo, hi, *tail])
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
        rest = render_csv(replace(self.data, connections=()))
        # the header is still in buf when no source has a row
        yield buf.getvalue() + rest[rest.index("\n") + 1 :]

    def _conn_items(
        self, rows: Iterator[Row], compact: bool, record: bool = True
    ) -> Iterator[tuple[Endpoint, str]]:
        """Per source, the connections as the json (indented) or compact items: jsonl's
        records (``record``: typed, one per line) or json-compact's array items."""
        blocks: dict[Endpoint, str] = {}
        port_blocks: dict[int, str] = {}

        def ep_block(ep: Endpoint) -> str:
            found = blocks.get(ep)
            if found is None:
                value = endpoint_json(ep)
                found = blocks[ep] = (
                    json.dumps(value, separators=(",", ":")) if compact else _indent_json(value, 3)
                )
            return found

        def cs_block(cs: ConnSet) -> str:
            found = port_blocks.get(id(cs))
            if found is None:
                text, all_conns, ports = self._text(cs), cs.is_all(), ports_json(cs)
                if compact:
                    found = (
                        f'"conn":{json.dumps(text)},"allConnections":{json.dumps(all_conns)},'
                        f'"ports":{json.dumps(ports, separators=(",", ":"))}'
                    )
                else:
                    found = (
                        f'      "conn": {json.dumps(text)},\n'
                        f'      "allConnections": {json.dumps(all_conns)},\n'
                        f'      "ports": {_indent_json(ports, 3)}'
                    )
                port_blocks[id(cs)] = found
            return found

        for src, entries in rows:
            sblock = ep_block(src)
            out: list[str] = []
            for dep, cs, assumed in entries:
                reading = None
                if src.kind == "external" or dep.kind == "external":
                    reading = outside_reading(self.data, Connection(src, dep, cs, assumed))
                a = "true" if assumed else "false"
                if compact:
                    o = json.dumps(reading, separators=(",", ":"))
                    item = (
                        f'"src":{sblock},"dst":{ep_block(dep)},'
                        f'{cs_block(cs)},"assumed":{a},"outside":{o}}}'
                    )
                    out.append('{"type":"connection",' + item + "\n" if record else "{" + item)
                else:
                    o = _indent_json(reading, 3)
                    out.append(
                        f'    {{\n      "src": {sblock},\n      "dst": {ep_block(dep)},\n'
                        f'{cs_block(cs)},\n      "assumed": {a},\n      "outside": {o}\n    }}'
                    )
            yield src, ("," if not record else "" if compact else ",\n").join(out)
            # the per-pair strings are dropped with the row

    def _json(
        self,
        findings: tuple[NodeFindings, NodeFindings] | None,
        tail: Mapping[str, Any],
        compact: bool = False,
    ) -> Iterator[str]:
        return self._json_lines(self._rows(endpoint_name), findings, tail, compact)

    def _json_lines(
        self,
        rows: Iterator[Row],
        findings: tuple[NodeFindings, NodeFindings] | None,
        tail: Mapping[str, Any],
        compact: bool = False,
    ) -> Iterator[str]:
        """The json document, indented as ``json.dumps(indent=2)`` writes it, or
        ``compact`` as ``json.dumps(separators=(",", ":"))`` does, then a newline."""
        focus = endpoint_name(self.focus) if self.focus is not None else None
        first = True
        if compact:
            yield '{"focus":' + json.dumps(focus) + ',"connections":['
            for _src, text in self._conn_items(rows, compact=True, record=False):
                yield text if first else "," + text
                first = False
            yield "]"
        else:
            yield '{\n  "focus": ' + json.dumps(focus) + ',\n  "connections": ['
            for _src, text in self._conn_items(rows, compact=False):
                yield ("\n" if first else ",\n") + text
                first = False
            yield "]" if first else "\n  ]"
        rest: dict[str, Any] = {
            "connections": [],
            "routes": [route_json(r) for r in self.data.routes],
            "notes": list(self.data.notes),
            "summary": self.summary().json(),
        }
        if findings is not None:
            rest["findings"] = findings_json(self.shown(), *findings)
        rest.update(tail)
        if compact:
            text = json.dumps(rest, separators=(",", ":"))
            yield text[text.index('"connections":[]') + len('"connections":[]') :] + "\n"
            return
        text = json.dumps(rest, indent=2)
        yield text[text.index('"connections": []') + len('"connections": []') :] + "\n"

    def _jsonl(self) -> Iterator[str]:
        return self._jsonl_lines(self._rows(endpoint_name))

    def _jsonl_lines(self, rows: Iterator[Row]) -> Iterator[str]:
        for _src, text in self._conn_items(rows, compact=True):
            yield text
        compact = {"separators": (",", ":")}
        for r in self.data.routes:
            yield json.dumps({"type": "route", **route_json(r)}, **compact) + "\n"  # type: ignore[arg-type]
        for note in self.data.notes:
            yield json.dumps({"type": "note", "text": note}) + "\n"
        yield json.dumps({"type": "summary", **self.summary().json()}, **compact) + "\n"  # type: ignore[arg-type]


def _gc_paused(chunks: Iterator[str]) -> Iterator[str]:
    """``chunks`` with the cyclic garbage collector paused while they are made: the
    listing allocates millions of short-lived, cycle-free tuples, and each full
    collection walks the whole input heap (2.6x the run time at 5,000 workloads)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield from chunks
    finally:
        if enabled:
            gc.enable()


def _runs(connections: Sequence[Connection]) -> Iterator[Row]:
    """Sorted connections as rows: each run of one source."""
    src: Endpoint | None = None
    entries: list[tuple[Endpoint, ConnSet, bool]] = []
    for c in connections:
        if c.src != src:
            if src is not None:
                yield src, entries
            src, entries = c.src, []
        entries.append((c.dst, c.conns, c.assumed))
    if src is not None:
        yield src, entries


def render_streamed(
    conn: GraphSource,
    fmt: str,
    focus: Endpoint | None = None,
    findings: tuple[NodeFindings, NodeFindings] | None = None,
) -> str:
    """The whole streamed rendering of ``fmt`` as one string (for callers that want text)."""
    return "".join(MapStream(conn, focus).chunks(fmt, findings))
