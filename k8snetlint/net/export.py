"""The presentation-side export: what reporters and commands read of a result.

Its one job is turning the engine's answer into presentation values: the
:class:`GraphSource` interface that renderers (``reporters/graphfmt.py``), the
``graph``/``reach``/``diff`` commands and rules are typed against, the networkx graph
(display-string nodes, plain edge attributes), netpol-analyzer's connlist text and the
notes on what results depend on. Nothing here evaluates a policy; reporters never
touch classes, bitsets or compiled rules.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, NamedTuple, Protocol

from k8snetlint.connectivity import Connection, ConnSet, Endpoint, Route
from k8snetlint.model import Inventory, Workload, paused_gc
from k8snetlint.net.compile import Compiled
from k8snetlint.net.evaluate import NOTE_PROTOCOLS, Admission, EgressShare, Evaluator
from k8snetlint.net.nodes import ALL, AtomNode, ClassNode, Node
from k8snetlint.policy import NetworkPolicy
from k8snetlint.selectors import iter_bits

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "INGRESS_CONTROLLER_CONNLIST",
    "GraphSource",
    "Row",
    "RowStream",
    "TextRow",
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
    name): the caller then sorts the materialised lines. The answer is a
    :class:`RowStream`: the txt map takes its :meth:`RowStream.text_rows`.
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
    return RowStream(compiled, evaluator, sources, extras, src_key, dst_key, dst_rank, keep, focus)


_RANKS_KEPT = 4_000_000  # ranks cached by text_rows before the cache is dropped


class TextRow(NamedTuple):
    """One source's lines, made: ``text`` holds ``lines`` lines ``name(src) =>
    name(dst) : CONN``, each ending in a newline; ``external``: some destination is
    an address range outside the cluster."""

    src: Endpoint
    text: str
    lines: int
    external: bool


class RowStream(Iterator[Row]):
    """The answer of :func:`stream_rows`: the rows, source by source (an iterator of
    :data:`Row`), or, for the txt map, :meth:`text_rows`."""

    def __init__(
        self,
        c: Compiled,
        ev: Evaluator,
        sources: list[Endpoint],
        extras: Sequence[Connection],
        src_key: dict[Endpoint, str],
        dst_key: dict[Endpoint, str],
        dst_rank: dict[Endpoint, int],
        keep: Callable[[Endpoint], bool],
        focus: Endpoint | None,
    ) -> None:
        self.c, self.ev = c, ev
        self.sources, self.src_key, self.dst_key, self.dst_rank = (
            sources,
            src_key,
            dst_key,
            dst_rank,
        )
        self.keep, self.focus = keep, focus
        self.extra_of: dict[Endpoint, list[Connection]] = {}
        for x in extras:
            if keep(x.src) and keep(x.dst) and (focus is None or focus in (x.src, x.dst)):
                self.extra_of.setdefault(x.src, []).append(x)
        self.focus_node = _node_or_none(c, focus) if focus is not None else None
        # per destination node: its kept endpoints with their workloads and ranks
        self._members: dict[Node, list[tuple[int, Endpoint, Workload | None]]] = {}
        flags, ns_assumed = c.class_assumed, c.class_ns_assumed
        # (the ingress controller's class is never in a row: its flags do not count)
        self._any_assumed = any(flags[: c.n]) or any(ns_assumed[: c.n])
        self._pin_uses = [p is not None and p.uses_ns_labels for p in c.profiles["ingress"]]
        self._peg_uses = [p is not None and p.uses_ns_labels for p in c.profiles["egress"]]
        self._last: tuple[Node, list[tuple[Node, ConnSet]]] | None = None
        self._it: Iterator[Row] | None = None
        # text_rows' caches
        self._class_ranks: list[list[int]] | None = None
        self._ranks_cache: dict[int, tuple[int, ...]] = {}
        self._ranks_size = 0
        self._dst_keys: list[str] | None = None
        self._templates: dict[ConnSet, list[str]] = {}

    def __iter__(self) -> RowStream:
        return self

    def __next__(self) -> Row:
        if self._it is None:
            self._it = self._rows()
        return next(self._it)

    def _rows(self) -> Iterator[Row]:
        for src in self.sources:
            out = self._entries(src)
            if out:
                yield src, out

    def text_rows(self, conn_text: Callable[[ConnSet], str]) -> Iterator[Row | TextRow]:
        """The rows, each source's lines made here (a :class:`TextRow`) when the
        evaluator answers its row in shared pieces (:meth:`Evaluator.open_row`,
        :meth:`Evaluator.closed_row`: NetworkPolicy alone, no focus), as a :data:`Row`
        otherwise. ``conn_text``: the text of a connection set.

        The lines of a source whose egress is open are the lines to every destination
        open to all (made once, in the order of the output), with those its namespace's
        admissions and its own name put in their places (made once per namespace and
        admission) and its own line taken out: per line, a copy and a join."""
        c, open_row, closed_row = self.c, self.ev.open_row, self.ev.closed_row
        template: list[str] | None = None
        external = False
        placed: dict[Admission, tuple[tuple[int, ...], tuple[str, ...]]] = {}
        shares: dict[EgressShare, bool] = {}  # some address range among its destinations
        blank: list[str] | None = None
        # the current namespace's lines: (its shared admissions, ranks, line parts)
        shared: tuple[tuple[Admission, ...], list[int], list[str]] | None = None
        src_key, dst_rank, extra_of = self.src_key, self.dst_rank, self.extra_of
        for src in self.sources:
            node = _node_or_none(c, src) if self.focus is None else None
            row = closed = None
            if isinstance(node, ClassNode) and src not in extra_of:
                row = open_row(node.i)
                if row is None:
                    closed = closed_row(node.i)
            own = dst_rank.get(src)
            if row is not None:
                if shared is None or shared[0] is not row.shared:
                    if template is None:
                        template, external = self._open_template(conn_text)
                    slots = template[:]
                    for adm in row.shared:
                        hit = placed.get(adm)
                        if hit is None:
                            hit = placed[adm] = self._place(adm, conn_text)
                        any(map(slots.__setitem__, *hit))  # (setitem is None: runs them all)
                    ranks = list(itertools.compress(range(len(slots)), slots))
                    shared = (row.shared, ranks, list(filter(None, slots)))
                changes: dict[int, str] = {}
                for adm in row.own:
                    hit = placed.get(adm)
                    if hit is None:
                        hit = placed[adm] = self._place(adm, conn_text)
                    changes.update(zip(*hit, strict=True))
                if own is not None:
                    changes[own] = ""  # a workload is never paired with itself
                parts = _changed(shared[1], shared[2], changes)
                ext = external
            elif closed is not None:
                share, isolated = closed
                pairs: list[tuple[int, str]] = []
                for bits, cs in share.pieces:
                    at = self._ranks_of(bits)
                    texts = self._text_template(cs, conn_text)
                    pairs.extend(zip(at, map(texts.__getitem__, at), strict=True))
                for r, k, cs in self._ranked([*share.open, *isolated]):
                    pairs.append((r, k + conn_text(cs)))
                if len(pairs) * 16 < len(dst_rank):
                    pairs.sort()  # by rank: ranks are distinct, the parts never compared
                    parts = [p for r, p in pairs if r != own]
                else:
                    if blank is None:
                        blank = [""] * len(dst_rank)
                    slots = blank[:]
                    for r, p in pairs:
                        slots[r] = p
                    if own is not None:
                        slots[own] = ""
                    parts = list(filter(None, slots))
                known = shares.get(share)
                if known is None:
                    known = shares[share] = any(
                        self.keep(e)
                        for node, _cs in share.open
                        if isinstance(node, AtomNode)
                        for e, _w in c.node_endpoints(node)
                    )
                ext = known
            else:
                out = self._entries(src)
                if out:
                    yield src, out
                continue
            if parts:
                # one copy of the text: the first part takes the prefix, the last the newline
                prefix = src_key[src]
                parts[0] = prefix + parts[0]
                parts[-1] += "\n"
                yield TextRow(src, ("\n" + prefix).join(parts), len(parts), ext)

    def _ranked(self, row: list[tuple[Node, ConnSet]]) -> Iterator[tuple[int, str, ConnSet]]:
        """(rank, ``name(dst) : ``, connections) of the kept endpoints of ``row``."""
        c, keep, rank, dst_key = self.c, self.keep, self.dst_rank, self.dst_key
        for node, cs in row:
            for e, _w in c.node_endpoints(node):
                if keep(e):
                    yield rank[e], dst_key[e], cs

    def _ranks_of(self, bits: int) -> tuple[int, ...]:
        """The ranks of the kept endpoints of the classes of ``bits`` (cached: the same
        sets recur across profiles; dropped when large)."""
        hit = self._ranks_cache.get(bits)
        if hit is None:
            if self._ranks_size > _RANKS_KEPT:
                self._ranks_cache.clear()
                self._ranks_size = 0
            class_ranks = self._class_ranks
            if class_ranks is None:
                class_ranks = self._class_ranks = [
                    [self.dst_rank[e] for e, _w in self.c.node_endpoints(node) if self.keep(e)]
                    for node in self.c.class_nodes[: self.c.n]
                ]
            hit = tuple(r for d in iter_bits(bits) for r in class_ranks[d])
            self._ranks_cache[bits] = hit
            self._ranks_size += len(hit)
        return hit

    def _text_template(self, cs: ConnSet, conn_text: Callable[[ConnSet], str]) -> list[str]:
        """Per rank, the line part to that destination with ``cs`` (a few kept)."""
        hit = self._templates.get(cs)
        if hit is None:
            if len(self._templates) >= 16:
                del self._templates[next(iter(self._templates))]
            if self._dst_keys is None:
                keys = [""] * len(self.dst_rank)
                for e, r in self.dst_rank.items():
                    keys[r] = self.dst_key[e]
                self._dst_keys = keys
            text = conn_text(cs)
            hit = self._templates[cs] = [k + text for k in self._dst_keys]
        return hit

    def _open_template(self, conn_text: Callable[[ConnSet], str]) -> tuple[list[str], bool]:
        """Per rank, the line part to a destination every source whose egress is
        open reaches with every connection (classes not isolated for ingress and the
        atoms), ``""`` elsewhere; and whether an atom is among them."""
        c, keep, rank, dst_key = self.c, self.keep, self.dst_rank, self.dst_key
        text = conn_text(ALL)
        out = [""] * len(rank)
        nodes: list[Node] = [c.class_nodes[d] for d in iter_bits(c.all_real & ~c.in_iso)]
        external = False
        for node in [*nodes, *c.atom_nodes]:
            for e, _w in c.node_endpoints(node):
                if keep(e):
                    out[rank[e]] = dst_key[e] + text
                    external = external or e.kind == "external"
        return out, external

    def _place(
        self, adm: Admission, conn_text: Callable[[ConnSet], str]
    ) -> tuple[tuple[int, ...], tuple[str, ...]]:
        """The ranks and line parts of an admission's destinations."""
        c, keep, rank, dst_key = self.c, self.keep, self.dst_rank, self.dst_key
        ranks: list[int] = []
        parts: list[str] = []
        for d, cs in adm.dsts:
            text = conn_text(cs)
            for e, _w in c.node_endpoints(c.class_nodes[d]):
                if keep(e):
                    ranks.append(rank[e])
                    parts.append(dst_key[e] + text)
        return tuple(ranks), tuple(parts)

    def _entries(self, src: Endpoint) -> list[tuple[Endpoint, ConnSet, bool]]:
        """The connections of ``src``, in the order of the output."""
        c, ev, focus, keep, dst_rank = self.c, self.ev, self.focus, self.keep, self.dst_rank
        members, assumed_of = self._members, ev.pair_assumed
        flags, ns_assumed = c.class_assumed, c.class_ns_assumed
        pin_uses, peg_uses, any_assumed = self._pin_uses, self._peg_uses, self._any_assumed
        node = _node_or_none(c, src)
        sw = c.wl_of.get(src) if src.kind == "workload" else None
        out: list[tuple[int, Endpoint, ConnSet, bool]] = []
        if node is not None and not (isinstance(node, ClassNode) and node.i >= c.n):
            # (the ingress controller's connections are all extras)
            if focus is None or src == focus:
                last = self._last
                if last is not None and last[0] == node:
                    row = last[1]
                else:
                    row = ev.row(node)
                    self._last = (node, row)
            elif self.focus_node is not None:
                cs = ev.pair(node, self.focus_node)
                row = [(self.focus_node, cs)] if cs.ranges else []
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
                if dnode == node or focus is not None:
                    # a workload is never paired with itself
                    out.extend(
                        (r, dep, cs, assumed)
                        for r, dep, dw in eps
                        if not (sw is not None and sw is dw)
                        and (focus is None or focus in (src, dep))
                    )
                elif len(eps) == 1:
                    r, dep, _w = eps[0]
                    out.append((r, dep, cs, assumed))
                else:
                    out.extend([(r, dep, cs, assumed) for r, dep, _w in eps])
        for x in self.extra_of.get(src, ()):
            out.append((dst_rank[x.dst], x.dst, x.conns, x.assumed))
        out.sort()  # by rank: ranks are distinct, the rest is never compared
        return [(dep, cs, a) for _r, dep, cs, a in out]


def _changed(ranks: list[int], parts: list[str], changes: dict[int, str]) -> list[str]:
    """A copy of ``parts`` (in the order of ``ranks``, sorted) with the part of each
    rank of ``changes`` put in its place (``""``: taken out)."""
    out = parts[:]
    for r in sorted(changes, reverse=True):  # from the end: the positions still hold
        i = bisect.bisect_left(ranks, r)
        p = changes[r]
        if i < len(ranks) and ranks[i] == r:
            if p:
                out[i] = p
            else:
                del out[i]
        elif p:
            out.insert(i, p)
    return out


def _node_or_none(c: Compiled, ep: Endpoint) -> Node | None:
    try:
        return c.node(ep)
    except KeyError:  # a Gateway's pseudo-source: its connections are extras
        return None
