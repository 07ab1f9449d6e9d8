"""Exposure and reachability: who can reach databases, admin ports and routes.

These checks READ the connectivity result (``ctx.connectivity``: verdicts, routes,
connections); they never evaluate policies themselves.

"Any pod in any namespace" is asked of the engine through its ingress-controller
pseudo-pod, which, unless config names the controller, is a pod in an unknown
namespace with unknown labels: a policy admits it only if it admits every pod of
every namespace (semantics point 27). When config does name the controller, a second
analysis with an unknown controller is made once and cached.

Custom rules: the ``reachability-assertion`` check
===================================================

```markdown
---
name: payments-not-reachable-from-public
summary: Pods labelled tier=payments must not be reachable from namespace public.
severity: error
enabled: true
check: reachability-assertion
params:
  to:                      # the destinations (every key optional, ANDed)
    namespace: shop        # a namespace name
    podSelector:           # a LabelSelector over pod labels
      matchLabels: {tier: payments}
  from:                    # the sources: workloads of the input (keys ANDed) ...
    namespace: public
    # namespaceSelector: {matchLabels: {team: web}}
    # podSelector: {matchLabels: {app: web}}
    # ... or every address outside the cluster:
    # external: true
  ports: ["5432/TCP", 8080, "53/UDP"]   # optional; missing = any port
  expect: deny             # deny (default): report reachable pairs
                           # allow: report pairs that cannot connect
confidence: certain
since: 0.1.0
---
```

## What it does

Asks the connectivity engine, for every destination workload matching ``to`` and every
source matching ``from``, whether the source may connect on each of ``ports`` (or on
any port). With ``expect: deny`` it reports every destination port that some source
reaches (one finding per destination and port, naming up to three sources and the
policy rule that lets them in); with ``expect: allow`` every destination port that a
source cannot reach. Findings point at the destination's container port when the
port is declared, else at its pod labels.

Sources are the workloads of the input (and the external address ranges for
``external: true``): a namespace without workloads in the input contributes no source.
``from: {}`` means every workload of the input.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from k8snetlint.checks import Hit, RelatedHit, check
from k8snetlint.config import IngressController
from k8snetlint.connectivity import ConnSet, Endpoint, Reason, Route
from k8snetlint.context import Context
from k8snetlint.document import Path
from k8snetlint.model import ContainerPort, Ingress, IngressBackend, Service, Workload
from k8snetlint.selectors import parse_selector

if TYPE_CHECKING:
    from k8snetlint.net import Connectivity

EXTERNAL_KINDS = ("nodeport", "loadbalancer", "externalip", "ingress", "hostport")
_ROUTE_WORDS = {
    "nodeport": "NodePort",
    "loadbalancer": "LoadBalancer",
    "externalip": "externalIP",
    "ingress": "Ingress",
    "hostport": "hostPort",
}


# ---------------------------------------------------------------------------------
# shared helpers


def _any_pod_probe(ctx: Context) -> tuple[Connectivity, Endpoint]:
    """The engine and an endpoint standing for "a pod in any namespace, any labels"."""
    conn = ctx.connectivity
    if not ctx.config.assume.ingress_controller.known:
        return conn, conn.ingress_controller
    cached = ctx.cache.get("exposure.any-pod")
    if cached is None:
        from k8snetlint.net import analyze

        cfg = replace(
            ctx.config, assume=replace(ctx.config.assume, ingress_controller=IngressController())
        )
        cached = analyze(ctx.inventory, cfg)
        ctx.cache["exposure.any-pod"] = cached
    probe: Connectivity = cached
    return probe, probe.ingress_controller


def _image_repo(image: str) -> str:
    repo = image.split("@", 1)[0]
    last = repo.rsplit("/", 1)
    if ":" in last[-1]:
        repo = repo[: repo.rfind(":")]
    return repo.lower()


def _image_matches(image: str, names: Sequence[str]) -> bool:
    repo = _image_repo(image)
    return any(re.search(rf"(^|[/._-]){re.escape(n.lower())}", repo) for n in names)


def database_ports(w: Workload, params: Mapping[str, Any]) -> tuple[ContainerPort, ...]:
    """The container ports through which ``w`` serves a database (empty: not a database).

    A workload is a database by image, by the component label, or by a well-known
    database port. Its database ports are its well-known database ports; a database
    recognised by image or label that declares none of them has all its ports counted.
    """
    known_ports = {int(p) for p in params.get("database-ports", ())}
    by_port = tuple(p for p in w.ports if p.number in known_ports)
    label_key = str(params.get("component-label", "app.kubernetes.io/component"))
    components = {str(c) for c in params.get("component-values", ())}
    images = [str(i) for i in params.get("database-images", ())]
    named = w.labels.get(label_key) in components or any(
        _image_matches(img, images) for img in w.images
    )
    if by_port:
        return by_port
    return w.ports if named else ()


def _policy_rule_related(ctx: Context, reason: Reason) -> RelatedHit | None:
    if not reason.policy or reason.rule_index < 0:
        return None
    ns, name = reason.policy.split("/", 1)
    pol = ctx.inventory.policy(ns, name)
    if pol is None:
        return None
    rules = pol.rules(reason.direction)
    if not 0 <= reason.rule_index < len(rules):
        return None
    rule = rules[reason.rule_index]
    path: Path = rule.path
    peers = rule.peers or ()
    if 0 <= reason.peer_index < len(peers):
        path = peers[reason.peer_index].path
    return RelatedHit(
        pol.manifest, path, f"{pol.key} {reason.direction} rule {rule.index} lets it in"
    )


def _service_related(w: Workload, svc: Service, target: int, protocol: str) -> list[RelatedHit]:
    out = []
    for sp in svc.ports:
        if sp.protocol == protocol and svc.target_port(sp, w) == target:
            out.append(
                RelatedHit(
                    svc.manifest,
                    sp.path,
                    f"Service {svc.namespace}/{svc.name} port {sp.port} forwards to it",
                )
            )
    return out


def _backend_at(ing: Ingress, file: str, line: int) -> IngressBackend | None:
    for b in ing.backends:
        if ing.manifest.file == file and ing.manifest.span_at(b.location).line == line:
            return b
    return None


def _route_related(ctx: Context, route: Route) -> RelatedHit | None:
    """The object and field that open ``route``."""
    inv = ctx.inventory
    if route.kind == "ingress":
        ns, rest = route.via.split("/", 1)
        ing = next((i for i in inv.ingresses_in(ns) if i.name == rest.split(" ", 1)[0]), None)
        if ing is None:
            return None
        b = _backend_at(ing, route.file, route.line)
        path: Path = b.location if b is not None else ("spec",)
        return RelatedHit(ing.manifest, path, f"Ingress {route.via} routes to it")
    if route.kind == "hostport":
        return None
    ns, rest = route.via.split("/", 1)
    svc = inv.service(ns, rest.split(":", 1)[0])
    if svc is None:
        return None
    sp = next((p for p in svc.ports if p.port == int(rest.split(":", 1)[1].split(" ", 1)[0])), None)
    path = sp.path if sp is not None else ("spec", "type")
    return RelatedHit(svc.manifest, path, f"{_ROUTE_WORDS.get(route.kind, 'Service')} {route.via}")


def _container_port_path(w: Workload, number: int, protocol: str) -> Path:
    cps = w.ports_numbered(number, protocol)
    return cps[0].path if cps else w.labels_path


# ---------------------------------------------------------------------------------
# database-reachable-cluster-wide / database-exposed-externally / sensitive-port-exposed


@check("reachability")
def reachability(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Targets (databases, or sensitive ports) reachable from ``params["from"]``.

    ``from: cluster``: any pod of any namespace (database targets only). ``from:
    external``: through an unblocked NodePort, LoadBalancer, externalIP, Ingress or
    hostPort route.
    """
    source = params.get("from", "cluster")
    targets = params.get("targets", "database")
    if source == "cluster":
        yield from _cluster_wide(ctx, params)
    else:
        yield from _external(ctx, params, targets)


def _cluster_wide(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    conn, probe = _any_pod_probe(ctx)
    inv = ctx.inventory
    for w in inv.workloads:
        ports = database_ports(w, params)
        if not ports:
            continue
        dst = conn.endpoint_for(w)
        for cp in ports:
            v = conn.verdict(probe, dst, cp.protocol, cp.number)
            if not v.allowed:
                continue
            related: list[RelatedHit] = []
            if all(r.not_isolated for r in v.ingress):
                why = "no NetworkPolicy selects it for ingress"
            else:
                rules = [r for r in v.ingress if r.policy]
                why = "; ".join(r.text for r in rules) or "its ingress policy admits every pod"
                for r in rules:
                    rel = _policy_rule_related(ctx, r)
                    if rel is not None:
                        related.append(rel)
            for svc in inv.services_selecting(w):
                related.extend(_service_related(w, svc, cp.number, cp.protocol))
            yield Hit(
                f"database {w.display()} accepts {cp.protocol} {cp.number} from any pod in "
                f"any namespace: {why}",
                manifest=w.manifest,
                path=cp.path,
                related=tuple(related),
            )


def _external(ctx: Context, params: Mapping[str, Any], targets: str) -> Iterator[Hit]:
    conn = ctx.connectivity
    sensitive = {int(p) for p in params.get("sensitive-ports", ())}
    seen: set[tuple[int, str, int, str, str]] = set()
    for route in conn.routes:
        if route.kind not in EXTERNAL_KINDS or route.blocked:
            continue
        w = conn.workload_for(route.dst)
        if w is None:
            continue
        if targets == "database":
            dbp = database_ports(w, params)
            if not any(p.number == route.target_port and p.protocol == route.protocol for p in dbp):
                continue
            what = f"database port {route.protocol} {route.target_port} of {w.display()}"
        else:
            hit_port = next((p for p in (route.target_port, route.port) if p in sensitive), None)
            if hit_port is None:
                continue
            what = f"sensitive port {route.protocol} {hit_port} of {w.display()}"
        key = (id(w), route.protocol, route.target_port, route.kind, route.via)
        if key in seen:
            continue
        seen.add(key)
        srcs = ", ".join(route.sources[:3]) + (" ..." if len(route.sources) > 3 else "")
        related: list[RelatedHit] = []
        rel = _route_related(ctx, route)
        if rel is not None:
            related.append(rel)
        for pol in conn.policies_selecting(w, "ingress"):
            related.append(RelatedHit(pol.manifest, pol.pod_selector_path, f"{pol.key} selects it"))
        word = _ROUTE_WORDS[route.kind]
        yield Hit(
            f"{what} is reachable from outside the cluster through {word} {route.via}"
            + (f" (sources {srcs})" if srcs else ""),
            manifest=w.manifest,
            path=_container_port_path(w, route.target_port, route.protocol),
            related=tuple(related),
            assumed=route.kind == "ingress" and not ctx.config.assume.ingress_controller.known,
        )


# ---------------------------------------------------------------------------------
# node-port-service, load-balancer-without-source-ranges


@check("node-port-service")
def node_port_service(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    for svc in ctx.inventory.services:
        if svc.type == "NodePort":
            yield Hit(
                f"Service {svc.namespace}/{svc.name} is of type NodePort: its ports open on "
                "every node's address; prefer an Ingress or a LoadBalancer",
                manifest=svc.manifest,
                path=("spec", "type"),
            )


@check("load-balancer-without-source-ranges")
def load_balancer_without_source_ranges(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    for svc in ctx.inventory.services:
        if svc.type == "LoadBalancer" and not svc.load_balancer_source_ranges:
            yield Hit(
                f"LoadBalancer Service {svc.namespace}/{svc.name} has no "
                "loadBalancerSourceRanges: it accepts every address the load balancer "
                "can reach",
                manifest=svc.manifest,
                path=("spec", "type"),
            )


# ---------------------------------------------------------------------------------
# ingress-route-blocked-by-policy, service-unreachable


@check("ingress-route-blocked-by-policy")
def ingress_route_blocked(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    conn = ctx.connectivity
    inv = ctx.inventory
    for route in conn.routes:
        if route.kind != "ingress" or not route.blocked:
            continue
        w = conn.workload_for(route.dst)
        ns, rest = route.via.split("/", 1)
        ing = next((i for i in inv.ingresses_in(ns) if i.name == rest.split(" ", 1)[0]), None)
        if w is None or ing is None:
            continue
        b = _backend_at(ing, route.file, route.line)
        related = [
            RelatedHit(
                w.manifest,
                _container_port_path(w, route.target_port, route.protocol),
                f"the target port of {w.display()}",
            )
        ]
        related.extend(
            RelatedHit(pol.manifest, pol.pod_selector_path, f"{pol.key} isolates its ingress")
            for pol in conn.policies_selecting(w, "ingress")
        )
        yield Hit(
            f"Ingress {route.via} leads to {w.display()} on {route.protocol} "
            f"{route.target_port}, whose ingress policy refuses the ingress controller: the "
            "route cannot work",
            manifest=ing.manifest,
            path=b.location if b is not None else ("spec",),
            related=tuple(related),
        )


@check("service-unreachable")
def service_unreachable(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Service ports every target pod of which refuses all sources on the target port."""
    conn = ctx.connectivity
    inv = ctx.inventory
    per_port: dict[str, list[Route]] = {}
    for route in conn.routes:
        if route.kind == "service":
            per_port.setdefault(route.via, []).append(route)
    for via, routes in sorted(per_port.items()):
        if not all(r.blocked for r in routes):
            continue
        ns, rest = via.split("/", 1)
        name, port = rest.rsplit(":", 1)
        svc = inv.service(ns, name)
        if svc is None:
            continue
        sp = next((p for p in svc.ports if p.port == int(port)), None)
        targets = sorted({f"{r.dst.display()} {r.protocol} {r.target_port}" for r in routes})
        related: list[RelatedHit] = []
        for r in routes:
            w = conn.workload_for(r.dst)
            if w is None:
                continue
            for pol in conn.policies_selecting(w, "ingress"):
                rel = RelatedHit(
                    pol.manifest, pol.pod_selector_path, f"{pol.key} isolates {w.display()}"
                )
                if rel not in related:
                    related.append(rel)
        yield Hit(
            f"Service {via}: every pod behind it refuses all sources on its target port "
            f"({', '.join(targets)})",
            manifest=svc.manifest,
            path=sp.path if sp is not None else ("spec", "ports"),
            related=tuple(related),
        )


# ---------------------------------------------------------------------------------
# reachability-assertion (custom rules)


def _parse_ports(raw: Any) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    for item in raw or ():
        text = str(item)
        num, _, proto = text.partition("/")
        out.append(((proto or "TCP").upper(), int(num)))
    return out


def _select_workloads(ctx: Context, spec: Mapping[str, Any]) -> list[Workload]:
    inv = ctx.inventory
    ns_name = spec.get("namespace")
    pod_sel = parse_selector(spec["podSelector"]) if "podSelector" in spec else None
    ns_sel = parse_selector(spec["namespaceSelector"]) if "namespaceSelector" in spec else None
    out = []
    for w in inv.workloads:
        if ns_name is not None and w.namespace != ns_name:
            continue
        if ns_sel is not None and not ns_sel.matches(inv.namespace_labels(w.namespace)):
            continue
        if pod_sel is not None and not pod_sel.matches(w.labels):
            continue
        out.append(w)
    return out


@check("reachability-assertion")
def reachability_assertion(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """See the module docstring."""
    conn = ctx.connectivity
    to = params.get("to") or {}
    frm = params.get("from") or {}
    expect = str(params.get("expect", "deny"))
    ports = _parse_ports(params.get("ports"))
    dsts = _select_workloads(ctx, to)
    srcs: list[tuple[Endpoint, Workload | None]]
    if frm.get("external"):
        srcs = [(ep, None) for ep in conn.external_endpoints]
    else:
        srcs = [(conn.endpoint_for(w), w) for w in _select_workloads(ctx, frm)]
    for dw in dsts:
        dep = conn.endpoint_for(dw)
        checks: list[tuple[str, int] | None] = list(ports) if ports else [None]
        for want in checks:
            hits: list[Endpoint] = []
            for sep, sw in srcs:
                if sw is dw:
                    continue
                cs: ConnSet = conn.allowed(sep, dep)
                ok = not cs.is_empty() if want is None else cs.contains(want[0], want[1])
                if ok == (expect == "deny"):
                    hits.append(sep)
            if not hits:
                continue
            port_text = "any port" if want is None else f"{want[0]} {want[1]}"
            names = ", ".join(h.display() for h in hits[:3]) + (
                f" and {len(hits) - 3} more" if len(hits) > 3 else ""
            )
            related: list[RelatedHit] = []
            if expect == "deny":
                v = conn.verdict(
                    hits[0], dep, want[0] if want else "TCP", want[1] if want else None
                )
                for r in v.ingress:
                    rel = _policy_rule_related(ctx, r)
                    if rel is not None:
                        related.append(rel)
                verb = f"can reach {dw.display()} on {port_text}, but the rule expects deny"
            else:
                verb = f"cannot reach {dw.display()} on {port_text}, but the rule expects allow"
            path = (
                _container_port_path(dw, want[1], want[0]) if want is not None else dw.labels_path
            )
            yield Hit(
                f"{names} {verb}",
                manifest=dw.manifest,
                path=path,
                related=tuple(related),
            )
