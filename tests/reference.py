"""A brute-force NetworkPolicy evaluator, written straight from ``docs/semantics.md``.

It works on the raw object dicts, one pod and one port at a time: no classes, no
bitsets, no code shared with :mod:`k8snetlint` (selectors, ipBlocks and ports are
re-implemented here). The real engine must agree with it on every generated input
(``tests/test_reference_agreement.py``).

Scope: every workload is one pod (all pods of a workload are identical); pods are
Pods or Deployments; the ingress controller and Services are not modelled here.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

NAME_LABEL = "kubernetes.io/metadata.name"


@dataclass
class RefPod:
    namespace: str
    name: str
    kind: str
    labels: dict[str, str]
    # (name, protocol, number) for every container port
    ports: list[tuple[str | None, str, int]] = field(default_factory=list)
    ips: list[str] = field(default_factory=list)

    @property
    def display(self) -> str:
        return f"{self.namespace}/{self.name}[{self.kind}]"


def _sel_matches(sel: Any, labels: Mapping[str, str]) -> bool:
    """LabelSelector semantics (point 11); a malformed selector matches nothing."""
    if sel is None:
        sel = {}
    if not isinstance(sel, Mapping):
        return False
    for k, v in (sel.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for expr in sel.get("matchExpressions") or []:
        key = expr.get("key")
        op = expr.get("operator")
        values = expr.get("values") or []
        if op == "In":
            if not values:
                return False
            if key not in labels or labels[key] not in values:
                return False
        elif op == "NotIn":
            if not values:
                return False
            if key in labels and labels[key] in values:
                return False
        elif op == "Exists":
            if values:
                return False
            if key not in labels:
                return False
        elif op == "DoesNotExist":
            if values:
                return False
            if key in labels:
                return False
        else:
            return False
    return True


def _sel_valid(sel: Any) -> bool:
    if sel is None:
        return True
    if not isinstance(sel, Mapping):
        return False
    for expr in sel.get("matchExpressions") or []:
        op = expr.get("operator")
        values = expr.get("values") or []
        if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            return False
        if op in ("In", "NotIn") and not values:
            return False
        if op in ("Exists", "DoesNotExist") and values:
            return False
    return True


def _in_ipblock(ip: str, block: Mapping[str, Any]) -> bool:
    """Point 12: in cidr and in no except; an except not strictly inside makes it invalid."""
    try:
        net = ipaddress.ip_network(block["cidr"], strict=False)
    except (KeyError, ValueError):
        return False
    excepts = []
    for ex in block.get("except") or []:
        try:
            enet = ipaddress.ip_network(ex, strict=False)
        except ValueError:
            return False
        if (
            enet.version != net.version
            or enet.network_address not in net
            or enet.prefixlen <= net.prefixlen
        ):
            return False
        excepts.append(enet)
    addr = ipaddress.ip_address(ip)
    if addr.version != net.version or addr not in net:
        return False
    return not any(addr in e for e in excepts)


class Reference:
    """Decides, pod by pod and port by port, what the NetworkPolicies allow."""

    def __init__(
        self,
        objects: Sequence[Mapping[str, Any]],
        *,
        default_namespace: str = "default",
        ipblock_matches_pods: bool = False,
        namespace_labels: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.ipblock_pods = ipblock_matches_pods
        self.ns_labels: dict[str, dict[str, str]] = {}
        self.pods: list[RefPod] = []
        self.policies: list[tuple[str, Mapping[str, Any]]] = []
        cfg_labels = namespace_labels or {}
        named_ns: set[str] = set()
        for obj in objects:
            kind = obj.get("kind")
            meta = obj.get("metadata") or {}
            if kind == "Namespace":
                labels = {str(k): str(v) for k, v in (meta.get("labels") or {}).items()}
                labels[NAME_LABEL] = meta["name"]
                self.ns_labels[meta["name"]] = labels
                continue
            ns = meta.get("namespace") or default_namespace
            named_ns.add(ns)
            if kind == "Pod":
                self.pods.append(
                    self._pod(ns, meta["name"], "Pod", meta.get("labels"), obj.get("spec"), obj)
                )
            elif kind == "Deployment":
                tpl = obj["spec"]["template"]
                self.pods.append(
                    self._pod(
                        ns,
                        meta["name"],
                        "Deployment",
                        tpl.get("metadata", {}).get("labels"),
                        tpl.get("spec"),
                        None,
                    )
                )
            elif kind == "NetworkPolicy":
                self.policies.append((ns, obj.get("spec") or {}))
        for ns in named_ns:
            if ns not in self.ns_labels:
                labels = dict(cfg_labels.get(ns, {}))
                labels[NAME_LABEL] = ns
                self.ns_labels[ns] = labels

    @staticmethod
    def _pod(
        ns: str, name: str, kind: str, labels: Any, spec: Any, pod_obj: Mapping[str, Any] | None
    ) -> RefPod:
        ports: list[tuple[str | None, str, int]] = []
        for c in (spec or {}).get("containers") or []:
            for p in c.get("ports") or []:
                ports.append((p.get("name"), p.get("protocol", "TCP"), p["containerPort"]))
        for c in (spec or {}).get("initContainers") or []:
            if c.get("restartPolicy") == "Always":
                for p in c.get("ports") or []:
                    ports.append((p.get("name"), p.get("protocol", "TCP"), p["containerPort"]))
        ips: list[str] = []
        if pod_obj is not None:
            status = pod_obj.get("status") or {}
            ips = [e["ip"] for e in status.get("podIPs") or []] or (
                [status["podIP"]] if status.get("podIP") else []
            )
        return RefPod(
            ns, name, kind, {str(k): str(v) for k, v in (labels or {}).items()}, ports, ips
        )

    # --- semantics -------------------------------------------------------------

    @staticmethod
    def policy_types(spec: Mapping[str, Any]) -> list[str]:
        """Point 3."""
        types = spec.get("policyTypes")
        if types:
            return list(types)
        out = ["Ingress"]
        if spec.get("egress"):
            out.append("Egress")
        return out

    def _selects(self, pol_ns: str, spec: Mapping[str, Any], pod: RefPod) -> bool:
        """Points 1 and 4: a policy applies to pods of its own namespace matching podSelector."""
        sel = spec.get("podSelector")
        return pod.namespace == pol_ns and _sel_valid(sel) and _sel_matches(sel, pod.labels)

    def _peer_matches(self, peer: Any, pol_ns: str, other: RefPod | str) -> bool:
        """Points 7-10, 12, 13."""
        if not isinstance(peer, Mapping):
            return False
        pod_sel = peer.get("podSelector")
        ns_sel = peer.get("namespaceSelector")
        ip_block = peer.get("ipBlock")
        if pod_sel is None and ns_sel is None and ip_block is None:
            return False  # point 7
        if ip_block is not None and (pod_sel is not None or ns_sel is not None):
            return False  # point 7
        if ip_block is not None:
            if isinstance(other, str):
                return _in_ipblock(other, ip_block)
            if not self.ipblock_pods or not other.ips:
                return False  # point 13
            # validity of the block does not depend on the address
            return any(_in_ipblock(ip, ip_block) for ip in other.ips)
        if isinstance(other, str):
            return False  # selectors never match external addresses
        if not _sel_valid(pod_sel) or not _sel_valid(ns_sel):
            return False
        if ns_sel is None:
            if other.namespace != pol_ns:
                return False
        elif not _sel_matches(ns_sel, self.ns_labels[other.namespace]):
            return False
        return pod_sel is None or _sel_matches(pod_sel, other.labels)

    @staticmethod
    def _port_matches(entries: Any, dst: RefPod | None, protocol: str, port: int) -> bool:
        """Points 14-17: dst None means an external destination."""
        if not entries:
            return True
        for e in entries:
            e = e or {}
            proto = e.get("protocol", "TCP")
            if proto not in ("TCP", "UDP", "SCTP") or proto != protocol:
                continue
            p = e.get("port")
            end = e.get("endPort")
            if p is None:
                if end is not None:
                    continue  # invalid
                return True
            if isinstance(p, str):
                if end is not None or dst is None:
                    continue
                if any(n == p and pr == protocol and num == port for n, pr, num in dst.ports):
                    return True
                continue
            if not 1 <= p <= 65535:
                continue
            if end is not None:
                if end < p or end > 65535:
                    continue
                if p <= port <= end:
                    return True
            elif p == port:
                return True
        return False

    def _direction_allows(
        self,
        direction: str,
        subject: RefPod,
        other: RefPod | str,
        dst: RefPod | None,
        protocol: str,
        port: int,
    ) -> bool:
        ptype = "Ingress" if direction == "ingress" else "Egress"
        key = "from" if direction == "ingress" else "to"
        isolated = False
        for pol_ns, spec in self.policies:
            if ptype not in self.policy_types(spec) or not self._selects(pol_ns, spec, subject):
                continue
            isolated = True
            for rule in spec.get(direction) or []:
                rule = rule or {}
                peers = rule.get(key)
                if peers and not any(self._peer_matches(p, pol_ns, other) for p in peers):
                    continue
                if self._port_matches(rule.get("ports"), dst, protocol, port):
                    return True
        return not isolated

    def allowed(self, src: RefPod | str, dst: RefPod | str, protocol: str, port: int) -> bool:
        """Point 2: both ends must agree. Strings are external IP addresses."""
        if isinstance(src, str) and isinstance(dst, str):
            return False
        if not isinstance(src, str):
            d = dst if not isinstance(dst, str) else None
            if not self._direction_allows("egress", src, dst, d, protocol, port):
                return False
        if not isinstance(dst, str):
            return self._direction_allows("ingress", dst, src, dst, protocol, port)
        return True
