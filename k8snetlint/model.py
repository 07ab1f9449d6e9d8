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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from k8snetlint.config import Config
from k8snetlint.connectivity import workload_display
from k8snetlint.document import Manifest, Path, YMap, as_int, as_list, as_map, as_str
from k8snetlint.policy import NamedPorts, NetworkPolicy, parse_network_policy
from k8snetlint.selectors import Selector, labels_of, parse_selector, selector_from_map

if TYPE_CHECKING:
    from k8snetlint.gateway import Gateway, GatewayClass, ListenerSet, ReferenceGrant, Route
    from k8snetlint.tiers import AdminPolicy

__all__ = [
    "ADMIN_POLICY_KINDS",
    "GATEWAY_API_GROUPS",
    "NAMESPACE_NAME_LABEL",
    "WORKLOAD_KINDS",
    "ContainerPort",
    "GatewayAPI",
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
    # OpenShift (apps.openshift.io/v1): a Deployment by another name
    "DeploymentConfig": ("spec", "template"),
}
_DEFAULT_ONE_REPLICA = frozenset(
    {"Deployment", "ReplicaSet", "StatefulSet", "ReplicationController", "DeploymentConfig"}
)
# Kinds whose name is taken by more than one API group: only this group is a workload.
_WORKLOAD_GROUPS: dict[str, tuple[str, ...]] = {"DeploymentConfig": ("apps.openshift.io/",)}
# Kinds whose ``spec.selector`` is a plain label map (not a LabelSelector).
_MAP_SELECTOR_KINDS = frozenset({"ReplicationController", "DeploymentConfig"})

# The kinds of the admin tiers (k8snetlint.tiers) and the API groups of the Gateway API
# (k8snetlint.gateway): those modules, and the engine's parts for them, are imported
# only for an input that holds such an object (a test keeps these equal to theirs).
ADMIN_POLICY_KINDS = frozenset(
    {"AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy"}
)
GATEWAY_API_GROUPS = ("gateway.networking.k8s.io", "gateway.networking.x-k8s.io")
_GATEWAY_API_PREFIXES = tuple(f"{g}/" for g in GATEWAY_API_GROUPS)

# A label the pods' controller adds: key -> the values it may take (None: any value).
ControllerLabels = tuple[tuple[str, tuple[str, ...] | None], ...]


def is_workload_manifest(m: Manifest) -> bool:
    """Whether ``m`` is a pod-creating object of a kind k8snetlint models."""
    if m.kind not in WORKLOAD_KINDS:
        return False
    groups = _WORKLOAD_GROUPS.get(m.kind)
    return groups is None or m.api_version.startswith(groups)


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
    # Labels the controller adds to every pod (pod-template-hash, pod-name, job-name...),
    # with the values they may take; see :func:`controller_labels`.
    controller_labels: ControllerLabels = ()
    # "manifest": a pod template in the input; "operator": pods an operator creates
    # from a custom resource (``manifest``, see schemas/operators.json); "declared":
    # a workload outside the input, declared under ``workloads:`` in the config.
    origin: Literal["manifest", "operator", "declared"] = "manifest"
    labels_at: Path | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.namespace, self.name, self.kind)

    def display(self) -> str:
        return workload_display(self.namespace, self.name, self.kind)

    @property
    def labels_path(self) -> Path:
        if self.labels_at is not None:
            return self.labels_at
        return (*self.template_path, "metadata", "labels")

    def may_have(self, key: str, value: str) -> bool:
        """Whether some pod may carry label ``key=value`` (template or controller label)."""
        if key in self.labels:
            return self.labels[key] == value
        for k, values in self.controller_labels:
            if k == key:
                return values is None or value in values
        return False

    def matches(self, selector: Selector) -> bool:
        """Whether ``selector`` may match some pod of this workload.

        Template labels are exact; a label the controller adds matches every value it
        may take (``pod-template-hash`` any value, ``statefulset.kubernetes.io/pod-name``
        one of the ordinals' names).
        """
        if selector.problems:
            return False
        ctrl = dict(self.controller_labels)
        if not any(k in ctrl and k not in self.labels for k in selector.label_keys()):
            return selector.matches(self.labels)
        for k, v in selector.match_labels:
            if not self.may_have(k, v):
                return False
        for r in selector.expressions:
            if r.key in self.labels or r.key not in ctrl:
                if not r.matches(self.labels):
                    return False
                continue
            values = ctrl[r.key]
            if r.operator == "In":
                ok = values is None or bool(set(values) & set(r.values))
            elif r.operator == "NotIn":
                ok = values is None or bool(set(values) - set(r.values))
            else:
                ok = r.operator == "Exists"
            if not ok:
                return False
        return True

    def matches_map(self, selector: Mapping[str, str]) -> bool:
        """Whether a plain label map (a Service selector) may match some pod."""
        return all(self.may_have(k, v) for k, v in selector.items())

    @property
    def pod_spec_path(self) -> Path:
        """The pod spec; for operator and declared workloads a path that holds nothing
        (their containers are not in the input), located at the object's ``spec``."""
        if self.origin == "operator":
            return ("spec", "(pods created by the operator)")
        if self.origin == "declared":
            return ("(declared workload)",)
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
    """An Ingress and its paths (each naming a Service port)."""

    manifest: Manifest
    namespace: str
    name: str
    ingress_class: str | None
    backends: tuple[IngressBackend, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.name)


class WorkloadIndex:
    """The workloads of one namespace indexed by label, to find the few that a selector
    may match without testing every one (:meth:`Inventory.workloads_matching`).

    Candidates are a superset of the matches, in input order; the exact test stays
    :meth:`Workload.matches` / :meth:`Workload.matches_map`.
    """

    __slots__ = ("_by_key", "_by_kv", "_ctrl", "workloads")

    def __init__(self, workloads: Sequence[Workload]) -> None:
        self.workloads = tuple(workloads)
        by_kv: dict[tuple[str, str], list[int]] = defaultdict(list)
        by_key: dict[str, list[int]] = defaultdict(list)
        ctrl: dict[str, list[int]] = defaultdict(list)
        for i, w in enumerate(self.workloads):
            labels = w.labels
            for k, v in labels.items():
                by_kv[(k, v)].append(i)
                by_key[k].append(i)
            for k in {k for k, _values in w.controller_labels if k not in labels}:
                ctrl[k].append(i)
        self._by_kv = dict(by_kv)
        self._by_key = dict(by_key)
        self._ctrl = dict(ctrl)

    def _pair(self, key: str, value: str) -> list[int]:
        """Workloads whose pods may carry ``key=value`` (template or controller label)."""
        return self._by_kv.get((key, value), []) + self._ctrl.get(key, [])

    def _narrowest(self, options: Iterable[list[int]]) -> Sequence[int] | None:
        best: list[int] | None = None
        for cand in options:
            if best is None or len(cand) < len(best):
                best = cand
                if not best:
                    break
        if best is None:
            return None
        return sorted(best)

    def matching_map(self, selector: Mapping[str, str]) -> tuple[Workload, ...]:
        """Workloads :meth:`Workload.matches_map` accepts, in order."""
        cand = self._narrowest(self._pair(k, v) for k, v in selector.items())
        wls = self.workloads
        if cand is None:
            return tuple(w for w in wls if w.matches_map(selector))
        return tuple(wls[i] for i in cand if wls[i].matches_map(selector))

    def matching(self, selector: Selector) -> tuple[Workload, ...]:
        """Workloads :meth:`Workload.matches` accepts, in order."""
        if selector.problems:
            return ()
        options: list[list[int]] = [self._pair(k, v) for k, v in selector.match_labels]
        for r in selector.expressions:
            if r.operator == "In":
                cand: list[int] = list(self._ctrl.get(r.key, []))
                for v in set(r.values):
                    cand.extend(self._by_kv.get((r.key, v), []))
                options.append(cand)
            elif r.operator == "Exists":
                options.append(self._by_key.get(r.key, []) + self._ctrl.get(r.key, []))
        narrow = self._narrowest(options)
        wls = self.workloads
        if narrow is None:
            return tuple(w for w in wls if w.matches(selector))
        return tuple(wls[i] for i in narrow if wls[i].matches(selector))


# ---------------------------------------------------------------------------------
# Gateway API objects (built by k8snetlint.gateway; here so that an input without any
# has its empty value without importing that module)


@dataclass(frozen=True, eq=False)
class GatewayAPI:
    """Every Gateway API object of one run, sorted."""

    classes: tuple[GatewayClass, ...] = ()
    gateways: tuple[Gateway, ...] = ()
    listener_sets: tuple[ListenerSet, ...] = ()
    routes: tuple[Route, ...] = ()
    grants: tuple[ReferenceGrant, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.gateways or self.listener_sets or self.routes or self.grants)

    def gateway(self, namespace: str, name: str) -> Gateway | None:
        for g in self.gateways:
            if g.namespace == namespace and g.name == name:
                return g
        return None

    def listener_set(self, namespace: str, name: str) -> ListenerSet | None:
        for s in self.listener_sets:
            if s.namespace == namespace and s.name == name:
                return s
        return None

    def gateway_class(self, name: str) -> GatewayClass | None:
        for c in self.classes:
            if c.name == name:
                return c
        return None


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
    # StatefulSets kept as one unit although a policy names a per-ordinal label
    # (more than ORDINAL_SPLIT_MAX replicas; see _split_ordinals)
    ordinals_approximated: tuple[str, ...] = ()
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
    # per namespace, built on first use (see workloads_matching)
    _wl_index: dict[str, WorkloadIndex] = field(default_factory=dict, repr=False)
    _match_cache: dict[tuple[Any, ...], tuple[Workload, ...]] = field(
        default_factory=dict, repr=False
    )

    def per_ordinal(self) -> Inventory:
        """This inventory with StatefulSets split per ordinal when a policy names a
        per-ordinal label (``statefulset.kubernetes.io/pod-name``,
        ``apps.kubernetes.io/pod-index``); else this inventory itself.

        The connectivity engine of ``graph``/``reach``/``diff`` uses it so that such a
        selector applies to its pod only; rules keep one workload per StatefulSet (one
        finding per problem). See :func:`_split_ordinals`.
        """
        mentioned = any(_mentions_ordinal_label(p.manifest.data) for p in self.policies) or any(
            _mentions_ordinal_label(t.manifest.data) for t in self.tier_policies
        )
        if not mentioned:
            return self
        parts, approximated, split_of = _split_ordinals(self.workloads)
        if not split_of and not approximated:
            return self
        parts.sort(key=lambda w: w.key)
        services: list[Service] = []
        svc_by_wl: dict[int, list[Service]] = defaultdict(list)
        for svc in self.services:
            targets: list[Workload] = []
            for t in svc.target_workloads:
                pieces = split_of.get(id(t))
                if pieces:
                    sel = svc.selector or {}
                    targets.extend(w for w in pieces if w.matches_map(sel))
                else:
                    targets.append(t)
            new = replace(svc, target_workloads=tuple(targets))
            services.append(new)
            for w in new.target_workloads:
                svc_by_wl[id(w)].append(new)
        return replace(
            self,
            workloads=tuple(parts),
            services=tuple(services),
            ordinals_approximated=tuple(approximated),
            _wl_by_ns=_by_namespace(parts),
            _wl={w.key: w for w in parts},
            _svc={s.key: s for s in services},
            _svc_by_ns=_by_namespace(services),
            _svc_by_wl={k: tuple(v) for k, v in svc_by_wl.items()},
            _wl_index={},
            _match_cache={},
        )

    def subset(self, workloads: Sequence[Workload], policies: Sequence[NetworkPolicy]) -> Inventory:
        """Only ``workloads`` and ``policies`` (in this inventory's order), every namespace
        and tier policy; no Service, Ingress or Gateway API object. For an analysis of
        verdicts towards some workloads only (``reachability`` from any pod)."""
        wanted = {id(w) for w in workloads}
        wls = tuple(w for w in self.workloads if id(w) in wanted)
        chosen = {id(p) for p in policies}
        pols = tuple(p for p in self.policies if id(p) in chosen)
        return replace(
            self,
            workloads=wls,
            services=(),
            ingresses=(),
            policies=pols,
            gateway_api=GatewayAPI(),
            _wl_by_ns=_by_namespace(wls),
            _wl={w.key: w for w in wls},
            _svc={},
            _svc_by_ns={},
            _ing_by_ns={},
            _pol_by_ns=_by_namespace(pols),
            _svc_by_wl={},
            _wl_index={},
            _match_cache={},
        )

    def namespace(self, name: str) -> Namespace | None:
        return self._ns.get(name)

    def namespace_labels(self, name: str) -> dict[str, str]:
        ns = self._ns.get(name)
        return ns.labels if ns is not None else {NAMESPACE_NAME_LABEL: name}

    def workloads_in(self, namespace: str) -> tuple[Workload, ...]:
        return self._wl_by_ns.get(namespace, ())

    def workload_index(self, namespace: str) -> WorkloadIndex:
        """The label index of the workloads of ``namespace`` (built once)."""
        index = self._wl_index.get(namespace)
        if index is None:
            index = self._wl_index[namespace] = WorkloadIndex(self.workloads_in(namespace))
        return index

    def workloads_matching(self, namespace: str, selector: Selector) -> tuple[Workload, ...]:
        """The workloads of ``namespace`` that ``selector`` may match
        (:meth:`Workload.matches`), in order; computed once per selector."""
        key = (namespace, selector.key())
        hit = self._match_cache.get(key)
        if hit is None:
            hit = self._match_cache[key] = self.workload_index(namespace).matching(selector)
        return hit

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
    return (m.file, m.doc_index, "/".join(map(str, m.item_path)) if m.item_path else "")


def _controller_ref(m: Manifest) -> tuple[str, str] | None:
    refs = [
        r
        for r in as_list(as_map(as_map(m.data).get("metadata")).get("ownerReferences"))
        if isinstance(r, dict)
    ]
    if not refs:
        return None
    chosen = next((r for r in refs if r.get("controller") is True), refs[0])
    kind, name = as_str(chosen.get("kind")), as_str(chosen.get("name"))
    if not kind or not name:
        return None
    return (kind, name)


def _container_ports(pod_spec: Mapping[str, Any], spec_path: Path) -> tuple[ContainerPort, ...]:
    out: list[ContainerPort] = []
    groups: list[tuple[str, bool]] = [("containers", False), ("initContainers", True)]
    for key, init in groups:
        for ci, c in enumerate(as_list(pod_spec.get(key))):
            if not isinstance(c, dict):
                continue
            if init and c.get("restartPolicy") != "Always":
                continue
            cname = as_str(c.get("name")) or ""
            for pi, p in enumerate(as_list(c.get("ports"))):
                if not isinstance(p, dict):
                    continue
                number = as_int(p.get("containerPort"))
                if number is None:
                    continue
                proto = p.get("protocol")
                out.append(
                    ContainerPort(
                        container=cname,
                        number=number,
                        name=as_str(p.get("name")) or None,
                        protocol=str(proto) if proto is not None else "TCP",
                        host_port=as_int(p.get("hostPort")) or None,
                        host_ip=as_str(p.get("hostIP")),
                        path=(*spec_path, key, ci, "ports", pi),
                        sidecar=init,
                    )
                )
    return tuple(out)


def _images(pod_spec: Mapping[str, Any]) -> tuple[str, ...]:
    out: list[str] = []
    for key in ("initContainers", "containers"):
        for c in as_list(pod_spec.get(key)):
            if isinstance(c, dict) and isinstance(c.get("image"), str):
                out.append(c["image"])
    return tuple(out)


def _pod_ips(m: Manifest) -> tuple[str, ...]:
    ips: list[str] = []
    status = as_map(m.get("status"))
    for entry in as_list(status.get("podIPs")):
        ip = as_str(as_map(entry).get("ip"))
        if ip and ip not in ips:
            ips.append(ip)
    ip = as_str(status.get("podIP"))
    if ip and ip not in ips:
        ips.insert(0, ip)
    return tuple(ips)


def _ordinals(m: Manifest, replicas: int) -> tuple[int, ...]:
    start = as_int(m.get("spec", "ordinals", "start")) or 0
    return tuple(range(start, start + max(replicas, 0)))


def controller_labels(m: Manifest, replicas: int | None) -> ControllerLabels:
    """The labels the controller of ``m`` adds to its pods, with their possible values.

    Values the manifest determines are listed (a Job's name, a StatefulSet's pod names
    and indexes below ``replicas``); hashes and uids are None (any value).
    """
    kind, name = m.kind, m.name
    out: list[tuple[str, tuple[str, ...] | None]] = []
    if kind == "Deployment":
        out.append(("pod-template-hash", None))
    elif kind == "StatefulSet":
        ords = _ordinals(m, replicas if replicas is not None else 1)
        out += [
            ("apps.kubernetes.io/pod-index", tuple(str(i) for i in ords)),
            ("controller-revision-hash", None),
            ("statefulset.kubernetes.io/pod-name", tuple(f"{name}-{i}" for i in ords)),
        ]
    elif kind == "DaemonSet":
        out += [("controller-revision-hash", None), ("pod-template-generation", None)]
    elif kind in ("Job", "CronJob"):
        job = (name,) if kind == "Job" else None
        out += [
            ("batch.kubernetes.io/controller-uid", None),
            ("batch.kubernetes.io/job-name", job),
            ("controller-uid", None),
            ("job-name", job),
        ]
        if (
            m.get(
                *(("spec",) if kind == "Job" else ("spec", "jobTemplate", "spec")), "completionMode"
            )
            == "Indexed"
        ):
            out.append(("batch.kubernetes.io/job-completion-index", None))
    elif kind == "DeploymentConfig":
        out += [("deployment", None), ("deploymentconfig", (name,))]
    return tuple(out)


def _template_workload(m: Manifest, namespace: str) -> Workload:
    kind = m.kind
    tpath = WORKLOAD_KINDS[kind]
    # the object's spec, or for a CronJob its job's spec: where the template, the
    # replicas and the selector are (read as m.get(*path) would: absent on a wrong type)
    spec = as_map(as_map(m.data).get("spec"))
    if kind == "CronJob":
        spec = as_map(as_map(spec.get("jobTemplate")).get("spec"))
    template = as_map(spec.get("template")) if tpath else as_map(m.data)
    pod_spec = as_map(template.get("spec"))
    labels = labels_of(as_map(template.get("metadata")).get("labels"))
    replicas: int | None
    if kind in _DEFAULT_ONE_REPLICA:
        r = as_int(spec.get("replicas"))
        replicas = 1 if r is None else r
    elif kind == "DaemonSet":
        replicas = None
    elif kind in ("Job", "CronJob"):
        r = as_int(spec.get("parallelism"))
        replicas = 1 if r is None else r
    else:
        replicas = 1
    selector: Selector | None = None
    if kind != "Pod":
        spath: Path = ("spec", "selector")
        if kind == "CronJob":
            spath = ("spec", "jobTemplate", "spec", "selector")
        raw_sel = spec.get("selector")
        if raw_sel is not None:
            if kind in _MAP_SELECTOR_KINDS:
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
        controller_labels=controller_labels(m, replicas),
    )


def identity_invalid(m: Manifest) -> bool:
    """``metadata.name`` or ``metadata.namespace`` is present but not a string.

    Such an object (``namespace: y`` read as a YAML 1.1 boolean) gets a schema finding
    and is left out of the model rather than placed in the default namespace.
    """
    meta = as_map(m.data).get("metadata")
    if not isinstance(meta, dict):
        return False
    name, namespace = meta.get("name"), meta.get("namespace")
    return not (
        (name is None or isinstance(name, str))
        and (namespace is None or isinstance(namespace, str))
    )


# ---------------------------------------------------------------------------------
# Pods that operators create from custom resources (schemas/operators.json)


@dataclass(frozen=True)
class OperatorKind:
    """One row of the operator table: a custom resource kind and the pods it makes."""

    api_group: str
    kind: str
    operator: str
    workload_kind: str
    workload_name: str
    labels: tuple[tuple[str, str], ...]
    any_value_labels: tuple[str, ...]
    ports: tuple[tuple[str | None, int, str], ...]
    replicas_path: Path | None
    default_replicas: int
    pod_labels_path: Path | None
    host_network_path: Path | None


def _operator_kind(raw: Mapping[str, Any]) -> OperatorKind:
    def path(key: str) -> Path | None:
        v = raw.get(key)
        return tuple(str(x) for x in v) if isinstance(v, list) else None

    ports = []
    for p in as_list(raw.get("ports")):
        p = as_map(p)
        number = as_int(p.get("containerPort"))
        if number is not None:
            ports.append((as_str(p.get("name")), number, as_str(p.get("protocol")) or "TCP"))
    return OperatorKind(
        api_group=str(raw.get("apiGroup", "")),
        kind=str(raw.get("kind", "")),
        operator=str(raw.get("operator", "")),
        workload_kind=str(raw.get("workloadKind", "StatefulSet")),
        workload_name=str(raw.get("workloadName", "{name}")),
        labels=tuple(sorted((str(k), str(v)) for k, v in as_map(raw.get("labels")).items())),
        any_value_labels=tuple(sorted(str(x) for x in as_list(raw.get("anyValueLabels")))),
        ports=tuple(ports),
        replicas_path=path("replicasPath"),
        default_replicas=as_int(raw.get("defaultReplicas")) or 1,
        pod_labels_path=path("podLabelsPath"),
        host_network_path=path("hostNetworkPath"),
    )


def operator_table(config: Config) -> dict[tuple[str, str], OperatorKind]:
    """(API group, kind) -> row: the shipped table, then the config's ``operators:``."""
    import json

    from k8snetlint.data import data_dir

    table: dict[tuple[str, str], OperatorKind] = {}
    global _SHIPPED_OPERATORS
    if _SHIPPED_OPERATORS is None:
        raw = json.loads((data_dir("schemas") / "operators.json").read_text(encoding="utf-8"))
        _SHIPPED_OPERATORS = tuple(_operator_kind(r) for r in raw["operators"])
    rows = list(_SHIPPED_OPERATORS)
    rows += [_operator_kind(r) for r in config.operators]
    for row in rows:
        table[(row.api_group, row.kind)] = row
    return table


_SHIPPED_OPERATORS: tuple[OperatorKind, ...] | None = None


def _operator_workload(m: Manifest, namespace: str, row: OperatorKind) -> Workload:
    name = m.name
    labels: dict[str, str] = {}
    if row.pod_labels_path is not None:
        labels.update(labels_of(m.get(*row.pod_labels_path)))
    labels.update({k: v.replace("{name}", name) for k, v in row.labels})
    replicas = row.default_replicas
    if row.replicas_path is not None:
        r = as_int(m.get(*row.replicas_path))
        replicas = row.default_replicas if r is None else r
    wname = row.workload_name.replace("{name}", name)
    ports = tuple(
        ContainerPort(
            container=row.kind.lower(),
            number=number,
            name=pname,
            protocol=proto,
            host_port=None,
            host_ip=None,
            path=("metadata", "name"),
        )
        for pname, number, proto in row.ports
    )
    ctrl: list[tuple[str, tuple[str, ...] | None]] = [(k, None) for k in row.any_value_labels]
    if row.workload_kind == "StatefulSet":
        ords = range(max(replicas, 0))
        ctrl += [
            ("apps.kubernetes.io/pod-index", tuple(str(i) for i in ords)),
            ("controller-revision-hash", None),
            ("statefulset.kubernetes.io/pod-name", tuple(f"{wname}-{i}" for i in ords)),
        ]
    host_network = row.host_network_path is not None and m.get(*row.host_network_path) is True
    return Workload(
        manifest=m,
        kind=row.workload_kind,
        namespace=namespace,
        name=wname,
        labels=labels,
        template_path=(),
        ports=ports,
        host_network=host_network,
        replicas=replicas,
        controller_labels=tuple(sorted(ctrl)),
        origin="operator",
        labels_at=row.pod_labels_path or ("metadata", "name"),
    )


# ---------------------------------------------------------------------------------
# Workloads declared in the configuration (``workloads:``)


def _declared_workload(m: Manifest) -> Workload:
    ports: list[ContainerPort] = []
    for i, p in enumerate(as_list(m.get("ports"))):
        p = as_map(p)
        number = as_int(p.get("containerPort", p.get("port")))
        if number is None:
            continue
        ports.append(
            ContainerPort(
                container=m.name,
                number=number,
                name=as_str(p.get("name")),
                protocol=as_str(p.get("protocol")) or "TCP",
                host_port=None,
                host_ip=None,
                path=("ports", i),
            )
        )
    replicas = as_int(m.get("replicas"))
    return Workload(
        manifest=m,
        kind=m.kind,
        namespace=m.namespace or "default",
        name=m.name,
        labels=labels_of(m.get("labels")),
        template_path=(),
        ports=tuple(ports),
        host_network=m.get("hostNetwork") is True,
        replicas=1 if replicas is None else replicas,
        origin="declared",
        labels_at=("labels",),
    )


def _ymap(raw: Mapping[str, Any]) -> YMap:
    out = YMap()
    out.update(raw)
    return out


def _display_path(path: str) -> str:
    """``path`` relative to the working directory when it lies below it."""
    import os

    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def declared_manifests(config: Config) -> list[Manifest]:
    """The config's ``workloads:`` entries as manifests located in the config file."""
    out: list[Manifest] = []
    for i, raw in enumerate(config.workloads):
        if not isinstance(raw, dict):
            continue
        entry = raw if isinstance(raw, YMap) else _ymap(raw)
        out.append(
            Manifest(
                file=_display_path(config.config_file or ".k8snetlint.yaml"),
                doc_index=0,
                data=entry,
                api_version="k8snetlint/declared",
                kind=str(entry.get("kind") or "Deployment"),
                name=str(entry.get("name", "")),
                namespace=as_str(entry.get("namespace")) or config.default_namespace,
                item_path=("workloads", i),
                extra={"declared": True},
            )
        )
    return out


POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
ORDINAL_LABELS = frozenset({POD_NAME_LABEL, POD_INDEX_LABEL})
# above this many replicas a StatefulSet stays one unit (per-ordinal selectors approximated)
ORDINAL_SPLIT_MAX = 64
_POLICY_KINDS = frozenset(
    {"NetworkPolicy", "AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy"}
)


def _mentions_ordinal_label(data: Any) -> bool:
    """Whether a per-ordinal label key occurs anywhere in a policy (a selector's key)."""
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if node in ORDINAL_LABELS:
                return True
        elif isinstance(node, dict):
            for k, v in node.items():
                if isinstance(k, str) and k in ORDINAL_LABELS:
                    return True
                stack.append(v)
        elif isinstance(node, list):
            stack.extend(node)
    return False


def _split_ordinals(
    workloads: Sequence[Workload],
) -> tuple[list[Workload], list[str], dict[int, list[Workload]]]:
    """Split each StatefulSet template into one workload per ordinal.

    Used when some policy names ``statefulset.kubernetes.io/pod-name`` or
    ``apps.kubernetes.io/pod-index``: each ordinal carries its own values, so such a
    selector matches only its pod. Named like the pods of one owner whose labels differ
    (``name/name-0``). Live pods are already apart (their labels differ); StatefulSets
    of more than :data:`ORDINAL_SPLIT_MAX` replicas stay one unit (returned by name).
    Returns the workloads, those kept whole, and the parts by ``id`` of each split one.
    """
    out: list[Workload] = []
    approximated: list[str] = []
    split_of: dict[int, list[Workload]] = {}
    for w in workloads:
        ctrl = dict(w.controller_labels)
        names = ctrl.get(POD_NAME_LABEL)
        indexes = ctrl.get(POD_INDEX_LABEL)
        if w.kind != "StatefulSet" or w.pods or not names or not indexes:
            out.append(w)
            continue
        if len(names) > ORDINAL_SPLIT_MAX:
            approximated.append(w.display())
            out.append(w)
            continue
        rest = tuple((k, v) for k, v in w.controller_labels if k not in ORDINAL_LABELS)
        pieces = [
            replace(
                w,
                name=f"{w.name}/{pod}",
                labels={**w.labels, POD_INDEX_LABEL: index, POD_NAME_LABEL: pod},
                replicas=1,
                controller_labels=rest,
                labels_at=w.labels_path,
            )
            for pod, index in zip(names, indexes, strict=True)
        ]
        split_of[id(w)] = pieces
        out.extend(pieces)
    return out, approximated, split_of


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


def _service(
    m: Manifest,
    namespace: str,
    match: Callable[[Mapping[str, str]], tuple[Workload, ...]] | None = None,
) -> Service:
    """The view of one Service; ``match`` finds the workloads its selector selects."""
    spec = as_map(as_map(m.data).get("spec"))
    ports: list[ServicePort] = []
    for i, p in enumerate(as_list(spec.get("ports"))):
        if not isinstance(p, dict):
            continue
        number = as_int(p.get("port"))
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
                name=as_str(p.get("name")),
                port=number,
                target_port=target,
                protocol=str(proto) if proto is not None else "TCP",
                # ``nodePort: 0`` means unset: the API server allocates one
                node_port=as_int(p.get("nodePort")) or None,
                path=("spec", "ports", i),
                target_port_explicit=explicit,
            )
        )
    sel_raw = spec.get("selector")
    selector = labels_of(sel_raw) if isinstance(sel_raw, dict) else None
    ranges = [
        str(r).strip() for r in as_list(spec.get("loadBalancerSourceRanges")) if isinstance(r, str)
    ]
    ranges_path: Path = ("spec", "loadBalancerSourceRanges")
    if not ranges:
        ann = as_str(
            as_map(as_map(as_map(m.data).get("metadata")).get("annotations")).get(
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
    kind = str(stype) if stype else "ClusterIP"
    targets: tuple[Workload, ...] = ()
    if match is not None and selector and kind != "ExternalName":
        targets = match(selector)
    return Service(
        manifest=m,
        namespace=namespace,
        name=m.name,
        type=kind,
        selector=selector,
        target_workloads=targets,
        selector_path=("spec", "selector"),
        ports=tuple(ports),
        cluster_ip=as_str(spec.get("clusterIP")),
        external_ips=tuple(str(x) for x in as_list(spec.get("externalIPs")) if isinstance(x, str)),
        load_balancer_source_ranges=tuple(ranges),
        external_name=as_str(spec.get("externalName")),
        source_ranges_path=ranges_path,
    )


def _backend(
    raw: Any, host: str, path: str, path_type: str | None, loc: Path, default: bool
) -> IngressBackend:
    b = as_map(raw)
    svc = b.get("service")
    if isinstance(svc, dict):
        port = as_map(svc.get("port"))
        return IngressBackend(
            host,
            path,
            path_type,
            as_str(svc.get("name")),
            as_int(port.get("number")),
            as_str(port.get("name")),
            loc,
            default,
        )
    if "serviceName" in b:  # extensions/v1beta1, networking.k8s.io/v1beta1
        sp = b.get("servicePort")
        number = as_int(sp)
        name = as_str(sp)
        if name is not None and name.isdigit():
            number, name = int(name), None
        return IngressBackend(
            host, path, path_type, as_str(b.get("serviceName")), number, name, loc, default
        )
    return IngressBackend(
        host, path, path_type, None, None, None, loc, default, resource="resource" in b
    )


def _ingress(m: Manifest, namespace: str) -> Ingress:
    spec = as_map(m.get("spec"))
    backends: list[IngressBackend] = []
    for key in ("defaultBackend", "backend"):
        if isinstance(spec.get(key), dict):
            backends.append(_backend(spec[key], "", "", None, ("spec", key), True))
    for ri, rule in enumerate(as_list(spec.get("rules"))):
        if not isinstance(rule, dict):
            continue
        host = as_str(rule.get("host")) or ""
        for pi, p in enumerate(as_list(as_map(rule.get("http")).get("paths"))):
            if not isinstance(p, dict):
                continue
            loc: Path = ("spec", "rules", ri, "http", "paths", pi, "backend")
            backends.append(
                _backend(
                    p.get("backend"),
                    host,
                    as_str(p.get("path")) or "",
                    as_str(p.get("pathType")),
                    loc,
                    False,
                )
            )
    cls = as_str(spec.get("ingressClassName")) or as_str(
        as_map(m.get("metadata", "annotations")).get("kubernetes.io/ingress.class")
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


def _by_namespace(items: Iterable[Any]) -> dict[str, tuple[Any, ...]]:
    """``items`` grouped by their ``namespace``, in their order."""
    d: dict[str, list[Any]] = defaultdict(list)
    for it in items:
        d[it.namespace].append(it)
    return {k: tuple(v) for k, v in d.items()}


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
        if identity_invalid(m):
            continue
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
    declared = declared_manifests(config)
    named.update(m.namespace for m in declared if m.namespace)
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
    candidates = [(m, ns) for m, ns in ordered if is_workload_manifest(m)]
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
    operators = operator_table(config)
    taken = {w.key for w in workloads}
    for m, ns in ordered:
        row = operators.get((m.api_version.split("/", 1)[0], m.kind))
        if row is None or "/" not in m.api_version or not m.name:
            continue
        w = _operator_workload(m, ns, row)
        # a live dump holds the operator's StatefulSet and pods too: those win
        if w.key not in taken and (ns, row.workload_kind, w.name) not in owners_with_children:
            workloads.append(w)
            taken.add(w.key)
    for m in declared:
        if not m.name:
            continue
        w = _declared_workload(m)
        if w.key not in taken:
            workloads.append(w)
            taken.add(w.key)
    workloads.sort(key=lambda w: w.key)
    wl_by_ns = _by_namespace(workloads)
    wl_index: dict[str, WorkloadIndex] = {}

    # Services
    services: list[Service] = []
    svc_by_wl: dict[int, list[Service]] = defaultdict(list)
    for m, ns in ordered:
        if m.kind != "Service" or m.api_version != "v1":
            continue
        index = wl_index.get(ns)
        if index is None:
            index = wl_index[ns] = WorkloadIndex(wl_by_ns.get(ns, ()))
        services.append(_service(m, ns, index.matching_map))
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
        tier_policies=_tier_policies(ordered),
        gateway_api=_gateway_api(ordered),
        _ns=namespaces,
        _wl_by_ns=wl_by_ns,
        _wl={w.key: w for w in workloads},
        _svc={s.key: s for s in services},
        _svc_by_ns=_by_namespace(services),
        _ing_by_ns=_by_namespace(ingresses),
        _pol_by_ns=_by_namespace(policies),
        _svc_by_wl={k: tuple(v) for k, v in svc_by_wl.items()},
        _wl_index=wl_index,
    )


def _tier_policies(ordered: Sequence[tuple[Manifest, str]]) -> tuple[AdminPolicy, ...]:
    if not any(m.kind in ADMIN_POLICY_KINDS for m, _ns in ordered):
        return ()
    from k8snetlint.tiers import tier_policies

    return tier_policies(m for m, _ns in ordered)


def _gateway_api(ordered: Sequence[tuple[Manifest, str]]) -> GatewayAPI:
    if not any(m.api_version.startswith(_GATEWAY_API_PREFIXES) for m, _ns in ordered):
        return GatewayAPI()
    from k8snetlint.gateway import build_gateway_api

    return build_gateway_api(ordered)
