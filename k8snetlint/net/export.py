"""The presentation-side export: what reporters and commands read of a result.

Its one job is turning the engine's answer into presentation values: the
:class:`GraphSource` interface that renderers (``reporters/graphfmt.py``), the
``graph``/``reach``/``diff`` commands and rules are typed against, the networkx graph
(display-string nodes, plain edge attributes), netpol-analyzer's connlist text and the
notes on what results depend on. Nothing here evaluates a policy; reporters never
touch classes, bitsets or compiled rules.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

from k8snetlint.connectivity import Connection, ConnSet, Endpoint, Route
from k8snetlint.model import Inventory, Workload, paused_gc
from k8snetlint.net.compile import Compiled
from k8snetlint.net.evaluate import NOTE_PROTOCOLS, Evaluator
from k8snetlint.net.nodes import ClassNode, Node
from k8snetlint.policy import NetworkPolicy

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "INGRESS_CONTROLLER_CONNLIST",
    "GraphSource",
    "Row",
    "build_nx",
    "connlist_name",
    "connlist_text",
    "notes",
    "stream_rows",
]

INGRESS_CONTROLLER_CONNLIST = "{ingress-controller}"

NOTE_LOOPBACK = "a pod talking to itself is plugin-defined and not listed; a workload is never paired with itself (docs/semantics.md NP-20)"
NOTE_NODE = "traffic from a pod's own node is always allowed and nodes are not modelled (docs/semantics.md NP-21)"
NOTE_IPBLOCK_OFF = "ipBlocks never match pods, only addresses outside the cluster (docs/semantics.md NP-13; assume.ipblock-matches-pods changes this)"
NOTE_IPBLOCK_ON = "ipBlocks match pods whose status states their IP (assume.ipblock-matches-pods: true, docs/semantics.md NP-13); pods without a known IP are never matched"


class GraphSource(Protocol):
    """What renderers read of a connectivity result (satisfied by ``Connectivity``)."""

    @property
    def inventory(self) -> Inventory: ...

    @property
    def endpoints(self) -> tuple[Endpoint, ...]: ...

    @property
    def connections(self) -> tuple[Connection, ...]: ...

    @property
    def routes(self) -> tuple[Route, ...]: ...

    @property
    def notes(self) -> tuple[str, ...]: ...

    @property
    def nx_graph(self) -> nx.MultiDiGraph: ...

    def endpoint_for(self, workload: Workload) -> Endpoint: ...

    def selected_workloads(self, policy: NetworkPolicy) -> tuple[Workload, ...]: ...

    def stream_rows(
        self,
        name: Callable[[Endpoint], str],
        keep: Callable[[Endpoint], bool],
        focus: Endpoint | None = None,
    ) -> Iterator[Row] | None: ...


def notes(
    compiled: Compiled, host_network: Sequence[Workload], assumed_ns: Sequence[str]
) -> tuple[str, ...]:
    """What results depend on (plugin-defined behaviour: semantics NP-13, NP-18, NP-20 to NP-22, E-2)."""
    out = [NOTE_PROTOCOLS, NOTE_LOOPBACK, NOTE_NODE]
    out.append(NOTE_IPBLOCK_ON if compiled.ipblock_pods else NOTE_IPBLOCK_OFF)
    if host_network:
        out.append(
            "hostNetwork workloads are evaluated like other pods, but the network plugin decides "
            f"(docs/semantics.md NP-22): {', '.join(w.display() for w in host_network)}"
        )
    if assumed_ns:
        out.append(
            "no Namespace object for "
            + ", ".join(assumed_ns)
            + ": their labels are assumed (only kubernetes.io/metadata.name, or config)"
        )
    declared = [w.display() for w in compiled.inventory.workloads if w.origin == "declared"]
    if declared:
        out.append(
            "declared under workloads: in the config, not in the input: " + ", ".join(declared)
        )
    made = [
        f"{w.display()} ({w.manifest.kind} {w.namespace}/{w.manifest.name})"
        for w in compiled.inventory.workloads
        if w.origin == "operator"
    ]
    if made:
        out.append("pods an operator creates from custom resources: " + ", ".join(made))
    if compiled.inventory.ordinals_approximated:
        out.append(
            "per-ordinal selectors (statefulset.kubernetes.io/pod-name, apps.kubernetes.io/"
            "pod-index) are approximated: every pod of "
            + ", ".join(compiled.inventory.ordinals_approximated)
            + " are evaluated as one unit (more than 64 replicas), on which such a selector"
            " matches no pod"
        )
    if compiled.inventory.ingresses and not compiled.config.assume.ingress_controller.known:
        out.append(
            "the ingress controller's namespace and labels are unknown: a policy admits it only if it "
            "admits every pod of every namespace (docs/semantics.md E-2; set assume.ingress-controller)"
        )
    return tuple(out)


def build_nx(
    compiled: Compiled,
    evaluator: Evaluator,
    endpoints: Sequence[Endpoint],
    connections: Sequence[Connection],
    routes: Sequence[Route],
) -> nx.MultiDiGraph:
    """Endpoints, Services and Ingress paths as nodes; connections and routes as edges.

    Node ids are display strings (``ns/name[Kind]``, ranges, ``svc:ns/name``,
    ``ingress:ns/name host/path``). Edge attributes are plain values (graphml-safe):
    ``kind`` (``connection``/``route``/``ingress``), ``conns`` text, ``assumed``,
    ``reasons`` (policies, ``;``-separated), ports and ``blocked`` for routes.
    """
    with paused_gc():
        return _build_nx(compiled, evaluator, endpoints, connections, routes)


def _build_nx(
    c: Compiled,
    ev: Evaluator,
    endpoints: Sequence[Endpoint],
    connections: Sequence[Connection],
    routes: Sequence[Route],
) -> nx.MultiDiGraph:
    import networkx as nx

    g = nx.MultiDiGraph()
    for ep in endpoints:
        g.add_node(
            ep.display(),
            type=ep.kind,
            namespace=ep.namespace,
            name=ep.name,
            workload_kind=ep.workload_kind,
        )
    reason_cache: dict[tuple[Node, Node], str] = {}
    for s, d, cs in ev.pair_list():
        txt = reason_cache.get((s, d))
        if txt is None:
            txt = ev.pair_reason_text(s, d)
            reason_cache[(s, d)] = txt
        for sep, sw in c.node_endpoints(s):
            for dep, dw in c.node_endpoints(d):
                if sw is not None and sw is dw:
                    continue
                g.add_edge(
                    sep.display(),
                    dep.display(),
                    key="connection",
                    kind="connection",
                    conns=cs.text(),
                    reasons=txt,
                    assumed=ev.pair_assumed(s, d),
                )
    for conn in connections:
        if conn.src.kind in ("ingress-controller", "gateway"):
            g.add_edge(
                conn.src.display(),
                conn.dst.display(),
                key="connection",
                kind="connection",
                conns=conn.conns.text(),
                reasons="",
                assumed=conn.assumed,
            )
    for svc in c.inventory.services:
        g.add_node(
            f"svc:{svc.namespace}/{svc.name}",
            type="service",
            namespace=svc.namespace,
            name=svc.name,
            service_type=svc.type,
        )
    for route in routes:
        if route.kind == "service":
            svc_id = "svc:" + route.via.rsplit(":", 1)[0]
            g.add_edge(
                svc_id,
                route.dst.display(),
                kind="route",
                protocol=route.protocol,
                port=route.port,
                target_port=route.target_port,
                blocked=route.blocked,
            )
    for ing in c.inventory.ingresses:
        for b in ing.backends:
            node = f"ingress:{ing.namespace}/{ing.name} {b.text()}"
            g.add_node(node, type="ingress", namespace=ing.namespace, name=ing.name, path=b.text())
            if b.service is not None:
                svc_id = f"svc:{ing.namespace}/{b.service}"
                if svc_id not in g:
                    g.add_node(
                        svc_id,
                        type="service",
                        namespace=ing.namespace,
                        name=b.service,
                        missing=True,
                    )
                g.add_edge(node, svc_id, kind="ingress", port=str(b.port))
    _gateway_nx(g, routes)
    return g


def _gateway_nx(g: nx.MultiDiGraph, routes: Sequence[Route]) -> None:
    """Gateway entries (semantics GW-8): ``listener:ns/gw/name`` nodes, an edge from each
    listener to the Gateway's data plane (its pods, or the ``{gateway:ns/name}``
    pseudo-source) and one to each backend workload, labelled with Gateway, listener,
    Route and rule (``via``)."""
    for r in routes:
        if r.kind != "gateway":
            continue
        gw, listener = r.via.split(" listener ", 1)
        lname = listener.split(" ", 1)[0]
        node = f"listener:{gw}/{lname}"
        if node not in g:
            ns, name = gw.split("/", 1)
            g.add_node(node, type="gateway-listener", namespace=ns, name=name, listener=lname)
        for src in r.sources:  # outside -> listener -> the Gateway's data plane
            if src not in g:
                g.add_node(src, type="gateway", namespace=gw.split("/", 1)[0], name=src)
            g.add_edge(node, src, key=f"listener {src}", kind="gateway-listener")
        g.add_edge(
            node,
            r.dst.display(),
            kind="gateway",
            via=r.via,
            sources=", ".join(r.sources),
            protocol=r.protocol,
            port=r.port,
            target_port=r.target_port,
            blocked=r.blocked,
        )


def connlist_name(ep: Endpoint) -> str:
    """netpol-analyzer's name of an endpoint (``{ingress-controller}`` for the controller)."""
    if ep.kind == "ingress-controller":
        return INGRESS_CONTROLLER_CONNLIST
    return ep.display()


def connlist_text(conn: GraphSource) -> str:
    """netpol-analyzer's connlist: ``SRC => DST : CONN`` per allowed pair, sorted."""
    names: dict[Endpoint, str] = {}
    texts: dict[int, str] = {}
    lines: list[str] = []
    for c in conn.connections:
        src = names.get(c.src)
        if src is None:
            src = names[c.src] = connlist_name(c.src)
        dst = names.get(c.dst)
        if dst is None:
            dst = names[c.dst] = connlist_name(c.dst)
        text = texts.get(id(c.conns))
        if text is None:
            text = texts[id(c.conns)] = c.conns.text()
        lines.append(f"{src} => {dst} : {text}")
    lines.sort()
    return "\n".join(lines) + ("\n" if lines else "")


# -- the streamed listing ---------------------------------------------------------------

# One source endpoint and its connections: (destination, connections, assumed), in order.
Row = tuple[Endpoint, list[tuple[Endpoint, ConnSet, bool]]]


def _prefix_free(keys: list[str]) -> bool:
    """Whether no key of the sorted ``keys`` equals or starts another (then sorting
    lines by their parts sorts them as whole lines)."""
    return all(not b.startswith(a) for a, b in itertools.pairwise(keys))


def stream_rows(
    compiled: Compiled,
    evaluator: Evaluator,
    endpoints: Sequence[Endpoint],
    extras: Sequence[Connection],
    name: Callable[[Endpoint], str],
    keep: Callable[[Endpoint], bool],
    focus: Endpoint | None = None,
) -> Iterator[Row] | None:
    """The allowed pairs, source by source, in the order of the sorted lines
    ``name(src) => name(dst) : CONN``, one class row evaluated at a time (memory is
    bounded by the analysis and one row, not by the number of pairs).

    ``endpoints``: every endpoint of the map; ``extras``: the connections no class
    row holds (the ingress controller's, the Gateways'); ``keep``: which endpoints to
    list (IPv6 ranges are dropped unless the input mentions IPv6); ``focus``: only
    pairs touching it. None when two names would sort differently as parts than as
    whole lines (a name holding ``" => "`` or ``" : "``, or two endpoints of one
    name): the caller then sorts the materialised lines.
    """
    kept = [e for e in endpoints if keep(e)]
    src_key = {e: name(e) + " => " for e in kept}
    dst_key = {e: name(e) + " : " for e in kept}
    for e in (*(x.src for x in extras), *(x.dst for x in extras)):
        src_key.setdefault(e, name(e) + " => ")
        dst_key.setdefault(e, name(e) + " : ")
    sources = sorted(src_key, key=src_key.__getitem__)
    dst_order = sorted(dst_key.values())
    if not _prefix_free([src_key[e] for e in sources]) or not _prefix_free(dst_order):
        return None
    rank = {k: i for i, k in enumerate(dst_order)}
    dst_rank = {e: rank[k] for e, k in dst_key.items()}
    return _rows(compiled, evaluator, sources, extras, dst_rank, keep, focus)


def _rows(
    c: Compiled,
    ev: Evaluator,
    sources: list[Endpoint],
    extras: Sequence[Connection],
    dst_rank: dict[Endpoint, int],
    keep: Callable[[Endpoint], bool],
    focus: Endpoint | None,
) -> Iterator[Row]:
    extra_of: dict[Endpoint, list[Connection]] = {}
    for x in extras:
        if keep(x.src) and keep(x.dst) and (focus is None or focus in (x.src, x.dst)):
            extra_of.setdefault(x.src, []).append(x)
    focus_node = _node_or_none(c, focus) if focus is not None else None
    # per destination node: its kept endpoints with their workloads and ranks
    members: dict[Node, list[tuple[int, Endpoint, Workload | None]]] = {}
    assumed_of = ev.pair_assumed
    flags, ns_assumed = c.class_assumed, c.class_ns_assumed
    any_assumed = any(flags) or any(ns_assumed)
    pin_uses = [p is not None and p.uses_ns_labels for p in c.profiles["ingress"]]
    peg_uses = [p is not None and p.uses_ns_labels for p in c.profiles["egress"]]
    last: tuple[Node, list[tuple[Node, ConnSet]]] | None = None
    for src in sources:
        node = _node_or_none(c, src)
        sw = c.wl_of.get(src) if src.kind == "workload" else None
        out: list[tuple[int, Endpoint, ConnSet, bool]] = []
        if node is not None and not (isinstance(node, ClassNode) and node.i >= c.n):
            # (the ingress controller's connections are all extras)
            if focus is None or src == focus:
                if last is not None and last[0] == node:
                    row = last[1]
                else:
                    row = ev.row(node)
                    last = (node, row)
            elif focus_node is not None:
                cs = ev.pair(node, focus_node)
                row = [(focus_node, cs)] if cs.ranges else []
            else:
                row = []
            for dnode, cs in row:
                eps = members.get(dnode)
                if eps is None:
                    eps = members[dnode] = [
                        (dst_rank[e], e, w) for e, w in c.node_endpoints(dnode) if keep(e)
                    ]
                if not any_assumed:
                    assumed = False
                elif isinstance(node, ClassNode) and isinstance(dnode, ClassNode):
                    # Evaluator.pair_assumed, inlined (once per class pair)
                    d = dnode.i
                    assumed = (
                        flags[node.i]
                        or flags[d]
                        or (ns_assumed[node.i] and pin_uses[d])
                        or (ns_assumed[d] and peg_uses[node.i])
                    )
                else:
                    assumed = assumed_of(node, dnode)
                for r, dep, dw in eps:
                    if sw is not None and sw is dw:
                        continue
                    if focus is not None and focus not in (src, dep):
                        continue
                    out.append((r, dep, cs, assumed))
        for x in extra_of.get(src, ()):
            out.append((dst_rank[x.dst], x.dst, x.conns, x.assumed))
        if not out:
            continue
        out.sort(key=_first)
        yield src, [(dep, cs, a) for _r, dep, cs, a in out]


def _first(t: tuple[int, Endpoint, ConnSet, bool]) -> int:
    return t[0]


def _node_or_none(c: Compiled, ep: Endpoint) -> Node | None:
    try:
        return c.node(ep)
    except KeyError:  # a Gateway's pseudo-source: its connections are extras
        return None
