"""Compile an inventory into classes and bitsets: the engine's one-time preparation.

Its one job: group pods that behave alike into *classes* (same namespace, labels,
named ports, and addresses when ipBlocks may match pods), split the addresses outside
the cluster into the fewest *atoms* every ipBlock treats alike, and evaluate every
NetworkPolicy's selectors once, through label indexes, into Python-int bitsets (bit
``i`` = class or atom ``i``). Per class and direction the result is a
:class:`Profile`: the policies selecting it and their compiled rules (shared between
classes with the same policies). Nothing here answers a query; see
:mod:`k8snetlint.net.evaluate`.

The ingress controller is a pseudo-pod (class index ``n``, after the real classes).
Unless config names it, its namespace and labels are unknown: a selector matches an
unknown value only when it matches everything, so a policy admits the controller only
if it admits every pod of every namespace (docs/semantics.md, E-2).
"""

from __future__ import annotations

import bisect
import ipaddress
from dataclasses import dataclass
from typing import Any

from k8snetlint.config import Config
from k8snetlint.connectivity import ConnSet, Endpoint
from k8snetlint.model import NAMESPACE_NAME_LABEL, Inventory, Workload
from k8snetlint.net.nodes import (
    Atom,
    AtomNode,
    ClassNode,
    Node,
    PodClass,
    bits_of,
    has_bit,
    tester,
)
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

__all__ = ["CRule", "Compiled", "Profile"]


class CRule:
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
            self._ctest = tester(self.cls)
        return has_bit(self._ctest, i)

    def has_ext(self, a: int) -> bool:
        if self._etest is None:
            self._etest = tester(self.ext)
        return has_bit(self._etest, a)

    def matches(self, node: Node) -> bool:
        """Whether some peer of the rule matches ``node``."""
        if isinstance(node, ClassNode):
            return self.has_cls(node.i)
        return self.has_ext(node.i)

    def conns(self, named: NamedPorts | None) -> ConnSet:
        """Ports allowed towards a destination with ``named`` ports (None: external)."""
        if named is None:
            return self.ext_conns
        if self.static is not None:
            return self.static
        return conns_of(self.rule.ports, named)


@dataclass(eq=False)
class Profile:
    """The policies of one direction applying to a set of classes."""

    policies: tuple[NetworkPolicy, ...]
    rules: tuple[CRule, ...]
    members: list[int]
    uses_ns_labels: bool = False

    def peers_any(self) -> tuple[int, int]:
        """(classes, external atoms) some rule matches (computed on demand: large)."""
        cls = ext = 0
        for r in self.rules:
            cls |= r.cls
            ext |= r.ext
        return cls, ext


class Compiled:
    """Classes, atoms, indexes and per-class policy profiles of one inventory."""

    def __init__(self, inventory: Inventory, config: Config) -> None:
        self.inventory = inventory
        self.config = config
        self.ipblock_pods = config.assume.ipblock_matches_pods
        self._node_eps_cache: dict[Node, list[tuple[Endpoint, Workload | None]]] = {}
        self._build_classes()
        self._build_flags()
        self._build_atoms()
        self._compile_policies()
        # one node object per class and atom (built once: nodes are created in hot loops)
        self.class_nodes = [ClassNode(i) for i in range(self.n + 1)]
        self.atom_nodes = [AtomNode(a) for a in range(len(self.atoms))]

    # -- classes ------------------------------------------------------------------

    def _build_classes(self) -> None:
        inv = self.inventory
        keyed: dict[tuple[Any, ...], list[Workload]] = {}
        for w in inv.workloads:
            # pods of known addresses apart: an admin tier's ``networks`` peer matches
            # them by address whatever assume.ipblock-matches-pods says (so does an
            # ipBlock with it); host-network pods are never tier subjects or peers
            key = (
                w.namespace,
                tuple(sorted(w.labels.items())),
                w.named_ports,
                w.pod_ips,
                w.host_network,
            )
            keyed.setdefault(key, []).append(w)
        classes: list[PodClass] = []
        for i, key in enumerate(sorted(keyed)):
            wls = keyed[key]
            classes.append(PodClass(i, key[0], dict(key[1]), key[2], wls[0].pod_ips, wls))
        self.n = n = len(classes)
        ic = self.config.assume.ingress_controller
        ctrl_ns = ic.namespace
        ctrl = PodClass(n, ctrl_ns, dict(ic.labels) if ic.labels is not None else None, (), (), [])
        classes.append(ctrl)
        self.classes = classes
        self.ctrl = n
        self.all_real = (1 << n) - 1
        self.all = (1 << (n + 1)) - 1
        self.class_of: dict[int, int] = {}
        for c in classes:
            for w in c.workloads:
                self.class_of[id(w)] = c.index
        # indexes
        self.pod_index = LabelIndex([c.labels or {} for c in classes[:n]])
        # named ports -> classes declaring them
        self.named_index: dict[tuple[str, str], int] = {}
        for c in classes[:n]:
            for name, proto, _num in c.named or ():
                self.named_index[(name, proto)] = self.named_index.get((name, proto), 0) | (
                    1 << c.index
                )
        # known pod addresses (only used when ipBlocks may match pods)
        self._ip_entries: dict[int, list[tuple[int, int, int]]] = {}
        self._pod_count: dict[int, int] = {}
        self._block_cls_cache: dict[tuple[int, tuple[tuple[int, int], ...]], int] = {}
        if self.ipblock_pods:
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
        self.ns_names = [ns.name for ns in inv.namespaces]
        self.ns_pos = {name: i for i, name in enumerate(self.ns_names)}
        self.ns_index = LabelIndex([ns.labels for ns in inv.namespaces])
        ns_bits = [0] * len(self.ns_names)
        for c in classes[:n]:
            if c.namespace is not None:
                j = self.ns_pos.get(c.namespace)
                if j is not None:
                    ns_bits[j] |= 1 << c.index
        self.ns_class_bits = ns_bits
        self.ctrl_facts = PodFacts(
            namespace=ctrl_ns,
            labels=ctrl.labels,
            namespace_labels=(inv.namespace_labels(ctrl_ns) if ctrl_ns is not None else None),
        )
        # Endpoints of workloads
        self.ep_of: dict[int, Endpoint] = {}
        self.wl_of: dict[Endpoint, Workload] = {}
        for w in inv.workloads:
            ep = Endpoint("workload", w.namespace, w.name, w.kind)
            self.ep_of[id(w)] = ep
            self.wl_of[ep] = w
        self.ingress_controller = Endpoint(
            "ingress-controller", ctrl_ns or "", "ingress-controller", "IngressController"
        )

    def _build_flags(self) -> None:
        """Per class: does any result involving it rest on an assumption (semantics NP-13, NP-22, E-2)?"""
        inv = self.inventory
        ctrl_unknown = not self.config.assume.ingress_controller.known
        self.class_assumed: list[bool] = []
        self.class_ns_assumed: list[bool] = []
        for c in self.classes:
            if c.index == self.ctrl:
                self.class_assumed.append(ctrl_unknown)
                ns_obj = inv.namespace(c.namespace) if c.namespace is not None else None
                self.class_ns_assumed.append(ns_obj is None or ns_obj.assumed)
                continue
            self.class_assumed.append(
                any(w.host_network for w in c.workloads) or (self.ipblock_pods and bool(c.ips))
            )
            ns_obj = inv.namespace(c.namespace) if c.namespace is not None else None
            self.class_ns_assumed.append(ns_obj is None or ns_obj.assumed)

    # -- atoms --------------------------------------------------------------------

    def _build_atoms(self) -> None:
        blocks: dict[tuple[int, tuple[tuple[int, int], ...]], IPBlock] = {}
        for pol in self.inventory.policies:
            for _rule, peer in pol.peers():
                if peer.valid and peer.ip_block is not None:
                    blocks.setdefault(peer.ip_block.key(), peer.ip_block)
        # the admin tiers' networks CIDRs cut the external ranges too (k8snetlint.tiers)
        if self.inventory.tier_policies:
            from k8snetlint.tiers import cidr_blocks

            for block in cidr_blocks(self.inventory.tier_policies):
                blocks.setdefault(block.key(), block)
        atoms: list[Atom] = []
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
                atoms.append(Atom(version, lo, hi))
        self.atoms = atoms
        self.all_ext = (1 << len(atoms)) - 1
        self.atom_eps = [Endpoint("external", "", a.name) for a in atoms]
        self.atom_of_ep = {ep: i for i, ep in enumerate(self.atom_eps)}
        self._block_bits: dict[tuple[int, tuple[tuple[int, int], ...]], int] = {}

    def atom_index(self, version: int, addr: int) -> int:
        """The atom holding address ``addr`` (an integer) of IP ``version``."""
        starts = self._atom_starts[version]
        return self._atom_offset[version] + bisect.bisect_right(starts, addr) - 1

    def _block_ext(self, block: IPBlock) -> int:
        key = block.key()
        hit = self._block_bits.get(key)
        if hit is not None:
            return hit
        bits = 0
        for lo, hi in block.intervals:
            i = self.atom_index(block.version, lo)
            j = self.atom_index(block.version, hi)
            bits |= ((1 << (j - i + 1)) - 1) << i
        self._block_bits[key] = bits
        return bits

    def _block_cls(self, block: IPBlock) -> int:
        """Classes whose pods all have an address in ``block`` (opt-in, semantics NP-13)."""
        if not self.ipblock_pods:
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

    # -- policies -----------------------------------------------------------------

    def _ns_selector_classes(self, sel: Selector) -> int:
        key = sel.key()
        hit = self._nssel_cache.get(key)
        if hit is not None:
            return hit
        bits = 0
        for j in iter_bits(self.ns_index.select(sel)):
            bits |= self.ns_class_bits[j]
        self._nssel_cache[key] = bits
        return bits

    def peer_bits(
        self, pol: NetworkPolicy, rule: Rule
    ) -> tuple[tuple[int, ...], tuple[int, ...], bool]:
        """Per peer of ``rule``: (classes, atoms) it matches; and whether a peer uses
        namespace labels other than the name label."""
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
                        j = self.ns_pos.get(pol.namespace)
                        base = self.ns_class_bits[j] if j is not None else 0
                    else:
                        base = self._ns_selector_classes(peer.namespace_selector)
                    if peer.pod_selector is not None:
                        base &= self.pod_index.select(peer.pod_selector)
                    f = self.ctrl_facts
                    if peer.matches_pod(pol.namespace, f.namespace, f.labels, f.namespace_labels):
                        base |= 1 << self.ctrl
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
            return self.all
        if any(p.valid and not p.named for p in rule.ports):
            return self.all
        bits = 0
        for p in rule.ports:
            if p.valid and isinstance(p.port, str):
                bits |= self.named_index.get((p.port, p.protocol), 0)
        return bits

    def _compile_policies(self) -> None:
        self._nssel_cache: dict[tuple[Any, ...], int] = {}
        self._peer_cache: dict[tuple[Any, ...], int] = {}
        inv = self.inventory
        n = self.n
        sel_lists: dict[Direction, list[list[int]]] = {
            "ingress": [[] for _ in range(n + 1)],
            "egress": [[] for _ in range(n + 1)],
        }
        compiled: dict[int, dict[Direction, tuple[CRule, ...]]] = {}
        self.policy_bits: dict[int, int] = {}
        named_ok_cache: dict[int, int] = {}
        # equal bitsets share one int object (they are large: one bit per class)
        interned: dict[int, int] = {}
        select_cache: dict[tuple[Any, ...], tuple[int, int]] = {}
        for pi, pol in enumerate(inv.policies):
            skey = (pol.namespace, pol.pod_selector.key())
            hit = select_cache.get(skey)
            if hit is None:
                j = self.ns_pos.get(pol.namespace)
                ns_bits = self.ns_class_bits[j] if j is not None else 0
                sel = self.pod_index.select(pol.pod_selector) & ns_bits
                if policy_selects_pod(pol, self.ctrl_facts):
                    sel |= 1 << self.ctrl
                # classes are sorted by namespace: shift to the namespace's first class
                offset = (ns_bits & -ns_bits).bit_length() - 1 if ns_bits else 0
                hit = (interned.setdefault(sel, sel), max(offset, 0))
                select_cache[skey] = hit
            selected, offset = hit
            self.policy_bits[id(pol)] = selected
            per_dir: dict[Direction, tuple[CRule, ...]] = {}
            for direction in DIRECTIONS:
                if not pol.isolates(direction):
                    per_dir[direction] = ()
                    continue
                crules: list[CRule] = []
                for rule in pol.rules(direction):
                    if rule.peers is None:
                        pc: tuple[int, ...] = ()
                        pe: tuple[int, ...] = ()
                        uses = False
                        cls, ext = self.all, self.all_ext
                    else:
                        pc, pe, uses = self.peer_bits(pol, rule)
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
                    crules.append(CRule(pol, rule, pc, pe, cls, ext, named_ok_cache[rid], uses))
                per_dir[direction] = tuple(crules)
                if selected:
                    lists = sel_lists[direction]
                    for ci in iter_bits(selected >> offset):
                        lists[ci + offset].append(pi)
            compiled[pi] = per_dir
        self._compiled = compiled
        self._policy_pos = {id(p): i for i, p in enumerate(inv.policies)}
        policies = inv.policies
        self.profiles: dict[Direction, list[Profile | None]] = {}
        self.profile_set: dict[Direction, list[Profile]] = {}
        isolated: dict[Direction, list[int]] = {"ingress": [], "egress": []}
        for direction in DIRECTIONS:
            profiles: dict[tuple[int, ...], Profile] = {}
            per_class: list[Profile | None] = []
            for ci in range(n + 1):
                pis = tuple(sel_lists[direction][ci])
                if not pis:
                    per_class.append(None)
                    continue
                isolated[direction].append(ci)
                prof = profiles.get(pis)
                if prof is None:
                    rules = tuple(r for p in pis for r in compiled[p][direction])
                    prof = Profile(
                        tuple(policies[p] for p in pis),
                        rules,
                        [],
                        any(r.uses_ns_labels for r in rules),
                    )
                    profiles[pis] = prof
                prof.members.append(ci)
                per_class.append(prof)
            self.profiles[direction] = per_class
            self.profile_set[direction] = list(profiles.values())
        self.in_iso = bits_of(isolated["ingress"])
        self.eg_iso = bits_of(isolated["egress"])

    def compiled_rules(self, policy: NetworkPolicy, direction: Direction) -> tuple[CRule, ...]:
        pi = self._policy_pos.get(id(policy))
        return self._compiled[pi][direction] if pi is not None else ()

    # -- nodes --------------------------------------------------------------------

    def node(self, ep: Endpoint) -> Node:
        """The node an endpoint belongs to (KeyError when the input has no such endpoint)."""
        if ep.kind == "external":
            a = self.atom_of_ep.get(ep)
            if a is None:
                raise KeyError(f"unknown external endpoint {ep.name}")
            return self.atom_nodes[a]
        if ep.kind == "ingress-controller":
            return self.class_nodes[self.ctrl]
        w = self.wl_of.get(ep)
        if w is None:
            raise KeyError(f"unknown endpoint {ep.display()}")
        return self.class_nodes[self.class_of[id(w)]]

    def node_endpoints(self, node: Node) -> list[tuple[Endpoint, Workload | None]]:
        """The endpoints a node stands for, with their workload (None: not a workload)."""
        hit = self._node_eps_cache.get(node)
        if hit is not None:
            return hit
        if isinstance(node, AtomNode):
            hit = [(self.atom_eps[node.i], None)]
        elif node.i == self.ctrl:
            hit = [(self.ingress_controller, None)]
        else:
            hit = [(self.ep_of[id(w)], w) for w in self.classes[node.i].workloads]
        self._node_eps_cache[node] = hit
        return hit

    def class_node(self, workload: Workload) -> ClassNode:
        return self.class_nodes[self.class_of[id(workload)]]

    def named_ports(self, node: Node) -> NamedPorts | None:
        """The named ports of a destination node (None: an external address)."""
        return self.classes[node.i].named if isinstance(node, ClassNode) else None
