"""A brute-force evaluator of the admin policy tiers, written from ``docs/semantics.md`` (T).

It extends :class:`reference.Reference` (whose NetworkPolicy behaviour it does not
change) with AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy,
working on the raw object dicts, one pod, one protocol and one port at a time: no
connection sets, no bitsets, nothing imported from :mod:`k8snetlint`. For each
direction it walks the layers literally: the admin policies selecting the pod by
priority (ties by kind, then name) and their rules in order until one matches; then
NetworkPolicy if one isolates the pod; then the baseline rules; then allow.

The choices where the APIs leave room are the engine's documented ones: ``networks``
match a pod by its ``status`` address, or, when unknown, only for a CIDR covering a
whole address family; ``nodes`` and ``domainNames`` match nothing; a peer with no
recognised field makes an Allow rule match nothing and a Deny/Pass rule match
everything; a missing selector is empty (the Go zero value); a
BaselineAdminNetworkPolicy not named ``default`` is ignored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any

from reference import Reference, RefPod, _sel_matches, _sel_valid

GROUP = "policy.networking.k8s.io"
KINDS = {
    "AdminNetworkPolicy": f"{GROUP}/v1alpha1",
    "BaselineAdminNetworkPolicy": f"{GROUP}/v1alpha1",
    "ClusterNetworkPolicy": f"{GROUP}/v1alpha2",
}
PEER_FIELDS = {
    ("AdminNetworkPolicy", "ingress"): ("namespaces", "pods"),
    ("AdminNetworkPolicy", "egress"): ("namespaces", "pods", "nodes", "networks", "domainNames"),
    ("BaselineAdminNetworkPolicy", "ingress"): ("namespaces", "pods"),
    ("BaselineAdminNetworkPolicy", "egress"): ("namespaces", "pods", "nodes", "networks"),
    ("ClusterNetworkPolicy", "ingress"): ("namespaces", "pods"),
    ("ClusterNetworkPolicy", "egress"): ("namespaces", "pods", "nodes", "networks", "domainNames"),
}
ACTIONS = {
    "AdminNetworkPolicy": {"Allow": "allow", "Deny": "deny", "Pass": "pass"},
    "BaselineAdminNetworkPolicy": {"Allow": "allow", "Deny": "deny"},
    "ClusterNetworkPolicy": {"Accept": "allow", "Deny": "deny", "Pass": "pass"},
}
KIND_ORDER = {"AdminNetworkPolicy": 0, "ClusterNetworkPolicy": 1}


def _valid_priority(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 1000


def _cidr_contains(cidr: Any, ip: str) -> bool:
    try:
        net = ipaddress.ip_network(cidr, strict=False)
        addr = ipaddress.ip_address(ip)
    except (TypeError, ValueError):
        return False
    return addr.version == net.version and addr in net


def _whole_family(cidr: Any) -> bool:
    try:
        return ipaddress.ip_network(cidr, strict=False).prefixlen == 0
    except (TypeError, ValueError):
        return False


def _valid_cidrs(value: Any) -> bool:
    if not isinstance(value, list) or not value:
        return False
    for c in value:
        if not isinstance(c, str) or "/" not in c:
            return False
        try:
            ipaddress.ip_network(c, strict=False)
        except ValueError:
            return False
    return True


class TierReference(Reference):
    """:class:`Reference` plus the admin and baseline tiers."""

    def __init__(self, objects: Sequence[Mapping[str, Any]], **kwargs: Any) -> None:
        super().__init__(objects, **kwargs)
        admin: list[tuple[int, int, str, str, Mapping[str, Any]]] = []
        baseline: list[tuple[int, int, str, str, Mapping[str, Any]]] = []
        for obj in objects:
            kind = obj.get("kind")
            if kind not in KINDS or obj.get("apiVersion") != KINDS[kind]:
                continue
            name = (obj.get("metadata") or {}).get("name", "")
            spec = obj.get("spec")
            if not isinstance(spec, Mapping):
                continue
            if kind == "BaselineAdminNetworkPolicy":
                if name == "default":
                    baseline.append((1, 0, "", name, dict(spec, _kind=kind)))
                continue
            if not _valid_priority(spec.get("priority")):
                continue
            entry = (0, spec["priority"], str(KIND_ORDER[kind]), name, dict(spec, _kind=kind))
            if kind == "AdminNetworkPolicy" or spec.get("tier") == "Admin":
                admin.append(entry)
            elif spec.get("tier") == "Baseline":
                baseline.append(entry)
        # admin: by priority, then kind, then name; baseline: CNPs by priority, then the BANP
        self.admin = [e[4] for e in sorted(admin, key=lambda e: (e[1], e[2], e[3]))]
        self.baseline = [e[4] for e in sorted(baseline, key=lambda e: (e[0], e[1], e[3]))]

    # --- tiers -----------------------------------------------------------------

    def _subject(self, spec: Mapping[str, Any], pod: RefPod) -> bool:
        """Tiers point 7 (an invalid subject makes the whole object ineffective)."""
        subject = spec.get("subject")
        if not isinstance(subject, Mapping):
            return False
        fields = [k for k in ("namespaces", "pods") if subject.get(k) is not None]
        if len(fields) != 1:
            return False
        ns_labels = self.ns_labels[pod.namespace]
        if fields[0] == "namespaces":
            sel = subject["namespaces"]
            return _sel_valid(sel) and _sel_matches(sel, ns_labels)
        pods = subject["pods"]
        if not isinstance(pods, Mapping):
            return False
        # a missing selector is the Go zero value: empty, every namespace or pod
        ns_sel = pods.get("namespaceSelector") or {}
        pod_sel = pods.get("podSelector") or {}
        if not (_sel_valid(ns_sel) and _sel_valid(pod_sel)):
            return False
        return _sel_matches(ns_sel, ns_labels) and _sel_matches(pod_sel, pod.labels)

    def _peer(self, kind: str, direction: str, peer: Any, other: RefPod | str) -> bool | None:
        """Does one peer match ``other``? ``None``: the peer has no recognised field."""
        if not isinstance(peer, Mapping):
            return False
        present = [f for f in PEER_FIELDS[(kind, direction)] if peer.get(f) is not None]
        if not present:
            return None
        if len(present) > 1:
            return False
        fld = present[0]
        value = peer[fld]
        if fld == "namespaces":
            if isinstance(other, str) or not _sel_valid(value):
                return False
            return _sel_matches(value, self.ns_labels[other.namespace])
        if fld == "pods":
            if isinstance(other, str) or not isinstance(value, Mapping):
                return False
            ns_sel = value.get("namespaceSelector") or {}
            pod_sel = value.get("podSelector") or {}
            if not (_sel_valid(ns_sel) and _sel_valid(pod_sel)):
                return False
            return _sel_matches(ns_sel, self.ns_labels[other.namespace]) and _sel_matches(
                pod_sel, other.labels
            )
        if fld == "networks":
            if not _valid_cidrs(value):
                return False
            if isinstance(other, str):
                return any(_cidr_contains(c, other) for c in value)
            if other.ips:
                return any(_cidr_contains(c, ip) for c in value for ip in other.ips)
            return any(_whole_family(c) for c in value)
        return False  # nodes, domainNames

    @staticmethod
    def _port(kind: str, entry: Any, dst: RefPod | None, protocol: str, port: int) -> bool:
        if not isinstance(entry, Mapping):
            return False
        if kind == "ClusterNetworkPolicy":
            keys = {"tcp": "TCP", "udp": "UDP", "sctp": "SCTP"}
            set_fields = [k for k in (*keys, "destinationNamedPort") if entry.get(k) is not None]
            if len(set_fields) != 1:
                return False
            fld = set_fields[0]
            if fld == "destinationNamedPort":
                named = entry[fld]
            else:
                if keys[fld] != protocol:
                    return False
                dest = (entry[fld] or {}).get("destinationPort")
                if dest is None:
                    return True
                if dest.get("number") is not None:
                    lo = hi = dest["number"]
                else:
                    rng = dest.get("range") or {}
                    lo, hi = rng.get("start"), rng.get("end")
                if not isinstance(lo, int) or not isinstance(hi, int):
                    return False
                if not (1 <= lo <= hi <= 65535):
                    return False
                return lo <= port <= hi
        else:
            set_fields = [k for k in ("portNumber", "portRange", "namedPort") if entry.get(k)]
            if len(set_fields) != 1:
                return False
            fld = set_fields[0]
            if fld == "namedPort":
                named = entry[fld]
            else:
                value = entry[fld]
                if value.get("protocol", "TCP") != protocol:
                    return False
                if fld == "portNumber":
                    lo = hi = value.get("port")
                else:
                    lo, hi = value.get("start"), value.get("end")
                if not isinstance(lo, int) or not isinstance(hi, int):
                    return False
                if not (1 <= lo <= hi <= 65535):
                    return False
                return lo <= port <= hi
        if dst is None or not isinstance(named, str):
            return False
        return any(n == named and pr == protocol and num == port for n, pr, num in dst.ports)

    def _rule(
        self,
        kind: str,
        direction: str,
        rule: Any,
        other: RefPod | str,
        dst: RefPod | None,
        protocol: str,
        port: int,
    ) -> str | None:
        """The rule's action if it matches this connection, else None (points 8-10)."""
        if not isinstance(rule, Mapping):
            return None
        action = ACTIONS[kind].get(rule.get("action"))
        peers = rule.get("from" if direction == "ingress" else "to")
        if action is None or not isinstance(peers, list) or not peers:
            return None
        port_key = "protocols" if kind == "ClusterNetworkPolicy" else "ports"
        ports = rule.get(port_key)
        if ports is not None and (not isinstance(ports, list) or not ports):
            return None
        results = [self._peer(kind, direction, p, other) for p in peers]
        if None in results and action != "allow":
            return action  # fail closed: matches every peer and port
        if not any(results):
            return None
        if ports is None or any(self._port(kind, e, dst, protocol, port) for e in ports):
            return action
        return None

    def _np_isolated(self, direction: str, pod: RefPod) -> bool:
        ptype = "Ingress" if direction == "ingress" else "Egress"
        return any(
            ptype in self.policy_types(spec) and self._selects(pol_ns, spec, pod)
            for pol_ns, spec in self.policies
        )

    def tier_direction(
        self,
        direction: str,
        subject: RefPod,
        other: RefPod | str,
        dst: RefPod | None,
        protocol: str,
        port: int,
    ) -> bool:
        """Tiers points 1-5 and 11 for one direction of one connection."""
        passed = False
        for spec in self.admin:
            if not self._subject(spec, subject):
                continue
            for rule in spec.get(direction) or []:
                action = self._rule(spec["_kind"], direction, rule, other, dst, protocol, port)
                if action == "allow":
                    return True
                if action == "deny":
                    return False
                if action == "pass":
                    passed = True
                    break
            if passed:
                break
        if self._np_isolated(direction, subject):
            return self._direction_allows(direction, subject, other, dst, protocol, port)
        for spec in self.baseline:
            if not self._subject(spec, subject):
                continue
            for rule in spec.get(direction) or []:
                action = self._rule(spec["_kind"], direction, rule, other, dst, protocol, port)
                if action == "allow" or action == "pass":
                    return True
                if action == "deny":
                    return False
        return True

    def allowed(self, src: RefPod | str, dst: RefPod | str, protocol: str, port: int) -> bool:
        """Both ends must agree; strings are external IP addresses."""
        if isinstance(src, str) and isinstance(dst, str):
            return False
        if not isinstance(src, str):
            d = dst if not isinstance(dst, str) else None
            if not self.tier_direction("egress", src, dst, d, protocol, port):
                return False
        if not isinstance(dst, str):
            return self.tier_direction("ingress", dst, src, dst, protocol, port)
        return True
