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
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
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

EXTERNAL_KINDS = ("nodeport", "loadbalancer", "externalip", "ingress", "hostport", "gateway")
_ROUTE_WORDS = {
    "gateway": "Gateway",
    "nodeport": "NodePort",
    "loadbalancer": "LoadBalancer",
    "externalip": "externalIP",
    "ingress": "Ingress",
    "hostport": "hostPort",
}


# ---------------------------------------------------------------------------------
# shared helpers


def _any_pod_probe(ctx: Context, targets: Sequence[Workload]) -> tuple[Connectivity, Endpoint]:
    """The engine and an endpoint standing for "a pod in any namespace, any labels",
    for verdicts towards ``targets``.

    When config names the ingress controller, the probe needs an analysis where it is
    unknown: made once, of ``targets`` and the NetworkPolicies isolating their ingress
    only (a verdict towards a workload rests on its own policies, the tiers and the
    source's facts; the probe, of no known namespace, is selected by no policy).
    """
    conn = ctx.connectivity
    if not ctx.config.assume.ingress_controller.known:
        return conn, conn.ingress_controller
    cached = ctx.cache.get("exposure.any-pod")
    if cached is None:
        from k8snetlint.net import analyze

        cfg = replace(
            ctx.config, assume=replace(ctx.config.assume, ingress_controller=IngressController())
        )
        keep = {id(p) for w in targets for p in conn.policies_selecting(w, "ingress")}
        inv = ctx.inventory
        sub = inv.subset(targets, [p for p in inv.policies if id(p) in keep])
        cached = analyze(sub, cfg, per_ordinal=False)
        ctx.cache["exposure.any-pod"] = cached
    probe: Connectivity = cached
    return probe, probe.ingress_controller


def image_repository(image: str) -> str:
    """The repository name of an image reference: its last path segment, without
    registry, tag or digest, lower-cased (``docker.io/bitnami/redis:7@sha256:..`` ->
    ``redis``)."""
    return _image_path(image).rsplit("/", 1)[-1]


def _image_path(image: str) -> str:
    repo = image.split("@", 1)[0]
    last = repo.rsplit("/", 1)
    if ":" in last[-1]:
        repo = repo[: repo.rfind(":")]
    return repo.lower()


# Images that serve a database port without being the database.
# (text: compiled, and cached by re, on first use: only an input with images needs it)
_NOT_A_DATABASE = r"exporter|proxy|envoy|nginx|metrics|sidecar|operator"


@dataclass(frozen=True)
class DatabaseImage:
    """A database image family and the ports it serves (admin ports apart)."""

    name: str
    ports: tuple[int, ...]
    admin_ports: tuple[int, ...]


_DB_TABLE: tuple[dict[str, DatabaseImage], tuple[str, ...], dict[str, DatabaseImage]] | None = None


def _db_table() -> tuple[dict[str, DatabaseImage], tuple[str, ...], dict[str, DatabaseImage]]:
    global _DB_TABLE
    if _DB_TABLE is None:
        import json

        from k8snetlint.data import data_dir

        raw = json.loads((data_dir("schemas") / "databases.json").read_text(encoding="utf-8"))
        names: dict[str, DatabaseImage] = {}
        prefixes: dict[str, DatabaseImage] = {}
        for entry in raw["databases"]:
            db = DatabaseImage(
                str(entry["name"]),
                tuple(int(p) for p in entry.get("ports", ())),
                tuple(int(p) for p in entry.get("adminPorts", ())),
            )
            names[db.name] = db
            for pre in entry.get("prefixes", ()):
                prefixes[str(pre)] = db
        _DB_TABLE = (names, tuple(str(x) for x in raw["suffixes"]), prefixes)
    return _DB_TABLE


def database_image(image: str, extra: Sequence[str] = ()) -> DatabaseImage | None:
    """The database an image runs (None: not a database image).

    Matches the repository name as a whole against schemas/databases.json (an entry's
    name, or one of its prefixes followed by an allowed suffix such as ``-server`` or
    ``db``) and the rule's ``database-images`` parameter (whole names); never a
    substring anywhere in the reference.
    """
    return _database_image(image, frozenset(e.lower() for e in extra))


@lru_cache(maxsize=65536)
def _database_image(image: str, extra: frozenset[str]) -> DatabaseImage | None:
    """:func:`database_image` with ``extra`` lower-cased (inputs repeat a few images
    across thousands of workloads)."""
    names, named = _db_names()
    path = _image_path(image)
    repo = path.rsplit("/", 1)[-1]
    last_two = "/".join(path.rsplit("/", 2)[-2:])
    for candidate in (last_two, repo):
        if candidate in names:
            return names[candidate]
    if repo in extra:
        return DatabaseImage(repo, (), ())
    return named.get(repo)


_DB_NAMES: tuple[dict[str, DatabaseImage], dict[str, DatabaseImage]] | None = None


def _db_names() -> tuple[dict[str, DatabaseImage], dict[str, DatabaseImage]]:
    """The table's names, and every prefix followed by every allowed suffix with the
    database of the first such prefix (in the table's order): the repository names that
    match a prefix, looked up at once."""
    global _DB_NAMES
    if _DB_NAMES is None:
        names, suffixes, prefixes = _db_table()
        named: dict[str, DatabaseImage] = {}
        for pre, db in prefixes.items():
            for suffix in suffixes:
                named.setdefault(pre + suffix, db)
        _DB_NAMES = (names, named)
    return _DB_NAMES


@lru_cache(maxsize=65536)
def _not_a_database(image: str) -> bool:
    """Whether the image is a proxy, an exporter... in front of a database."""
    return re.search(_NOT_A_DATABASE, image_repository(image)) is not None


@dataclass(frozen=True)
class DatabaseParams:
    """The parameters of the database rules that :func:`database_ports` reads."""

    extra: frozenset[str]  # ``database-images``, lower-cased
    label_key: str  # ``component-label``
    components: frozenset[str]  # ``component-values``
    known: frozenset[int]  # ``database-ports``

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> DatabaseParams:
        return cls(
            frozenset(str(i).lower() for i in params.get("database-images", ())),
            str(params.get("component-label", "app.kubernetes.io/component")),
            frozenset(str(c) for c in params.get("component-values", ())),
            frozenset(int(p) for p in params.get("database-ports", ())),
        )


def database_ports(w: Workload, params: Mapping[str, Any]) -> tuple[ContainerPort, ...]:
    """The container ports through which ``w`` serves a database (empty: not a database).

    A workload is a database by image (:func:`database_image`) or by the component
    label; a well-known database port alone does not make one (a proxy or an exporter
    may declare it). Its database ports are the declared ports that its database
    serves or whose admin UI it serves (the table's ports and admin ports, or any
    well-known database port); a database that declares none of them has all its
    declared ports counted, and one that declares no port at all its database's
    main port.
    """
    return _database_ports(w, DatabaseParams.of(params))


def _database_ports(w: Workload, dp: DatabaseParams) -> tuple[ContainerPort, ...]:
    dbs = [db for img in w.images if (db := _database_image(img, dp.extra)) is not None]
    known = dp.known
    # second signal: a well-known database port, unless every image is a proxy or an
    # exporter in front of one
    by_port_only = any(p.number in known for p in w.ports) and not (
        w.images and all(_not_a_database(img) for img in w.images)
    )
    if not dbs and w.labels.get(dp.label_key) not in dp.components and not by_port_only:
        return ()
    if dbs:
        wanted = set(known)
        for db in dbs:
            wanted.update(db.ports)
            wanted.update(db.admin_ports)
        known = frozenset(wanted)
    by_port = tuple(p for p in w.ports if p.number in known)
    if by_port:
        return by_port
    if w.ports:
        return w.ports
    defaults = sorted({db.ports[0] for db in dbs if db.ports})
    return tuple(
        ContainerPort("", n, None, "TCP", None, None, (*w.pod_spec_path, "containers"))
        for n in defaults
    )


def _database_ports_of(
    ctx: Context, params: Mapping[str, Any]
) -> Callable[[Workload], tuple[ContainerPort, ...]]:
    """:func:`database_ports` under ``params``, computed once per workload in a run (the
    reachability rules ask it of every workload and of every external route)."""
    dp = DatabaseParams.of(params)
    memos: dict[DatabaseParams, dict[int, tuple[ContainerPort, ...]]] = ctx.cache.setdefault(
        "exposure.database-ports", {}
    )
    memo = memos.setdefault(dp, {})

    def ports_of(w: Workload) -> tuple[ContainerPort, ...]:
        hit = memo.get(id(w))
        if hit is None:
            hit = memo[id(w)] = _database_ports(w, dp)
        return hit

    return ports_of


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
    if route.kind == "gateway":
        from k8snetlint.checks.gateway import route_related

        return route_related(ctx, route)
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


def _ports_text(ports: Sequence[tuple[str, int]]) -> str:
    return ", ".join(f"{proto} {n}" for proto, n in ports)


def _cluster_wide(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """One finding per database workload, listing every port any pod may reach."""
    inv = ctx.inventory
    ports_of = _database_ports_of(ctx, params)
    databases = [(w, p) for w in inv.workloads if (p := ports_of(w))]
    if not databases:
        return
    conn, probe = _any_pod_probe(ctx, [w for w, _ports in databases])
    for w, ports in databases:
        dst = conn.endpoint_for(w)
        open_ports: list[ContainerPort] = []
        whys: list[str] = []
        related: list[RelatedHit] = []
        for cp in ports:
            if any(p.number == cp.number and p.protocol == cp.protocol for p in open_ports):
                continue
            v = conn.verdict(probe, dst, cp.protocol, cp.number)
            if not v.allowed:
                continue
            open_ports.append(cp)
            if all(r.not_isolated for r in v.ingress):
                why = "no NetworkPolicy selects it for ingress"
            else:
                rules = [r for r in v.ingress if r.policy]
                why = "; ".join(r.text for r in rules) or "its ingress policy admits every pod"
                for r in rules:
                    rel = _policy_rule_related(ctx, r)
                    if rel is not None and rel not in related:
                        related.append(rel)
            if why not in whys:
                whys.append(why)
            for svc in inv.services_selecting(w):
                for rel in _service_related(w, svc, cp.number, cp.protocol):
                    if rel not in related:
                        related.append(rel)
        if not open_ports:
            continue
        listed = _ports_text([(p.protocol, p.number) for p in open_ports])
        declared = w.origin == "declared"
        yield Hit(
            f"database {w.display()} accepts {listed} from any pod in any namespace: "
            + "; ".join(whys)
            + (
                " (a workload declared in the config: policies outside the input may protect it)"
                if declared
                else ""
            ),
            manifest=w.manifest,
            path=open_ports[0].path,
            related=tuple(related),
            assumed=declared,
            severity_cap="warning" if declared else None,
        )


def _external(ctx: Context, params: Mapping[str, Any], targets: str) -> Iterator[Hit]:
    """One finding per workload: its exposed ports and every route that exposes them."""
    if not ctx.inventory.workloads:  # no workload: no connection to judge
        return
    conn = ctx.connectivity
    sensitive = {int(p) for p in params.get("sensitive-ports", ())}
    found: dict[int, tuple[Workload, list[tuple[str, int]], list[Route]]] = {}
    order: list[int] = []
    ports_of = _database_ports_of(ctx, params)
    for route in conn.routes:
        if route.kind not in EXTERNAL_KINDS or route.blocked:
            continue
        w = conn.workload_for(route.dst)
        if w is None:
            continue
        if targets == "database":
            dbp = ports_of(w)
            if not any(p.number == route.target_port and p.protocol == route.protocol for p in dbp):
                continue
            port = route.target_port
        else:
            hit_port = next((p for p in (route.target_port, route.port) if p in sensitive), None)
            if hit_port is None:
                continue
            port = hit_port
        if id(w) not in found:
            found[id(w)] = (w, [], [])
            order.append(id(w))
        _, ports, routes = found[id(w)]
        if (route.protocol, port) not in ports:
            ports.append((route.protocol, port))
        if not any(r.kind == route.kind and r.via == route.via for r in routes):
            routes.append(route)
    what_word = "database port" if targets == "database" else "sensitive port"
    for key in order:
        w, ports, routes = found[key]
        ports.sort()
        related: list[RelatedHit] = []
        via: list[str] = []
        for route in routes:
            via.append(f"{_ROUTE_WORDS[route.kind]} {route.via}")
            rel = _route_related(ctx, route)
            if rel is not None and rel not in related:
                related.append(rel)
        for pol in conn.policies_selecting(w, "ingress"):
            related.append(RelatedHit(pol.manifest, pol.pod_selector_path, f"{pol.key} selects it"))
        srcs: list[str] = []
        for route in routes:
            for src in route.sources:
                if src not in srcs:
                    srcs.append(src)
        plural = "s" if len(ports) > 1 else ""
        srcs_text = ", ".join(srcs[:3]) + (" ..." if len(srcs) > 3 else "")
        first = ports[0]
        yield Hit(
            f"{what_word}{plural} {_ports_text(ports)} of {w.display()} "
            f"{'are' if plural else 'is'} reachable from outside the cluster through "
            + ", ".join(via)
            + (f" (sources {srcs_text})" if srcs_text else ""),
            manifest=w.manifest,
            path=_container_port_path(w, first[1], first[0]),
            related=tuple(related),
            assumed=all(_route_assumed(ctx, r) for r in routes),
        )


def _route_assumed(ctx: Context, route: Route) -> bool:
    """Whether the route's verdict rests on an unknown proxy (ingress controller, Gateway)."""
    if route.kind == "ingress":
        return not ctx.config.assume.ingress_controller.known
    if route.kind == "gateway":
        from k8snetlint.checks.gateway import source_known

        return not source_known(ctx, route)
    return False


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
    if not ctx.inventory.workloads:  # no workload: no connection to judge
        return
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


def _admits_outside(ctx: Context, conn: Connectivity, route: Route) -> bool:
    """Whether a policy isolating the route's pods admits, on its port, a source outside
    the input: an ipBlock, a peer whose namespace part can select a namespace the input
    does not define (see ``peer_may_match_outside``), or a peer into a namespace holding
    a custom resource whose operator may create pods."""
    from k8snetlint.checks.references import custom_resources, peer_may_match_outside

    w = conn.workload_for(route.dst)
    if w is None:
        return False
    custom = custom_resources(ctx)
    for pol in conn.policies_selecting(w, "ingress"):
        for rule in pol.ingress:
            if rule.ports is not None and not any(
                p.contains(route.protocol, route.target_port, w.named_ports) for p in rule.ports
            ):
                continue
            for peer in rule.peers or ():
                if peer.valid and (
                    peer.ip_block is not None
                    or peer_may_match_outside(ctx.inventory, peer)
                    # pods an operator may create from a custom resource of the namespace
                    or (peer.namespace_selector is None and pol.namespace in custom)
                ):
                    return True
    return False


@check("service-unreachable")
def service_unreachable(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Service ports every target pod of which refuses all sources on the target port."""
    if not ctx.inventory.workloads:  # no workload: no connection to judge
        return
    conn = ctx.connectivity
    inv = ctx.inventory
    per_port: dict[str, list[Route]] = {}
    for route in conn.routes:
        if route.kind == "service":
            per_port.setdefault(route.via, []).append(route)
    for via, routes in sorted(per_port.items()):
        if not all(r.blocked for r in routes):
            continue
        if any(_admits_outside(ctx, conn, r) for r in routes):
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
