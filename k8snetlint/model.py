"""Typed, frozen views of the input and the :class:`Inventory` that indexes them.

``build_inventory(manifests, config)`` turns loaded manifests into views that checks
and the connectivity engine read: :class:`Workload` (every pod-creating kind, and
pods of a live-cluster dump grouped by owner), :class:`Namespace`, :class:`Service`,
:class:`Ingress` and :class:`~k8snetlint.policy.NetworkPolicy`. Every view keeps its
:class:`~k8snetlint.document.Manifest` and the paths of its parts, so that findings can
point at the exact field. Everything is sorted: results never depend on input order.
"""

from __future__ import annotations

import contextlib
import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from k8snetlint.config import Config
from k8snetlint.connectivity import workload_display
from k8snetlint.document import Manifest, Path
from k8snetlint.gateway import GatewayAPI, build_gateway_api
from k8snetlint.policy import NamedPorts, NetworkPolicy, parse_network_policy
from k8snetlint.selectors import Selector, labels_of, parse_selector, selector_from_map
from k8snetlint.tiers import AdminPolicy, tier_policies

__all__ = [
    "NAMESPACE_NAME_LABEL",
    "WORKLOAD_KINDS",
    "ContainerPort",
    "Ingress",
    "IngressBackend",
    "Inventory",
    "LabelMismatch",
    "Namespace",
    "NetworkPolicy",
    "Service",
    "ServicePort",
    "Workload",
    "build_inventory",
]

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"

# Pod-creating kinds and the path of their pod template inside the object.
WORKLOAD_KINDS: dict[str, Path] = {
    "Pod": (),
    "Deployment": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
_DEFAULT_ONE_REPLICA = frozenset(
    {"Deployment", "ReplicaSet", "StatefulSet", "ReplicationController"}
)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


# ---------------------------------------------------------------------------------
# Namespaces


@dataclass(frozen=True, eq=False)
class Namespace:
    """A namespace and its labels (always with ``kubernetes.io/metadata.name``).

    ``labels_source`` is ``manifest`` (a Namespace object in the input), ``config``
    (``assume.namespace-labels``) or ``default`` (only the name label is known).
    """

    name: str
    labels: dict[str, str]
    manifest: Manifest | None = None
    labels_source: Literal["manifest", "config", "default"] = "default"

    @property
    def known(self) -> bool:
        """Labels come from a Namespace object in the input."""
        return self.manifest is not None

    @property
    def assumed(self) -> bool:
        """Labels are not stated by the input (config or only the name label)."""
        return self.manifest is None


# ---------------------------------------------------------------------------------
# Workloads


@dataclass(frozen=True)
class ContainerPort:
    """One ``ports`` entry of a container; ``path`` locates it in the manifest."""

    container: str
    number: int
    name: str | None
    protocol: str
    host_port: int | None
    host_ip: str | None
    path: Path
    sidecar: bool = False


@dataclass(frozen=True, eq=False)
class Workload:
    """Pods of one controller (or one bare Pod, or the pods of one owner in a dump).

    ``template_path`` leads to the pod template (``()`` for a Pod: the object itself).
    ``pods`` lists the Pod manifests of a live-cluster group (empty for templates).
    ``pod_ips`` holds one tuple of addresses per pod whose ``status`` states them.
    """

    manifest: Manifest
    kind: str
    namespace: str
    name: str
    labels: dict[str, str]
    template_path: Path
    ports: tuple[ContainerPort, ...]
    host_network: bool = False
    replicas: int | None = 1
    selector: Selector | None = None
    pod_ips: tuple[tuple[str, ...], ...] = ()
    images: tuple[str, ...] = ()
    pods: tuple[Manifest, ...] = ()
    owner: tuple[str, str] | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.namespace, self.name, self.kind)

    def display(self) -> str:
        return workload_display(self.namespace, self.name, self.kind)

    @property
    def labels_path(self) -> Path:
        return (*self.template_path, "metadata", "labels")

    @property
    def pod_spec_path(self) -> Path:
        return (*self.template_path, "spec")

    @property
    def named_ports(self) -> NamedPorts:
        return tuple(sorted({(p.name, p.protocol, p.number) for p in self.ports if p.name}))

    def port_named(self, name: str, protocol: str = "TCP") -> ContainerPort | None:
        for p in self.ports:
            if p.name == name and p.protocol == protocol:
                return p
        return None

    def ports_numbered(self, number: int, protocol: str | None = None) -> tuple[ContainerPort, ...]:
        return tuple(
            p
            for p in self.ports
            if p.number == number and (protocol is None or p.protocol == protocol)
        )


@dataclass(frozen=True)
class LabelMismatch:
    """Pods of one owner (live-cluster dump) whose labels differ."""

    namespace: str
    owner_kind: str
    owner_name: str
    workloads: tuple[Workload, ...]


# ---------------------------------------------------------------------------------
# Services


@dataclass(frozen=True)
class ServicePort:
    """One Service port. ``target_port`` is an int or a container port name."""

    index: int
    name: str | None
    port: int
    target_port: int | str
    protocol: str
    node_port: int | None
    path: Path
    target_port_explicit: bool = True


@dataclass(frozen=True, eq=False)
class Service:
    """A Service and the workloads it selects.

    ``selector`` is None when ``spec.selector`` is missing (endpoints are managed by
    hand) and ``selector_empty`` marks ``selector: {}``; both select no pods (the API
    server stores an empty selector as none).
    """

    manifest: Manifest
    namespace: str
    name: str
    type: str
    selector: dict[str, str] | None
    selector_path: Path
    ports: tuple[ServicePort, ...]
    cluster_ip: str | None
    external_ips: tuple[str, ...]
    load_balancer_source_ranges: tuple[str, ...]
    external_name: str | None
    target_workloads: tuple[Workload, ...] = ()
    source_ranges_path: Path = ("spec", "loadBalancerSourceRanges")

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)

    @property
    def headless(self) -> bool:
        return self.cluster_ip == "None"

    @property
    def selector_empty(self) -> bool:
        return self.selector is not None and not self.selector

    @property
    def has_selector(self) -> bool:
        return bool(self.selector)

    def port(self, port: int | str) -> ServicePort | None:
        """The port with that number (int) or name (str)."""
        for p in self.ports:
            if (isinstance(port, int) and p.port == port) or (
                isinstance(port, str) and p.name == port
            ):
                return p
        return None

    def target_port(self, port: ServicePort, workload: Workload) -> int | None:
        """The container port ``port`` reaches on ``workload`` (point 23).

        A numeric targetPort is used as is; a name is resolved against the workload's
        container ports with the same protocol; None when it does not resolve.
        """
        if isinstance(port.target_port, int):
            return port.target_port
        cp = workload.port_named(port.target_port, port.protocol)
        return cp.number if cp is not None else None

    def resolutions(self) -> Iterable[tuple[ServicePort, Workload, int | None]]:
        for sp in self.ports:
            for wl in self.target_workloads:
                yield sp, wl, self.target_port(sp, wl)


# ---------------------------------------------------------------------------------
# Ingresses


@dataclass(frozen=True)
class IngressBackend:
    """One Ingress path (or the default backend) and the Service port it names."""

    host: str
    path: str
    path_type: str | None
    service: str | None
    port_number: int | None
    port_name: str | None
    location: Path
    default: bool = False
    resource: bool = False

    @property
    def port(self) -> int | str | None:
        return self.port_number if self.port_number is not None else self.port_name

    def text(self) -> str:
        if self.default:
            return "(default backend)"
        return f"{self.host or '*'}{self.path or '/'}"


@dataclass(frozen=True, eq=False)
class Ingress:
    manifest: Manifest
    namespace: str
    name: str
    ingress_class: str | None
    backends: tuple[IngressBackend, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)


# ---------------------------------------------------------------------------------
# Inventory


@dataclass(frozen=True, eq=False)
class Inventory:
    """Every view of one run, sorted, with lookups by namespace/kind/name."""

    namespaces: tuple[Namespace, ...]
    workloads: tuple[Workload, ...]
    services: tuple[Service, ...]
    ingresses: tuple[Ingress, ...]
    policies: tuple[NetworkPolicy, ...]
    default_namespace: str = "default"
    label_mismatches: tuple[LabelMismatch, ...] = ()
    # objects whose pods are represented by other objects (owner of live pods/replicasets)
    superseded: tuple[tuple[Manifest, str], ...] = ()
    # later copies of an object already seen (same kind/namespace/name)
    duplicates: tuple[Manifest, ...] = ()
    # AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy (k8snetlint.tiers)
    tier_policies: tuple[AdminPolicy, ...] = ()
    # Gateway API objects (k8snetlint.gateway)
    gateway_api: GatewayAPI = field(default_factory=GatewayAPI)
    _ns: dict[str, Namespace] = field(default_factory=dict, repr=False)
    _wl_by_ns: dict[str, tuple[Workload, ...]] = field(default_factory=dict, repr=False)
    _wl: dict[tuple[str, str, str], Workload] = field(default_factory=dict, repr=False)
    _svc: dict[tuple[str, str], Service] = field(default_factory=dict, repr=False)
    _svc_by_ns: dict[str, tuple[Service, ...]] = field(default_factory=dict, repr=False)
    _ing_by_ns: dict[str, tuple[Ingress, ...]] = field(default_factory=dict, repr=False)
    _pol_by_ns: dict[str, tuple[NetworkPolicy, ...]] = field(default_factory=dict, repr=False)
    _svc_by_wl: dict[int, tuple[Service, ...]] = field(default_factory=dict, repr=False)

    def namespace(self, name: str) -> Namespace | None:
        return self._ns.get(name)

    def namespace_labels(self, name: str) -> dict[str, str]:
        ns = self._ns.get(name)
        return ns.labels if ns is not None else {NAMESPACE_NAME_LABEL: name}

    def workloads_in(self, namespace: str) -> tuple[Workload, ...]:
        return self._wl_by_ns.get(namespace, ())

    def workload(self, namespace: str, name: str, kind: str) -> Workload | None:
        return self._wl.get((namespace, name, kind))

    def find_workloads(self, text: str) -> tuple[Workload, ...]:
        """Workloads named ``ns/name[Kind]``, ``ns/name`` or ``name`` (default namespace)."""
        kind = None
        if text.endswith("]") and "[" in text:
            text, kind = text[:-1].rsplit("[", 1)
        if "/" in text:
            ns, name = text.split("/", 1)
        else:
            ns, name = self.default_namespace, text
        return tuple(
            w for w in self.workloads_in(ns) if w.name == name and (kind is None or w.kind == kind)
        )

    def service(self, namespace: str, name: str) -> Service | None:
        return self._svc.get((namespace, name))

    def services_in(self, namespace: str) -> tuple[Service, ...]:
        return self._svc_by_ns.get(namespace, ())

    def services_selecting(self, workload: Workload) -> tuple[Service, ...]:
        return self._svc_by_wl.get(id(workload), ())

    def ingresses_in(self, namespace: str) -> tuple[Ingress, ...]:
        return self._ing_by_ns.get(namespace, ())

    def policies_in(self, namespace: str) -> tuple[NetworkPolicy, ...]:
        return self._pol_by_ns.get(namespace, ())

    def policy(self, namespace: str, name: str) -> NetworkPolicy | None:
        for p in self.policies_in(namespace):
            if p.name == name:
                return p
        return None


# ---------------------------------------------------------------------------------
# Building


def _sort_key(m: Manifest) -> tuple[str, int, str]:
    return (m.file, m.doc_index, "/".join(str(p) for p in m.item_path))


def _controller_ref(m: Manifest) -> tuple[str, str] | None:
    refs = [r for r in _list(m.get("metadata", "ownerReferences")) if isinstance(r, dict)]
    if not refs:
        return None
    chosen = next((r for r in refs if r.get("controller") is True), refs[0])
    kind, name = _str(chosen.get("kind")), _str(chosen.get("name"))
    if not kind or not name:
        return None
    return (kind, name)


def _container_ports(pod_spec: Mapping[str, Any], spec_path: Path) -> tuple[ContainerPort, ...]:
    out: list[ContainerPort] = []
    groups: list[tuple[str, bool]] = [("containers", False), ("initContainers", True)]
    for key, init in groups:
        for ci, c in enumerate(_list(pod_spec.get(key))):
            if not isinstance(c, dict):
                continue
            if init and c.get("restartPolicy") != "Always":
                continue
            cname = _str(c.get("name")) or ""
            for pi, p in enumerate(_list(c.get("ports"))):
                if not isinstance(p, dict):
                    continue
                number = _int(p.get("containerPort"))
                if number is None:
                    continue
                proto = p.get("protocol")
                out.append(
                    ContainerPort(
                        container=cname,
                        number=number,
                        name=_str(p.get("name")) or None,
                        protocol=str(proto) if proto is not None else "TCP",
                        host_port=_int(p.get("hostPort")) or None,
                        host_ip=_str(p.get("hostIP")),
                        path=(*spec_path, key, ci, "ports", pi),
                        sidecar=init,
                    )
                )
    return tuple(out)


def _images(pod_spec: Mapping[str, Any]) -> tuple[str, ...]:
    out: list[str] = []
    for key in ("initContainers", "containers"):
        for c in _list(pod_spec.get(key)):
            if isinstance(c, dict) and isinstance(c.get("image"), str):
                out.append(c["image"])
    return tuple(out)


def _pod_ips(m: Manifest) -> tuple[str, ...]:
    ips: list[str] = []
    status = _map(m.get("status"))
    for entry in _list(status.get("podIPs")):
        ip = _str(_map(entry).get("ip"))
        if ip and ip not in ips:
            ips.append(ip)
    ip = _str(status.get("podIP"))
    if ip and ip not in ips:
        ips.insert(0, ip)
    return tuple(ips)


def _template_workload(m: Manifest, namespace: str) -> Workload:
    kind = m.kind
    tpath = WORKLOAD_KINDS[kind]
    template = _map(m.get(*tpath)) if tpath else _map(m.data)
    pod_spec = _map(template.get("spec"))
    labels = labels_of(_map(template.get("metadata")).get("labels"))
    replicas: int | None
    if kind in _DEFAULT_ONE_REPLICA:
        r = _int(m.get("spec", "replicas"))
        replicas = 1 if r is None else r
    elif kind == "DaemonSet":
        replicas = None
    elif kind == "Job":
        r = _int(m.get("spec", "parallelism"))
        replicas = 1 if r is None else r
    elif kind == "CronJob":
        r = _int(m.get("spec", "jobTemplate", "spec", "parallelism"))
        replicas = 1 if r is None else r
    else:
        replicas = 1
    selector: Selector | None = None
    if kind != "Pod":
        spath: Path = ("spec", "selector")
        if kind == "CronJob":
            spath = ("spec", "jobTemplate", "spec", "selector")
        raw_sel = m.get(*spath)
        if raw_sel is not None:
            if kind == "ReplicationController":
                selector = selector_from_map(raw_sel, spath)
            else:
                selector = parse_selector(raw_sel, spath)
    ips = _pod_ips(m) if kind == "Pod" else ()
    return Workload(
        manifest=m,
        kind=kind,
        namespace=namespace,
        name=m.name,
        labels=labels,
        template_path=tpath,
        ports=_container_ports(pod_spec, (*tpath, "spec")),
        host_network=pod_spec.get("hostNetwork") is True,
        replicas=replicas,
        selector=selector,
        pod_ips=(ips,) if kind == "Pod" else (),
        images=_images(pod_spec),
        pods=(m,) if kind == "Pod" else (),
    )


def _pod_group(
    namespace: str, owner: tuple[str, str], pods: Sequence[Manifest]
) -> tuple[list[Workload], LabelMismatch | None]:
    okind, oname = owner
    pods = sorted(pods, key=lambda p: (p.name, _sort_key(p)))
    by_labels: dict[tuple[tuple[str, str], ...], list[Manifest]] = {}
    for p in pods:
        key = tuple(sorted(labels_of(p.get("metadata", "labels")).items()))
        by_labels.setdefault(key, []).append(p)
    split = len(by_labels) > 1
    out: list[Workload] = []
    for members in by_labels.values():
        first = members[0]
        base = _template_workload(first, namespace)
        out.append(
            Workload(
                manifest=first,
                kind=okind,
                namespace=namespace,
                name=f"{oname}/{first.name}" if split else oname,
                labels=base.labels,
                template_path=(),
                ports=base.ports,
                host_network=base.host_network,
                replicas=len(members),
                selector=None,
                pod_ips=tuple(_pod_ips(p) for p in members),
                images=base.images,
                pods=tuple(members),
                owner=owner,
            )
        )
    mismatch = LabelMismatch(namespace, okind, oname, tuple(out)) if split else None
    return out, mismatch


def _service(m: Manifest, namespace: str) -> Service:
    spec = _map(m.get("spec"))
    ports: list[ServicePort] = []
    for i, p in enumerate(_list(spec.get("ports"))):
        if not isinstance(p, dict):
            continue
        number = _int(p.get("port"))
        if number is None:
            continue
        tp_raw = p.get("targetPort")
        explicit = tp_raw is not None
        target: int | str
        if isinstance(tp_raw, int) and not isinstance(tp_raw, bool):
            target = tp_raw
        elif isinstance(tp_raw, str) and tp_raw:
            target = int(tp_raw) if tp_raw.isdigit() else tp_raw
        else:
            target = number
        proto = p.get("protocol")
        ports.append(
            ServicePort(
                index=i,
                name=_str(p.get("name")),
                port=number,
                target_port=target,
                protocol=str(proto) if proto is not None else "TCP",
                node_port=_int(p.get("nodePort")),
                path=("spec", "ports", i),
                target_port_explicit=explicit,
            )
        )
    sel_raw = spec.get("selector")
    selector = labels_of(sel_raw) if isinstance(sel_raw, dict) else None
    ranges = [
        str(r).strip() for r in _list(spec.get("loadBalancerSourceRanges")) if isinstance(r, str)
    ]
    ranges_path: Path = ("spec", "loadBalancerSourceRanges")
    if not ranges:
        ann = _str(
            _map(m.get("metadata", "annotations")).get(
                "service.beta.kubernetes.io/load-balancer-source-ranges"
            )
        )
        if ann:
            ranges = [r.strip() for r in ann.split(",") if r.strip()]
            ranges_path = (
                "metadata",
                "annotations",
                "service.beta.kubernetes.io/load-balancer-source-ranges",
            )
    stype = spec.get("type")
    return Service(
        manifest=m,
        namespace=namespace,
        name=m.name,
        type=str(stype) if stype else "ClusterIP",
        selector=selector,
        selector_path=("spec", "selector"),
        ports=tuple(ports),
        cluster_ip=_str(spec.get("clusterIP")),
        external_ips=tuple(str(x) for x in _list(spec.get("externalIPs")) if isinstance(x, str)),
        load_balancer_source_ranges=tuple(ranges),
        external_name=_str(spec.get("externalName")),
        source_ranges_path=ranges_path,
    )


def _backend(
    raw: Any, host: str, path: str, path_type: str | None, loc: Path, default: bool
) -> IngressBackend:
    b = _map(raw)
    svc = b.get("service")
    if isinstance(svc, dict):
        port = _map(svc.get("port"))
        return IngressBackend(
            host,
            path,
            path_type,
            _str(svc.get("name")),
            _int(port.get("number")),
            _str(port.get("name")),
            loc,
            default,
        )
    if "serviceName" in b:  # extensions/v1beta1, networking.k8s.io/v1beta1
        sp = b.get("servicePort")
        number = _int(sp)
        name = _str(sp)
        if name is not None and name.isdigit():
            number, name = int(name), None
        return IngressBackend(
            host, path, path_type, _str(b.get("serviceName")), number, name, loc, default
        )
    return IngressBackend(
        host, path, path_type, None, None, None, loc, default, resource="resource" in b
    )


def _ingress(m: Manifest, namespace: str) -> Ingress:
    spec = _map(m.get("spec"))
    backends: list[IngressBackend] = []
    for key in ("defaultBackend", "backend"):
        if isinstance(spec.get(key), dict):
            backends.append(_backend(spec[key], "", "", None, ("spec", key), True))
    for ri, rule in enumerate(_list(spec.get("rules"))):
        if not isinstance(rule, dict):
            continue
        host = _str(rule.get("host")) or ""
        for pi, p in enumerate(_list(_map(rule.get("http")).get("paths"))):
            if not isinstance(p, dict):
                continue
            loc: Path = ("spec", "rules", ri, "http", "paths", pi, "backend")
            backends.append(
                _backend(
                    p.get("backend"),
                    host,
                    _str(p.get("path")) or "",
                    _str(p.get("pathType")),
                    loc,
                    False,
                )
            )
    cls = _str(spec.get("ingressClassName")) or _str(
        _map(m.get("metadata", "annotations")).get("kubernetes.io/ingress.class")
    )
    return Ingress(m, namespace, m.name, cls, tuple(backends))


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector around allocation-heavy, cycle-free work.

    Full collections over a large input heap otherwise dominate the run time.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def build_inventory(manifests: Sequence[Manifest], config: Config) -> Inventory:
    """Build the typed views of ``manifests`` (order-independent)."""
    with paused_gc():
        return _build_inventory(manifests, config)


def _build_inventory(manifests: Sequence[Manifest], config: Config) -> Inventory:
    default_ns = config.default_namespace
    seen: dict[tuple[str, str, str], Manifest] = {}
    duplicates: list[Manifest] = []
    ordered: list[tuple[Manifest, str]] = []
    for m in sorted(manifests, key=_sort_key):
        ns = m.effective_namespace(default_ns)
        key = (m.kind, ns, m.name)
        if key in seen and m.name:
            duplicates.append(m)
            continue
        seen[key] = m
        ordered.append((m, ns))

    # Namespaces
    ns_objects: dict[str, Manifest] = {}
    named: set[str] = set()
    for m, ns in ordered:
        if m.kind == "Namespace" and m.name:
            ns_objects[m.name] = m
        elif ns:
            named.add(ns)
    assume = config.assume
    named.update(assume.namespace_labels)
    if assume.ingress_controller.namespace:
        named.add(assume.ingress_controller.namespace)
    namespaces: dict[str, Namespace] = {}
    for name in sorted(named | set(ns_objects)):
        if name in ns_objects:
            obj = ns_objects[name]
            labels = labels_of(obj.get("metadata", "labels"))
            labels[NAMESPACE_NAME_LABEL] = name
            namespaces[name] = Namespace(name, labels, obj, "manifest")
        else:
            source: Literal["config", "default"] = "default"
            labels = {}
            if name in assume.namespace_labels:
                labels.update({str(k): str(v) for k, v in assume.namespace_labels[name].items()})
                source = "config"
            elif (
                name == assume.ingress_controller.namespace
                and assume.ingress_controller.namespace_labels
            ):
                labels.update(assume.ingress_controller.namespace_labels)
                source = "config"
            labels[NAMESPACE_NAME_LABEL] = name
            namespaces[name] = Namespace(name, labels, None, source)

    # Workloads
    candidates = [(m, ns) for m, ns in ordered if m.kind in WORKLOAD_KINDS]
    owners_with_children: set[tuple[str, str, str]] = set()
    owner_of: dict[int, tuple[str, str]] = {}
    for m, ns in candidates:
        ref = _controller_ref(m)
        if ref is not None:
            owner_of[id(m)] = ref
            owners_with_children.add((ns, ref[0], ref[1]))
    workloads: list[Workload] = []
    superseded: list[tuple[Manifest, str]] = []
    groups: dict[tuple[str, str, str], list[Manifest]] = defaultdict(list)
    for m, ns in candidates:
        if m.kind != "Pod" and (ns, m.kind, m.name) in owners_with_children:
            superseded.append((m, f"its pods are represented by the objects it owns in {ns}"))
            continue
        ref = owner_of.get(id(m)) if m.kind == "Pod" else None
        if ref is not None:
            groups[(ns, ref[0], ref[1])].append(m)
            continue
        workloads.append(_template_workload(m, ns))
    mismatches: list[LabelMismatch] = []
    for (ns, okind, oname), pods in sorted(groups.items()):
        wls, mismatch = _pod_group(ns, (okind, oname), pods)
        workloads.extend(wls)
        if mismatch is not None:
            mismatches.append(mismatch)
    workloads.sort(key=lambda w: w.key)
    wl_by_ns: dict[str, list[Workload]] = defaultdict(list)
    for w in workloads:
        wl_by_ns[w.namespace].append(w)

    # Services
    services: list[Service] = []
    svc_by_wl: dict[int, list[Service]] = defaultdict(list)
    for m, ns in ordered:
        if m.kind != "Service" or m.api_version != "v1":
            continue
        svc = _service(m, ns)
        targets: tuple[Workload, ...] = ()
        if svc.selector and svc.type != "ExternalName":
            sel = svc.selector
            targets = tuple(
                w for w in wl_by_ns.get(ns, ()) if all(w.labels.get(k) == v for k, v in sel.items())
            )
        svc = replace(svc, target_workloads=targets)
        services.append(svc)
    services.sort(key=lambda s: s.key)
    for svc in services:
        for w in svc.target_workloads:
            svc_by_wl[id(w)].append(svc)

    ingresses = sorted(
        (_ingress(m, ns) for m, ns in ordered if m.kind == "Ingress"), key=lambda i: i.key
    )
    policies = sorted(
        (
            parse_network_policy(m, ns)
            for m, ns in ordered
            if m.kind == "NetworkPolicy" and m.api_version.startswith("networking.k8s.io/")
        ),
        key=lambda p: (p.namespace, p.name),
    )

    def by_ns(items: Iterable[Any]) -> dict[str, tuple[Any, ...]]:
        d: dict[str, list[Any]] = defaultdict(list)
        for it in items:
            d[it.namespace].append(it)
        return {k: tuple(v) for k, v in d.items()}

    return Inventory(
        namespaces=tuple(namespaces.values()),
        workloads=tuple(workloads),
        services=tuple(services),
        ingresses=tuple(ingresses),
        policies=tuple(policies),
        default_namespace=default_ns,
        label_mismatches=tuple(mismatches),
        superseded=tuple(sorted(superseded, key=lambda t: _sort_key(t[0]))),
        duplicates=tuple(duplicates),
        tier_policies=tier_policies(m for m, _ns in ordered),
        gateway_api=build_gateway_api(ordered),
        _ns=namespaces,
        _wl_by_ns={k: tuple(v) for k, v in wl_by_ns.items()},
        _wl={w.key: w for w in workloads},
        _svc={s.key: s for s in services},
        _svc_by_ns=by_ns(services),
        _ing_by_ns=by_ns(ingresses),
        _pol_by_ns=by_ns(policies),
        _svc_by_wl={k: tuple(v) for k, v in svc_by_wl.items()},
    )
