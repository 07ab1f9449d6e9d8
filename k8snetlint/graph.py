"""The connectivity engine: who may talk to whom, on which ports, and why.

``analyze(inventory, config)`` evaluates every NetworkPolicy of the inventory
(semantics points 1-25) and the ways in from outside (points 26-28), and returns a
:class:`Connectivity`.

How it scales: pods that share namespace, labels, named ports (and, when ipBlocks may
match pods, addresses) behave alike, so they form one *class*. Selectors are evaluated
once each over all classes through label indexes, as Python-int bitsets (bit ``i`` =
class ``i``); a policy's selected pods, a rule's peers and the isolated pods are
bitsets too. Per class the engine keeps the compiled rules that apply to it (shared
between classes with the same policies). Pairs are only visited to produce output
(``connections``), never to evaluate policies. External addresses are split into the
fewest ranges every ipBlock treats alike (*atoms*), indexed by a second bitset.

The ingress controller is a pseudo-pod (class index ``n``, after the real classes).
Unless config names it, its namespace and labels are unknown: a selector matches an
unknown value only when it matches everything, so a policy admits the controller only
if it admits every pod of every namespace (point 27).
"""

from __future__ import annotations

import bisect
import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

from k8snetlint.config import Config
from k8snetlint.connectivity import (
    PROTOCOLS,
    Connection,
    ConnSet,
    Endpoint,
    Reason,
    Route,
    Verdict,
)
from k8snetlint.model import NAMESPACE_NAME_LABEL, Inventory, Service, Workload, paused_gc
from k8snetlint.policy import (
    DIRECTIONS,
    V4_MAX,
    V6_MAX,
    Direction,
    IPBlock,
    NamedPorts,
    NetworkPolicy,
    PodFacts,
    Rule,
    conns_of,
    policy_selects_pod,
)
from k8snetlint.selectors import LabelIndex, Selector, iter_bits

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "Connectivity",
    "analyze",
    "connlist_text",
]

INGRESS_CONTROLLER_CONNLIST = "{ingress-controller}"

NOTE_PROTOCOLS = "only TCP, UDP and SCTP are modelled; other protocols (ICMP, ...) depend on the network plugin (semantics point 18)"
NOTE_LOOPBACK = "a pod talking to itself is plugin-defined and not listed; a workload is never paired with itself (point 20)"
NOTE_NODE = "traffic from a pod's own node is always allowed and nodes are not modelled (point 21)"
NOTE_IPBLOCK_OFF = "ipBlocks never match pods, only addresses outside the cluster (point 13; assume.ipblock-matches-pods changes this)"
NOTE_IPBLOCK_ON = "ipBlocks match pods whose status states their IP (assume.ipblock-matches-pods: true, point 13); pods without a known IP are never matched"


# ---------------------------------------------------------------------------------
# Small helpers


def _tester(bits: int) -> bytes:
    return bits.to_bytes((bits.bit_length() + 7) // 8, "little")


def _bits_of(indices: Iterable[int]) -> int:
    """The bitset with the given bits set (built in one go, not bit by bit)."""
    idx = list(indices)
    if not idx:
        return 0
    buf = bytearray(max(idx) // 8 + 1)
    for i in idx:
        buf[i >> 3] |= 1 << (i & 7)
    return int.from_bytes(buf, "little")


def _has(tester: bytes, i: int) -> bool:
    j = i >> 3
    return j < len(tester) and bool((tester[j] >> (i & 7)) & 1)


_EMPTY = ConnSet()
_ALL = ConnSet.all()


@lru_cache(maxsize=65536)
def _union(items: tuple[ConnSet, ...]) -> ConnSet:
    if not items:
        return _EMPTY
    acc = items[0]
    for c in items[1:]:
        if c is acc or c == acc:
            continue
        acc = acc.union(c)
    return acc


@lru_cache(maxsize=65536)
def _intersect(a: ConnSet, b: ConnSet) -> ConnSet:
    if a == _ALL:
        return b
    if b == _ALL:
        return a
    return a.intersection(b)


def _ip_text(version: int, n: int) -> str:
    return str(ipaddress.IPv4Address(n) if version == 4 else ipaddress.IPv6Address(n))


def range_name(version: int, lo: int, hi: int) -> str:
    """``a.b.c.d-e.f.g.h`` (IPv6 likewise, compressed)."""
    return f"{_ip_text(version, lo)}-{_ip_text(version, hi)}"


def _parse_range(text: str) -> tuple[int, int, int] | None:
    try:
        net = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None
    return (net.version, int(net.network_address), int(net.broadcast_address))


# ---------------------------------------------------------------------------------
# Compiled structures


@dataclass(eq=False)
class _Class:
    index: int
    namespace: str | None
    labels: dict[str, str] | None
    named: NamedPorts | None
    ips: tuple[tuple[str, ...], ...]
    workloads: list[Workload]


class _CRule:
    """A rule with its peers evaluated to bitsets over classes and external atoms."""

    __slots__ = (
        "_ctest",
        "_etest",
        "cls",
        "ext",
        "ext_conns",
        "named_ok",
        "peer_cls",
        "peer_ext",
        "policy",
        "rule",
        "static",
        "uses_ns_labels",
    )

    def __init__(
        self,
        policy: NetworkPolicy,
        rule: Rule,
        peer_cls: tuple[int, ...],
        peer_ext: tuple[int, ...],
        cls: int,
        ext: int,
        named_ok: int,
        uses_ns_labels: bool,
    ) -> None:
        self.policy = policy
        self.rule = rule
        self.peer_cls = peer_cls
        self.peer_ext = peer_ext
        self.cls = cls
        self.ext = ext
        self.static: ConnSet | None = None if rule.has_named_ports else conns_of(rule.ports, ())
        self.ext_conns = conns_of(rule.ports, None)
        self.named_ok = named_ok
        self.uses_ns_labels = uses_ns_labels
        self._ctest: bytes | None = None
        self._etest: bytes | None = None

    def has_cls(self, i: int) -> bool:
        if self._ctest is None:
            self._ctest = _tester(self.cls)
        return _has(self._ctest, i)

    def has_ext(self, a: int) -> bool:
        if self._etest is None:
            self._etest = _tester(self.ext)
        return _has(self._etest, a)

    def conns(self, named: NamedPorts | None) -> ConnSet:
        """Ports allowed towards a destination with ``named`` ports (None: external)."""
        if named is None:
            return self.ext_conns
        if self.static is not None:
            return self.static
        return conns_of(self.rule.ports, named)


@dataclass(eq=False)
class _Profile:
    """The policies of one direction applying to a set of classes."""

    policies: tuple[NetworkPolicy, ...]
    rules: tuple[_CRule, ...]
    members: list[int]
    uses_ns_labels: bool = False

    def peers_any(self) -> tuple[int, int]:
        """(classes, external atoms) some rule matches (computed on demand: large)."""
        cls = ext = 0
        for r in self.rules:
            cls |= r.cls
            ext |= r.ext
        return cls, ext


@dataclass(frozen=True)
class _Atom:
    version: int
    lo: int
    hi: int

    @property
    def name(self) -> str:
        return range_name(self.version, self.lo, self.hi)


# ---------------------------------------------------------------------------------
# The result


class Connectivity:
    """Reachability between every pair of endpoints, with explanations and routes."""

    def __init__(self, inventory: Inventory, config: Config) -> None:
        self.inventory = inventory
        self.config = config
        self._ipblock_pods = config.assume.ipblock_matches_pods
        self._node_eps_cache: dict[tuple[str, int], list[tuple[Endpoint, Workload | None]]] = {}
        with paused_gc():
            self._build_classes()
            self._build_flags()
            self._build_atoms()
            self._compile_policies()

    # -- construction -------------------------------------------------------------

    def _build_classes(self) -> None:
        inv = self.inventory
        keyed: dict[tuple[Any, ...], list[Workload]] = {}
        for w in inv.workloads:
            ips = w.pod_ips if self._ipblock_pods else ()
            key = (w.namespace, tuple(sorted(w.labels.items())), w.named_ports, ips)
            keyed.setdefault(key, []).append(w)
        classes: list[_Class] = []
        for i, key in enumerate(sorted(keyed)):
            wls = keyed[key]
            classes.append(_Class(i, key[0], dict(key[1]), key[2], wls[0].pod_ips, wls))
        self._n = n = len(classes)
        ic = self.config.assume.ingress_controller
        ctrl_ns = ic.namespace
        ctrl = _Class(n, ctrl_ns, dict(ic.labels) if ic.labels is not None else None, (), (), [])
        classes.append(ctrl)
        self._classes = classes
        self._ctrl = n
        self._all_real = (1 << n) - 1
        self._all = (1 << (n + 1)) - 1
        self._class_of: dict[int, int] = {}
        for c in classes:
            for w in c.workloads:
                self._class_of[id(w)] = c.index
        # indexes
        self._pod_index = LabelIndex([c.labels or {} for c in classes[:n]])
        # named ports -> classes declaring them
        self._named_index: dict[tuple[str, str], int] = {}
        for c in classes[:n]:
            for name, proto, _num in c.named or ():
                self._named_index[(name, proto)] = self._named_index.get((name, proto), 0) | (
                    1 << c.index
                )
        # known pod addresses (only used when ipBlocks may match pods)
        self._ip_entries: dict[int, list[tuple[int, int, int]]] = {}
        self._pod_count: dict[int, int] = {}
        self._block_cls_cache: dict[tuple[int, tuple[tuple[int, int], ...]], int] = {}
        if self._ipblock_pods:
            for c in classes[:n]:
                if not c.ips or any(not pod for pod in c.ips):
                    continue
                self._pod_count[c.index] = len(c.ips)
                for pi, pod in enumerate(c.ips):
                    for ip in pod:
                        try:
                            addr = ipaddress.ip_address(ip.strip())
                        except ValueError:
                            continue
                        self._ip_entries.setdefault(addr.version, []).append(
                            (int(addr), c.index, pi)
                        )
            for entries in self._ip_entries.values():
                entries.sort()
        self._ip_keys = {v: [e[0] for e in entries] for v, entries in self._ip_entries.items()}
        self._ns_names = [ns.name for ns in inv.namespaces]
        self._ns_pos = {name: i for i, name in enumerate(self._ns_names)}
        self._ns_index = LabelIndex([ns.labels for ns in inv.namespaces])
        ns_bits = [0] * len(self._ns_names)
        for c in classes[:n]:
            if c.namespace is not None:
                j = self._ns_pos.get(c.namespace)
                if j is not None:
                    ns_bits[j] |= 1 << c.index
        self._ns_class_bits = ns_bits
        self._ctrl_facts = PodFacts(
            namespace=ctrl_ns,
            labels=ctrl.labels,
            namespace_labels=(inv.namespace_labels(ctrl_ns) if ctrl_ns is not None else None),
        )
        # Endpoints of workloads
        self._ep_of: dict[int, Endpoint] = {}
        self._wl_of: dict[Endpoint, Workload] = {}
        for w in inv.workloads:
            ep = Endpoint("workload", w.namespace, w.name, w.kind)
            self._ep_of[id(w)] = ep
            self._wl_of[ep] = w
        self.ingress_controller = Endpoint(
            "ingress-controller", ctrl_ns or "", "ingress-controller", "IngressController"
        )

    def _build_flags(self) -> None:
        """Per class: does any result involving it rest on an assumption (points 13, 22, 27)?"""
        inv = self.inventory
        ctrl_unknown = not self.config.assume.ingress_controller.known
        self._class_assumed: list[bool] = []
        self._class_ns_assumed: list[bool] = []
        for c in self._classes:
            if c.index == self._ctrl:
                self._class_assumed.append(ctrl_unknown)
                ns_obj = inv.namespace(c.namespace) if c.namespace is not None else None
                self._class_ns_assumed.append(ns_obj is None or ns_obj.assumed)
                continue
            self._class_assumed.append(
                any(w.host_network for w in c.workloads) or (self._ipblock_pods and bool(c.ips))
            )
            ns_obj = inv.namespace(c.namespace) if c.namespace is not None else None
            self._class_ns_assumed.append(ns_obj is None or ns_obj.assumed)

    def _build_atoms(self) -> None:
        blocks: dict[tuple[int, tuple[tuple[int, int], ...]], IPBlock] = {}
        for pol in self.inventory.policies:
            for _rule, peer in pol.peers():
                if peer.valid and peer.ip_block is not None:
                    blocks.setdefault(peer.ip_block.key(), peer.ip_block)
        atoms: list[_Atom] = []
        self._atom_starts: dict[int, list[int]] = {}
        self._atom_offset: dict[int, int] = {}
        for version, top in ((4, V4_MAX), (6, V6_MAX)):
            cuts = {0}
            for (ver, intervals), _b in blocks.items():
                if ver != version:
                    continue
                for lo, hi in intervals:
                    cuts.add(lo)
                    if hi < top:
                        cuts.add(hi + 1)
            starts = sorted(cuts)
            self._atom_offset[version] = len(atoms)
            self._atom_starts[version] = starts
            for i, lo in enumerate(starts):
                hi = starts[i + 1] - 1 if i + 1 < len(starts) else top
                atoms.append(_Atom(version, lo, hi))
        self._atoms = atoms
        self._all_ext = (1 << len(atoms)) - 1
        self._atom_eps = [Endpoint("external", "", a.name) for a in atoms]
        self._atom_of_ep = {ep: i for i, ep in enumerate(self._atom_eps)}
        self._block_bits: dict[tuple[int, tuple[tuple[int, int], ...]], int] = {}

    def _atom_index(self, version: int, addr: int) -> int:
        starts = self._atom_starts[version]
        return self._atom_offset[version] + bisect.bisect_right(starts, addr) - 1

    def _block_ext(self, block: IPBlock) -> int:
        key = block.key()
        hit = self._block_bits.get(key)
        if hit is not None:
            return hit
        bits = 0
        for lo, hi in block.intervals:
            i = self._atom_index(block.version, lo)
            j = self._atom_index(block.version, hi)
            bits |= ((1 << (j - i + 1)) - 1) << i
        self._block_bits[key] = bits
        return bits

    def _block_cls(self, block: IPBlock) -> int:
        """Classes whose pods all have an address in ``block`` (opt-in, point 13)."""
        if not self._ipblock_pods:
            return 0
        key = block.key()
        hit = self._block_cls_cache.get(key)
        if hit is not None:
            return hit
        entries = self._ip_entries.get(block.version, [])
        keys = self._ip_keys.get(block.version, [])
        hits: dict[int, set[int]] = {}
        for lo, hi in block.intervals:
            for k in range(bisect.bisect_left(keys, lo), bisect.bisect_right(keys, hi)):
                _addr, ci, pod = entries[k]
                hits.setdefault(ci, set()).add(pod)
        bits = 0
        for ci, pods in hits.items():
            if len(pods) == self._pod_count[ci]:
                bits |= 1 << ci
        self._block_cls_cache[key] = bits
        return bits

    def _ns_selector_classes(self, sel: Selector) -> int:
        key = sel.key()
        hit = self._nssel_cache.get(key)
        if hit is not None:
            return hit
        bits = 0
        for j in iter_bits(self._ns_index.select(sel)):
            bits |= self._ns_class_bits[j]
        self._nssel_cache[key] = bits
        return bits

    def _peer_bits(
        self, pol: NetworkPolicy, rule: Rule
    ) -> tuple[tuple[int, ...], tuple[int, ...], bool]:
        cls_list: list[int] = []
        ext_list: list[int] = []
        uses_ns = False
        for peer in rule.peers or ():
            cls = 0
            ext = 0
            if not peer.valid:
                pass
            elif peer.ip_block is not None:
                ext = self._block_ext(peer.ip_block)
                cls = self._block_cls(peer.ip_block)
            else:
                key = (
                    pol.namespace if peer.namespace_selector is None else None,
                    peer.namespace_selector.key() if peer.namespace_selector is not None else None,
                    peer.pod_selector.key() if peer.pod_selector is not None else None,
                )
                hit = self._peer_cache.get(key)
                if hit is None:
                    if peer.namespace_selector is None:
                        j = self._ns_pos.get(pol.namespace)
                        base = self._ns_class_bits[j] if j is not None else 0
                    else:
                        base = self._ns_selector_classes(peer.namespace_selector)
                    if peer.pod_selector is not None:
                        base &= self._pod_index.select(peer.pod_selector)
                    f = self._ctrl_facts
                    if peer.matches_pod(pol.namespace, f.namespace, f.labels, f.namespace_labels):
                        base |= 1 << self._ctrl
                    hit = base
                    self._peer_cache[key] = hit
                cls = hit
                ns_sel = peer.namespace_selector
                if ns_sel is not None and ns_sel.label_keys() - {NAMESPACE_NAME_LABEL}:
                    uses_ns = True
            cls_list.append(cls)
            ext_list.append(ext)
        return tuple(cls_list), tuple(ext_list), uses_ns

    def _named_ok(self, rule: Rule) -> int:
        """Classes towards which the rule's ports can allow something."""
        if rule.ports is None or not rule.has_named_ports:
            return self._all
        if any(p.valid and not p.named for p in rule.ports):
            return self._all
        bits = 0
        for p in rule.ports:
            if p.valid and isinstance(p.port, str):
                bits |= self._named_index.get((p.port, p.protocol), 0)
        return bits

    def _compile_policies(self) -> None:
        self._nssel_cache: dict[tuple[Any, ...], int] = {}
        self._peer_cache: dict[tuple[Any, ...], int] = {}
        inv = self.inventory
        n = self._n
        sel_lists: dict[Direction, list[list[int]]] = {
            "ingress": [[] for _ in range(n + 1)],
            "egress": [[] for _ in range(n + 1)],
        }
        compiled: dict[int, dict[Direction, tuple[_CRule, ...]]] = {}
        self._policy_bits: dict[int, int] = {}
        named_ok_cache: dict[int, int] = {}
        # equal bitsets share one int object (they are large: one bit per class)
        interned: dict[int, int] = {}
        select_cache: dict[tuple[Any, ...], tuple[int, int]] = {}
        for pi, pol in enumerate(inv.policies):
            skey = (pol.namespace, pol.pod_selector.key())
            hit = select_cache.get(skey)
            if hit is None:
                j = self._ns_pos.get(pol.namespace)
                ns_bits = self._ns_class_bits[j] if j is not None else 0
                sel = self._pod_index.select(pol.pod_selector) & ns_bits
                if policy_selects_pod(pol, self._ctrl_facts):
                    sel |= 1 << self._ctrl
                # classes are sorted by namespace: shift to the namespace's first class
                offset = (ns_bits & -ns_bits).bit_length() - 1 if ns_bits else 0
                hit = (interned.setdefault(sel, sel), max(offset, 0))
                select_cache[skey] = hit
            selected, offset = hit
            self._policy_bits[id(pol)] = selected
            per_dir: dict[Direction, tuple[_CRule, ...]] = {}
            for direction in DIRECTIONS:
                if not pol.isolates(direction):
                    per_dir[direction] = ()
                    continue
                crules: list[_CRule] = []
                for rule in pol.rules(direction):
                    if rule.peers is None:
                        pc: tuple[int, ...] = ()
                        pe: tuple[int, ...] = ()
                        uses = False
                        cls, ext = self._all, self._all_ext
                    else:
                        pc, pe, uses = self._peer_bits(pol, rule)
                        if len(pc) == 1:
                            cls, ext = pc[0], pe[0]
                        else:
                            cls = ext = 0
                            for b in pc:
                                cls |= b
                            for b in pe:
                                ext |= b
                            cls = interned.setdefault(cls, cls)
                    rid = id(rule)
                    if rid not in named_ok_cache:
                        named_ok_cache[rid] = self._named_ok(rule)
                    crules.append(_CRule(pol, rule, pc, pe, cls, ext, named_ok_cache[rid], uses))
                per_dir[direction] = tuple(crules)
                if selected:
                    lists = sel_lists[direction]
                    for ci in iter_bits(selected >> offset):
                        lists[ci + offset].append(pi)
            compiled[pi] = per_dir
        self._compiled = compiled
        self._policy_pos = {id(p): i for i, p in enumerate(inv.policies)}
        policies = inv.policies
        self._profiles: dict[Direction, list[_Profile | None]] = {}
        self._profile_set: dict[Direction, list[_Profile]] = {}
        isolated: dict[Direction, list[int]] = {"ingress": [], "egress": []}
        for direction in DIRECTIONS:
            profiles: dict[tuple[int, ...], _Profile] = {}
            per_class: list[_Profile | None] = []
            for ci in range(n + 1):
                pis = tuple(sel_lists[direction][ci])
                if not pis:
                    per_class.append(None)
                    continue
                isolated[direction].append(ci)
                prof = profiles.get(pis)
                if prof is None:
                    rules = tuple(r for p in pis for r in compiled[p][direction])
                    prof = _Profile(
                        tuple(policies[p] for p in pis),
                        rules,
                        [],
                        any(r.uses_ns_labels for r in rules),
                    )
                    profiles[pis] = prof
                prof.members.append(ci)
                per_class.append(prof)
            self._profiles[direction] = per_class
            self._profile_set[direction] = list(profiles.values())
        self._in_iso = _bits_of(isolated["ingress"])
        self._eg_iso = _bits_of(isolated["egress"])

    # -- core evaluation ----------------------------------------------------------

    def _node(self, ep: Endpoint) -> tuple[str, int]:
        if ep.kind == "external":
            a = self._atom_of_ep.get(ep)
            if a is None:
                raise KeyError(f"unknown external endpoint {ep.name}")
            return ("x", a)
        if ep.kind == "ingress-controller":
            return ("c", self._ctrl)
        w = self._wl_of.get(ep)
        if w is None:
            raise KeyError(f"unknown endpoint {ep.display()}")
        return ("c", self._class_of[id(w)])

    def _egress(self, s: int, d: tuple[str, int]) -> ConnSet:
        prof = self._profiles["egress"][s]
        if prof is None:
            return _ALL
        acc: list[ConnSet] = []
        if d[0] == "c":
            named = self._classes[d[1]].named
            for r in prof.rules:
                if r.has_cls(d[1]):
                    acc.append(r.conns(named))
        else:
            for r in prof.rules:
                if r.has_ext(d[1]):
                    acc.append(r.ext_conns)
        return _union(tuple(acc))

    def _ingress(self, d: int, s: tuple[str, int]) -> ConnSet:
        prof = self._profiles["ingress"][d]
        if prof is None:
            return _ALL
        named = self._classes[d].named
        acc: list[ConnSet] = []
        if s[0] == "c":
            for r in prof.rules:
                if r.has_cls(s[1]):
                    acc.append(r.conns(named))
        else:
            for r in prof.rules:
                if r.has_ext(s[1]):
                    acc.append(r.conns(named))
        return _union(tuple(acc))

    def _pair(self, s: tuple[str, int], d: tuple[str, int]) -> ConnSet:
        if s[0] == "x" and d[0] == "x":
            return _EMPTY
        eg = self._egress(s[1], d) if s[0] == "c" else _ALL
        if not eg.ranges:
            return _EMPTY
        ing = self._ingress(d[1], s) if d[0] == "c" else _ALL
        if eg is _ALL:
            return ing
        if ing is _ALL:
            return eg
        return _intersect(eg, ing)

    # -- public queries -----------------------------------------------------------

    @cached_property
    def endpoints(self) -> tuple[Endpoint, ...]:
        eps = [self._ep_of[id(w)] for w in self.inventory.workloads]
        eps.extend(self._atom_eps)
        if self.inventory.ingresses:
            eps.append(self.ingress_controller)
        return tuple(sorted(set(eps)))

    @property
    def external_endpoints(self) -> tuple[Endpoint, ...]:
        return tuple(self._atom_eps)

    @property
    def class_count(self) -> int:
        return self._n

    def endpoint_for(self, workload: Workload) -> Endpoint:
        return self._ep_of[id(workload)]

    def workload_for(self, endpoint: Endpoint) -> Workload | None:
        return self._wl_of.get(endpoint)

    def external_endpoints_for(self, ip: str) -> Endpoint:
        """The external range holding address ``ip``."""
        addr = ipaddress.ip_address(ip.strip())
        return self._atom_eps[self._atom_index(addr.version, int(addr))]

    def external_ranges(self, endpoint: Endpoint) -> tuple[int, int, int]:
        """(version, first, last) integer addresses of an external endpoint."""
        a = self._atoms[self._atom_of_ep[endpoint]]
        return (a.version, a.lo, a.hi)

    def allowed(self, src: Endpoint, dst: Endpoint) -> ConnSet:
        """Every (protocol, port) ``src`` may open to ``dst`` (``src == dst``: two pods of one workload)."""
        return self._pair(self._node(src), self._node(dst))

    def is_ingress_isolated(self, workload: Workload) -> bool:
        return bool((self._in_iso >> self._class_of[id(workload)]) & 1)

    def is_egress_isolated(self, workload: Workload) -> bool:
        return bool((self._eg_iso >> self._class_of[id(workload)]) & 1)

    def policies_selecting(
        self, workload: Workload, direction: Direction
    ) -> tuple[NetworkPolicy, ...]:
        prof = self._profiles[direction][self._class_of[id(workload)]]
        return prof.policies if prof is not None else ()

    def selected_workloads(self, policy: NetworkPolicy) -> tuple[Workload, ...]:
        """Workloads the policy's podSelector selects (point 24: empty = no effect)."""
        bits = self._policy_bits.get(id(policy), 0) & self._all_real
        return tuple(w for ci in iter_bits(bits) for w in self._classes[ci].workloads)

    def peer_workloads(
        self, policy: NetworkPolicy, rule: Rule, peer_index: int
    ) -> tuple[Workload, ...]:
        """Workloads one peer of a rule matches (point 24)."""
        for crule in self._compiled_rules(policy, rule.direction):
            if crule.rule is rule and 0 <= peer_index < len(crule.peer_cls):
                bits = crule.peer_cls[peer_index] & self._all_real
                return tuple(w for ci in iter_bits(bits) for w in self._classes[ci].workloads)
        peers = rule.peers or ()
        if 0 <= peer_index < len(peers):
            # inert rules are not compiled: evaluate on demand
            pc, _pe, _u = self._peer_bits(
                policy, Rule(rule.direction, rule.index, rule.path, (peers[peer_index],), None)
            )
            bits = pc[0] & self._all_real
            return tuple(w for ci in iter_bits(bits) for w in self._classes[ci].workloads)
        return ()

    def admits_any_pod(self, workload: Workload, protocol: str, port: int) -> bool:
        """Whether the workload's ingress admits *any* pod of *any* namespace on the port.

        True when ingress is not isolated or some rule admits a pod of unknown namespace
        and labels (no peers, or ``namespaceSelector: {}`` with an empty or absent
        podSelector) on ``protocol``/``port``; the shape of "open to the whole cluster".
        """
        ci = self._class_of[id(workload)]
        prof = self._profiles["ingress"][ci]
        if prof is None:
            return True
        named = self._classes[ci].named
        for r in prof.rules:
            if not r.conns(named).contains(protocol, port):
                continue
            if r.rule.peers is None or any(
                p.matches_pod(r.policy.namespace, None, None, None) for p in r.rule.peers
            ):
                return True
        return False

    def external_sources(self, workload: Workload, protocol: str, port: int) -> tuple[str, ...]:
        """External ranges whose traffic the workload's ingress admits on the port."""
        return tuple(self._external_sources(self._class_of[id(workload)], protocol, port, None))

    def egress_allows(self, workload: Workload, protocol: str, port: int) -> bool:
        """Whether the workload's egress lets ``protocol``/``port`` out to some destination.

        Egress side only (the destination's ingress is not consulted); named ports count
        when some matched destination declares them.
        """
        ci = self._class_of[id(workload)]
        prof = self._profiles["egress"][ci]
        if prof is None:
            return True
        for r in prof.rules:
            if r.ext and r.ext_conns.contains(protocol, port):
                return True
            targets = r.cls & r.named_ok & self._all_real
            if not targets:
                continue
            if r.static is not None:
                if r.static.contains(protocol, port):
                    return True
                continue
            for d in iter_bits(targets):
                if r.conns(self._classes[d].named).contains(protocol, port):
                    return True
        return False

    def workloads_with_ip_in(self, block: IPBlock) -> tuple[Workload, ...]:
        """Workloads with a known pod address inside ``block`` (point 13 warning)."""
        return tuple(
            w
            for w in self.inventory.workloads
            if any(block.contains(ip) for pod in w.pod_ips for ip in pod)
        )

    def _compiled_rules(self, policy: NetworkPolicy, direction: Direction) -> tuple[_CRule, ...]:
        pi = self._policy_pos.get(id(policy))
        return self._compiled[pi][direction] if pi is not None else ()

    # -- explanations -------------------------------------------------------------

    def _reason(self, r: _CRule, peer: int, port: int, text: str) -> Reason:
        span = r.policy.manifest.span_at(r.rule.path)
        return Reason(
            direction=r.rule.direction,
            policy=r.policy.key,
            rule_index=r.rule.index,
            peer_index=peer,
            port_index=port,
            file=r.policy.manifest.file,
            line=span.line,
            column=span.column,
            text=text,
        )

    def _explain(
        self,
        direction: Direction,
        subject: tuple[str, int],
        other: tuple[str, int],
        protocol: str,
        port: int | None,
        subject_name: str,
        other_name: str,
    ) -> tuple[bool, list[Reason]]:
        if subject[0] == "x":
            what = "source" if direction == "egress" else "destination"
            return True, [
                Reason(
                    direction,
                    not_isolated=True,
                    text=f"external {what}: NetworkPolicy does not apply",
                )
            ]
        prof = self._profiles[direction][subject[1]]
        if prof is None:
            return True, [
                Reason(
                    direction,
                    not_isolated=True,
                    text=f"no policy selects {subject_name} for {direction}",
                )
            ]
        dst = other if direction == "egress" else subject
        named = self._classes[dst[1]].named if dst[0] == "c" else None
        reasons: list[Reason] = []
        want = f"{protocol} {port}" if port is not None else f"{protocol} (any port)"
        for r in prof.rules:
            if other[0] == "c":
                if not r.has_cls(other[1]):
                    continue
                peers = [i for i, b in enumerate(r.peer_cls) if (b >> other[1]) & 1] or [-1]
            else:
                if not r.has_ext(other[1]):
                    continue
                peers = [i for i, b in enumerate(r.peer_ext) if (b >> other[1]) & 1] or [-1]
            if r.rule.ports is None:
                ports = [-1]
            else:
                ports = [p.index for p in r.rule.ports if p.contains(protocol, port, named)]
                if not ports:
                    continue
            peer_txt = "every peer" if peers[0] == -1 else (r.rule.peers or ())[peers[0]].text()
            port_txt = "every port" if ports[0] == -1 else (r.rule.ports or ())[ports[0]].text()
            reasons.append(
                self._reason(
                    r,
                    peers[0],
                    ports[0],
                    f"{r.policy.key} {direction} rule {r.rule.index} allows {other_name} "
                    f"({peer_txt}) on {port_txt}",
                )
            )
        if reasons:
            return True, reasons
        for pol in prof.policies:
            span = pol.manifest.span_at(pol.pod_selector_path)
            reasons.append(
                Reason(
                    direction,
                    policy=pol.key,
                    file=pol.manifest.file,
                    line=span.line,
                    column=span.column,
                    text=f"{pol.key} selects {subject_name} for {direction} and none of its "
                    f"rules allows {other_name} on {want}",
                )
            )
        return False, reasons

    def verdict(self, src: Endpoint, dst: Endpoint, protocol: str, port: int | None) -> Verdict:
        """May ``src`` open ``protocol``/``port`` to ``dst`` (``port=None``: any port)?"""
        protocol = protocol.upper()
        s, d = self._node(src), self._node(dst)
        notes = self._pair_notes(s, d)
        if protocol not in PROTOCOLS:
            notes.append(NOTE_PROTOCOLS)
            return Verdict(src, dst, protocol, port, False, (), (), True, tuple(notes))
        if s[0] == "x" and d[0] == "x":
            notes.append("traffic between two external addresses is not modelled")
            return Verdict(src, dst, protocol, port, False, (), (), False, tuple(notes))
        eg_ok, eg = self._explain("egress", s, d, protocol, port, src.display(), dst.display())
        in_ok, ing = self._explain("ingress", d, s, protocol, port, dst.display(), src.display())
        return Verdict(
            src,
            dst,
            protocol,
            port,
            eg_ok and in_ok,
            tuple(eg),
            tuple(ing),
            self._pair_assumed(s, d),
            tuple(notes),
        )

    def _ns_assumed(self, ci: int) -> bool:
        return self._class_ns_assumed[ci]

    def _ns_dependent(self, s: tuple[str, int], d: tuple[str, int]) -> list[int]:
        """Classes whose assumed namespace labels the pair's result depends on."""
        out: list[int] = []
        if s[0] == "c" and d[0] == "c":
            pin = self._profiles["ingress"][d[1]]
            if pin is not None and pin.uses_ns_labels and self._ns_assumed(s[1]):
                out.append(s[1])
            peg = self._profiles["egress"][s[1]]
            if peg is not None and peg.uses_ns_labels and self._ns_assumed(d[1]):
                out.append(d[1])
        return out

    def _pair_assumed(self, s: tuple[str, int], d: tuple[str, int]) -> bool:
        flags = self._class_assumed
        if (s[0] == "c" and flags[s[1]]) or (d[0] == "c" and flags[d[1]]):
            return True
        return bool(self._ns_dependent(s, d))

    def _pair_notes(self, s: tuple[str, int], d: tuple[str, int]) -> list[str]:
        out: list[str] = []
        for node in (s, d):
            if node[0] != "c":
                continue
            if node[1] == self._ctrl and not self.config.assume.ingress_controller.known:
                out.append(
                    "the ingress controller's namespace and labels are unknown (point 27): "
                    "only rules admitting every pod of every namespace admit it"
                )
            for w in self._classes[node[1]].workloads:
                if w.host_network:
                    out.append(
                        f"{w.display()} uses hostNetwork: whether policies apply depends on "
                        "the network plugin (point 22)"
                    )
            if self._ipblock_pods and self._classes[node[1]].ips:
                out.append(
                    "ipBlocks match pods by their status.podIP (assume.ipblock-matches-pods, "
                    "point 13): the effect depends on the network plugin"
                )
        for ci in self._ns_dependent(s, d):
            ns = self._classes[ci].namespace or "(unknown)"
            out.append(
                f"namespace {ns} has no Namespace object in the input: the namespaceSelectors "
                "evaluated against it assume its labels"
            )
        return list(dict.fromkeys(out))

    # -- listings -----------------------------------------------------------------

    def _class_pairs(self) -> Iterable[tuple[tuple[str, int], tuple[str, int], ConnSet]]:
        """Every (source, destination, allowed) with a non-empty result, by class.

        The candidates of a source are the destinations its egress may reach that have
        some ingress rule admitting it. The latter is computed by transposing the
        ingress profiles (distinct admitted-source sets -> their destinations) block by
        block of sources, so that no pair is visited unless it is a candidate.
        """
        n = self._n
        all_real = self._all_real
        not_in_iso = all_real & ~self._in_iso
        group_lists: dict[int, list[int]] = {}
        ext_lists: dict[int, list[int]] = {}
        for prof in self._profile_set["ingress"]:
            dsts = [ci for ci in prof.members if ci < n]
            src_any, ext_any = prof.peers_any()
            key = src_any & all_real
            if key:
                group_lists.setdefault(key, []).extend(dsts)
            if ext_any:
                ext_lists.setdefault(ext_any, []).extend(dsts)
        groups = {k: _bits_of(v) for k, v in group_lists.items()}
        ext_groups = {k: _bits_of(v) for k, v in ext_lists.items()}
        del group_lists, ext_lists
        eg_cache: dict[int, tuple[int, int]] = {}
        block = 512
        mask = (1 << block) - 1
        for base in range(0, n, block):
            admit = [not_in_iso] * min(block, n - base)
            for srcs, members in groups.items():
                for i in iter_bits((srcs >> base) & mask):
                    admit[i] |= members
            for i, row in enumerate(admit):
                s = base + i
                peg = self._profiles["egress"][s]
                if peg is None:
                    eg_cand, eg_ext = all_real, self._all_ext
                else:
                    hit = eg_cache.get(id(peg))
                    if hit is None:
                        eg_cand = eg_ext = 0
                        for r in peg.rules:
                            eg_cand |= r.cls & r.named_ok
                            if not r.ext_conns.is_empty():
                                eg_ext |= r.ext
                        hit = (eg_cand & all_real, eg_ext)
                        eg_cache[id(peg)] = hit
                    eg_cand, eg_ext = hit
                src = ("c", s)
                for d in iter_bits(eg_cand & row):
                    cs = self._pair(src, ("c", d))
                    if not cs.is_empty():
                        yield src, ("c", d), cs
                for a in iter_bits(eg_ext):
                    cs = self._pair(src, ("x", a))
                    if not cs.is_empty():
                        yield src, ("x", a), cs
        for a in range(len(self._atoms)):
            row = not_in_iso
            for exts, members in ext_groups.items():
                if (exts >> a) & 1:
                    row |= members
            for d in iter_bits(row):
                cs = self._pair(("x", a), ("c", d))
                if not cs.is_empty():
                    yield ("x", a), ("c", d), cs

    @cached_property
    def _pair_list(self) -> list[tuple[tuple[str, int], tuple[str, int], ConnSet]]:
        with paused_gc():
            return list(self._class_pairs())

    def _node_endpoints(self, node: tuple[str, int]) -> list[tuple[Endpoint, Workload | None]]:
        hit = self._node_eps_cache.get(node)
        if hit is not None:
            return hit
        if node[0] == "x":
            hit = [(self._atom_eps[node[1]], None)]
        elif node[1] == self._ctrl:
            hit = [(self.ingress_controller, None)]
        else:
            hit = [(self._ep_of[id(w)], w) for w in self._classes[node[1]].workloads]
        self._node_eps_cache[node] = hit
        return hit

    @cached_property
    def connections(self) -> tuple[Connection, ...]:
        """Every allowed ordered pair of distinct endpoints, sorted.

        Workloads and external ranges in both directions; the ingress controller only
        towards the ports its Ingress routes use (as netpol-analyzer lists it).
        """
        with paused_gc():
            return self._connections()

    def _connections(self) -> tuple[Connection, ...]:
        rank = {e: i for i, e in enumerate(self.endpoints)}
        rank.setdefault(self.ingress_controller, len(rank))
        ranked: dict[tuple[str, int], list[tuple[int, Endpoint, Workload | None]]] = {}

        def members(node: tuple[str, int]) -> list[tuple[int, Endpoint, Workload | None]]:
            hit = ranked.get(node)
            if hit is None:
                hit = [(rank[e], e, w) for e, w in self._node_endpoints(node)]
                ranked[node] = hit
            return hit

        out: list[tuple[int, int, Connection]] = []
        for s, d, cs in self._pair_list:
            assumed = self._pair_assumed(s, d)
            dsts = members(d)
            for rs, sep, sw in members(s):
                for rd, dep, dw in dsts:
                    if sw is not None and sw is dw:
                        continue
                    out.append((rs, rd, Connection(sep, dep, cs, assumed)))
        if self.inventory.ingresses:
            ctrl_assumed = not self.config.assume.ingress_controller.known
            per_dst: dict[Endpoint, list[ConnSet]] = {}
            for route in self.routes:
                if route.kind != "ingress" or route.blocked:
                    continue
                per_dst.setdefault(route.dst, []).append(
                    ConnSet.from_dict({route.protocol: [(route.target_port, route.target_port)]})
                )
            for dst, sets in per_dst.items():
                cs = _intersect(_union(tuple(sets)), self.allowed(self.ingress_controller, dst))
                if not cs.is_empty():
                    conn = Connection(self.ingress_controller, dst, cs, ctrl_assumed)
                    out.append((rank[self.ingress_controller], rank[dst], conn))
        out.sort(key=lambda t: (t[0], t[1]))
        return tuple(t[2] for t in out)

    # -- routes -------------------------------------------------------------------

    def _external_sources(
        self, ci: int, protocol: str, port: int, within: Sequence[tuple[int, int, int]] | None
    ) -> list[str]:
        """External ranges the class's ingress admits on protocol/port, cut to ``within``."""
        prof = self._profiles["ingress"][ci]
        named = self._classes[ci].named
        if prof is None:
            ext = self._all_ext
        else:
            ext = 0
            for r in prof.rules:
                if r.ext and r.conns(named).contains(protocol, port):
                    ext |= r.ext
        out: list[str] = []
        for a in iter_bits(ext):
            atom = self._atoms[a]
            if within is None:
                out.append(atom.name)
                continue
            for ver, lo, hi in within:
                if ver == atom.version:
                    a_lo, a_hi = max(lo, atom.lo), min(hi, atom.hi)
                    if a_lo <= a_hi:
                        out.append(range_name(ver, a_lo, a_hi))
        return sorted(set(out))

    def _admits_any(self, ci: int, protocol: str, port: int) -> bool:
        prof = self._profiles["ingress"][ci]
        if prof is None:
            return True
        named = self._classes[ci].named
        return any((r.cls or r.ext) and r.conns(named).contains(protocol, port) for r in prof.rules)

    @cached_property
    def routes(self) -> tuple[Route, ...]:
        """Service ports, external exposure, Ingress paths and host ports (points 23, 26-28)."""
        out: list[Route] = []
        inv = self.inventory
        for svc in inv.services:
            out.extend(self._service_routes(svc))
        ctrl = ("c", self._ctrl)
        for ing in inv.ingresses:
            for b in ing.backends:
                if b.service is None or b.port is None:
                    continue
                target = inv.service(ing.namespace, b.service)
                if target is None:
                    continue
                sp = target.port(b.port)
                if sp is None:
                    continue
                span = ing.manifest.span_at(b.location)
                via = f"{ing.namespace}/{ing.name} {b.text()}"
                for w in target.target_workloads:
                    tp = target.target_port(sp, w)
                    if tp is None:
                        continue
                    ci = self._class_of[id(w)]
                    cs = self._pair(ctrl, ("c", ci))
                    out.append(
                        Route(
                            "ingress",
                            via,
                            self._ep_of[id(w)],
                            sp.protocol,
                            sp.port,
                            tp,
                            blocked=not cs.contains(sp.protocol, tp),
                            file=ing.manifest.file,
                            line=span.line,
                            sources=(self.ingress_controller.display(),),
                        )
                    )
        for w in inv.workloads:
            ci = self._class_of[id(w)]
            for cp in w.ports:
                host_port = cp.host_port or (cp.number if w.host_network else None)
                if not host_port:
                    continue
                span = w.manifest.span_at(cp.path)
                srcs = self._external_sources(ci, cp.protocol, cp.number, None)
                out.append(
                    Route(
                        "hostport",
                        f"{w.display()} hostPort {host_port}",
                        self._ep_of[id(w)],
                        cp.protocol,
                        host_port,
                        cp.number,
                        blocked=not srcs,
                        file=w.manifest.file,
                        line=span.line,
                        sources=tuple(srcs),
                    )
                )
        out.sort(key=lambda r: (r.kind, r.via, r.dst, r.protocol, r.port, r.target_port))
        return tuple(out)

    def _service_routes(self, svc: Service) -> Iterable[Route]:
        within: list[tuple[int, int, int]] | None = None
        if svc.load_balancer_source_ranges:
            within = [
                r
                for r in (_parse_range(t) for t in svc.load_balancer_source_ranges)
                if r is not None
            ]
        alloc = svc.manifest.get("spec", "allocateLoadBalancerNodePorts") is not False
        exposed = svc.type in ("NodePort", "LoadBalancer") or bool(svc.external_ips)
        for sp in svc.ports:
            span = svc.manifest.span_at(sp.path)
            base = f"{svc.namespace}/{svc.name}:{sp.port}"
            for w in svc.target_workloads:
                tp = svc.target_port(sp, w)
                if tp is None:
                    continue
                ci = self._class_of[id(w)]
                ep = self._ep_of[id(w)]

                def route(kind: str, via: str, port: int, srcs: list[str] | None) -> Route:
                    return Route(
                        kind,
                        via,
                        ep,  # noqa: B023 - used immediately
                        sp.protocol,  # noqa: B023
                        port,
                        tp,  # noqa: B023
                        blocked=not srcs,
                        file=svc.manifest.file,
                        line=span.line,  # noqa: B023
                        sources=tuple(srcs or ()),
                    )

                admitted = self._admits_any(ci, sp.protocol, tp)
                yield replace(route("service", base, sp.port, None), blocked=not admitted)
                ext = self._external_sources(ci, sp.protocol, tp, None) if exposed else None
                if svc.type == "NodePort" or (svc.type == "LoadBalancer" and alloc):
                    yield route(
                        "nodeport",
                        f"{base} nodePort {sp.node_port or '(auto)'}",
                        sp.node_port or 0,
                        ext,
                    )
                if svc.type == "LoadBalancer":
                    lb = (
                        self._external_sources(ci, sp.protocol, tp, within)
                        if within is not None
                        else ext
                    )
                    yield route("loadbalancer", f"{base} loadBalancer", sp.port, lb)
                for ip in svc.external_ips:
                    yield route("externalip", f"{base} externalIP {ip}", sp.port, ext)

    # -- assumptions --------------------------------------------------------------

    @cached_property
    def assumed_namespaces(self) -> tuple[str, ...]:
        """Namespaces with workloads whose labels the input does not state."""
        used = {w.namespace for w in self.inventory.workloads}
        return tuple(ns.name for ns in self.inventory.namespaces if ns.assumed and ns.name in used)

    @cached_property
    def host_network_workloads(self) -> tuple[Workload, ...]:
        return tuple(w for w in self.inventory.workloads if w.host_network)

    @cached_property
    def notes(self) -> tuple[str, ...]:
        """What results depend on (plugin-defined behaviour: points 13, 18, 20, 21, 22, 27)."""
        out = [NOTE_PROTOCOLS, NOTE_LOOPBACK, NOTE_NODE]
        out.append(NOTE_IPBLOCK_ON if self._ipblock_pods else NOTE_IPBLOCK_OFF)
        hn = self.host_network_workloads
        if hn:
            out.append(
                "hostNetwork workloads are evaluated like other pods, but the network plugin decides "
                f"(point 22): {', '.join(w.display() for w in hn)}"
            )
        if self.assumed_namespaces:
            out.append(
                "no Namespace object for "
                + ", ".join(self.assumed_namespaces)
                + ": their labels are assumed (only kubernetes.io/metadata.name, or config)"
            )
        if self.inventory.ingresses and not self.config.assume.ingress_controller.known:
            out.append(
                "the ingress controller's namespace and labels are unknown: a policy admits it only if it "
                "admits every pod of every namespace (point 27; set assume.ingress-controller)"
            )
        return tuple(out)

    # -- networkx -----------------------------------------------------------------

    @cached_property
    def nx_graph(self) -> nx.MultiDiGraph:
        """Endpoints, Services and Ingress paths as nodes; connections and routes as edges.

        Node ids are display strings (``ns/name[Kind]``, ranges, ``svc:ns/name``,
        ``ingress:ns/name host/path``). Edge attributes are plain values (graphml-safe):
        ``kind`` (``connection``/``route``/``ingress``), ``conns`` text, ``assumed``,
        ``reasons`` (policies, ``;``-separated), ports and ``blocked`` for routes.
        """
        with paused_gc():
            return self._build_nx()

    def _build_nx(self) -> nx.MultiDiGraph:
        import networkx as nx

        g = nx.MultiDiGraph()
        for ep in self.endpoints:
            g.add_node(
                ep.display(),
                type=ep.kind,
                namespace=ep.namespace,
                name=ep.name,
                workload_kind=ep.workload_kind,
            )
        reason_cache: dict[tuple[tuple[str, int], tuple[str, int]], str] = {}
        for s, d, cs in self._pair_list:
            txt = reason_cache.get((s, d))
            if txt is None:
                txt = self._pair_reason_text(s, d)
                reason_cache[(s, d)] = txt
            for sep, sw in self._node_endpoints(s):
                for dep, dw in self._node_endpoints(d):
                    if sw is not None and sw is dw:
                        continue
                    g.add_edge(
                        sep.display(),
                        dep.display(),
                        key="connection",
                        kind="connection",
                        conns=cs.text(),
                        reasons=txt,
                        assumed=self._pair_assumed(s, d),
                    )
        for conn in self.connections:
            if conn.src.kind == "ingress-controller":
                g.add_edge(
                    conn.src.display(),
                    conn.dst.display(),
                    key="connection",
                    kind="connection",
                    conns=conn.conns.text(),
                    reasons="",
                    assumed=conn.assumed,
                )
        for svc in self.inventory.services:
            g.add_node(
                f"svc:{svc.namespace}/{svc.name}",
                type="service",
                namespace=svc.namespace,
                name=svc.name,
                service_type=svc.type,
            )
        for route in self.routes:
            if route.kind == "service":
                svc_id = "svc:" + route.via.rsplit(":", 1)[0]
                g.add_edge(
                    svc_id,
                    route.dst.display(),
                    kind="route",
                    protocol=route.protocol,
                    port=route.port,
                    target_port=route.target_port,
                    blocked=route.blocked,
                )
        for ing in self.inventory.ingresses:
            for b in ing.backends:
                node = f"ingress:{ing.namespace}/{ing.name} {b.text()}"
                g.add_node(
                    node, type="ingress", namespace=ing.namespace, name=ing.name, path=b.text()
                )
                if b.service is not None:
                    svc_id = f"svc:{ing.namespace}/{b.service}"
                    if svc_id not in g:
                        g.add_node(
                            svc_id,
                            type="service",
                            namespace=ing.namespace,
                            name=b.service,
                            missing=True,
                        )
                    g.add_edge(node, svc_id, kind="ingress", port=str(b.port))
        return g

    def _pair_reason_text(self, s: tuple[str, int], d: tuple[str, int]) -> str:
        out: list[str] = []
        sides: tuple[tuple[Direction, tuple[str, int], tuple[str, int]], ...] = (
            ("egress", s, d),
            ("ingress", d, s),
        )
        for direction, subj, other in sides:
            if subj[0] != "c":
                continue
            prof = self._profiles[direction][subj[1]]
            if prof is None:
                out.append(f"{direction}: not isolated")
                continue
            hits = sorted(
                {
                    f"{r.policy.key} {direction}[{r.rule.index}]"
                    for r in prof.rules
                    if (r.has_cls(other[1]) if other[0] == "c" else r.has_ext(other[1]))
                }
            )
            out.extend(hits)
        return ";".join(out)


def analyze(inventory: Inventory, config: Config) -> Connectivity:
    """Evaluate every NetworkPolicy of ``inventory`` (see module docs)."""
    return Connectivity(inventory, config)


def _connlist_name(ep: Endpoint) -> str:
    if ep.kind == "ingress-controller":
        return INGRESS_CONTROLLER_CONNLIST
    return ep.display()


def connlist_text(conn: Connectivity) -> str:
    """netpol-analyzer's connlist: ``SRC => DST : CONN`` per allowed pair, sorted."""
    names: dict[Endpoint, str] = {}
    texts: dict[int, str] = {}
    lines: list[str] = []
    for c in conn.connections:
        src = names.get(c.src)
        if src is None:
            src = names[c.src] = _connlist_name(c.src)
        dst = names.get(c.dst)
        if dst is None:
            dst = names[c.dst] = _connlist_name(c.dst)
        text = texts.get(id(c.conns))
        if text is None:
            text = texts[id(c.conns)] = c.conns.text()
        lines.append(f"{src} => {dst} : {text}")
    lines.sort()
    return "\n".join(lines) + ("\n" if lines else "")
