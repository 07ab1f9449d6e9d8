"""NetworkPolicy semantics (``docs/semantics.md``, section NP, points 1-25).

This module parses a NetworkPolicy into typed rules, peers and ports (each with its
path in the document, for locations) and holds the semantic primitives the engine
(:mod:`k8snetlint.net`) builds on:

* effective ``policyTypes`` (point 3) and inert rules (point 25);
* peers (points 6-10, 13) and their validity (point 7, 12);
* ipBlocks as integer intervals: ``cidr`` minus each ``except`` (point 12);
* ports, ``endPort`` and named ports resolved against the *destination* pod (points
  14-17), never failing open.

Problems the API server would reject are kept as data (``NetworkPolicy.problems``: a
list of (path, message)); the offending peer or port is skipped (it matches nothing)
and the rest of the policy is evaluated.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from k8snetlint.connectivity import MAX_PORT, MIN_PORT, PROTOCOLS, ConnSet
from k8snetlint.document import Manifest, Path
from k8snetlint.selectors import Problem, Selector, parse_selector

Direction = Literal["ingress", "egress"]
DIRECTIONS: tuple[Direction, Direction] = ("ingress", "egress")
POLICY_TYPE: dict[Direction, str] = {"ingress": "Ingress", "egress": "Egress"}
PEERS_KEY: dict[Direction, str] = {"ingress": "from", "egress": "to"}

# A pod's named container ports: sorted (name, protocol, number) triples.
NamedPorts = tuple[tuple[str, str, int], ...]

# text: compiled (and cached by re) on first use, when a port name is checked
_PORT_NAME = r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$"

V4_MAX = (1 << 32) - 1
V6_MAX = (1 << 128) - 1


def valid_port_name(name: str) -> bool:
    """IANA_SVC_NAME as Kubernetes validates container port names."""
    return (
        0 < len(name) <= 15
        and bool(re.match(_PORT_NAME, name))
        and "--" not in name
        and any(c.isalpha() for c in name)
    )


# ---------------------------------------------------------------------------------
# ipBlock


@dataclass(frozen=True)
class IPBlock:
    """``cidr`` minus each ``except``, as sorted disjoint integer intervals.

    ``version`` is 4 or 6; ``intervals`` are inclusive ranges of integer addresses in
    that family.
    """

    cidr: str
    excepts: tuple[str, ...]
    version: int
    intervals: tuple[tuple[int, int], ...]

    def contains(self, ip: str) -> bool:
        try:
            addr = ipaddress.ip_address(ip.strip())
        except ValueError:
            return False
        if addr.version != self.version:
            return False
        n = int(addr)
        return any(lo <= n <= hi for lo, hi in self.intervals)

    def key(self) -> tuple[int, tuple[tuple[int, int], ...]]:
        return (self.version, self.intervals)

    def is_everything(self) -> bool:
        top = V4_MAX if self.version == 4 else V6_MAX
        return self.intervals == ((0, top),)


@lru_cache(maxsize=4096)
def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """``ipaddress.ip_network(text, strict=False)``, None when invalid (inputs repeat a
    few CIDRs thousands of times)."""
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def parse_ip_block(raw: Any, path: Path) -> tuple[IPBlock | None, list[Problem]]:
    """Parse an ``ipBlock``; ``None`` with problems when the API server would reject it."""
    if not isinstance(raw, dict):
        return None, [(path, "ipBlock must be a mapping")]
    cidr_raw = raw.get("cidr")
    if not isinstance(cidr_raw, str):
        return None, [((*path, "cidr"), "ipBlock.cidr is required")]
    net = _network(cidr_raw.strip())
    if net is None:
        return None, [((*path, "cidr"), f"ipBlock.cidr {cidr_raw!r} is not a valid CIDR")]
    problems: list[Problem] = []
    cuts: list[tuple[int, int]] = []
    excepts: list[str] = []
    raw_except = raw.get("except")
    if raw_except is not None and not (isinstance(raw_except, list)):
        return None, [((*path, "except"), "ipBlock.except must be a list")]
    for i, ex in enumerate(raw_except or ()):
        epath = (*path, "except", i)
        if not isinstance(ex, str):
            problems.append((epath, "except entry must be a CIDR string"))
            continue
        enet = _network(ex.strip())
        if enet is None:
            problems.append((epath, f"except {ex!r} is not a valid CIDR"))
            continue
        inside = (
            enet.version == net.version
            and enet.network_address in net
            and enet.prefixlen > net.prefixlen
        )
        if not inside:
            problems.append((epath, f"except {ex} must lie strictly inside cidr {cidr_raw}"))
            continue
        excepts.append(ex)
        cuts.append((int(enet.network_address), int(enet.broadcast_address)))
    if problems:
        return None, problems
    lo, hi = int(net.network_address), int(net.broadcast_address)
    return (
        IPBlock(cidr_raw, tuple(excepts), net.version, tuple(subtract_intervals((lo, hi), cuts))),
        [],
    )


def subtract_intervals(
    whole: tuple[int, int], cuts: Iterable[tuple[int, int]]
) -> list[tuple[int, int]]:
    """``whole`` minus the union of ``cuts`` (inclusive integer intervals)."""
    out: list[tuple[int, int]] = []
    cur = whole[0]
    for lo, hi in sorted(cuts):
        if hi < cur:
            continue
        if lo > cur:
            out.append((cur, min(lo - 1, whole[1])))
        cur = max(cur, hi + 1)
        if cur > whole[1]:
            break
    if cur <= whole[1]:
        out.append((cur, whole[1]))
    return out


def ip_in_blocks(ip: str, blocks: Iterable[IPBlock]) -> bool:
    return any(b.contains(ip) for b in blocks)


def ipblock_matches_pods(block: IPBlock, pod_ips: Sequence[Sequence[str]]) -> bool:
    """Whether ``block`` matches a workload whose pods have ``pod_ips`` (point 13, opt-in).

    One entry per pod; a pod is matched when one of its addresses (one per family) is
    in the block; a workload is matched when every one of its pods is. A workload with
    no pod of known address is never matched.
    """
    if not pod_ips:
        return False
    return all(any(block.contains(ip) for ip in pod) for pod in pod_ips)


# ---------------------------------------------------------------------------------
# Ports


@dataclass(frozen=True)
class PortSpec:
    """One entry of a rule's ``ports``.

    ``port`` is an int, a port name, or None (every port of ``protocol``). ``valid`` is
    False when the API server would reject the entry; it then allows nothing.
    """

    index: int
    path: Path
    protocol: str
    port: int | str | None
    end_port: int | None = None
    valid: bool = True

    @property
    def named(self) -> bool:
        return isinstance(self.port, str)

    def ranges(self, named: NamedPorts | None) -> list[tuple[str, int, int]]:
        """(protocol, lo, hi) ranges allowed towards a destination with ``named`` ports.

        ``named=None`` means the destination is not a pod (an external address): a
        named port then allows nothing (point 15).
        """
        if not self.valid:
            return []
        if self.port is None:
            return [(self.protocol, MIN_PORT, MAX_PORT)]
        if isinstance(self.port, int):
            hi = self.end_port if self.end_port is not None else self.port
            return [(self.protocol, self.port, hi)]
        if named is None:
            return []
        return [
            (self.protocol, n, n)
            for name, proto, n in named
            if name == self.port and proto == self.protocol
        ]

    def contains(self, protocol: str, port: int | None, named: NamedPorts | None) -> bool:
        for proto, lo, hi in self.ranges(named):
            if proto == protocol and (port is None or lo <= port <= hi):
                return True
        return False

    def text(self) -> str:
        if self.port is None:
            return f"{self.protocol} (all ports)"
        if self.end_port is not None:
            return f"{self.protocol} {self.port}-{self.end_port}"
        return f"{self.protocol} {self.port}"


def parse_port(raw: Any, index: int, path: Path) -> tuple[PortSpec, list[Problem]]:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        return PortSpec(index, path, "TCP", None, None, False), [
            (path, "ports entry must be a mapping")
        ]
    problems: list[Problem] = []
    proto_raw = raw.get("protocol")
    protocol = "TCP" if proto_raw is None else str(proto_raw)
    valid = True
    if protocol not in PROTOCOLS:
        problems.append(
            ((*path, "protocol"), f"unsupported protocol {protocol!r}: expected TCP, UDP or SCTP")
        )
        valid = False
    port_raw = raw.get("port")
    port: int | str | None
    if port_raw is None:
        port = None
    elif isinstance(port_raw, bool) or not isinstance(port_raw, (int, str)):
        problems.append(((*path, "port"), "port must be a number or a port name"))
        port, valid = None, False
    elif isinstance(port_raw, int):
        port = port_raw
        if not MIN_PORT <= port <= MAX_PORT:
            problems.append(((*path, "port"), f"port {port} is outside 1-65535"))
            valid = False
    else:
        port = port_raw
        if not valid_port_name(port):
            problems.append(((*path, "port"), f"port {port!r} is not a valid port name"))
            valid = False
    end_raw = raw.get("endPort")
    end_port: int | None = None
    if end_raw is not None:
        if isinstance(end_raw, bool) or not isinstance(end_raw, int):
            problems.append(((*path, "endPort"), "endPort must be a number"))
            valid = False
        else:
            end_port = end_raw
            if port is None:
                problems.append(((*path, "endPort"), "endPort requires port"))
                valid = False
            elif isinstance(port, str):
                problems.append(((*path, "endPort"), "endPort cannot be used with a named port"))
                valid = False
            elif end_port < port:
                problems.append(
                    ((*path, "endPort"), f"endPort {end_port} is less than port {port}")
                )
                valid = False
            elif end_port > MAX_PORT:
                problems.append(((*path, "endPort"), f"endPort {end_port} is outside 1-65535"))
                valid = False
    return PortSpec(index, path, protocol, port, end_port, valid), problems


@lru_cache(maxsize=65536)
def conns_of(ports: tuple[PortSpec, ...] | None, named: NamedPorts | None) -> ConnSet:
    """The ConnSet a rule's ``ports`` allow towards a destination with ``named`` ports.

    ``ports=None`` (missing or ``[]``) is every port of every protocol (point 14).
    """
    if ports is None:
        return ConnSet.all()
    d: dict[str, list[tuple[int, int]]] = {}
    for spec in ports:
        for proto, lo, hi in spec.ranges(named):
            d.setdefault(proto, []).append((lo, hi))
    return ConnSet.from_dict(d)


# ---------------------------------------------------------------------------------
# Peers, rules, policies


@dataclass(frozen=True)
class Peer:
    """One entry of ``from``/``to``. An invalid peer matches nothing."""

    index: int
    path: Path
    pod_selector: Selector | None = None
    namespace_selector: Selector | None = None
    ip_block: IPBlock | None = None
    valid: bool = True

    @property
    def kind(self) -> str:
        if not self.valid:
            return "invalid"
        if self.ip_block is not None:
            return "ipBlock"
        if self.pod_selector is not None and self.namespace_selector is not None:
            return "pod+namespace"
        if self.namespace_selector is not None:
            return "namespace"
        return "pod"

    def text(self) -> str:
        if self.ip_block is not None:
            ex = f" except {','.join(self.ip_block.excepts)}" if self.ip_block.excepts else ""
            return f"ipBlock {self.ip_block.cidr}{ex}"
        parts = []
        if self.namespace_selector is not None:
            parts.append(f"namespaceSelector {self.namespace_selector.text()}")
        if self.pod_selector is not None:
            parts.append(f"podSelector {self.pod_selector.text()}")
        return " and ".join(parts) if parts else "<invalid peer>"

    def matches_pod(
        self,
        policy_namespace: str,
        pod_namespace: str | None,
        pod_labels: Mapping[str, str] | None,
        namespace_labels: Mapping[str, str] | None,
        pod_ips: Sequence[Sequence[str]] = (),
        ipblock_pods: bool = False,
    ) -> bool:
        """Whether this peer matches one pod (points 8-10, 13).

        ``None`` for the namespace, its labels or the pod labels means unknown: an
        unknown value is matched only by a selector that matches everything.
        """
        if not self.valid:
            return False
        if self.ip_block is not None:
            return ipblock_pods and ipblock_matches_pods(self.ip_block, pod_ips)
        if self.namespace_selector is None:
            if pod_namespace is None or pod_namespace != policy_namespace:
                return False
        elif namespace_labels is None or pod_namespace is None:
            if not self.namespace_selector.matches_unknown():
                return False
        elif not self.namespace_selector.matches(namespace_labels):
            return False
        if self.pod_selector is None:
            return True
        if pod_labels is None:
            return self.pod_selector.matches_unknown()
        return self.pod_selector.matches(pod_labels)


def parse_peer(raw: Any, index: int, path: Path) -> tuple[Peer, list[Problem]]:
    if not isinstance(raw, dict):
        return Peer(index, path, valid=False), [(path, "peer must be a mapping")]
    pod_raw = raw.get("podSelector")
    ns_raw = raw.get("namespaceSelector")
    ip_raw = raw.get("ipBlock")
    if pod_raw is None and ns_raw is None and ip_raw is None:
        return Peer(index, path, valid=False), [
            (
                path,
                "peer has no podSelector, namespaceSelector or ipBlock (rejected by the API server)",
            )
        ]
    if ip_raw is not None and (pod_raw is not None or ns_raw is not None):
        return Peer(index, path, valid=False), [
            (path, "peer combines ipBlock with a selector (rejected by the API server)")
        ]
    if ip_raw is not None:
        block, problems = parse_ip_block(ip_raw, (*path, "ipBlock"))
        return Peer(index, path, ip_block=block, valid=block is not None), problems
    sel_problems: list[Problem] = []
    pod_sel = parse_selector(pod_raw, (*path, "podSelector")) if pod_raw is not None else None
    ns_sel = parse_selector(ns_raw, (*path, "namespaceSelector")) if ns_raw is not None else None
    for sel in (ns_sel, pod_sel):
        if sel is not None:
            sel_problems.extend(sel.problems)
    return Peer(index, path, pod_sel, ns_sel, None, not sel_problems), sel_problems


@dataclass(frozen=True)
class Rule:
    """One ingress or egress rule.

    ``peers=None``: ``from``/``to`` missing or empty, every peer including external
    addresses (point 6). ``ports=None``: every port of every protocol (point 14).
    """

    direction: Direction
    index: int
    path: Path
    peers: tuple[Peer, ...] | None
    ports: tuple[PortSpec, ...] | None

    @property
    def has_named_ports(self) -> bool:
        return self.ports is not None and any(p.named and p.valid for p in self.ports)

    def allows_all_peers(self) -> bool:
        return self.peers is None


def parse_rule(
    raw: Any, direction: Direction, index: int, path: Path
) -> tuple[Rule, list[Problem]]:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        return Rule(direction, index, path, (), ()), [(path, "rule must be a mapping")]
    problems: list[Problem] = []
    key = PEERS_KEY[direction]
    peers_raw = raw.get(key)
    peers: tuple[Peer, ...] | None
    if peers_raw is None or (isinstance(peers_raw, list) and not peers_raw):
        peers = None
    elif not isinstance(peers_raw, list):
        problems.append(((*path, key), f"{key} must be a list"))
        peers = ()
    else:
        out: list[Peer] = []
        for i, item in enumerate(peers_raw):
            peer, probs = parse_peer(item, i, (*path, key, i))
            out.append(peer)
            problems.extend(probs)
        peers = tuple(out)
    ports_raw = raw.get("ports")
    ports: tuple[PortSpec, ...] | None
    if ports_raw is None or (isinstance(ports_raw, list) and not ports_raw):
        ports = None
    elif not isinstance(ports_raw, list):
        problems.append(((*path, "ports"), "ports must be a list"))
        ports = ()
    else:
        specs: list[PortSpec] = []
        for i, item in enumerate(ports_raw):
            spec, probs = parse_port(item, i, (*path, "ports", i))
            specs.append(spec)
            problems.extend(probs)
        ports = tuple(specs)
    return Rule(direction, index, path, peers, ports), problems


@dataclass(frozen=True, eq=False)
class NetworkPolicy:
    """A parsed NetworkPolicy with its effective policyTypes (point 3).

    ``ingress``/``egress`` hold the rules that take effect; rules of a direction absent
    from explicit policyTypes are kept in ``inert_ingress``/``inert_egress`` (point 25)
    and listed in ``inert`` as (path, message). ``problems`` lists what the API server
    would reject (points 7, 12, 16, invalid selectors).
    """

    manifest: Manifest
    namespace: str
    name: str
    pod_selector: Selector
    pod_selector_path: Path
    policy_types: tuple[str, ...]
    explicit_policy_types: tuple[str, ...] | None
    ingress: tuple[Rule, ...]
    egress: tuple[Rule, ...]
    inert_ingress: tuple[Rule, ...] = ()
    inert_egress: tuple[Rule, ...] = ()
    problems: tuple[Problem, ...] = ()
    inert: tuple[Problem, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    def isolates(self, direction: Direction) -> bool:
        return POLICY_TYPE[direction] in self.policy_types

    def rules(self, direction: Direction) -> tuple[Rule, ...]:
        return self.ingress if direction == "ingress" else self.egress

    def peers(self) -> Iterable[tuple[Rule, Peer]]:
        for rule in (*self.ingress, *self.egress):
            for peer in rule.peers or ():
                yield rule, peer

    def selects(self, pod_namespace: str, pod_labels: Mapping[str, str]) -> bool:
        """Whether the policy applies to a pod (points 1, 4)."""
        return pod_namespace == self.namespace and self.pod_selector.matches(pod_labels)


def effective_policy_types(raw_types: Any, egress_raw: Any) -> tuple[str, ...]:
    """policyTypes defaulting (point 3): missing/empty -> Ingress, plus Egress if egress rules."""
    if isinstance(raw_types, list) and raw_types:
        return tuple(t for t in ("Ingress", "Egress") if t in raw_types)
    types = ["Ingress"]
    if isinstance(egress_raw, list) and len(egress_raw) > 0:
        types.append("Egress")
    return tuple(types)


def parse_network_policy(manifest: Manifest, namespace: str) -> NetworkPolicy:
    """Parse one NetworkPolicy manifest living in ``namespace``."""
    problems: list[Problem] = []
    spec = manifest.get("spec")
    if spec is None:
        spec = {}
    if not isinstance(spec, dict):
        problems.append((("spec",), "spec must be a mapping"))
        spec = {}
    sel_path: Path = ("spec", "podSelector")
    pod_selector = parse_selector(spec.get("podSelector"), sel_path)
    problems.extend(pod_selector.problems)
    raw_types = spec.get("policyTypes")
    explicit: tuple[str, ...] | None = None
    if isinstance(raw_types, list) and raw_types:
        explicit = tuple(str(t) for t in raw_types)
        for i, t in enumerate(raw_types):
            if t not in ("Ingress", "Egress"):
                problems.append(
                    (
                        ("spec", "policyTypes", i),
                        f"unknown policyType {t!r}: expected Ingress or Egress",
                    )
                )
    elif raw_types is not None and not isinstance(raw_types, list):
        problems.append((("spec", "policyTypes"), "policyTypes must be a list"))
    types = effective_policy_types(raw_types, spec.get("egress"))
    parsed: dict[Direction, tuple[Rule, ...]] = {}
    for direction in DIRECTIONS:
        key = direction
        raw_rules = spec.get(key)
        rules: list[Rule] = []
        if raw_rules is not None and not isinstance(raw_rules, list):
            problems.append(((("spec", key)), f"{key} must be a list"))
        elif raw_rules:
            for i, item in enumerate(raw_rules):
                rule, probs = parse_rule(item, direction, i, ("spec", key, i))
                rules.append(rule)
                problems.extend(probs)
        parsed[direction] = tuple(rules)
    inert: list[Problem] = []
    active: dict[Direction, tuple[Rule, ...]] = {}
    dead: dict[Direction, tuple[Rule, ...]] = {}
    for direction in DIRECTIONS:
        if POLICY_TYPE[direction] in types:
            active[direction], dead[direction] = parsed[direction], ()
        else:
            active[direction], dead[direction] = (), parsed[direction]
            if parsed[direction]:
                inert.append(
                    (
                        ("spec", direction),
                        f"{direction} rules are ignored: policyTypes {list(types)} lacks {POLICY_TYPE[direction]}",
                    )
                )
    return NetworkPolicy(
        manifest=manifest,
        namespace=namespace,
        name=manifest.name,
        pod_selector=pod_selector,
        pod_selector_path=sel_path,
        policy_types=types,
        explicit_policy_types=explicit,
        ingress=active["ingress"],
        egress=active["egress"],
        inert_ingress=dead["ingress"],
        inert_egress=dead["egress"],
        problems=tuple(problems),
        inert=tuple(inert),
    )


# ---------------------------------------------------------------------------------
# Per-pod evaluation (used for explanations, the ingress-controller pseudo-pod and tests;
# the engine evaluates the same semantics over classes with bitsets)


@dataclass(frozen=True)
class PodFacts:
    """What policy evaluation needs to know about one pod; ``None`` = unknown."""

    namespace: str | None
    labels: Mapping[str, str] | None
    namespace_labels: Mapping[str, str] | None
    named_ports: NamedPorts = ()
    ips: tuple[tuple[str, ...], ...] = ()


def policy_selects_pod(policy: NetworkPolicy, pod: PodFacts) -> bool:
    """Whether ``policy`` applies to ``pod`` (unknown labels: only the empty selector)."""
    if pod.namespace is None or pod.namespace != policy.namespace:
        return False
    if pod.labels is None:
        return policy.pod_selector.matches_unknown()
    return policy.pod_selector.matches(pod.labels)


def rule_matches_peer(
    rule: Rule, policy_ns: str, peer: PodFacts | str, ipblock_pods: bool
) -> list[int]:
    """Indices of the rule's peers that match ``peer`` (a pod, or an IP address string).

    ``[-1]`` when the rule has no peers (it matches everything).
    """
    if rule.peers is None:
        return [-1]
    out: list[int] = []
    for p in rule.peers:
        if isinstance(peer, str):
            if p.valid and p.ip_block is not None and p.ip_block.contains(peer):
                out.append(p.index)
        elif p.matches_pod(
            policy_ns, peer.namespace, peer.labels, peer.namespace_labels, peer.ips, ipblock_pods
        ):
            out.append(p.index)
    return out


def direction_allows(
    policies: Sequence[NetworkPolicy],
    direction: Direction,
    subject: PodFacts,
    other: PodFacts | str,
    dst_named: NamedPorts | None,
    ipblock_pods: bool = False,
) -> ConnSet:
    """What ``direction`` of ``subject`` allows with ``other`` (all policies of its namespace).

    For ingress, ``subject`` is the destination and ``other`` the source; for egress,
    ``subject`` is the source and ``other`` the destination. ``dst_named`` are the
    destination's named ports (``None`` for an external destination).
    """
    selecting = [p for p in policies if p.isolates(direction) and policy_selects_pod(p, subject)]
    if not selecting:
        return ConnSet.all()
    result = ConnSet()
    for pol in selecting:
        for rule in pol.rules(direction):
            if rule_matches_peer(rule, pol.namespace, other, ipblock_pods):
                result = result.union(conns_of(rule.ports, dst_named))
    return result
