"""Gateway API entry routes: outside -> listener -> data-plane pods -> Service port -> pods.

Its one job is turning the resolved Gateway API entries (:func:`k8snetlint.gateway.resolve`)
into :class:`~k8snetlint.connectivity.Route` values of kind ``gateway``, with the
NetworkPolicy verdict between the Gateway's data-plane pods and each backend pod
(semantics GW-8, docs/semantics.md):

* the data-plane pods are the workloads of the Gateway's namespace labelled
  ``gateway.networking.k8s.io/gateway-name: <gateway>`` when the input holds them, or
  the workloads with the namespace and labels ``assume.gateway-pods`` states;
* otherwise a pseudo-source ``{gateway:ns/name}`` stands for them, with the namespace
  and labels of ``assume.gateway-pods`` (``{gateway}``/``{namespace}`` replaced), or
  unknown ones: a policy then admits it only if it admits every pod of every namespace,
  as for the ingress controller (semantics point 27).

A pseudo-source is evaluated as the engine's proxy pseudo-pod of a compilation whose
proxy has its facts (one compilation per distinct facts, shared by Gateways that have
the same; none when they equal the ingress controller's).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from k8snetlint.config import IngressController
from k8snetlint.connectivity import PROTOCOLS, Connection, ConnSet, Endpoint, Route, Verdict
from k8snetlint.gateway import DATA_PLANE_LABEL, Entry, Gateway, resolve
from k8snetlint.model import Workload, paused_gc
from k8snetlint.net.compile import Compiled
from k8snetlint.net.evaluate import NOTE_PROTOCOLS, Evaluator
from k8snetlint.net.nodes import ClassNode, Node
from k8snetlint.net.routes import (
    EntryPath,
    RouteContext,
    register_entry_source,
    register_route_source,
    route_order,
)

__all__ = [
    "GatewaySource",
    "entry_routes",
    "gateway_connections",
    "gateway_endpoints",
    "gateway_routes",
    "gateway_sources",
]


@dataclass(frozen=True)
class GatewaySource:
    """Who forwards a Gateway's traffic: its data-plane workloads, or a pseudo-pod."""

    gateway: Gateway
    workloads: tuple[Workload, ...]
    endpoint: Endpoint | None  # the pseudo-source (None when workloads are known)
    facts: IngressController  # the pseudo-source's namespace and labels (None: unknown)

    @property
    def known(self) -> bool:
        return bool(self.workloads) or self.facts.known

    def names(self, ctx: RouteContext) -> tuple[str, ...]:
        if self.endpoint is not None:
            return (self.endpoint.display(),)
        return tuple(ctx.endpoint(w).display() for w in self.workloads)


_CACHE: weakref.WeakKeyDictionary[RouteContext, dict[object, object]] = weakref.WeakKeyDictionary()


def _cache(ctx: RouteContext) -> dict[object, object]:
    hit = _CACHE.get(ctx)
    if hit is None:
        hit = _CACHE[ctx] = {}
    return hit


def _fill(value: str, gw: Gateway) -> str:
    return value.replace("{gateway}", gw.name).replace("{namespace}", gw.namespace)


def gateway_sources(ctx: RouteContext) -> dict[tuple[str, str], GatewaySource]:
    """The source of every Gateway of the input, by (namespace, name)."""
    cache = _cache(ctx)
    hit = cache.get("sources")
    if isinstance(hit, dict):
        return hit
    inv = ctx.inventory
    gp = ctx.compiled.config.assume.gateway_pods
    out: dict[tuple[str, str], GatewaySource] = {}
    for gw in inv.gateway_api.gateways:
        pods = tuple(
            w for w in inv.workloads_in(gw.namespace) if w.labels.get(DATA_PLANE_LABEL) == gw.name
        )
        facts = IngressController(
            namespace=_fill(gp.namespace, gw) if gp.namespace is not None else None,
            labels=(
                {k: _fill(v, gw) for k, v in gp.labels.items()} if gp.labels is not None else None
            ),
        )
        if not pods and facts.namespace is not None and facts.labels is not None:
            # the configured data plane, when the input holds its pods
            want = facts.labels.items()
            pods = tuple(
                w
                for w in inv.workloads_in(facts.namespace)
                if all(w.labels.get(k) == v for k, v in want)
            )
        ep = None if pods else Endpoint("gateway", gw.namespace, gw.name, "Gateway")
        out[gw.key] = GatewaySource(gw, pods, ep, facts)
    cache["sources"] = out
    return out


def _proxy_evaluator(ctx: RouteContext, facts: IngressController) -> tuple[Compiled, Evaluator]:
    """A compilation whose proxy pseudo-pod has ``facts`` (the main one when they match)."""
    main = ctx.compiled
    ic = main.config.assume.ingress_controller
    if (ic.namespace, ic.labels) == (facts.namespace, facts.labels):
        return main, ctx.evaluator
    cache = _cache(ctx)
    key = (
        "proxy",
        facts.namespace,
        tuple(sorted((facts.labels or {}).items())),
        facts.labels is None,
    )
    hit = cache.get(key)
    if isinstance(hit, tuple):
        return hit
    config = replace(main.config, assume=replace(main.config.assume, ingress_controller=facts))
    with paused_gc():
        compiled = Compiled(ctx.inventory, config)
    evaluator = Evaluator(compiled)
    if ctx.inventory.tier_policies:  # the admin tiers apply to the data plane too
        from k8snetlint.net.tiers import install_tiers

        install_tiers(compiled, evaluator)
    pair = (compiled, evaluator)
    cache[key] = pair
    return pair


def _admits(ctx: RouteContext, src: GatewaySource, dst: Workload, protocol: str, port: int) -> bool:
    """Whether the Gateway's data plane may open ``protocol``/``port`` on ``dst``'s pods."""
    if src.workloads:
        dnode = ctx.compiled.class_node(dst)
        return any(
            ctx.evaluator.pair(ctx.compiled.class_node(w), dnode).contains(protocol, port)
            for w in src.workloads
        )
    compiled, ev = _proxy_evaluator(ctx, src.facts)
    dnode = ClassNode(compiled.class_of[id(dst)])
    return ev.pair(ClassNode(compiled.ctrl), dnode).contains(protocol, port)


def entry_via(e: Entry) -> str:
    """``infra/web listener http (HTTP 80) HTTPRoute app/shop rules[0] (/api) -> Service app/api:80``."""
    li = e.listener
    sp = e.service_port
    return (
        f"{e.gateway.namespace}/{e.gateway.name} listener {li.name} ({li.protocol} {li.port}) "
        f"{e.route.kind} {e.route.namespace}/{e.route.name} {e.rule.text()} -> Service "
        f"{e.service.namespace}/{e.service.name}:{sp.port}"
    )


def gateway_routes(ctx: RouteContext) -> Iterator[Route]:
    """Each resolved entry, per target workload and port (semantics GW-8, docs/semantics.md)."""
    inv = ctx.inventory
    if not inv.gateway_api.gateways:
        return
    sources = gateway_sources(ctx)
    seen: set[tuple[str, Endpoint, str, int]] = set()
    for e in resolve(inv).entries:
        src = sources[e.gateway.key]
        span = e.route.manifest.span_at(e.backend.ref.path)
        via = entry_via(e)
        for t in ctx.service_targets(e.service, e.service_port):
            key = (via, t.endpoint, t.port.protocol, t.target_port)
            if key in seen:
                continue
            seen.add(key)
            yield Route(
                "gateway",
                via,
                t.endpoint,
                t.port.protocol,
                e.listener.port or 0,
                t.target_port,
                blocked=not _admits(ctx, src, t.workload, t.port.protocol, t.target_port),
                file=e.route.manifest.file,
                line=span.line,
                sources=src.names(ctx),
            )


def gateway_endpoints(ctx: RouteContext, routes: Sequence[Route]) -> tuple[Endpoint, ...]:
    """Pseudo-sources of Gateways that route somewhere and have no pods in the input."""
    routed = {r.via.split(" ", 1)[0] for r in routes if r.kind == "gateway"}
    return tuple(
        sorted(
            s.endpoint
            for s in gateway_sources(ctx).values()
            if s.endpoint is not None and f"{s.gateway.namespace}/{s.gateway.name}" in routed
        )
    )


def gateway_connections(ctx: RouteContext, routes: Sequence[Route]) -> tuple[Connection, ...]:
    """Pseudo-source -> backend pods: the target ports of unblocked Gateway routes."""
    sources = {
        f"{s.gateway.namespace}/{s.gateway.name}": s
        for s in gateway_sources(ctx).values()
        if s.endpoint is not None
    }
    per: dict[tuple[Endpoint, Endpoint], dict[str, list[tuple[int, int]]]] = {}
    assumed: dict[Endpoint, bool] = {}
    for r in routes:
        if r.kind != "gateway" or r.blocked:
            continue
        s = sources.get(r.via.split(" ", 1)[0])
        if s is None or s.endpoint is None:
            continue
        per.setdefault((s.endpoint, r.dst), {}).setdefault(r.protocol, []).append(
            (r.target_port, r.target_port)
        )
        assumed[s.endpoint] = not s.known
    out = [
        Connection(src, dst, ConnSet.from_dict(d), assumed[src]) for (src, dst), d in per.items()
    ]
    return tuple(sorted(out, key=lambda c: (c.src, c.dst)))


register_route_source("gateway", gateway_routes)


def entry_lines(
    routes: Sequence[Route], dst: Endpoint, protocol: str, port: int | None
) -> list[str]:
    """How traffic from outside reaches ``dst`` through Gateways (for ``reach``): one
    line per Gateway route, with the policy verdict between the data plane and ``dst``."""
    out: list[str] = []
    for r in routes:
        if r.kind != "gateway" or r.dst != dst:
            continue
        if port is not None and (r.protocol != protocol or r.target_port != port):
            continue
        state = "blocked by policy" if r.blocked else "admitted by policy"
        out.append(
            f"entry through Gateway {r.via} -> targetPort {r.target_port}, forwarded by "
            f"{', '.join(r.sources)}: {state} ({r.file}:{r.line})"
        )
    return out


def notes(ctx: RouteContext, routes: Sequence[Route]) -> tuple[str, ...]:
    """What Gateway results depend on (pseudo-sources with unknown facts)."""
    routed = {r.via.split(" ", 1)[0] for r in routes if r.kind == "gateway"}
    unknown = sorted(
        s.endpoint.display()
        for s in gateway_sources(ctx).values()
        if s.endpoint is not None
        and not s.known
        and f"{s.gateway.namespace}/{s.gateway.name}" in routed
    )
    if not unknown:
        return ()
    return (
        "the data-plane pods of "
        + ", ".join(unknown)
        + " are not in the input and their namespace and labels are unknown: a policy admits "
        "them only if it admits every pod of every namespace (set assume.gateway-pods, "
        "docs/semantics.md GW-8)",
    )


# ---------------------------------------------------------------------------------
# Queries with a pseudo-source as one end (Connectivity.allowed / verdict)


def _proxy_nodes(ctx: RouteContext, src: Endpoint, dst: Endpoint) -> tuple[Evaluator, Node, Node]:
    """The evaluator of the pseudo-source's facts and both ends as its nodes (when both
    ends are pseudo-sources, the source's facts are used for both)."""
    gw = src if src.kind == "gateway" else dst
    source = next(
        (s for s in gateway_sources(ctx).values() if s.endpoint == gw),
        None,
    )
    if source is None:
        raise KeyError(f"unknown endpoint {gw.display()}")
    compiled, ev = _proxy_evaluator(ctx, source.facts)
    proxy = compiled.class_nodes[compiled.ctrl]
    s = proxy if src.kind == "gateway" else compiled.node(src)
    d = proxy if dst.kind == "gateway" else compiled.node(dst)
    return ev, s, d


def allowed(ctx: RouteContext, src: Endpoint, dst: Endpoint) -> ConnSet:
    """Every (protocol, port) ``src`` may open to ``dst``, one end a pseudo-source."""
    ev, s, d = _proxy_nodes(ctx, src, dst)
    return ev.pair(s, d)


def verdict(
    ctx: RouteContext, src: Endpoint, dst: Endpoint, protocol: str, port: int | None
) -> Verdict:
    """May ``src`` open ``protocol``/``port`` to ``dst`` (one end a pseudo-source)?"""
    protocol = protocol.upper()
    ev, s, d = _proxy_nodes(ctx, src, dst)
    gw = src if src.kind == "gateway" else dst
    # the proxy's notes speak of the ingress controller: say it of the Gateway
    notes = [n for n in ev.pair_notes(s, d) if "ingress controller" not in n]
    if len(notes) < len(ev.pair_notes(s, d)):
        notes.append(
            f"the data-plane pods of {gw.display()} are not in the input and their namespace "
            "and labels are unknown (semantics GW-8): only rules admitting every pod of every "
            "namespace admit them"
        )
    if protocol not in PROTOCOLS:
        notes.append(NOTE_PROTOCOLS)
        return Verdict(src, dst, protocol, port, False, (), (), True, tuple(notes))
    eg_ok, eg = ev.explain("egress", s, d, protocol, port, src.display(), dst.display())
    in_ok, ing = ev.explain("ingress", d, s, protocol, port, dst.display(), src.display())
    assumed = ev.pair_assumed(s, d)
    return Verdict(
        src, dst, protocol, port, eg_ok and in_ok, tuple(eg), tuple(ing), assumed, tuple(notes)
    )


def _routes_cached(ctx: RouteContext) -> tuple[Route, ...]:
    cache = _cache(ctx)
    hit = cache.get("routes")
    if not isinstance(hit, tuple):
        hit = cache["routes"] = tuple(gateway_routes(ctx))
    return hit


def entry_routes(ctx: RouteContext) -> tuple[Route, ...]:
    """The Gateway routes alone, in the order of :func:`~k8snetlint.net.routes.resolve_routes`
    (what :func:`entry_lines` reads, without resolving every Service's routes)."""
    return tuple(sorted(_routes_cached(ctx), key=route_order))


def gateway_entry_paths(ctx: RouteContext, src: Endpoint, dst: Endpoint) -> list[EntryPath] | None:
    """The Gateway routes a pseudo-source forwards to ``dst`` through (None: ``src`` is
    no Gateway pseudo-source). Policies are not applied here."""
    if src.kind != "gateway":
        return None
    name = src.display()
    return [
        EntryPath(
            f"Gateway {r.via} -> targetPort {r.target_port}",
            dst,
            r.protocol,
            r.target_port,
            r.file,
            r.line,
        )
        for r in _routes_cached(ctx)
        if r.dst == dst and name in r.sources
    ]


register_entry_source("gateway", gateway_entry_paths)
