"""Gateway API: typed views of ``gateway.networking.k8s.io`` objects and their resolution.

Views (built from manifests by :func:`build_gateway_api`, held by the Inventory as
``inventory.gateway_api``): :class:`GatewayClass`, :class:`Gateway` (with its
:class:`Listener` list), :class:`ListenerSet`, :class:`Route` (HTTPRoute, GRPCRoute,
TLSRoute, TCPRoute, UDPRoute: every served version) and :class:`ReferenceGrant`.

Resolution (:func:`resolve`, semantics GW-1 to GW-10, docs/semantics.md):

* a Route attaches to a Gateway (or ListenerSet) listener through ``parentRefs`` (group
  default ``gateway.networking.k8s.io``, kind default ``Gateway``, namespace default the
  Route's, optional ``sectionName`` = listener name and ``port`` = listener port) when the
  listener's ``allowedRoutes`` admits the Route's namespace and kind and, for routes that
  carry hostnames, the hostnames intersect;
* each ``backendRefs`` entry names a Service port (group ``""``, kind ``Service``,
  namespace default the Route's); a reference into another namespace needs a
  ReferenceGrant in that namespace; weight 0 sends no traffic;
* what resolves becomes an :class:`Entry` (Gateway, listener, Route, rule, Service port);
  what does not is kept with its reason so that checks report it at the field.

Everything is sorted; results never depend on input order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from k8snetlint.document import Manifest, Path, as_int, as_list, as_map, as_str
from k8snetlint.model import GATEWAY_API_GROUPS, GatewayAPI
from k8snetlint.selectors import Selector, parse_selector

if TYPE_CHECKING:
    from k8snetlint.model import Inventory, Service, ServicePort

__all__ = [
    "DATA_PLANE_LABEL",
    "GATEWAY_GROUP",
    "ROUTE_KINDS",
    "Attachment",
    "Backend",
    "BackendRef",
    "Entry",
    "Gateway",
    "GatewayAPI",
    "GatewayClass",
    "Listener",
    "ListenerConflict",
    "ListenerSet",
    "ParentRef",
    "ReferenceGrant",
    "Rejection",
    "Resolution",
    "Route",
    "RouteRule",
    "build_gateway_api",
    "hostname_matches",
    "intersect_hostnames",
    "resolve",
]

# The standard group, and the experimental group of the ListenerSet's predecessor
# (XListenerSet).
GATEWAY_GROUP, X_GROUP = GATEWAY_API_GROUPS
DATA_PLANE_LABEL = "gateway.networking.k8s.io/gateway-name"

ROUTE_KINDS: tuple[str, ...] = ("GRPCRoute", "HTTPRoute", "TCPRoute", "TLSRoute", "UDPRoute")
# Route kinds with spec.hostnames (matched against the listener hostname).
HOSTNAME_KINDS = frozenset({"GRPCRoute", "HTTPRoute", "TLSRoute"})
# Protocols whose listener hostname is meaningful (the Distinct Listeners rules).
HOSTNAME_PROTOCOLS = frozenset({"HTTP", "HTTPS", "TLS"})
LISTENER_SET_KINDS = frozenset({"ListenerSet", "XListenerSet"})

# Route kinds a listener accepts when ``allowedRoutes.kinds`` is empty, by protocol.
# HTTP/HTTPS: HTTPRoute and GRPCRoute (GRPCRoute is served over HTTP/2 on both);
# TLS: TLSRoute, and TCPRoute where the implementation terminates TLS (implementation-
# specific: accepted, not judged); TCP: TCPRoute; UDP: UDPRoute. Other protocols are
# implementation-specific (domain-prefixed names): their kinds are not judged.
DEFAULT_KINDS: dict[str, frozenset[str]] = {
    "HTTP": frozenset({"HTTPRoute", "GRPCRoute"}),
    "HTTPS": frozenset({"HTTPRoute", "GRPCRoute"}),
    "TLS": frozenset({"TLSRoute", "TCPRoute"}),
    "TCP": frozenset({"TCPRoute"}),
    "UDP": frozenset({"UDPRoute"}),
}


def api_group(api_version: str) -> str:
    return api_version.split("/", 1)[0] if "/" in api_version else ""


# ---------------------------------------------------------------------------------
# Hostnames


def hostname_matches(pattern: str, host: str) -> bool:
    """Whether ``host`` (precise or wildcard) lies within ``pattern`` (semantics GW-4).

    ``*.example.com`` matches one or more labels to the left of ``.example.com`` (so
    ``a.b.example.com`` and the wildcard ``*.b.example.com``), never ``example.com``.
    """
    pattern, host = pattern.lower(), host.lower()
    if pattern == host:
        return True
    if pattern.startswith("*."):
        suffix = pattern[1:]  # ".example.com"
        core = host[1:] if host.startswith("*.") else host
        return core.endswith(suffix) and len(core) > len(suffix)
    return False


def intersect_hostnames(listener: str | None, route: Sequence[str]) -> tuple[str, ...]:
    """Hostnames both a listener and a Route accept; ``("*",)`` means any; ``()`` none.

    A listener without hostname accepts the Route's hostnames; a Route without
    hostnames takes the listener's; otherwise each pair contributes the more specific
    of the two when one lies within the other.
    """
    if not listener:
        return tuple(route) or ("*",)
    if not route:
        return (listener,)
    out: list[str] = []
    for h in route:
        if hostname_matches(listener, h):
            chosen = h
        elif hostname_matches(h, listener):
            chosen = listener
        else:
            continue
        if chosen not in out:
            out.append(chosen)
    return tuple(out)


# ---------------------------------------------------------------------------------
# Views


@dataclass(frozen=True)
class AllowedRoutes:
    """``allowedRoutes`` of a listener; ``kinds`` None = the protocol's defaults."""

    namespaces_from: str = "Same"
    selector: Selector | None = None
    kinds: tuple[tuple[str, str], ...] | None = None
    namespaces_path: Path = ()
    kinds_path: Path = ()


@dataclass(frozen=True, eq=False)
class Listener:
    """One listener of a Gateway or a ListenerSet; ``path`` locates it in ``manifest``."""

    manifest: Manifest
    owner_kind: str
    owner_namespace: str
    owner_name: str
    index: int
    name: str
    port: int | None
    protocol: str
    hostname: str | None
    allowed: AllowedRoutes
    path: Path

    def text(self) -> str:
        host = f" {self.hostname}" if self.hostname else ""
        return f"listener {self.name} ({self.protocol} {self.port}{host})"

    def owner_text(self) -> str:
        return f"{self.owner_kind} {self.owner_namespace}/{self.owner_name}"

    def allowed_kinds(self) -> frozenset[str] | None:
        """Route kinds admitted (None: implementation-specific protocol, not judged)."""
        if self.allowed.kinds is not None:
            return frozenset(k for g, k in self.allowed.kinds if g == GATEWAY_GROUP)
        return DEFAULT_KINDS.get(self.protocol)


@dataclass(frozen=True, eq=False)
class GatewayClass:
    manifest: Manifest
    name: str
    controller: str | None


@dataclass(frozen=True, eq=False)
class Gateway:
    manifest: Manifest
    namespace: str
    name: str
    class_name: str | None
    listeners: tuple[Listener, ...]
    listeners_from: str = "None"  # spec.allowedListeners.namespaces.from
    listeners_selector: Selector | None = None
    default_scope: str | None = None
    infrastructure_labels: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)

    def text(self) -> str:
        return f"Gateway {self.namespace}/{self.name}"


@dataclass(frozen=True)
class ParentRef:
    """One ``parentRefs`` entry (or a ListenerSet's ``parentRef``), defaults applied."""

    index: int
    group: str
    kind: str
    namespace: str
    name: str
    section_name: str | None
    port: int | None
    path: Path

    @property
    def is_gateway(self) -> bool:
        return self.group == GATEWAY_GROUP and self.kind == "Gateway"

    @property
    def is_listener_set(self) -> bool:
        return self.group in (GATEWAY_GROUP, X_GROUP) and self.kind in LISTENER_SET_KINDS

    def text(self) -> str:
        extra = ""
        if self.section_name is not None:
            extra += f" sectionName {self.section_name}"
        if self.port is not None:
            extra += f" port {self.port}"
        return f"{self.kind} {self.namespace}/{self.name}{extra}"


@dataclass(frozen=True, eq=False)
class ListenerSet:
    manifest: Manifest
    namespace: str
    name: str
    parent: ParentRef | None
    listeners: tuple[Listener, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)

    def text(self) -> str:
        return f"{self.manifest.kind} {self.namespace}/{self.name}"


@dataclass(frozen=True)
class BackendRef:
    """One ``backendRefs`` entry of a Route rule, defaults applied."""

    rule: int
    index: int
    group: str
    kind: str
    namespace: str
    name: str
    port: int | None
    weight: int
    path: Path

    @property
    def is_service(self) -> bool:
        return self.group == "" and self.kind == "Service"

    def text(self) -> str:
        port = f":{self.port}" if self.port is not None else ""
        kind = "" if self.is_service else f"{self.kind} "
        return f"{kind}{self.namespace}/{self.name}{port}"


@dataclass(frozen=True)
class RouteRule:
    index: int
    name: str | None
    matches: tuple[str, ...]
    backends: tuple[BackendRef, ...]

    def text(self) -> str:
        label = f"rules[{self.index}]"
        if self.name:
            label += f" {self.name!r}"
        if self.matches:
            label += " (" + ", ".join(self.matches) + ")"
        return label


@dataclass(frozen=True, eq=False)
class Route:
    manifest: Manifest
    kind: str
    namespace: str
    name: str
    hostnames: tuple[str, ...]
    parent_refs: tuple[ParentRef, ...]
    rules: tuple[RouteRule, ...]
    use_default_gateways: str | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.namespace, self.kind, self.name)

    def text(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


@dataclass(frozen=True, eq=False)
class ReferenceGrant:
    manifest: Manifest
    namespace: str
    name: str
    sources: tuple[tuple[str, str, str], ...]  # (group, kind, namespace)
    targets: tuple[tuple[str, str, str | None], ...]  # (group, kind, name or None = all)

    def grants(self, group: str, kind: str, namespace: str, to_group: str, to_kind: str,
               to_name: str) -> bool:  # fmt: skip
        return (group, kind, namespace) in self.sources and any(
            g == to_group and k == to_kind and (n is None or n == to_name)
            for g, k, n in self.targets
        )


# ---------------------------------------------------------------------------------
# Building


def _allowed(raw: Any, path: Path) -> AllowedRoutes:
    ar = as_map(raw)
    ns = as_map(ar.get("namespaces"))
    frm = as_str(ns.get("from")) or "Same"
    sel = (
        parse_selector(ns.get("selector"), (*path, "namespaces", "selector"))
        if frm == "Selector"
        else None
    )
    kinds: tuple[tuple[str, str], ...] | None = None
    raw_kinds = [k for k in as_list(ar.get("kinds")) if isinstance(k, dict)]
    if raw_kinds:
        kinds = tuple(
            (
                as_str(k.get("group")) or "" if k.get("group") is not None else GATEWAY_GROUP,
                as_str(k.get("kind")) or "",
            )
            for k in raw_kinds
        )
    return AllowedRoutes(frm, sel, kinds, (*path, "namespaces"), (*path, "kinds"))


def _listeners(m: Manifest, namespace: str, owner_kind: str) -> tuple[Listener, ...]:
    out: list[Listener] = []
    for i, raw in enumerate(as_list(m.get("spec", "listeners"))):
        if not isinstance(raw, dict):
            continue
        path: Path = ("spec", "listeners", i)
        out.append(
            Listener(
                manifest=m,
                owner_kind=owner_kind,
                owner_namespace=namespace,
                owner_name=m.name,
                index=i,
                name=as_str(raw.get("name")) or "",
                port=as_int(raw.get("port")),
                protocol=as_str(raw.get("protocol")) or "",
                hostname=as_str(raw.get("hostname")) or None,
                allowed=_allowed(raw.get("allowedRoutes"), (*path, "allowedRoutes")),
                path=path,
            )
        )
    return tuple(out)


def _gateway(m: Manifest, namespace: str) -> Gateway:
    spec = as_map(m.get("spec"))
    al = as_map(as_map(spec.get("allowedListeners")).get("namespaces"))
    frm = as_str(al.get("from")) or "None"
    sel = (
        parse_selector(al.get("selector"), ("spec", "allowedListeners", "namespaces", "selector"))
        if frm == "Selector"
        else None
    )
    infra = as_map(as_map(spec.get("infrastructure")).get("labels"))
    return Gateway(
        manifest=m,
        namespace=namespace,
        name=m.name,
        class_name=as_str(spec.get("gatewayClassName")),
        listeners=_listeners(m, namespace, "Gateway"),
        listeners_from=frm,
        listeners_selector=sel,
        default_scope=as_str(spec.get("defaultScope")),
        infrastructure_labels={str(k): str(v) for k, v in infra.items()},
    )


def _parent_ref(raw: Mapping[str, Any], index: int, namespace: str, path: Path) -> ParentRef:
    group = raw.get("group")
    return ParentRef(
        index=index,
        group=GATEWAY_GROUP if group is None else str(group),
        kind=as_str(raw.get("kind")) or "Gateway",
        namespace=as_str(raw.get("namespace")) or namespace,
        name=as_str(raw.get("name")) or "",
        section_name=as_str(raw.get("sectionName")) or None,
        port=as_int(raw.get("port")),
        path=path,
    )


def _listener_set(m: Manifest, namespace: str) -> ListenerSet:
    raw = m.get("spec", "parentRef")
    parent = (
        _parent_ref(raw, 0, namespace, ("spec", "parentRef")) if isinstance(raw, dict) else None
    )
    return ListenerSet(m, namespace, m.name, parent, _listeners(m, namespace, m.kind))


def _match_text(kind: str, raw: Any) -> str:
    """A short text of one match (HTTP path, gRPC method) for labels."""
    mm = as_map(raw)
    if kind == "HTTPRoute":
        p = as_map(mm.get("path"))
        value = as_str(p.get("value"))
        text = value if value is not None else "/"
        if as_str(p.get("type")) == "Exact":
            text = f"={text}"
        elif as_str(p.get("type")) == "RegularExpression":
            text = f"~{text}"
        return text
    if kind == "GRPCRoute":
        meth = as_map(mm.get("method"))
        svc, name = as_str(meth.get("service")), as_str(meth.get("method"))
        return f"{svc or '*'}/{name or '*'}"
    return ""


def _route(m: Manifest, namespace: str) -> Route:
    spec = as_map(m.get("spec"))
    kind = m.kind
    parents = tuple(
        _parent_ref(raw, i, namespace, ("spec", "parentRefs", i))
        for i, raw in enumerate(as_list(spec.get("parentRefs")))
        if isinstance(raw, dict)
    )
    rules: list[RouteRule] = []
    for ri, rule in enumerate(as_list(spec.get("rules"))):
        if not isinstance(rule, dict):
            continue
        backends: list[BackendRef] = []
        for bi, b in enumerate(as_list(rule.get("backendRefs"))):
            if not isinstance(b, dict):
                continue
            weight = as_int(b.get("weight"))
            backends.append(
                BackendRef(
                    rule=ri,
                    index=bi,
                    group=as_str(b.get("group")) or "",
                    kind=as_str(b.get("kind")) or "Service",
                    namespace=as_str(b.get("namespace")) or namespace,
                    name=as_str(b.get("name")) or "",
                    port=as_int(b.get("port")),
                    weight=1 if weight is None else weight,
                    path=("spec", "rules", ri, "backendRefs", bi),
                )
            )
        matches = tuple(
            t for t in (_match_text(kind, x) for x in as_list(rule.get("matches"))) if t
        )
        rules.append(RouteRule(ri, as_str(rule.get("name")), matches, tuple(backends)))
    hostnames = tuple(h for h in as_list(spec.get("hostnames")) if isinstance(h, str) and h)
    return Route(
        manifest=m,
        kind=kind,
        namespace=namespace,
        name=m.name,
        hostnames=hostnames if kind in HOSTNAME_KINDS else (),
        parent_refs=parents,
        rules=tuple(rules),
        use_default_gateways=as_str(spec.get("useDefaultGateways")),
    )


def _grant(m: Manifest, namespace: str) -> ReferenceGrant:
    spec = as_map(m.get("spec"))
    sources = tuple(
        sorted(
            {
                (
                    as_str(f.get("group")) or "",
                    as_str(f.get("kind")) or "",
                    as_str(f.get("namespace")) or "",
                )
                for f in as_list(spec.get("from"))
                if isinstance(f, dict)
            }
        )
    )
    targets = tuple(
        sorted(
            {
                (
                    as_str(t.get("group")) or "",
                    as_str(t.get("kind")) or "",
                    as_str(t.get("name")) or None,
                )
                for t in as_list(spec.get("to"))
                if isinstance(t, dict)
            },
            key=lambda t: (t[0], t[1], t[2] or ""),
        )
    )
    return ReferenceGrant(m, namespace, m.name, sources, targets)


def is_gateway_api(m: Manifest) -> bool:
    return api_group(m.api_version) in (GATEWAY_GROUP, X_GROUP)


def build_gateway_api(ordered: Iterable[tuple[Manifest, str]]) -> GatewayAPI:
    """The Gateway API views of ``(manifest, effective namespace)`` pairs (deduplicated)."""
    classes: list[GatewayClass] = []
    gateways: list[Gateway] = []
    sets: list[ListenerSet] = []
    routes: list[Route] = []
    grants: list[ReferenceGrant] = []
    for m, ns in ordered:
        group = api_group(m.api_version)
        if group not in (GATEWAY_GROUP, X_GROUP) or not isinstance(m.data, dict):
            continue
        kind = m.kind
        if group == X_GROUP:
            if kind == "XListenerSet":
                sets.append(_listener_set(m, ns))
            continue
        if kind == "Gateway":
            gateways.append(_gateway(m, ns))
        elif kind == "GatewayClass":
            classes.append(GatewayClass(m, m.name, as_str(m.get("spec", "controllerName"))))
        elif kind == "ListenerSet":
            sets.append(_listener_set(m, ns))
        elif kind in ROUTE_KINDS:
            routes.append(_route(m, ns))
        elif kind == "ReferenceGrant":
            grants.append(_grant(m, ns))
    return GatewayAPI(
        classes=tuple(sorted(classes, key=lambda c: c.name)),
        gateways=tuple(sorted(gateways, key=lambda g: g.key)),
        listener_sets=tuple(sorted(sets, key=lambda s: s.key)),
        routes=tuple(sorted(routes, key=lambda r: r.key)),
        grants=tuple(sorted(grants, key=lambda g: (g.namespace, g.name))),
    )


# ---------------------------------------------------------------------------------
# Resolution

RejectReason = Literal["namespace", "kind", "hostname"]


@dataclass(frozen=True)
class Rejection:
    """Why one listener does not accept a Route (or a Gateway a ListenerSet)."""

    listener: Listener | None
    reason: RejectReason
    text: str
    path: Path  # the listener field (or Gateway field) that decides
    assumed: bool = False


AttachStatus = Literal[
    "attached",
    "parent-missing",
    "listener-missing",
    "not-allowed",
    "not-judged",
]


@dataclass(frozen=True, eq=False)
class Attachment:
    """The outcome of one parentRef of a Route (or of a ListenerSet)."""

    route: Route | None
    listener_set: ListenerSet | None
    ref: ParentRef
    status: AttachStatus
    gateway: Gateway | None = None
    parent_set: ListenerSet | None = None
    listeners: tuple[tuple[Listener, tuple[str, ...]], ...] = ()
    rejections: tuple[Rejection, ...] = ()
    detail: str = ""
    implicit: bool = False  # a default Gateway claimed the Route (useDefaultGateways)

    @property
    def manifest(self) -> Manifest:
        if self.route is not None:
            return self.route.manifest
        assert self.listener_set is not None
        return self.listener_set.manifest

    @property
    def owner_text(self) -> str:
        if self.route is not None:
            return self.route.text()
        assert self.listener_set is not None
        return self.listener_set.text()


BackendStatus = Literal[
    "resolved",
    "service-missing",
    "port-missing",
    "port-required",
    "not-granted",
    "not-a-service",
]


@dataclass(frozen=True, eq=False)
class Backend:
    """The outcome of one backendRef."""

    route: Route
    rule: RouteRule
    ref: BackendRef
    status: BackendStatus
    service: Service | None = None
    service_port: ServicePort | None = None
    grant: ReferenceGrant | None = None
    namespace_known: bool = True  # the target namespace has objects in the input


@dataclass(frozen=True, eq=False)
class Entry:
    """One path from outside: Gateway listener -> Route rule -> Service port (semantics GW-8)."""

    gateway: Gateway
    listener: Listener
    route: Route
    rule: RouteRule
    backend: Backend
    hostnames: tuple[str, ...]

    @property
    def service(self) -> Service:
        assert self.backend.service is not None
        return self.backend.service

    @property
    def service_port(self) -> ServicePort:
        assert self.backend.service_port is not None
        return self.backend.service_port

    def label(self) -> str:
        """``gateway ns/gw listener http: HTTPRoute ns/r rules[0] /api``."""
        return (
            f"{self.gateway.text()} listener {self.listener.name}: {self.route.text()} "
            f"{self.rule.text()}"
        )


@dataclass(frozen=True)
class ListenerConflict:
    """Listeners of one Gateway (and its ListenerSets) a connection cannot tell apart."""

    gateway: Gateway
    first: Listener
    second: Listener
    why: str


@dataclass(frozen=True, eq=False)
class Resolution:
    attachments: tuple[Attachment, ...]
    set_attachments: tuple[Attachment, ...]
    backends: tuple[Backend, ...]
    entries: tuple[Entry, ...]
    conflicts: tuple[ListenerConflict, ...]


def _namespace_admits(
    inv: Inventory,
    frm: str,
    selector: Selector | None,
    own_namespace: str,
    namespace: str,
) -> tuple[bool, bool]:
    """(admitted, assumed): ``from`` Same/All/Selector (anything else admits nothing)."""
    if frm == "All":
        return True, False
    if frm == "Same":
        return namespace == own_namespace, False
    if frm == "Selector":
        if selector is None or not selector.valid:
            return False, False
        ns = inv.namespace(namespace)
        assumed = ns is None or ns.manifest is None
        return selector.matches(inv.namespace_labels(namespace)), assumed
    return False, False


def _listener_rejection(inv: Inventory, listener: Listener, route: Route) -> Rejection | None:
    """None when ``listener`` accepts ``route``; else the first reason it does not."""
    al = listener.allowed
    ok, assumed = _namespace_admits(
        inv, al.namespaces_from, al.selector, listener.owner_namespace, route.namespace
    )
    if not ok:
        if al.namespaces_from == "Same":
            why = f"admits Routes of namespace {listener.owner_namespace} only (from: Same)"
        elif al.namespaces_from == "Selector":
            sel = al.selector.text() if al.selector is not None else "{}"
            labels = ",".join(
                f"{k}={v}" for k, v in sorted(inv.namespace_labels(route.namespace).items())
            )
            why = (
                f"admits Routes of namespaces {sel} only, and namespace {route.namespace} "
                f"has labels {labels}"
            )
        else:
            why = f"admits Routes from no namespace (from: {al.namespaces_from})"
        return Rejection(listener, "namespace", why, (*listener.path, "allowedRoutes"), assumed)
    kinds = listener.allowed_kinds()
    if kinds is not None and route.kind not in kinds:
        if listener.allowed.kinds is not None:
            why = f"admits kinds {', '.join(sorted(kinds)) or 'none'} (allowedRoutes.kinds)"
            path: Path = listener.allowed.kinds_path
        else:
            why = f"admits kinds {', '.join(sorted(kinds))} (protocol {listener.protocol})"
            path = (*listener.path, "protocol")
        return Rejection(listener, "kind", why, path)
    if (
        route.kind in HOSTNAME_KINDS
        and listener.protocol in HOSTNAME_PROTOCOLS
        and not intersect_hostnames(listener.hostname, route.hostnames)
    ):
        why = (
            f"accepts hostname {listener.hostname} only, and the Route's hostnames "
            f"{', '.join(route.hostnames)} do not intersect it"
        )
        return Rejection(listener, "hostname", why, (*listener.path, "hostname"))
    return None


def _set_attached(inv: Inventory, api: GatewayAPI, ls: ListenerSet) -> Attachment:
    """A ListenerSet's parentRef: its Gateway exists and allowedListeners admits it."""
    ref = ls.parent
    assert ref is not None
    if not ref.is_gateway:
        return Attachment(None, ls, ref, "not-judged")
    gw = api.gateway(ref.namespace, ref.name)
    if gw is None:
        return Attachment(None, ls, ref, "parent-missing")
    ok, assumed = _namespace_admits(
        inv, gw.listeners_from, gw.listeners_selector, gw.namespace, ls.namespace
    )
    if not ok:
        why = (
            "admits no ListenerSet (spec.allowedListeners is unset: from None)"
            if gw.listeners_from == "None"
            else f"admits ListenerSets with from: {gw.listeners_from} only"
        )
        rej = Rejection(None, "namespace", why, ("spec", "allowedListeners"), assumed)
        return Attachment(None, ls, ref, "not-allowed", gateway=gw, rejections=(rej,))
    return Attachment(None, ls, ref, "attached", gateway=gw)


def _route_attachment(
    inv: Inventory,
    api: GatewayAPI,
    route: Route,
    ref: ParentRef,
    set_status: Mapping[tuple[str, str], Attachment],
    implicit: bool = False,
) -> Attachment:
    gw: Gateway | None
    parent_set: ListenerSet | None = None
    if ref.is_gateway:
        gw = api.gateway(ref.namespace, ref.name)
        if gw is None:
            return Attachment(route, None, ref, "parent-missing", implicit=implicit)
        candidates = gw.listeners
    elif ref.is_listener_set:
        parent_set = api.listener_set(ref.namespace, ref.name)
        if parent_set is None:
            return Attachment(route, None, ref, "parent-missing")
        sa = set_status.get(parent_set.key)
        gw = sa.gateway if sa is not None and sa.status == "attached" else None
        candidates = parent_set.listeners
    else:
        return Attachment(route, None, ref, "not-judged")
    chosen = tuple(
        li
        for li in candidates
        if (ref.section_name is None or li.name == ref.section_name)
        and (ref.port is None or li.port == ref.port)
    )
    if not chosen:
        return Attachment(route, None, ref, "listener-missing", gateway=gw, parent_set=parent_set)
    accepted: list[tuple[Listener, tuple[str, ...]]] = []
    rejections: list[Rejection] = []
    for li in chosen:
        rej = _listener_rejection(inv, li, route)
        if rej is not None:
            rejections.append(rej)
            continue
        hosts: tuple[str, ...] = ("*",)
        if route.kind in HOSTNAME_KINDS and li.protocol in HOSTNAME_PROTOCOLS:
            hosts = intersect_hostnames(li.hostname, route.hostnames)
        elif li.protocol in HOSTNAME_PROTOCOLS and li.hostname:
            hosts = (li.hostname,)
        accepted.append((li, hosts))
    if not accepted:
        return Attachment(
            route,
            None,
            ref,
            "not-allowed",
            gateway=gw,
            parent_set=parent_set,
            rejections=tuple(rejections),
            implicit=implicit,
        )
    detail = ""
    if parent_set is not None and gw is None:
        detail = f"{parent_set.text()} is not attached to a Gateway"
    return Attachment(
        route,
        None,
        ref,
        "attached",
        gateway=gw,
        parent_set=parent_set,
        listeners=tuple(accepted),
        rejections=tuple(rejections),
        detail=detail,
        implicit=implicit,
    )


def namespace_in_input(inv: Inventory, namespace: str) -> bool:
    """Whether the input holds the applications of ``namespace`` (a Service or workload).

    A Namespace object alone does not count: routing repositories often declare the
    namespaces whose Services are deployed from elsewhere.
    """
    return bool(inv.services_in(namespace) or inv.workloads_in(namespace))


def _mesh_only(route: Route) -> bool:
    """Whether every parent of ``route`` is a Service (a GAMMA service-mesh Route) and
    no Gateway claims it by default scope."""
    return (
        bool(route.parent_refs)
        and all(r.group == "" and r.kind == "Service" for r in route.parent_refs)
        and route.use_default_gateways in (None, "None")
    )


def _backend(
    inv: Inventory, api: GatewayAPI, route: Route, rule: RouteRule, b: BackendRef
) -> Backend:
    if not b.is_service:
        return Backend(route, rule, b, "not-a-service")
    known = namespace_in_input(inv, b.namespace)
    grant: ReferenceGrant | None = None
    # A mesh Route reaches backends in any namespace without a ReferenceGrant (GEP-1294:
    # it augments existing Services instead of exposing them; the mesh conformance test
    # MeshConsumerRoute expects it to work); a Gateway-bound Route needs one (GW-6).
    if b.namespace != route.namespace and not _mesh_only(route):
        grant = next(
            (
                g
                for g in api.grants
                if g.namespace == b.namespace
                and g.grants(GATEWAY_GROUP, route.kind, route.namespace, "", "Service", b.name)
            ),
            None,
        )
        if grant is None:
            return Backend(route, rule, b, "not-granted", namespace_known=known)
    svc = inv.service(b.namespace, b.name)
    if svc is None:
        return Backend(route, rule, b, "service-missing", grant=grant, namespace_known=known)
    if b.port is None:
        return Backend(route, rule, b, "port-required", svc, grant=grant)
    sp = svc.port(b.port)
    if sp is None:
        return Backend(route, rule, b, "port-missing", svc, grant=grant)
    return Backend(route, rule, b, "resolved", svc, sp, grant=grant)


def _indistinct(a: Listener, b: Listener) -> str:
    """Why two listeners are not distinct ("" when they are), per Gateway.spec.listeners."""
    if a.port is None or a.port != b.port:
        return ""
    if a.protocol == b.protocol:
        if a.protocol in HOSTNAME_PROTOCOLS:
            if (a.hostname or "").lower() == (b.hostname or "").lower():
                host = f"hostname {a.hostname}" if a.hostname else "no hostname"
                return f"same port {a.port}, protocol {a.protocol} and {host}"
        elif a.protocol in ("TCP", "UDP"):
            return f"same port {a.port} and protocol {a.protocol}"
        return ""
    protocols = {a.protocol, b.protocol}
    if "TCP" in protocols and protocols & HOSTNAME_PROTOCOLS:
        other = b.protocol if a.protocol == "TCP" else a.protocol
        return f"port {a.port} is shared by a TCP listener and a {other} listener"
    return ""


def _set_order(ls: ListenerSet) -> tuple[str, str, str]:
    """ListenerSet precedence: creation time (when stated), then namespace/name."""
    created = ls.manifest.get("metadata", "creationTimestamp")
    return (str(created) if created else "~", ls.namespace, ls.name)


def _conflicts(gw: Gateway, sets: Sequence[ListenerSet]) -> list[ListenerConflict]:
    """Listeners that are not distinct, with ListenerSet precedence.

    Within one Gateway (or one ListenerSet) indistinct listeners are all Conflicted (no
    winner). A ListenerSet's listener is then compared with the listeners accepted so far
    (the Gateway's, then earlier sets'): if it is not distinct from one, it alone is
    Conflicted. Each Conflicted listener is reported once, against the first listener
    it cannot be told from.
    """
    out: list[ListenerConflict] = []
    accepted: list[Listener] = []
    groups = [gw.listeners, *(s.listeners for s in sorted(sets, key=_set_order))]
    for group in groups:
        conflicted: set[int] = set()
        # first, precedence: a listener indistinct from one accepted earlier yields
        for b in group:
            a = next((x for x in accepted if _indistinct(x, b)), None)
            if a is not None:
                out.append(ListenerConflict(gw, a, b, _indistinct(a, b)))
                conflicted.add(id(b))
        # then, within the object: indistinct listeners are all Conflicted
        rest = [li for li in group if id(li) not in conflicted]
        for i, b in enumerate(rest):
            a = next((x for x in rest[:i] if _indistinct(x, b)), None)
            if a is not None:
                out.append(ListenerConflict(gw, a, b, _indistinct(a, b)))
                conflicted.update((id(a), id(b)))
        accepted.extend(li for li in group if id(li) not in conflicted)
    return out


def resolve(inv: Inventory) -> Resolution:
    """Attach every Route and ListenerSet, resolve every backendRef, list entries."""
    api: GatewayAPI = inv.gateway_api
    set_atts: list[Attachment] = []
    set_status: dict[tuple[str, str], Attachment] = {}
    for ls in api.listener_sets:
        if ls.parent is None:
            continue
        att = _set_attached(inv, api, ls)
        set_atts.append(att)
        set_status[ls.key] = att
    attachments: list[Attachment] = []
    for route in api.routes:
        for ref in route.parent_refs:
            attachments.append(_route_attachment(inv, api, route, ref, set_status))
        scope = route.use_default_gateways
        if scope and scope != "None":
            for gw in api.gateways:
                if gw.default_scope == scope:
                    ref = ParentRef(-1, GATEWAY_GROUP, "Gateway", gw.namespace, gw.name, None, None,
                                    ("spec", "useDefaultGateways"))  # fmt: skip
                    if any(
                        r.is_gateway and (r.namespace, r.name) == gw.key for r in route.parent_refs
                    ):
                        continue
                    attachments.append(
                        _route_attachment(inv, api, route, ref, set_status, implicit=True)
                    )
    backends: list[Backend] = []
    by_rule: dict[tuple[int, int], list[Backend]] = {}
    for route in api.routes:
        for rule in route.rules:
            for b in rule.backends:
                res = _backend(inv, api, route, rule, b)
                backends.append(res)
                by_rule.setdefault((id(route), rule.index), []).append(res)
    conflicts: list[ListenerConflict] = []
    for gw in api.gateways:
        sets = [
            ls
            for ls in api.listener_sets
            if (a := set_status.get(ls.key)) is not None
            and a.status == "attached"
            and a.gateway is gw
        ]
        conflicts.extend(_conflicts(gw, sets))
    # Conflicted listeners are not served: the later one always, both within one object.
    dropped = {id(c.second) for c in conflicts} | {
        id(c.first) for c in conflicts if c.first.manifest is c.second.manifest
    }
    entries: list[Entry] = []
    for att in attachments:
        if att.status != "attached" or att.gateway is None or att.route is None:
            continue
        route = att.route
        for li, hosts in att.listeners:
            if id(li) in dropped:
                continue
            for rule in route.rules:
                for res in by_rule.get((id(route), rule.index), ()):
                    if res.status != "resolved" or res.ref.weight <= 0:
                        continue
                    entries.append(Entry(att.gateway, li, route, rule, res, hosts))
    return Resolution(
        attachments=tuple(attachments),
        set_attachments=tuple(set_atts),
        backends=tuple(backends),
        entries=tuple(entries),
        conflicts=tuple(conflicts),
    )
