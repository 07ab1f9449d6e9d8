"""Gateway API references: parents, listeners, backends and grants that do not resolve.

Every finding points at the field that names what fails (semantics GW-9, docs/semantics.md):
the parentRef's ``name``/``sectionName``/``port``, the backendRef's ``name``/``port``/
``namespace``, the conflicting listener.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from k8snetlint.checks import Hit, RelatedHit, check
from k8snetlint.connectivity import Route
from k8snetlint.context import Context
from k8snetlint.document import Path
from k8snetlint.model import Inventory, Service, Workload
from k8snetlint.policy import conns_of

if TYPE_CHECKING:
    from k8snetlint.gateway import (
        Attachment,
        Backend,
        Entry,
        Gateway,
        Listener,
        ListenerSet,
        ParentRef,
        Resolution,
    )


def resolution(ctx: Context) -> Resolution:
    """The Gateway API resolution of this run (computed once).

    The checks below ask for it only when the input holds a Gateway API object (an
    empty :class:`~k8snetlint.model.GatewayAPI` resolves to nothing): only then is
    :mod:`k8snetlint.gateway` imported."""
    from k8snetlint.gateway import Resolution, resolve

    res = ctx.cache.get("gateway-resolution")
    if res is None:
        res = resolve(ctx.inventory)
        ctx.cache["gateway-resolution"] = res
    assert isinstance(res, Resolution)
    return res


def _ref_field(ref: ParentRef, name: str) -> Path:
    return (*ref.path, name) if ref.index >= 0 else ref.path


def _listeners_text(listeners: Sequence[Listener]) -> str:
    if not listeners:
        return "no listeners"
    return ", ".join(f"{li.name} ({li.protocol} {li.port})" for li in listeners)


# ---------------------------------------------------------------------------------
# Parents


def _parents_of_kind(inv: Inventory, ref: ParentRef) -> list[Gateway | ListenerSet]:
    api = inv.gateway_api
    items: Sequence[Gateway | ListenerSet] = api.gateways if ref.is_gateway else api.listener_sets
    return list(items)


def _missing_parent(inv: Inventory, att: Attachment) -> Hit | None:
    ref = att.ref
    parents = _parents_of_kind(inv, ref)
    here = [p for p in parents if p.namespace == ref.namespace]
    elsewhere = [p for p in parents if p.name == ref.name and p.namespace != ref.namespace]
    related: tuple[RelatedHit, ...] = ()
    hint = ""
    import difflib  # only for a hint: imported when one is worded

    close = difflib.get_close_matches(ref.name, [p.name for p in here], n=1, cutoff=0.6)
    if close:
        other = next(p for p in here if p.name == close[0])
        hint = f" (did you mean {close[0]}?)"
        related = (RelatedHit(other.manifest, ("metadata", "name"), f"similar {ref.kind}"),)
    elif elsewhere:
        other = elsewhere[0]
        hint = (
            f" ({ref.kind} {other.name} exists in namespace {other.namespace}; a parentRef "
            "without namespace means the referrer's own)"
        )
        related = (RelatedHit(other.manifest, ("metadata", "name"), f"{ref.kind} elsewhere"),)
    elif not here:
        # The input holds no such parent in that namespace: it may live in another
        # repository (a platform team's Gateway). Not judged.
        return None
    return Hit(
        f"{att.owner_text} names parent {ref.kind} {ref.namespace}/{ref.name}, which does "
        f"not exist in namespace {ref.namespace}{hint}: it attaches to nothing",
        manifest=att.manifest,
        path=_ref_field(ref, "name"),
        related=related,
    )


def _missing_listener(att: Attachment) -> Hit:
    ref = att.ref
    owner: Gateway | ListenerSet | None = att.parent_set or att.gateway
    assert owner is not None
    listeners = owner.listeners
    wanted = []
    if ref.section_name is not None:
        wanted.append(f"named {ref.section_name}")
    if ref.port is not None:
        wanted.append(f"on port {ref.port}")
    path = _ref_field(ref, "sectionName" if ref.section_name is not None else "port")
    hint = ""
    if ref.section_name is not None:
        import difflib  # only for a hint: imported when one is worded

        close = difflib.get_close_matches(ref.section_name, [li.name for li in listeners], n=1)
        if close and close[0] != ref.section_name:
            hint = f" (did you mean {close[0]}?)"
    owner_text = owner.text()
    what = f"a listener {' and '.join(wanted)} of {owner_text}" if wanted else owner_text
    return Hit(
        f"{att.owner_text} names {what}, which has {_listeners_text(listeners)}{hint}: it "
        "attaches to nothing",
        manifest=att.manifest,
        path=path,
        related=(RelatedHit(owner.manifest, ("spec", "listeners"), "the listeners"),),
    )


@check("gateway-parent-missing")
def gateway_parent_missing(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A parentRef names a Gateway, ListenerSet or listener that the input lacks."""
    if not ctx.inventory.gateway_api:
        return
    inv = ctx.inventory
    res = resolution(ctx)
    for att in (*res.set_attachments, *res.attachments):
        if att.status == "parent-missing":
            hit = _missing_parent(inv, att)
            if hit is not None:
                yield hit
        elif att.status == "listener-missing":
            yield _missing_listener(att)


# ---------------------------------------------------------------------------------
# Attachment


@check("gateway-attachment-not-allowed")
def gateway_attachment_not_allowed(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """No listener of the parent accepts the Route (namespace, kind, hostname)."""
    if not ctx.inventory.gateway_api:
        return
    res = resolution(ctx)
    for att in (*res.set_attachments, *res.attachments):
        if att.status != "not-allowed":
            continue
        owner = att.parent_set or att.gateway
        assert owner is not None
        parts: list[str] = []
        related: list[RelatedHit] = []
        for rej in att.rejections:
            who = f"listener {rej.listener.name}" if rej.listener is not None else owner.text()
            parts.append(f"{who} {rej.text}")
            manifest = rej.listener.manifest if rej.listener is not None else owner.manifest
            related.append(RelatedHit(manifest, rej.path, f"decided by {who}"))
        what = "is not accepted by"
        if att.implicit:
            what = "asks for a default Gateway but is not accepted by"
        yield Hit(
            f"{att.owner_text} {what} {owner.text()}: {'; '.join(parts)}",
            manifest=att.manifest,
            path=att.ref.path,
            related=tuple(related),
            assumed=any(r.assumed for r in att.rejections),
        )


# ---------------------------------------------------------------------------------
# Backends


def _backend_head(b: Backend) -> str:
    if b.ref.weight <= 0:
        return (
            f"{b.route.text()} {b.rule.text()} names Service {b.ref.namespace}/{b.ref.name} "
            "with weight 0"
        )
    return (
        f"{b.route.text()} {b.rule.text()} sends traffic to Service {b.ref.namespace}/{b.ref.name}"
    )


def _refused(b: Backend) -> tuple[str, str | None]:
    """What an invalid backendRef costs, and the severity cap: the share of requests
    routed to it gets a 500 (HTTPBackendRef); with weight 0 no request is routed to it,
    only the Route's ResolvedRefs condition turns False (semantics GW-7)."""
    if b.ref.weight <= 0:
        return (
            "the Route reports ResolvedRefs False, though weight 0 sends no request to it",
            "warning",
        )
    return "requests for it get a 500", None


def _service_hint(inv: Inventory, b: Backend) -> tuple[str, tuple[RelatedHit, ...]]:
    names = [s.name for s in inv.services_in(b.ref.namespace)]
    import difflib  # only for a hint: imported when one is worded

    close = difflib.get_close_matches(b.ref.name, names, n=1, cutoff=0.6)
    if close:
        other = inv.service(b.ref.namespace, close[0])
        assert other is not None
        return f" (did you mean {close[0]}?)", (
            RelatedHit(other.manifest, ("metadata", "name"), "similar Service"),
        )
    elsewhere = [s for s in inv.services if s.name == b.ref.name]
    if elsewhere:
        s = elsewhere[0]
        text = (
            f" (a Service {s.name} exists in namespace {s.namespace}; set the backendRef's "
            "namespace, with a ReferenceGrant there)"
        )
        return text, (RelatedHit(s.manifest, ("metadata", "name"), "Service elsewhere"),)
    return "", ()


@check("gateway-backend-service-missing")
def gateway_backend_service_missing(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A backendRef names a Service absent from its namespace."""
    if not ctx.inventory.gateway_api:
        return
    inv = ctx.inventory
    for b in resolution(ctx).backends:
        if b.status != "service-missing":
            continue
        if not b.namespace_known:
            continue  # the input says nothing about that namespace: deployed elsewhere
        hint, related = _service_hint(inv, b)
        cost, cap = _refused(b)
        yield Hit(
            f"{_backend_head(b)}, which does not exist in namespace {b.ref.namespace}{hint}: "
            f"{cost}",
            manifest=b.route.manifest,
            path=(*b.ref.path, "name"),
            related=related,
            severity_cap=cap,
        )


def _ports_text(svc: Service) -> str:
    parts = [f"{p.port} ({p.name})" if p.name else str(p.port) for p in svc.ports]
    return ", ".join(parts) if parts else "no ports"


@check("gateway-backend-port-missing")
def gateway_backend_port_missing(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A backendRef's port is not a port of its Service (or is missing)."""
    if not ctx.inventory.gateway_api:
        return
    for b in resolution(ctx).backends:
        svc = b.service
        if svc is None or b.status not in ("port-missing", "port-required"):
            continue
        if svc.type == "ExternalName" and not svc.ports:
            continue
        related = (RelatedHit(svc.manifest, ("spec", "ports"), "the Service's ports"),)
        _cost, cap = _refused(b)
        if b.status == "port-required":
            yield Hit(
                f"{_backend_head(b)} without a port; a Service backend needs the Service "
                f"port ({_ports_text(svc)})",
                manifest=b.route.manifest,
                path=b.ref.path,
                related=related,
                severity_cap=cap,
            )
            continue
        yield Hit(
            f"{_backend_head(b)} on port {b.ref.port}, which the Service does not offer "
            f"(it offers {_ports_text(svc)}; a backendRef names the Service port, not the "
            "targetPort)",
            manifest=b.route.manifest,
            path=(*b.ref.path, "port"),
            related=related,
            severity_cap=cap,
        )


@check("gateway-backend-not-granted")
def gateway_backend_not_granted(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A backendRef into another namespace without a ReferenceGrant there."""
    if not ctx.inventory.gateway_api:
        return
    from k8snetlint.gateway import namespace_in_input

    inv = ctx.inventory
    api = inv.gateway_api
    for b in resolution(ctx).backends:
        if b.status != "not-granted":
            continue
        route = b.route
        grants = [g for g in api.grants if g.namespace == b.ref.namespace]
        related = tuple(
            RelatedHit(g.manifest, ("spec",), "a ReferenceGrant there that does not cover it")
            for g in grants
        )
        known = namespace_in_input(inv, b.ref.namespace)
        why = (
            f"no ReferenceGrant in namespace {b.ref.namespace} allows {route.kind} from "
            f"namespace {route.namespace} to Service {b.ref.name}"
        )
        if not known:
            why += " (the input holds nothing of that namespace)"
        cost, cap = _refused(b)
        yield Hit(
            f"{_backend_head(b)}, but {why}: the reference is refused and {cost}",
            manifest=route.manifest,
            path=(*b.ref.path, "namespace"),
            related=related,
            assumed=not known,
            severity_cap=cap,
        )


# ---------------------------------------------------------------------------------
# Listeners


@check("gateway-listener-conflict")
def gateway_listener_conflict(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Two listeners of one Gateway that no connection can tell apart."""
    if not ctx.inventory.gateway_api:
        return
    for c in resolution(ctx).conflicts:
        a, b = c.first, c.second
        where = "" if b.manifest is c.gateway.manifest else f" (from {b.owner_text()})"
        if a.manifest is b.manifest:
            outcome = "both are Conflicted and neither is served"
        else:  # a ListenerSet's listener yields to the Gateway's and earlier sets'
            outcome = (
                f"listener {b.name} is Conflicted and not served ({a.owner_text()} takes "
                "precedence)"
            )
        yield Hit(
            f"listeners {a.name} and {b.name}{where} of {c.gateway.text()} are not distinct "
            f"({c.why}): {outcome}",
            manifest=b.manifest,
            path=b.path,
            related=(RelatedHit(a.manifest, a.path, f"listener {a.name}"),),
        )


# ---------------------------------------------------------------------------------
# Routes through the engine (k8snetlint.net.gatewayroutes)


def entry_of(ctx: Context, route: Route) -> Entry | None:
    """The Gateway API entry a ``gateway`` route of the engine comes from."""
    from k8snetlint.net.gatewayroutes import entry_via

    for e in resolution(ctx).entries:
        if entry_via(e) == route.via:
            return e
    return None


def route_related(ctx: Context, route: Route) -> RelatedHit | None:
    """The backendRef that opens a ``gateway`` route (for exposure findings)."""
    e = entry_of(ctx, route)
    if e is None:
        return None
    return RelatedHit(e.route.manifest, e.backend.ref.path, f"Gateway route {route.via}")


def source_known(ctx: Context, route: Route) -> bool:
    """Whether the Gateway's data-plane pods are in the input or stated in config."""
    from k8snetlint.net.gatewayroutes import gateway_sources

    e = entry_of(ctx, route)
    if e is None:
        return False
    src = gateway_sources(ctx.connectivity.route_context).get(e.gateway.key)
    return src is not None and src.known


def _pod_rule_could_admit(ctx: Context, w: Workload, protocol: str, port: int) -> bool:
    """Whether some ingress rule selecting ``w`` admits some pod on the port (so that a
    data plane with the right namespace and labels could pass)."""
    conn = ctx.connectivity
    for pol in conn.policies_selecting(w, "ingress"):
        for rule in pol.ingress:
            if not conns_of(rule.ports, w.named_ports).contains(protocol, port):
                continue
            if rule.peers is None or any(p.valid and p.ip_block is None for p in rule.peers):
                return True
    return False


@check("gateway-route-blocked-by-policy")
def gateway_route_blocked(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A Gateway route whose backend pods refuse the Gateway's data plane."""
    if not ctx.inventory.gateway_api.gateways:
        return
    conn = ctx.connectivity
    for route in conn.routes:
        if route.kind != "gateway" or not route.blocked:
            continue
        w = conn.workload_for(route.dst)
        e = entry_of(ctx, route)
        if w is None or e is None:
            continue
        known = source_known(ctx, route)
        if not known and _pod_rule_could_admit(ctx, w, route.protocol, route.target_port):
            continue  # a rule may admit the data plane: its namespace and labels decide
        related = [
            RelatedHit(
                w.manifest,
                _container_port(w, route.target_port, route.protocol),
                f"the target port of {w.display()}",
            )
        ]
        related.extend(
            RelatedHit(pol.manifest, pol.pod_selector_path, f"{pol.key} isolates its ingress")
            for pol in conn.policies_selecting(w, "ingress")
        )
        who = ", ".join(route.sources)
        why = _refusal(ctx, e, route)
        yield Hit(
            f"{e.route.text()} {e.rule.text()} leads through {e.gateway.text()} listener "
            f"{e.listener.name} to {w.display()} on {route.protocol} {route.target_port}, "
            f"whose ingress refuses the Gateway's data plane ({who}){why}: the route cannot "
            "work",
            manifest=e.route.manifest,
            path=e.backend.ref.path,
            related=tuple(related),
        )


def _refusal(ctx: Context, e: Entry, route: Route) -> str:
    """`` (decided by ...)``: the layer and rule that refuse the data plane (an admin
    Deny, or the NetworkPolicy none of whose rules admits it)."""
    from k8snetlint.net.gatewayroutes import gateway_sources

    conn = ctx.connectivity
    src = gateway_sources(conn.route_context).get(e.gateway.key)
    if src is None:
        return ""
    ep = src.endpoint if src.endpoint is not None else conn.endpoint_for(src.workloads[0])
    v = conn.verdict(ep, route.dst, route.protocol, route.target_port)
    texts = [r.text for r in v.ingress if not r.not_isolated and r.text]
    return f" (decided by {texts[0]})" if texts else ""


def _container_port(w: Workload, number: int, protocol: str) -> Path:
    cps = w.ports_numbered(number, protocol)
    return cps[0].path if cps else w.labels_path
