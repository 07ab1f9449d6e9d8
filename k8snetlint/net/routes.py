"""Route resolution: how traffic enters, from Service ports to the pods behind them.

Its one job is turning the objects that route traffic (Services of every type,
Ingress paths, host ports; Gateway API next) into :class:`~k8snetlint.connectivity.Route`
values (docs/semantics.md, NP-23 and E-1 to E-3): which workload and container port each route
reaches, from which sources, and whether the target's policies block it.

A route *source* is a function from a :class:`RouteContext` to routes, registered with
:func:`register_route_source` (built in: ``service``, ``ingress``, ``hostport``). Every
Service port is resolved to target ports in one place, :meth:`RouteContext.service_targets`
(through :meth:`~k8snetlint.model.Service.resolutions`), whichever object routes to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from k8snetlint.connectivity import Endpoint, Route
from k8snetlint.model import Ingress, IngressBackend, Inventory, Service, ServicePort, Workload
from k8snetlint.net.compile import Compiled
from k8snetlint.net.evaluate import Evaluator
from k8snetlint.net.nodes import ClassNode, parse_range

__all__ = [
    "EntryPath",
    "IngressTarget",
    "RouteContext",
    "RouteSource",
    "ServiceTarget",
    "register_entry_source",
    "register_route_source",
    "resolve_routes",
    "route_sources",
]


@dataclass(frozen=True)
class ServiceTarget:
    """One Service port resolved on one target workload."""

    service: Service
    port: ServicePort
    workload: Workload
    target_port: int
    node: ClassNode
    endpoint: Endpoint


@dataclass(frozen=True)
class IngressTarget:
    """One Ingress path resolved to a Service port on one target workload."""

    ingress: Ingress
    backend: IngressBackend
    target: ServiceTarget

    @property
    def via(self) -> str:
        """``namespace/name host/path`` (the Ingress object and path)."""
        return f"{self.ingress.namespace}/{self.ingress.name} {self.backend.text()}"


@dataclass(frozen=True)
class EntryPath:
    """One way a proxy (the ingress controller; Gateways next) forwards traffic to a
    workload: the object, rule and path, and the port it opens on the workload."""

    via: str
    dst: Endpoint
    protocol: str
    target_port: int
    file: str = ""
    line: int = 0


def ingress_rule_text(it: IngressTarget) -> str:
    """``Ingress ns/name rule 0 path host/path -> Service ns/svc port 80 -> targetPort 8080``."""
    b, t = it.backend, it.target
    loc = b.location
    where = "default backend" if b.default else f"rule {loc[2]} path {b.text()}"
    return (
        f"Ingress {it.ingress.namespace}/{it.ingress.name} {where} -> Service "
        f"{t.service.namespace}/{t.service.name} port {t.port.port} -> targetPort {t.target_port}"
    )


class RouteContext:
    """What route sources read: the inventory, the compiled classes and the evaluator."""

    def __init__(self, compiled: Compiled, evaluator: Evaluator) -> None:
        self.compiled = compiled
        self.evaluator = evaluator

    @property
    def inventory(self) -> Inventory:
        return self.compiled.inventory

    def endpoint(self, workload: Workload) -> Endpoint:
        return self.compiled.ep_of[id(workload)]

    def service_targets(
        self, svc: Service, only: ServicePort | None = None
    ) -> Iterator[ServiceTarget]:
        """Each (port, workload) of ``svc`` whose targetPort resolves (semantics NP-23); only the
        port ``only`` when given."""
        for sp, w, tp in svc.resolutions():
            if tp is None or (only is not None and sp is not only):
                continue
            node = self.compiled.class_node(w)
            yield ServiceTarget(svc, sp, w, tp, node, self.compiled.ep_of[id(w)])

    def ingress_targets(self, ing: Ingress) -> Iterator[IngressTarget]:
        """Each path of ``ing`` resolved through its Service port to target workloads."""
        inv = self.inventory
        for b in ing.backends:
            if b.service is None or b.port is None:
                continue
            svc = inv.service(ing.namespace, b.service)
            if svc is None:
                continue
            sp = svc.port(b.port)
            if sp is None:
                continue
            for t in self.service_targets(svc, sp):
                yield IngressTarget(ing, b, t)

    def ingress_controller_admitted(self, t: ServiceTarget) -> bool:
        """Whether the ingress controller may open the target port (policies applied)."""
        c = self.compiled
        cs = self.evaluator.pair(ClassNode(c.ctrl), t.node)
        return cs.contains(t.port.protocol, t.target_port)

    def entry_paths(self, src: Endpoint, dst: Endpoint) -> tuple[EntryPath, ...] | None:
        """The paths through which proxy ``src`` forwards to ``dst``; None when ``src`` is
        no proxy (every registered entry source says so). Policies are not applied."""
        found: list[EntryPath] | None = None
        for source in _ENTRY_SOURCES.values():
            got = source(self, src, dst)
            if got is not None:
                found = [*(found or []), *got]
        if found is None:
            return None
        return tuple(sorted(set(found), key=lambda e: (e.via, e.protocol, e.target_port)))


EntrySource = Callable[[RouteContext, Endpoint, Endpoint], Iterable[EntryPath] | None]
"""How a proxy endpoint forwards to a workload (None: the endpoint is not its proxy)."""

_ENTRY_SOURCES: dict[str, EntrySource] = {}


def register_entry_source(name: str, source: EntrySource) -> None:
    """Add (or replace) an entry-path source (Gateways add theirs next to Ingress)."""
    _ENTRY_SOURCES[name] = source


def ingress_entry_paths(ctx: RouteContext, src: Endpoint, dst: Endpoint) -> list[EntryPath] | None:
    """The Ingress paths the ingress controller forwards to ``dst`` through."""
    if src.kind != "ingress-controller":
        return None
    out: list[EntryPath] = []
    for ing in ctx.inventory.ingresses:
        for it in ctx.ingress_targets(ing):
            if it.target.endpoint != dst:
                continue
            span = ing.manifest.span_at(it.backend.location)
            out.append(
                EntryPath(
                    ingress_rule_text(it),
                    dst,
                    it.target.port.protocol,
                    it.target.target_port,
                    ing.manifest.file,
                    span.line,
                )
            )
    return out


RouteSource = Callable[[RouteContext], Iterable[Route]]

_SOURCES: dict[str, RouteSource] = {}


def register_route_source(name: str, source: RouteSource) -> None:
    """Add (or replace) a route source; routes of every source are merged and sorted."""
    _SOURCES[name] = source


def route_sources() -> tuple[tuple[str, RouteSource], ...]:
    return tuple(_SOURCES.items())


def resolve_routes(ctx: RouteContext) -> tuple[Route, ...]:
    """Every route of every registered source, sorted."""
    out: list[Route] = []
    for _name, source in _SOURCES.items():
        out.extend(source(ctx))
    out.sort(key=route_order)
    return tuple(out)


def route_order(r: Route) -> tuple[str, str, Endpoint, str, int, int]:
    """The order of :func:`resolve_routes`."""
    return (r.kind, r.via, r.dst, r.protocol, r.port, r.target_port)


# ---------------------------------------------------------------------------------
# Built-in sources


def service_routes(ctx: RouteContext) -> Iterator[Route]:
    """ClusterIP (every Service), NodePort, LoadBalancer and externalIPs (semantics NP-23, E-1)."""
    ev = ctx.evaluator
    for svc in ctx.inventory.services:
        within: list[tuple[int, int, int]] | None = None
        if svc.load_balancer_source_ranges:
            within = [
                r
                for r in (parse_range(t) for t in svc.load_balancer_source_ranges)
                if r is not None
            ]
        alloc = svc.manifest.get("spec", "allocateLoadBalancerNodePorts") is not False
        exposed = svc.type in ("NodePort", "LoadBalancer") or bool(svc.external_ips)
        for t in ctx.service_targets(svc):
            sp, tp, ci = t.port, t.target_port, t.node.i
            span = svc.manifest.span_at(sp.path)
            base = f"{svc.namespace}/{svc.name}:{sp.port}"

            def route(
                kind: str,
                via: str,
                port: int,
                srcs: list[str] | None,
                t: ServiceTarget = t,
                line: int = span.line,
            ) -> Route:
                return Route(
                    kind,
                    via,
                    t.endpoint,
                    t.port.protocol,
                    port,
                    t.target_port,
                    blocked=not srcs,
                    file=t.service.manifest.file,
                    line=line,
                    sources=tuple(srcs or ()),
                )

            admitted = ev.admits_any(ci, sp.protocol, tp)
            yield Route(
                "service",
                base,
                t.endpoint,
                sp.protocol,
                sp.port,
                tp,
                blocked=not admitted,
                file=svc.manifest.file,
                line=span.line,
            )
            ext = ev.external_sources(ci, sp.protocol, tp, None) if exposed else None
            if svc.type == "NodePort" or (svc.type == "LoadBalancer" and alloc):
                yield route(
                    "nodeport",
                    f"{base} nodePort {sp.node_port or '(auto)'}",
                    sp.node_port or 0,
                    ext,
                )
            if svc.type == "LoadBalancer":
                lb = ev.external_sources(ci, sp.protocol, tp, within) if within is not None else ext
                yield route("loadbalancer", f"{base} loadBalancer", sp.port, lb)
            for ip in svc.external_ips:
                yield route("externalip", f"{base} externalIP {ip}", sp.port, ext)


def ingress_routes(ctx: RouteContext) -> Iterator[Route]:
    """Ingress paths through the ingress controller to the Service's pods (semantics E-2)."""
    ctrl = ctx.compiled.ingress_controller.display()
    for ing in ctx.inventory.ingresses:
        for it in ctx.ingress_targets(ing):
            t = it.target
            span = ing.manifest.span_at(it.backend.location)
            yield Route(
                "ingress",
                it.via,
                t.endpoint,
                t.port.protocol,
                t.port.port,
                t.target_port,
                blocked=not ctx.ingress_controller_admitted(t),
                file=ing.manifest.file,
                line=span.line,
                sources=(ctrl,),
            )


def hostport_routes(ctx: RouteContext) -> Iterator[Route]:
    """Container host ports, and every port of a hostNetwork pod (semantics E-3)."""
    for w in ctx.inventory.workloads:
        ci = ctx.compiled.class_of[id(w)]
        for cp in w.ports:
            host_port = cp.host_port or (cp.number if w.host_network else None)
            if not host_port:
                continue
            span = w.manifest.span_at(cp.path)
            srcs = ctx.evaluator.external_sources(ci, cp.protocol, cp.number, None)
            yield Route(
                "hostport",
                f"{w.display()} hostPort {host_port}",
                ctx.endpoint(w),
                cp.protocol,
                host_port,
                cp.number,
                blocked=not srcs,
                file=w.manifest.file,
                line=span.line,
                sources=tuple(srcs),
            )


register_route_source("service", service_routes)
register_route_source("ingress", ingress_routes)
register_route_source("hostport", hostport_routes)
register_entry_source("ingress", ingress_entry_paths)
