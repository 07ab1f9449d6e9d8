"""Renderers of the connectivity map: txt, json, csv, dot, mermaid, graphml and html.

Every renderer takes the (possibly focus-filtered) connections and routes of a
:class:`~k8snetlint.net.export.GraphSource` (a :class:`~k8snetlint.net.Connectivity`) and returns text. Output is deterministic:
connections are sorted by their connlist line, routes by their fields.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from k8snetlint.connectivity import Connection, ConnSet, Endpoint, Route
from k8snetlint.textsafe import escape_control

if TYPE_CHECKING:
    from k8snetlint.findings import Finding, Report
    from k8snetlint.model import Workload
    from k8snetlint.net.export import GraphSource

GRAPH_FORMATS = ("txt", "json", "csv", "dot", "mermaid", "graphml", "html")

INGRESS_CONTROLLER_NAME = "{ingress-controller}"
ANYONE = "anyone (every pod and every address)"
ANY_POD = "any pod (all namespaces)"
INTERNET = "any address outside the cluster"

SEVERITY_ORDER = ("error", "warning", "info")

# findings per node id (or per namespace): dicts with severity, rule, message, location
NodeFindings = Mapping[str, Sequence[Mapping[str, str]]]


def endpoint_name(ep: Endpoint) -> str:
    """The connlist name of an endpoint (netpol-analyzer's spelling)."""
    if ep.kind == "ingress-controller":
        return INGRESS_CONTROLLER_NAME
    return ep.display()


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


def graph_data(conn: GraphSource, focus: Endpoint | None = None) -> GraphData:
    """The connectivity result, restricted to pairs touching ``focus`` when given."""
    conns = tuple(conn.connections)
    routes = tuple(conn.routes)
    endpoints = tuple(conn.endpoints)
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
            }
            for c in data.connections
        ],
        "routes": [route_json(r) for r in data.routes],
        "notes": list(data.notes),
    }
    if findings is not None or namespace_findings is not None:
        doc["findings"] = {
            "nodes": _shown_findings(data, None, findings),
            "namespaces": {
                k: [dict(f) for f in v] for k, v in sorted((namespace_findings or {}).items()) if v
            },
        }
    return json.dumps(doc, indent=2) + "\n"


CSV_COLUMNS = (
    "record",
    "src",
    "src_type",
    "src_namespace",
    "dst",
    "dst_type",
    "dst_namespace",
    "protocol",
    "port_from",
    "port_to",
    "target_port",
    "conn",
    "via",
    "assumed",
    "blocked",
    "file",
    "line",
)


def render_csv(data: GraphData) -> str:
    """One row per (pair, protocol range) and one per route (``record`` tells which)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for c in data.connections:
        base = [endpoint_name(c.src), c.src.kind, c.src.namespace]
        base += [endpoint_name(c.dst), c.dst.kind, c.dst.namespace]
        for proto, ranges in c.conns.ranges:
            for lo, hi in ranges:
                w.writerow(
                    [
                        "connection",
                        *base,
                        proto,
                        lo,
                        hi,
                        "",
                        c.conns.text(),
                        "",
                        c.assumed,
                        "",
                        "",
                        "",
                    ]
                )
    for r in data.routes:
        srcs = " ".join(r.sources)
        w.writerow(
            [
                r.kind,
                srcs,
                "",
                "",
                endpoint_name(r.dst),
                r.dst.kind,
                r.dst.namespace,
                r.protocol,
                r.port,
                r.port,
                r.target_port,
                "",
                r.via,
                "",
                r.blocked,
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
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


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


def _mm(s: str) -> str:
    return (
        s.replace("&", "#amp;")
        .replace('"', "#quot;")
        .replace("<", "#lt;")
        .replace(">", "#gt;")
        .replace("\n", "<br/>")
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
    import networkx as nx

    g = conn.nx_graph
    if focus is not None:
        f = focus.display()
        edges = [(u, v, k) for u, v, k in g.edges(keys=True) if f in (u, v)]
        sub = g.edge_subgraph(edges).copy() if edges else nx.MultiDiGraph()
        if f in g and f not in sub:
            sub.add_node(f, **g.nodes[f])
        g = sub
    return "\n".join(nx.generate_graphml(g, prettyprint=True)) + "\n"


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

_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>k8snetlint connectivity map</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0;display:flex;height:100vh}
#map{flex:1;overflow:auto;background:#fafafa}
#side{width:380px;overflow:auto;border-left:1px solid #ccc;padding:8px 12px}
.grp{fill:#eef3fb;stroke:#9ab}.gl{font-weight:bold;fill:#456}
.node rect{fill:#fff;stroke:#567;rx:6}.node.entry rect{stroke:#d00;stroke-width:3}
.node.pseudo rect{fill:#fff8d0}.node text{font-size:12px;pointer-events:none}
.node{cursor:pointer}.node.sel rect{fill:#dfe}
.edge{stroke:#789;fill:none;marker-end:url(#arr)}.edge.hl{stroke:#d60;stroke-width:2.5}
.edge.assumed{stroke-dasharray:5 4}.el{font-size:10px;fill:#345}
.badge circle{stroke:#fff;stroke-width:1.5}.badge text{fill:#fff;font-size:11px;font-weight:bold;text-anchor:middle}
.gbadge{cursor:pointer}
.sev-error .badge circle,.sev-error.badge circle{fill:#d00}
.sev-warning .badge circle,.sev-warning.badge circle{fill:#e69a00}
.sev-info .badge circle,.sev-info.badge circle{fill:#2a6fd6}
.finding{border-left:4px solid #2a6fd6;padding-left:6px;list-style:none}
.finding.sev-error{border-color:#d00}.finding.sev-warning{border-color:#e69a00}
.sevl{font-weight:bold;text-transform:uppercase;font-size:11px}
ul.findings{padding-left:4px}
li{margin:4px 0}code{font-size:12px}
</style></head><body>
<div id="map"><svg id="svg" xmlns="http://www.w3.org/2000/svg"></svg></div>
<div id="side"><h3>Connectivity map</h3><p>Click a workload to list its findings and who can reach it and why.
Red borders: entry points from outside the cluster. Badges: findings (red error, amber warning, blue info).</p><div id="info"></div></div>
<script id="data" type="application/json">__DATA__</script>
<script>
(function(){
"use strict";
var D=JSON.parse(document.getElementById("data").textContent);
var NS="http://www.w3.org/2000/svg",svg=document.getElementById("svg"),info=document.getElementById("info");
var F=D.findings||{},NF=D.namespaceFindings||{};
var RANK={error:3,warning:2,info:1};
function worst(list){var w="";list.forEach(function(f){if(!w||(RANK[f.severity]||0)>(RANK[w]||0))w=f.severity;});return w;}
function el(t,a,p){var e=document.createElementNS(NS,t);for(var k in a)e.setAttribute(k,a[k]);(p||svg).appendChild(e);return e;}
function h(t,txt,p,cls){var e=document.createElement(t);if(txt!==undefined&&txt!==null)e.textContent=String(txt);if(cls)e.className=cls;if(p)p.appendChild(e);return e;}
function badge(list,cx,cy,p,extra){var g=el("g",{class:"badge"+(extra?" "+extra:"")},p);
 el("circle",{cx:cx,cy:cy,r:10},g);var t=el("text",{x:cx,y:cy+4},g);t.textContent=String(list.length);
 var ti=el("title",{},g);ti.textContent=list.length+" finding"+(list.length===1?"":"s")+", worst: "+worst(list);return g;}
var defs=el("defs",{});var m=el("marker",{id:"arr",viewBox:"0 0 10 10",refX:"10",refY:"5",markerWidth:"7",markerHeight:"7",orient:"auto"},defs);
el("path",{d:"M0,0L10,5L0,10z",fill:"#789"},m);
var groups={},order=[];D.nodes.forEach(function(n){var g=n.group||"(outside the cluster)";if(!groups[g]){groups[g]=[];order.push(g);}groups[g].push(n);});
var W=220,H=44,GX=60,pos={},x=20,maxY=0;
order.forEach(function(g){var ns=groups[g],h2=ns.length*(H+16)+40,gname=ns[0].group;
 el("rect",{x:x-10,y:10,width:W+20,height:h2,class:"grp",rx:10});var t=el("text",{x:x,y:30,class:"gl"});t.textContent=g;
 var gf=gname?(NF[gname]||[]):[];
 if(gf.length){var gb=badge(gf,x+W-4,25,svg,"gbadge sev-"+worst(gf));gb.setAttribute("data-ns",gname);
  gb.addEventListener("click",function(){showNamespace(gname);});}
 ns.forEach(function(n,i){var y=44+i*(H+16);pos[n.id]={x:x,y:y};
  var nf=F[n.id]||[];
  var cls="node"+(n.entry?" entry":"")+(n.type!=="workload"?" pseudo":"")+(nf.length?" has-findings sev-"+worst(nf):"");
  var gr=el("g",{class:cls,"data-id":n.id});
  el("rect",{x:x,y:y,width:W,height:H},gr);
  n.label.split("\\n").forEach(function(s,j){var tt=el("text",{x:x+8,y:y+17+j*15},gr);tt.textContent=s;});
  if(nf.length)badge(nf,x+W-4,y+4,gr);
  gr.addEventListener("click",function(){select(n.id);});});
 maxY=Math.max(maxY,h2+20);x+=W+GX;});
svg.setAttribute("width",x);svg.setAttribute("height",maxY+20);
var edgeEls=[];
D.edges.forEach(function(e){var a=pos[e.src],b=pos[e.dst];if(!a||!b)return;
 var x1=a.x+W,y1=a.y+H/2,x2=b.x,y2=b.y+H/2;if(a.x===b.x){x1=a.x+W;x2=b.x+W;}
 else if(a.x>b.x){x1=a.x;x2=b.x+W;}
 var cx=a.x===b.x?x1+60:(x1+x2)/2;
 var p=el("path",{d:"M"+x1+","+y1+" C"+cx+","+y1+" "+cx+","+y2+" "+x2+","+y2,class:"edge"+(e.assumed?" assumed":"")});
 var tl=el("text",{x:cx,y:(y1+y2)/2-3,class:"el"});tl.textContent=e.label;edgeEls.push({e:e,p:p});});
function findingList(list,p){var ul=h("ul",null,p,"findings");
 list.forEach(function(f){var li=h("li",null,ul,"finding sev-"+f.severity);
  h("span",f.severity,li,"sevl");li.appendChild(document.createTextNode(" "));h("code",f.rule,li);
  li.appendChild(document.createTextNode(": "+f.message));
  if(f.object){h("br",null,li);h("small",f.object,li);}
  h("br",null,li);h("small",f.location,li,"loc");});}
function clear(){while(info.firstChild)info.removeChild(info.firstChild);}
function summary(){clear();var nsl=Object.keys(NF).sort(),total=0;
 Object.keys(F).forEach(function(k){total+=F[k].length;});nsl.forEach(function(k){total+=NF[k].length;});
 if(!total)return;h("b","Findings ("+total+")",info);
 h("p","Workloads with findings carry a badge; click one to list them.",info);
 nsl.forEach(function(k){h("h4",k?"namespace "+k:"not tied to a namespace",info);findingList(NF[k],info);});}
function showNamespace(ns){clear();
 document.querySelectorAll(".node").forEach(function(g){g.classList.remove("sel");});
 h("h4","namespace "+ns,info);var nf=NF[ns]||[];h("b","Findings ("+nf.length+")",info);findingList(nf,info);}
function select(id){
 document.querySelectorAll(".node").forEach(function(g){g.classList.toggle("sel",g.getAttribute("data-id")===id);});
 edgeEls.forEach(function(x){x.p.classList.toggle("hl",x.e.dst===id||x.e.src===id);});
 clear();var inc=D.incoming[id]||[],rts=D.routes[id]||[],nf=F[id]||[];
 h("h4",id,info);
 if(nf.length){h("b","Findings ("+nf.length+")",info);findingList(nf,info);}
 h("b","Who can reach it ("+inc.length+")",info);var ul=h("ul",null,info);
 inc.forEach(function(c){var li=h("li",null,ul);h("code",c.src,li);
  li.appendChild(document.createTextNode(": "+c.conn+(c.assumed?" (assumed)":"")));
  if(c.why){h("br",null,li);h("small",c.why,li);}});
 if(rts.length){h("b","Ways in",info);var ur=h("ul",null,info);rts.forEach(function(r){h("li",r,ur);});}}
summary();
})();
</script></body></html>
"""


def render_html(
    data: GraphData,
    reasons: dict[tuple[str, str], str] | None = None,
    findings: NodeFindings | None = None,
    namespace_findings: NodeFindings | None = None,
) -> str:
    """One self-contained page (inline SVG and script, no network access).

    ``findings`` maps a node id (connlist name) to the findings that concern it, each a
    dict with ``severity``, ``rule``, ``message`` and ``location`` (``file:line:col``);
    such nodes get a badge (count, coloured by the worst severity) and the classes
    ``has-findings sev-<worst>``. ``namespace_findings`` holds the findings tied to no
    drawn workload, by namespace ("" for none), shown on the namespace header and in
    the side panel.
    """
    pic = picture(data)
    reasons = reasons or {}
    incoming: dict[str, list[dict[str, Any]]] = {}
    for c in data.connections:
        s, d = endpoint_name(c.src), endpoint_name(c.dst)
        incoming.setdefault(d, []).append(
            {"src": s, "conn": c.conns.text(), "assumed": c.assumed, "why": reasons.get((s, d), "")}
        )
    routes: dict[str, list[str]] = {}
    for r in data.routes:
        state = " (blocked by policy)" if r.blocked else ""
        routes.setdefault(endpoint_name(r.dst), []).append(
            f"{r.kind} {r.via}: {r.protocol} {r.port} -> {r.target_port}{state} ({r.file}:{r.line})"
        )
    node_findings = _shown_findings(data, {n.id for n in pic.nodes}, findings)
    payload = {
        "nodes": [
            {
                "id": n.id,
                "label": n.label,
                "group": n.group,
                "type": n.type,
                "entry": n.entry,
                "findings": len(node_findings.get(n.id, ())),
                "worst": worst_severity(node_findings.get(n.id, ())),
            }
            for n in pic.nodes
        ],
        "edges": [
            {"src": e.src, "dst": e.dst, "label": e.label, "assumed": e.assumed} for e in pic.edges
        ],
        "incoming": incoming,
        "routes": routes,
        "findings": node_findings,
        "namespaceFindings": {
            k: [dict(f) for f in v] for k, v in sorted((namespace_findings or {}).items()) if v
        },
    }
    text = json.dumps(payload, sort_keys=True)
    # never let data close the script element (nor open a comment or CDATA)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return _HTML.replace("__DATA__", text)


def pair_reasons(conn: GraphSource) -> dict[tuple[str, str], str]:
    """(src, dst) connlist names -> the policies and rules behind the connection."""
    out: dict[tuple[str, str], str] = {}
    names = {ep.display(): endpoint_name(ep) for ep in conn.endpoints}
    for u, v, attrs in conn.nx_graph.edges(data=True):
        if attrs.get("kind") == "connection" and attrs.get("reasons"):
            out[(names.get(u, u), names.get(v, v))] = str(attrs["reasons"])
    return out
