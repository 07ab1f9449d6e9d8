"""Ports: Service target ports, protocols, policy ports, probes and nodePorts."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from k8snetlint.checks import Hit, RelatedHit, check
from k8snetlint.context import Context
from k8snetlint.document import Path
from k8snetlint.model import ContainerPort, Service, ServicePort, Workload

PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
HANDLERS = ("httpGet", "tcpSocket", "grpc")


def _wl_text(w: Workload) -> str:
    return f"{w.kind} {w.namespace}/{w.name}"


def _port_text(p: ContainerPort) -> str:
    s = str(p.number)
    if p.protocol != "TCP":
        s += f"/{p.protocol}"
    return f"{s} ({p.name})" if p.name else s


def _ports_list(ports: Iterator[ContainerPort] | tuple[ContainerPort, ...]) -> str:
    seen: dict[str, None] = {}
    for p in sorted(ports, key=lambda p: (p.number, p.protocol, p.name or "")):
        seen.setdefault(_port_text(p), None)
    return ", ".join(seen) or "no declared port"


def _target_path(sp: ServicePort) -> Path:
    return (*sp.path, "targetPort") if sp.target_port_explicit else (*sp.path, "port")


def _svc_port_text(svc: Service, sp: ServicePort) -> str:
    label = f"{sp.port} ({sp.name})" if sp.name else str(sp.port)
    return f"port {label} of Service {svc.namespace}/{svc.name}"


@check("service-target-port-missing")
def service_target_port_missing(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A Service targetPort that the selected pods do not declare.

    Named targetPorts are resolved per workload (each may map the name to another
    number). A numeric targetPort is reported only when ``params["numeric"]`` is true
    and the workloads declare container ports, none of them that one.
    """
    numeric = bool(params.get("numeric", True))
    for svc in ctx.inventory.services:
        if svc.type == "ExternalName" or not svc.target_workloads:
            continue
        for sp in svc.ports:
            tp = sp.target_port
            if isinstance(tp, str):
                missing = [w for w in svc.target_workloads if w.port_named(tp, sp.protocol) is None]
                if not missing:
                    continue
                first = missing[0]
                names = ", ".join(_wl_text(w) for w in missing)
                # the ports of pods an operator creates (or a declared workload) come
                # from a table, not the input: a miss may be the table's
                outside = all(w.origin != "manifest" for w in missing)
                yield Hit(
                    f"targetPort {tp!r} of {_svc_port_text(svc, sp)} is not a {sp.protocol} "
                    f"container port of {names} (declared: {_ports_list(first.ports)}): "
                    "traffic to it fails",
                    manifest=svc.manifest,
                    path=_target_path(sp),
                    related=tuple(
                        RelatedHit(w.manifest, w.pod_spec_path, f"pods of {_wl_text(w)}")
                        for w in missing
                    ),
                    assumed=outside,
                    severity_cap="warning" if outside else None,
                )
            elif numeric:
                declaring = [w for w in svc.target_workloads if w.ports]
                if not declaring or any(
                    w.ports_numbered(tp, sp.protocol) for w in svc.target_workloads
                ):
                    continue
                w = declaring[0]
                yield Hit(
                    f"targetPort {tp} of {_svc_port_text(svc, sp)} is declared by none of the "
                    f"selected pods ({_wl_text(w)} declares {_ports_list(w.ports)}); a numeric "
                    "targetPort works without a declaration, so check that the container "
                    "listens on it",
                    manifest=svc.manifest,
                    path=_target_path(sp),
                    related=(RelatedHit(w.manifest, w.ports[0].path, "declared container ports"),),
                    assumed=True,
                    severity_cap="info",
                )


@check("service-port-protocol-mismatch")
def service_port_protocol_mismatch(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """The Service port's protocol differs from the container port it targets."""
    for svc in ctx.inventory.services:
        if svc.type == "ExternalName":
            continue
        for sp in svc.ports:
            for w in svc.target_workloads:
                tp = sp.target_port
                if isinstance(tp, str):
                    if w.port_named(tp, sp.protocol) is not None:
                        continue
                    others = [p for p in w.ports if p.name == tp]
                else:
                    if w.ports_numbered(tp, sp.protocol):
                        continue
                    others = list(w.ports_numbered(tp))
                if not others:
                    continue
                cp = others[0]
                path = (
                    (*sp.path, "protocol")
                    if "protocol" in (svc.manifest.get(*sp.path) or {})
                    else sp.path
                )
                yield Hit(
                    f"{_svc_port_text(svc, sp)} uses {sp.protocol} but targets container port "
                    f"{_port_text(cp)} of {_wl_text(w)}, which is {cp.protocol}",
                    manifest=svc.manifest,
                    path=path,
                    related=(RelatedHit(w.manifest, cp.path, "the targeted container port"),),
                )
                break


@check("network-policy-port-not-exposed")
def network_policy_port_not_exposed(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """An ingress rule allows a port none of the selected pods listens on.

    The rule is judged only when every selected workload declares container ports: a
    workload that declares none may listen on any port (declarations are
    informational), so nothing can be said of the ports the policy admits to it.
    """
    inv = ctx.inventory
    for pol in inv.policies:
        if not pol.pod_selector.valid:
            continue
        selected = inv.workloads_matching(pol.namespace, pol.pod_selector)
        declared = [p for w in selected for p in w.ports]
        if not declared or any(w.origin != "manifest" for w in selected):
            # the ports of operator-made or declared pods come from a table: incomplete
            continue
        if any(not w.ports for w in selected):
            # a selected workload declares no port: it may listen on the allowed one
            continue
        shown = next(w for w in selected if w.ports)
        for rule in pol.ingress:
            for spec in rule.ports or ():
                if not spec.valid or spec.port is None:
                    continue
                if isinstance(spec.port, str):
                    if any(p.name == spec.port and p.protocol == spec.protocol for p in declared):
                        continue
                    what = f"port {spec.port!r}"
                else:
                    lo = spec.port
                    hi = spec.end_port if spec.end_port is not None else lo
                    if any(p.protocol == spec.protocol and lo <= p.number <= hi for p in declared):
                        continue
                    what = f"port {lo}" if hi == lo else f"ports {lo}-{hi}"
                if spec.protocol != "TCP":
                    what += f"/{spec.protocol}"
                yield Hit(
                    f"{what} allowed by rule {rule.index} of NetworkPolicy "
                    f"{pol.namespace}/{pol.name}, but pods {pol.pod_selector.text()} listen on "
                    f"{_ports_list(tuple(declared))}",
                    manifest=pol.manifest,
                    path=(*spec.path, "port"),
                    related=(RelatedHit(shown.manifest, shown.ports[0].path, "declared ports"),),
                )


def _containers(w: Workload) -> Iterator[tuple[Path, Mapping[str, Any]]]:
    spec = w.manifest.get(*w.pod_spec_path)
    if not isinstance(spec, Mapping):
        return
    for key in ("containers", "initContainers"):
        items = spec.get(key)
        if not isinstance(items, list):
            continue
        for i, c in enumerate(items):
            if isinstance(c, Mapping):
                yield (*w.pod_spec_path, key, i), c


@check("probe-port-missing")
def probe_port_missing(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A probe targets a port its container does not declare, or declares only for UDP/SCTP.

    ``httpGet``, ``tcpSocket`` and ``grpc`` probes connect over TCP. A named port must
    be declared by the container (the kubelet cannot resolve it otherwise) and a name
    that resolves to a UDP or SCTP port fails too. A numeric port needs no declaration:
    it is reported (at most info, assumed) only when the container declares ports and
    none is that number, and (warning) when the container declares it only for UDP or
    SCTP.
    """
    for w in ctx.inventory.workloads:
        for cpath, c in _containers(w):
            # any shape the schema rejects (``ports: 5``, a mapping as a name) is
            # reported by the schema finding; here it only must not break the run
            raw_ports = c.get("ports")
            ports = (
                [p for p in raw_ports if isinstance(p, Mapping)]
                if isinstance(raw_ports, list)
                else []
            )
            raw_name = c.get("name")
            cname = raw_name if isinstance(raw_name, str) else "?"
            for probe in PROBES:
                pr = c.get(probe)
                if not isinstance(pr, Mapping):
                    continue
                for handler in HANDLERS:
                    h = pr.get(handler)
                    if not isinstance(h, Mapping) or "port" not in h:
                        continue
                    hit = _probe_hit(w, cpath, cname, probe, handler, h.get("port"), ports)
                    if hit is not None:
                        yield hit


def _proto(p: Mapping[str, Any]) -> str:
    return str(p.get("protocol") or "TCP")


def _probe_hit(
    w: Workload,
    cpath: Path,
    cname: str,
    probe: str,
    handler: str,
    port: Any,
    ports: list[Mapping[str, Any]],
) -> Hit | None:
    if isinstance(port, str) and port.isdigit():
        port = int(port)
    declared = (
        ", ".join(
            (f"{p.get('containerPort')}" + ("" if _proto(p) == "TCP" else f"/{_proto(p)}"))
            + (f" ({p['name']})" if p.get("name") else "")
            for p in ports
        )
        or "none"
    )
    where = f"{probe} of container {cname} in {_wl_text(w)}"
    path: Path = (*cpath, probe, handler, "port")
    if isinstance(port, str):
        named = [p for p in ports if p.get("name") == port]
        if not named:
            return Hit(
                f"{where} targets port {port!r}, which the container does not declare "
                f"(declared: {declared}): the kubelet cannot resolve it and the probe fails",
                manifest=w.manifest,
                path=path,
            )
        if all(_proto(p) != "TCP" for p in named):
            p = named[0]
            return Hit(
                f"{where} targets port {port!r}, which the container declares as "
                f"{p.get('containerPort')}/{_proto(p)}: {handler} probes connect over TCP, "
                "so the probe fails",
                manifest=w.manifest,
                path=path,
            )
        return None
    if not isinstance(port, int) or isinstance(port, bool):
        return None
    same = [p for p in ports if p.get("containerPort") == port]
    if same and all(_proto(p) != "TCP" for p in same):
        protos = "/".join(sorted({_proto(p) for p in same}))
        return Hit(
            f"{where} targets port {port}, which the container declares only for {protos}: "
            f"{handler} probes connect over TCP; unless the container also listens on TCP "
            f"{port}, the probe fails",
            manifest=w.manifest,
            path=path,
            severity_cap="warning",
        )
    if not ports or same:
        return None
    return Hit(
        f"{where} targets port {port}, which the container does not declare (declared: "
        f"{declared}); a numeric port works without a declaration, so check that the "
        "container listens on it",
        manifest=w.manifest,
        path=path,
        assumed=True,
        severity_cap="info",
    )


@check("duplicate-container-port")
def duplicate_container_port(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A pod declares the same port/protocol or the same port name twice."""
    for w in ctx.inventory.workloads:
        by_num: dict[tuple[int, str, str | None], ContainerPort] = {}
        by_name: dict[str, ContainerPort] = {}
        for p in w.ports:
            key = (p.number, p.protocol, p.host_ip)
            first = by_num.get(key)
            if first is not None:
                yield Hit(
                    f"container port {p.number}/{p.protocol} of container {p.container} in "
                    f"{_wl_text(w)} is already declared by container {first.container}",
                    manifest=w.manifest,
                    path=(*p.path, "containerPort"),
                    related=(RelatedHit(w.manifest, first.path, "first declaration"),),
                )
            else:
                by_num[key] = p
            if p.name:
                firstn = by_name.get(p.name)
                if firstn is not None:
                    yield Hit(
                        f"port name {p.name!r} of container {p.container} in {_wl_text(w)} is "
                        f"already used by container {firstn.container} for "
                        f"{_port_text(firstn)}: named targetPorts and policies resolve to "
                        "only one of them",
                        manifest=w.manifest,
                        path=(*p.path, "name"),
                        related=(RelatedHit(w.manifest, firstn.path, "first declaration"),),
                    )
                else:
                    by_name[p.name] = p


@check("node-port-conflict")
def node_port_conflict(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Two Services claim one nodePort, or a nodePort lies outside the configured range."""
    lo, hi = ctx.config.assume.node_port_range
    claimed: dict[int, tuple[Service, ServicePort]] = {}
    for svc in ctx.inventory.services:
        for sp in svc.ports:
            n = sp.node_port
            if n is None:
                continue
            path = (*sp.path, "nodePort")
            if not lo <= n <= hi:
                yield Hit(
                    f"nodePort {n} of Service {svc.namespace}/{svc.name} is outside the "
                    f"node port range {lo}-{hi}: the API server rejects it",
                    manifest=svc.manifest,
                    path=path,
                )
                continue
            first = claimed.get(n)
            if first is None:
                claimed[n] = (svc, sp)
                continue
            other, osp = first
            if other is svc:
                if osp.protocol != sp.protocol:
                    continue  # one Service may use one nodePort for TCP and UDP
                who = "another port of the same Service"
            else:
                who = f"Service {other.namespace}/{other.name}"
            yield Hit(
                f"nodePort {n} of Service {svc.namespace}/{svc.name} is already claimed by "
                f"{who}: the second one is rejected",
                manifest=svc.manifest,
                path=path,
                related=(RelatedHit(other.manifest, (*osp.path, "nodePort"), "first claim"),),
            )
