"""The admin policy tiers: AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy.

Typed views of the three kinds (``policy.networking.k8s.io``: AdminNetworkPolicy and
BaselineAdminNetworkPolicy ``v1alpha1``; ClusterNetworkPolicy ``v1alpha2`` with
``spec.tier: Admin | Baseline``) and the per-direction decision that puts them around
NetworkPolicy (``docs/semantics.md``, "Admin policy tiers", points T1-T12):

1. the *admin* layer: AdminNetworkPolicies and Admin-tier ClusterNetworkPolicies whose
   subject selects the pod, by ``priority`` (lower first; ties in a documented order,
   :func:`admin_order`), each one's rules in the order written; the first rule whose
   peers and ports match decides: Allow/Accept (allowed, nothing else consulted), Deny
   (denied) or Pass (go to NetworkPolicy). No match is a Pass;
2. NetworkPolicy, when one selects the pod for that direction;
3. otherwise the *baseline* layer: the BaselineAdminNetworkPolicy named ``default``
   (others are ignored) and Baseline-tier ClusterNetworkPolicies; first match decides:
   Allow/Accept, Deny, or (ClusterNetworkPolicy) Pass, which ends the tier;
4. otherwise allowed.

Everything is computed on connection sets (:class:`~k8snetlint.connectivity.ConnSet`):
a rule takes the part of the still-undecided ports it matches. :class:`TierLayer`
evaluates the rules over the engine's pod classes and external address ranges as
bitsets; :func:`decide` is the whole decision of one direction (the engine runs the
same first-match per layer, as decision layers: :mod:`k8snetlint.net.tiers`).

Choices where the APIs leave room (documented in ``docs/semantics.md``, T):

* ``networks`` CIDRs match external addresses and pods: a pod whose address is known
  (``status.podIP``) when it lies inside; a pod of unknown address only for a CIDR that
  covers a whole address family (``0.0.0.0/0``, ``::/0``).
* ``nodes`` peers select node addresses; nodes are not in manifests, so they match
  nothing the engine models. ``domainNames`` peers match
  nothing either (DNS is outside a static model; the rule ``admin-policy-domain-names`` says so).
* A peer with no recognised field fails closed (the CRD's words): an Allow/Accept rule
  matches nothing, a Deny or Pass rule matches every peer and every port.
* Ties in priority (undefined by the API, reported by ``admin-policy-priority-overlap``)
  are broken by kind (AdminNetworkPolicy before ClusterNetworkPolicy), then name. In
  the baseline layer, Baseline-tier ClusterNetworkPolicies come by priority before the
  BaselineAdminNetworkPolicy.
* A missing selector in a ``pods`` subject or peer reads as the empty one (the Go zero
  value); where the CRD requires it, ``schema-violation`` reports it too.
* An object the API server would reject as a whole (no or invalid ``priority`` or
  ``subject``, an unknown ``tier``) is ignored; an invalid rule, peer or port inside an
  accepted object matches nothing (a fail-closed peer excepted).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from k8snetlint.connectivity import MAX_PORT, MIN_PORT, PROTOCOLS, ConnSet
from k8snetlint.document import Manifest, Path, as_int
from k8snetlint.policy import V4_MAX, V6_MAX, IPBlock, NamedPorts, parse_ip_block
from k8snetlint.selectors import LabelIndex, Problem, Selector, iter_bits, parse_selector

__all__ = [
    "GROUP",
    "TIER_KINDS",
    "AdminPolicy",
    "Decision",
    "Step",
    "TierLayer",
    "TierPeer",
    "TierPort",
    "TierRule",
    "TierSubject",
    "admin_order",
    "conn_difference",
    "decide",
    "parse_tier_policy",
    "tier_policies",
]

GROUP = "policy.networking.k8s.io"
#: kind -> the apiVersion it is read from
TIER_KINDS: dict[str, str] = {
    "AdminNetworkPolicy": f"{GROUP}/v1alpha1",
    "BaselineAdminNetworkPolicy": f"{GROUP}/v1alpha1",
    "ClusterNetworkPolicy": f"{GROUP}/v1alpha2",
}
BANP_NAME = "default"

Direction = Literal["ingress", "egress"]
Action = Literal["Allow", "Deny", "Pass"]
Layer = Literal["admin", "baseline"]
DIRECTIONS: tuple[Direction, Direction] = ("ingress", "egress")

_ACTIONS: dict[str, dict[str, Action]] = {
    "AdminNetworkPolicy": {"Allow": "Allow", "Deny": "Deny", "Pass": "Pass"},
    "BaselineAdminNetworkPolicy": {"Allow": "Allow", "Deny": "Deny"},
    "ClusterNetworkPolicy": {"Accept": "Allow", "Deny": "Deny", "Pass": "Pass"},
}
_PEERS_KEY: dict[Direction, str] = {"ingress": "from", "egress": "to"}
# Peer fields each kind and direction recognises.
_PEER_FIELDS: dict[tuple[str, Direction], tuple[str, ...]] = {
    ("AdminNetworkPolicy", "ingress"): ("namespaces", "pods"),
    ("AdminNetworkPolicy", "egress"): ("namespaces", "pods", "nodes", "networks", "domainNames"),
    ("BaselineAdminNetworkPolicy", "ingress"): ("namespaces", "pods"),
    ("BaselineAdminNetworkPolicy", "egress"): ("namespaces", "pods", "nodes", "networks"),
    ("ClusterNetworkPolicy", "ingress"): ("namespaces", "pods"),
    ("ClusterNetworkPolicy", "egress"): ("namespaces", "pods", "nodes", "networks", "domainNames"),
}
_ALL = ConnSet.all()
_EMPTY = ConnSet()


# ---------------------------------------------------------------------------------
# Connection-set helpers


def conn_difference(a: ConnSet, b: ConnSet) -> ConnSet:
    """``a`` minus ``b``."""
    if a.is_empty() or b.is_empty():
        return a
    cut = b.to_dict()
    out: dict[str, list[tuple[int, int]]] = {}
    for proto, ranges in a.ranges:
        holes = sorted(cut.get(proto, []))
        for lo, hi in ranges:
            cur = lo
            for hlo, hhi in holes:
                if hhi < cur or hlo > hi:
                    continue
                if hlo > cur:
                    out.setdefault(proto, []).append((cur, hlo - 1))
                cur = max(cur, hhi + 1)
                if cur > hi:
                    break
            if cur <= hi:
                out.setdefault(proto, []).append((cur, hi))
    return ConnSet.from_dict(out)


# ---------------------------------------------------------------------------------
# Typed views


@dataclass(frozen=True)
class TierPort:
    """One entry of ``ports`` (v1alpha1) or ``protocols`` (v1alpha2).

    A number or range (``start``..``end``, inclusive) of ``protocol``, or a named port
    (``name``) resolved on the destination pod. ``valid`` False: it matches nothing.
    """

    index: int
    path: Path
    protocol: str
    start: int | None = None
    end: int | None = None
    name: str | None = None
    valid: bool = True

    def ranges(self, named: NamedPorts | None) -> list[tuple[str, int, int]]:
        """(protocol, lo, hi) towards a destination with ``named`` ports (None: external)."""
        if not self.valid:
            return []
        if self.name is not None:
            if named is None:
                return []
            return [(proto, n, n) for nm, proto, n in named if nm == self.name]
        if self.start is None:
            return [(self.protocol, MIN_PORT, MAX_PORT)]
        return [(self.protocol, self.start, self.end if self.end is not None else self.start)]

    def text(self) -> str:
        if self.name is not None:
            return f"named port {self.name}"
        if self.start is None:
            return f"{self.protocol} (all ports)"
        if self.end is not None and self.end != self.start:
            return f"{self.protocol} {self.start}-{self.end}"
        return f"{self.protocol} {self.start}"


@dataclass(frozen=True)
class TierPeer:
    """One entry of ``from``/``to``.

    ``field`` is the peer type (``namespaces``, ``pods``, ``nodes``, ``networks``,
    ``domainNames``) or ``""`` when no field the engine recognises is set (fail closed,
    :attr:`unknown`). ``valid`` False: it matches nothing.
    """

    index: int
    path: Path
    field: str
    namespace_selector: Selector | None = None
    pod_selector: Selector | None = None
    node_selector: Selector | None = None
    networks: tuple[IPBlock, ...] = ()
    domains: tuple[str, ...] = ()
    valid: bool = True

    @property
    def unknown(self) -> bool:
        """A mapping that sets no recognised field (not a malformed peer)."""
        return self.field == "" and self.valid

    def text(self) -> str:
        if self.unknown:
            return "<peer with no recognised field>"
        if self.field == "namespaces" and self.namespace_selector is not None:
            return f"namespaces {self.namespace_selector.text()}"
        if self.field == "pods":
            ns = self.namespace_selector.text() if self.namespace_selector else "<all>"
            pod = self.pod_selector.text() if self.pod_selector else "<all>"
            return f"pods {pod} in namespaces {ns}"
        if self.field == "nodes":
            return f"nodes {self.node_selector.text() if self.node_selector else '<all>'}"
        if self.field == "networks":
            return "networks " + ",".join(b.cidr for b in self.networks)
        if self.field == "domainNames":
            return "domainNames " + ",".join(self.domains)
        return self.field


@dataclass(frozen=True)
class TierRule:
    """One ingress or egress rule. ``ports=None``: every port of every protocol."""

    direction: Direction
    index: int
    path: Path
    name: str
    action: Action
    action_word: str
    peers: tuple[TierPeer, ...]
    ports: tuple[TierPort, ...] | None
    valid: bool = True

    @property
    def fail_closed(self) -> bool:
        """A peer has no recognised field (tiers point 10)."""
        return any(p.unknown for p in self.peers)

    @property
    def matches_all(self) -> bool:
        """A Deny/Pass rule with a fail-closed peer matches every peer and port."""
        return self.valid and self.fail_closed and self.action != "Allow"

    def conns(self, named: NamedPorts | None) -> ConnSet:
        """Ports the rule matches towards a destination with ``named`` ports."""
        if not self.valid:
            return _EMPTY
        if self.ports is None or self.matches_all:
            return _ALL
        d: dict[str, list[tuple[int, int]]] = {}
        for p in self.ports:
            for proto, lo, hi in p.ranges(named):
                d.setdefault(proto, []).append((lo, hi))
        return ConnSet.from_dict(d)

    @property
    def has_named_ports(self) -> bool:
        return self.ports is not None and any(p.name is not None for p in self.ports)

    def label(self) -> str:
        """``ingress[0] "deny-from-guests"``."""
        text = f"{self.direction}[{self.index}]"
        return f'{text} "{self.name}"' if self.name else text


@dataclass(frozen=True)
class TierSubject:
    """``subject``: ``namespaces`` (pod selector None) or ``pods`` (both selectors)."""

    path: Path
    namespace_selector: Selector
    pod_selector: Selector | None = None

    def selects(self, namespace_labels: Mapping[str, str], pod_labels: Mapping[str, str]) -> bool:
        if not self.namespace_selector.matches(namespace_labels):
            return False
        return self.pod_selector is None or self.pod_selector.matches(pod_labels)

    def text(self) -> str:
        ns = self.namespace_selector.text()
        if self.pod_selector is None:
            return f"pods of namespaces {ns}"
        return f"pods {self.pod_selector.text()} in namespaces {ns}"


@dataclass(frozen=True, eq=False)
class AdminPolicy:
    """One AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy.

    ``layer`` is ``admin`` or ``baseline``. ``priority`` is None for the
    BaselineAdminNetworkPolicy. ``ignored`` says why the object takes no effect (a BANP
    not named ``default``; an object the API server would reject), else empty.
    ``problems`` lists (path, message) of what is invalid inside it.
    """

    manifest: Manifest
    kind: str
    name: str
    layer: Layer
    priority: int | None
    subject: TierSubject | None
    ingress: tuple[TierRule, ...]
    egress: tuple[TierRule, ...]
    problems: tuple[Problem, ...] = ()
    ignored: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.name}"

    @property
    def active(self) -> bool:
        return not self.ignored and self.subject is not None

    def rules(self, direction: Direction) -> tuple[TierRule, ...]:
        return self.ingress if direction == "ingress" else self.egress

    def label(self) -> str:
        """``AdminNetworkPolicy cluster-deny (priority 10)``; the tier for CNPs."""
        text = f"{self.kind} {self.name}"
        if self.kind == "ClusterNetworkPolicy":
            tier = "Admin" if self.layer == "admin" else "Baseline"
            return f"{text} (tier {tier}, priority {self.priority})"
        if self.priority is not None:
            return f"{text} (priority {self.priority})"
        return text


_KIND_RANK = {"AdminNetworkPolicy": 0, "ClusterNetworkPolicy": 1, "BaselineAdminNetworkPolicy": 2}


def admin_order(policy: AdminPolicy) -> tuple[int, int, int, str]:
    """Evaluation order within a layer (tiers point 6: ties broken by kind, then name).

    Baseline layer: ClusterNetworkPolicies by priority, then the BaselineAdminNetworkPolicy.
    """
    banp = policy.kind == "BaselineAdminNetworkPolicy"
    prio = policy.priority if policy.priority is not None else 0
    return (int(banp), prio, _KIND_RANK.get(policy.kind, 9), policy.name)


# ---------------------------------------------------------------------------------
# Parsing


def _selector(raw: Any, path: Path, problems: list[Problem], required: bool) -> Selector:
    """A label selector; a missing one is empty (all), as the Go types read it.

    A missing required selector is reported (the API server rejects the object) but
    read as the zero value, the empty selector, like netpol-analyzer and any Go
    implementation would read it.
    """
    if raw is None:
        if required:
            problems.append((path, f"{path[-1]} is required"))
        return parse_selector({}, path)
    sel = parse_selector(raw, path)
    problems.extend(sel.problems)
    return sel


def _subject(kind: str, raw: Any, problems: list[Problem]) -> TierSubject | None:
    path: Path = ("spec", "subject")
    if not isinstance(raw, dict):
        problems.append((path, "subject is required (namespaces or pods)"))
        return None
    keys = [k for k in ("namespaces", "pods") if raw.get(k) is not None]
    if len(keys) != 1:
        problems.append((path, "subject must set exactly one of namespaces or pods"))
        return None
    if keys[0] == "namespaces":
        sel = _selector(raw["namespaces"], (*path, "namespaces"), problems, True)
        return TierSubject((*path, "namespaces"), sel) if sel.valid else None
    pods = raw["pods"]
    ppath: Path = (*path, "pods")
    if not isinstance(pods, dict):
        problems.append((ppath, "subject.pods must be a mapping"))
        return None
    ns_required = kind != "ClusterNetworkPolicy"
    ns = _selector(
        pods.get("namespaceSelector"), (*ppath, "namespaceSelector"), problems, ns_required
    )
    pod = _selector(pods.get("podSelector"), (*ppath, "podSelector"), problems, True)
    if not ns.valid or not pod.valid:
        return None
    return TierSubject(ppath, ns, pod)


def _peer(
    kind: str, direction: Direction, raw: Any, index: int, path: Path
) -> tuple[TierPeer, list[Problem]]:
    problems: list[Problem] = []
    if not isinstance(raw, dict):
        return TierPeer(index, path, "", valid=False), [(path, "peer must be a mapping")]
    known = _PEER_FIELDS[(kind, direction)]
    present = [k for k in known if raw.get(k) is not None]
    if not present:
        others = ", ".join(sorted(str(k) for k in raw)) or "none"
        return TierPeer(index, path, ""), [
            (path, f"peer sets no field this {direction} peer recognises (fields: {others})")
        ]
    if len(present) > 1:
        return TierPeer(index, path, present[0], valid=False), [
            (path, f"peer sets {' and '.join(present)}; exactly one field must be set")
        ]
    fld = present[0]
    value = raw[fld]
    fpath: Path = (*path, fld)
    if fld == "namespaces":
        sel = _selector(value, fpath, problems, True)
        return TierPeer(index, path, fld, namespace_selector=sel, valid=sel.valid), problems
    if fld == "pods":
        if not isinstance(value, dict):
            return TierPeer(index, path, fld, valid=False), [(fpath, "pods must be a mapping")]
        ns = _selector(
            value.get("namespaceSelector"),
            (*fpath, "namespaceSelector"),
            problems,
            kind != "ClusterNetworkPolicy",
        )
        pod = _selector(value.get("podSelector"), (*fpath, "podSelector"), problems, True)
        return TierPeer(index, path, fld, ns, pod, valid=ns.valid and pod.valid), problems
    if fld == "nodes":
        sel = _selector(value, fpath, problems, True)
        return TierPeer(index, path, fld, node_selector=sel, valid=sel.valid), problems
    if fld == "networks":
        blocks: list[IPBlock] = []
        items = value if isinstance(value, list) else []
        if not items:
            problems.append((fpath, "networks must be a non-empty list of CIDRs"))
        for i, cidr in enumerate(items):
            if not isinstance(cidr, str) or "/" not in cidr:
                problems.append(((*fpath, i), f"{cidr!r} is not a CIDR"))
                continue
            block, _probs = parse_ip_block({"cidr": cidr}, (*fpath, i))
            if block is None:
                problems.append(((*fpath, i), f"{cidr!r} is not a valid CIDR"))
            else:
                blocks.append(block)
        return TierPeer(index, path, fld, networks=tuple(blocks), valid=not problems), problems
    names = tuple(str(d) for d in value) if isinstance(value, list) else ()
    return TierPeer(index, path, fld, domains=names), problems


def _port_v1alpha1(raw: Any, index: int, path: Path) -> tuple[TierPort, list[Problem]]:
    if not isinstance(raw, dict):
        return TierPort(index, path, "TCP", valid=False), [(path, "port must be a mapping")]
    set_fields = [k for k in ("portNumber", "portRange", "namedPort") if raw.get(k) is not None]
    if len(set_fields) != 1:
        return TierPort(index, path, "TCP", valid=False), [
            (path, "exactly one of portNumber, portRange or namedPort must be set")
        ]
    fld = set_fields[0]
    value = raw[fld]
    if fld == "namedPort":
        if not isinstance(value, str) or not value:
            return TierPort(index, path, "TCP", valid=False), [
                ((*path, fld), "namedPort must be a port name")
            ]
        return TierPort(index, path, "", name=value), []
    if not isinstance(value, dict):
        return TierPort(index, path, "TCP", valid=False), [
            ((*path, fld), f"{fld} must be a mapping")
        ]
    proto = value.get("protocol", "TCP")
    proto = proto if isinstance(proto, str) else ""
    if fld == "portNumber":
        return _numbers(index, path, (*path, fld), proto, as_int(value.get("port")), None)
    return _numbers(
        index, path, (*path, fld), proto, as_int(value.get("start")), as_int(value.get("end"))
    )


def _numbers(
    index: int, path: Path, at: Path, proto: str, start: int | None, end: int | None
) -> tuple[TierPort, list[Problem]]:
    problems: list[Problem] = []
    if proto not in PROTOCOLS:
        problems.append((at, f"unsupported protocol {proto!r}: expected TCP, UDP or SCTP"))
    if start is None or not MIN_PORT <= start <= MAX_PORT:
        problems.append((at, "port must be a number between 1 and 65535"))
    if end is not None and (not MIN_PORT <= end <= MAX_PORT or (start is not None and end < start)):
        problems.append((at, "the end of a port range must be between its start and 65535"))
    return TierPort(index, path, proto or "TCP", start, end, None, not problems), problems


def _port_v1alpha2(raw: Any, index: int, path: Path) -> tuple[TierPort, list[Problem]]:
    if not isinstance(raw, dict):
        return TierPort(index, path, "TCP", valid=False), [(path, "protocol must be a mapping")]
    keys = {"tcp": "TCP", "udp": "UDP", "sctp": "SCTP"}
    set_fields = [k for k in (*keys, "destinationNamedPort") if raw.get(k) is not None]
    if len(set_fields) != 1:
        return TierPort(index, path, "TCP", valid=False), [
            (path, "exactly one of tcp, udp, sctp or destinationNamedPort must be set")
        ]
    fld = set_fields[0]
    value = raw[fld]
    if fld == "destinationNamedPort":
        if not isinstance(value, str) or not value:
            return TierPort(index, path, "", valid=False), [
                ((*path, fld), "destinationNamedPort must be a port name")
            ]
        return TierPort(index, path, "", name=value), []
    proto = keys[fld]
    dest = value.get("destinationPort") if isinstance(value, dict) else None
    if dest is None:
        # no port constraint: every port of the protocol
        return TierPort(index, path, proto), []
    if not isinstance(dest, dict):
        return TierPort(index, path, proto, valid=False), [
            ((*path, fld, "destinationPort"), "destinationPort must be a mapping")
        ]
    at: Path = (*path, fld, "destinationPort")
    if dest.get("number") is not None:
        return _numbers(index, path, at, proto, as_int(dest.get("number")), None)
    rng = dest.get("range")
    if isinstance(rng, dict):
        return _numbers(index, path, at, proto, as_int(rng.get("start")), as_int(rng.get("end")))
    return TierPort(index, path, proto, valid=False), [(at, "set number or range")]


def _rule(
    kind: str, direction: Direction, raw: Any, index: int, path: Path
) -> tuple[TierRule, list[Problem]]:
    problems: list[Problem] = []
    if not isinstance(raw, dict):
        return TierRule(direction, index, path, "", "Deny", "", (), (), False), [
            (path, "rule must be a mapping")
        ]
    name = raw.get("name")
    name = name if isinstance(name, str) else ""
    word = raw.get("action")
    action = _ACTIONS[kind].get(word) if isinstance(word, str) else None
    valid = True
    if action is None:
        allowed = ", ".join(_ACTIONS[kind])
        problems.append(((*path, "action"), f"action {word!r} is not one of {allowed}"))
        action, valid = "Deny", False
    key = _PEERS_KEY[direction]
    peers_raw = raw.get(key)
    peers: list[TierPeer] = []
    if not isinstance(peers_raw, list) or not peers_raw:
        problems.append(((*path, key), f"{key} must list at least one peer"))
        valid = False
    else:
        for i, item in enumerate(peers_raw):
            peer, probs = _peer(kind, direction, item, i, (*path, key, i))
            peers.append(peer)
            problems.extend(probs)
    port_key = "protocols" if kind == "ClusterNetworkPolicy" else "ports"
    ports_raw = raw.get(port_key)
    ports: tuple[TierPort, ...] | None = None
    if ports_raw is not None:
        if not isinstance(ports_raw, list) or not ports_raw:
            problems.append(((*path, port_key), f"{port_key} must be a non-empty list"))
            ports, valid = (), False
        else:
            parse = _port_v1alpha2 if kind == "ClusterNetworkPolicy" else _port_v1alpha1
            out: list[TierPort] = []
            for i, item in enumerate(ports_raw):
                port, probs = parse(item, i, (*path, port_key, i))
                out.append(port)
                problems.extend(probs)
            ports = tuple(out)
    return TierRule(direction, index, path, name, action, str(word), tuple(peers), ports, valid), (
        problems
    )


def parse_tier_policy(manifest: Manifest) -> AdminPolicy:
    """Parse one AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy."""
    kind = manifest.kind
    problems: list[Problem] = []
    spec = manifest.get("spec")
    if not isinstance(spec, dict):
        problems.append((("spec",), "spec is required"))
        spec = {}
    ignored = ""
    layer: Layer = "admin"
    priority: int | None = None
    if kind == "BaselineAdminNetworkPolicy":
        layer = "baseline"
        if manifest.name != BANP_NAME:
            ignored = (
                f"a BaselineAdminNetworkPolicy must be named {BANP_NAME!r}; "
                f"{manifest.name!r} is rejected by the API server"
            )
    else:
        if kind == "ClusterNetworkPolicy":
            tier = spec.get("tier")
            if tier == "Baseline":
                layer = "baseline"
            elif tier != "Admin":
                problems.append((("spec", "tier"), f"tier {tier!r} is not Admin or Baseline"))
                ignored = "its tier is not Admin or Baseline"
        priority = as_int(spec.get("priority"))
        if priority is None or not 0 <= priority <= 1000:
            problems.append((("spec", "priority"), "priority must be a number from 0 to 1000"))
            ignored = ignored or "it has no valid priority"
            priority = None
    subject = _subject(kind, spec.get("subject"), problems)
    if subject is None and not ignored:
        ignored = "it has no valid subject"
    rules: dict[Direction, tuple[TierRule, ...]] = {}
    for direction in DIRECTIONS:
        raw_rules = spec.get(direction)
        parsed: list[TierRule] = []
        if raw_rules is not None and not isinstance(raw_rules, list):
            problems.append((("spec", direction), f"{direction} must be a list"))
        for i, item in enumerate(raw_rules if isinstance(raw_rules, list) else []):
            rule, probs = _rule(kind, direction, item, i, ("spec", direction, i))
            parsed.append(rule)
            problems.extend(probs)
        rules[direction] = tuple(parsed)
    return AdminPolicy(
        manifest=manifest,
        kind=kind,
        name=manifest.name,
        layer=layer,
        priority=priority,
        subject=subject,
        ingress=rules["ingress"],
        egress=rules["egress"],
        problems=tuple(problems),
        ignored=ignored,
    )


def is_tier_manifest(manifest: Manifest) -> bool:
    return TIER_KINDS.get(manifest.kind) == manifest.api_version


def tier_policies(manifests: Iterable[Manifest]) -> tuple[AdminPolicy, ...]:
    """Every tier object of ``manifests``, sorted by layer, then evaluation order."""
    out = [parse_tier_policy(m) for m in manifests if is_tier_manifest(m)]
    return tuple(sorted(out, key=lambda p: (p.layer != "admin", admin_order(p))))


# ---------------------------------------------------------------------------------
# The decision


@dataclass(frozen=True)
class Step:
    """One rule that decided part of a connection set: ``conns`` took ``action``."""

    policy: AdminPolicy
    rule: TierRule
    conns: ConnSet

    def text(self) -> str:
        return f"{self.policy.label()} {self.rule.label()}: {self.rule.action_word}"


@dataclass(frozen=True)
class Decision:
    """The outcome of one direction: what is allowed, and which rule decided what.

    ``admin`` and ``baseline`` list the rules that matched (in order), each with the
    ports it decided; ``passed`` is what the admin layer handed on (by Pass or no
    match); ``np`` what NetworkPolicy allowed of it (None: no NetworkPolicy selects the
    pod, the baseline layer decided).
    """

    allowed: ConnSet
    admin: tuple[Step, ...] = ()
    passed: ConnSet = field(default_factory=ConnSet.all)
    np: ConnSet | None = None
    baseline: tuple[Step, ...] = ()


def decide(
    admin: Sequence[tuple[AdminPolicy, TierRule]],
    baseline: Sequence[tuple[AdminPolicy, TierRule]],
    np_allowed: ConnSet | None,
    named: NamedPorts | None,
    *,
    steps: bool = False,
) -> Decision | ConnSet:
    """The decision for one direction (tiers points 1-5, 11).

    ``admin``/``baseline``: the rules of the layer whose subject selects the pod and
    whose peers match the other end, in evaluation order. ``np_allowed``: what the
    NetworkPolicies selecting the pod allow, or None when none does. ``named``: the
    destination's named ports (None: an external destination). Returns the allowed
    ConnSet, or a :class:`Decision` with ``steps=True``.
    """
    remaining = _ALL
    allowed = _EMPTY
    passed = _EMPTY
    admin_steps: list[Step] = []
    for pol, rule in admin:
        taken = rule.conns(named).intersection(remaining)
        if taken.is_empty():
            continue
        remaining = conn_difference(remaining, taken)
        if rule.action == "Allow":
            allowed = allowed.union(taken)
        elif rule.action == "Pass":
            passed = passed.union(taken)
        if steps:
            admin_steps.append(Step(pol, rule, taken))
    # what no admin rule matched is passed on as well (tiers point 3)
    passed = passed.union(remaining)
    np_part: ConnSet | None = None
    base_steps: list[Step] = []
    if np_allowed is not None:
        np_part = passed.intersection(np_allowed)
        allowed = allowed.union(np_part)
    else:
        rem = passed
        for pol, rule in baseline:
            taken = rule.conns(named).intersection(rem)
            if taken.is_empty():
                continue
            rem = conn_difference(rem, taken)
            if rule.action != "Deny":  # Allow, or a baseline Pass: on to the default (allow)
                allowed = allowed.union(taken)
            if steps:
                base_steps.append(Step(pol, rule, taken))
        allowed = allowed.union(rem)
    if not steps:
        return allowed
    return Decision(allowed, tuple(admin_steps), passed, np_part, tuple(base_steps))


# ---------------------------------------------------------------------------------
# Evaluation over the engine's pod classes and external address ranges


@dataclass(frozen=True)
class ClassFacts:
    """What the tiers need to know about one class of alike pods (None: unknown)."""

    index: int
    namespace: str | None
    labels: Mapping[str, str] | None
    namespace_labels: Mapping[str, str] | None
    named: NamedPorts | None
    ips: tuple[tuple[str, ...], ...] = ()
    host_network: bool = False


@dataclass(frozen=True, eq=False)
class CompiledRule:
    """A rule with its peers evaluated: ``cls``/``ext`` bitsets of matched classes/atoms."""

    policy: AdminPolicy
    rule: TierRule
    cls: int
    ext: int
    peer_cls: tuple[int, ...]
    peer_ext: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class TierProfile:
    """The tier rules applying to a set of classes for one direction, in order."""

    admin: tuple[CompiledRule, ...]
    baseline: tuple[CompiledRule, ...]

    def allow_peers(self) -> tuple[int, int]:
        """(classes, atoms) some admin Allow rule matches: what the tiers may add."""
        cls = ext = 0
        for r in self.admin:
            if r.rule.action == "Allow":
                cls |= r.cls
                ext |= r.ext
        return cls, ext


def cidr_blocks(policies: Iterable[AdminPolicy]) -> list[IPBlock]:
    """Every ``networks`` CIDR (the engine cuts its external ranges at them)."""
    return [
        block
        for pol in policies
        for direction in DIRECTIONS
        for rule in pol.rules(direction)
        for peer in rule.peers
        for block in peer.networks
    ]


def address_ranges(blocks: Iterable[IPBlock]) -> list[tuple[int, int, int]]:
    """The fewest (version, lo, hi) ranges covering both families that ``blocks`` treat alike."""
    out: list[tuple[int, int, int]] = []
    for version, top in ((4, V4_MAX), (6, V6_MAX)):
        cuts = {0}
        for b in blocks:
            if b.version != version:
                continue
            for lo, hi in b.intervals:
                cuts.add(lo)
                if hi < top:
                    cuts.add(hi + 1)
        starts = sorted(cuts)
        for i, lo in enumerate(starts):
            out.append((version, lo, starts[i + 1] - 1 if i + 1 < len(starts) else top))
    return out


def _whole_family(block: IPBlock) -> bool:
    return block.is_everything()


class TierLayer:
    """The tiers evaluated over classes (bit ``i`` = class ``i``) and atoms (bit ``a``)."""

    def __init__(
        self,
        policies: Sequence[AdminPolicy],
        classes: Sequence[ClassFacts],
        atoms: Sequence[tuple[int, int, int]],
    ) -> None:
        self.policies = tuple(p for p in policies if p.active)
        self._classes = list(classes)
        self._atoms = list(atoms)
        n = len(self._classes)
        self._all_cls = (1 << n) - 1
        self._all_ext = (1 << len(self._atoms)) - 1
        known = [c for c in self._classes if not c.host_network]
        self._pods = LabelIndex([c.labels or {} for c in self._classes])
        self._nss = LabelIndex([c.namespace_labels or {} for c in self._classes])
        self._eligible = 0  # neither host-network nor of unknown namespace labels
        self._unknown_ns = 0
        self._unknown_pod = 0
        for c in known:
            bit = 1 << c.index
            if c.namespace_labels is None:
                self._unknown_ns |= bit
            if c.labels is None:
                self._unknown_pod |= bit
            self._eligible |= bit
        self._cache: dict[tuple[Any, ...], int] = {}
        self._profiles: dict[Direction, list[TierProfile | None]] = {}
        self._compile()

    # -- selectors ---------------------------------------------------------------

    def _ns_bits(self, sel: Selector) -> int:
        bits = self._nss.select(sel) & self._eligible & ~self._unknown_ns
        if sel.is_empty:
            bits |= self._unknown_ns & self._eligible
        return bits

    def _pod_bits(self, sel: Selector) -> int:
        bits = self._pods.select(sel) & self._eligible & ~self._unknown_pod
        if sel.is_empty:
            bits |= self._unknown_pod & self._eligible
        return bits

    def _select(self, ns: Selector, pod: Selector | None) -> int:
        key = (ns.key(), pod.key() if pod is not None else None)
        hit = self._cache.get(key)
        if hit is None:
            bits = self._ns_bits(ns)
            if pod is not None:
                bits &= self._pod_bits(pod)
            self._cache[key] = hit = bits
        return hit

    def _networks(self, blocks: Sequence[IPBlock]) -> tuple[int, int]:
        cls = ext = 0
        whole = any(_whole_family(b) for b in blocks)
        for c in self._classes:
            if c.host_network:
                continue
            if c.ips and all(pod for pod in c.ips):
                if all(any(b.contains(ip) for b in blocks for ip in pod) for pod in c.ips):
                    cls |= 1 << c.index
            elif whole:
                cls |= 1 << c.index
        for a, (version, lo, hi) in enumerate(self._atoms):
            for b in blocks:
                if b.version == version and any(
                    blo <= lo and hi <= bhi for blo, bhi in b.intervals
                ):
                    ext |= 1 << a
                    break
        return cls, ext

    def _peer(self, peer: TierPeer) -> tuple[int, int]:
        if not peer.valid or peer.unknown:
            return 0, 0
        if peer.field == "namespaces" and peer.namespace_selector is not None:
            return self._select(peer.namespace_selector, None), 0
        if peer.field == "pods" and peer.pod_selector is not None:
            ns = peer.namespace_selector or Selector()
            return self._select(ns, peer.pod_selector), 0
        if peer.field == "networks":
            return self._networks(peer.networks)
        return 0, 0  # nodes, domainNames: nothing the engine models

    def _compile(self) -> None:
        n = len(self._classes)
        per_dir: dict[Direction, list[list[int]]] = {
            "ingress": [[] for _ in range(n)],
            "egress": [[] for _ in range(n)],
        }
        compiled: list[dict[Direction, tuple[CompiledRule, ...]]] = []
        for pi, pol in enumerate(self.policies):
            assert pol.subject is not None
            selected = self._select(pol.subject.namespace_selector, pol.subject.pod_selector)
            by_dir: dict[Direction, tuple[CompiledRule, ...]] = {}
            for direction in DIRECTIONS:
                crules: list[CompiledRule] = []
                for rule in pol.rules(direction):
                    if not rule.valid:
                        continue
                    if rule.matches_all:
                        crules.append(CompiledRule(pol, rule, self._all_cls, self._all_ext, (), ()))
                        continue
                    pcs: list[int] = []
                    pes: list[int] = []
                    for peer in rule.peers:
                        c, e = self._peer(peer)
                        pcs.append(c)
                        pes.append(e)
                    cls = ext = 0
                    for c in pcs:
                        cls |= c
                    for e in pes:
                        ext |= e
                    if cls or ext:
                        crules.append(CompiledRule(pol, rule, cls, ext, tuple(pcs), tuple(pes)))
                by_dir[direction] = tuple(crules)
                if by_dir[direction]:
                    for ci in iter_bits(selected):
                        per_dir[direction][ci].append(pi)
            compiled.append(by_dir)
        for direction in DIRECTIONS:
            profiles: dict[tuple[int, ...], TierProfile] = {}
            out: list[TierProfile | None] = []
            for ci in range(n):
                pis = tuple(per_dir[direction][ci])
                if not pis:
                    out.append(None)
                    continue
                prof = profiles.get(pis)
                if prof is None:
                    rules = [r for pi in pis for r in compiled[pi][direction]]
                    prof = TierProfile(
                        tuple(r for r in rules if r.policy.layer == "admin"),
                        tuple(r for r in rules if r.policy.layer == "baseline"),
                    )
                    profiles[pis] = prof
                out.append(prof)
            self._profiles[direction] = out

    # -- queries -----------------------------------------------------------------

    def profile(self, direction: Direction, ci: int) -> TierProfile | None:
        profiles = self._profiles[direction]
        return profiles[ci] if 0 <= ci < len(profiles) else None

    def matching(
        self, direction: Direction, ci: int, other: tuple[str, int]
    ) -> tuple[list[tuple[AdminPolicy, TierRule]], list[tuple[AdminPolicy, TierRule]]]:
        """The admin and baseline rules of class ``ci`` whose peers match ``other``."""
        prof = self.profile(direction, ci)
        if prof is None:
            return [], []
        kind, i = other
        ext = kind != "c"

        def hit(r: CompiledRule) -> bool:
            return bool(((r.ext if ext else r.cls) >> i) & 1)

        return (
            [(r.policy, r.rule) for r in prof.admin if hit(r)],
            [(r.policy, r.rule) for r in prof.baseline if hit(r)],
        )

    def decide(
        self,
        direction: Direction,
        ci: int,
        other: tuple[str, int],
        np_allowed: ConnSet | None,
        named: NamedPorts | None,
    ) -> ConnSet:
        """What ``direction`` of class ``ci`` allows with ``other`` (``("c", i)``/``("x", a)``)."""
        admin, baseline = self.matching(direction, ci, other)
        if not admin and not baseline:
            return np_allowed if np_allowed is not None else _ALL
        result = decide(admin, baseline, np_allowed, named)
        assert isinstance(result, ConnSet)
        return result

    def explain(
        self,
        direction: Direction,
        ci: int,
        other: tuple[str, int],
        np_allowed: ConnSet | None,
        named: NamedPorts | None,
    ) -> Decision:
        admin, baseline = self.matching(direction, ci, other)
        result = decide(admin, baseline, np_allowed, named, steps=True)
        assert isinstance(result, Decision)
        return result
