"""Evaluate compiled policies: answer "what may pass between these nodes", and explain.

Its one job is answering queries over a :class:`~k8snetlint.net.compile.Compiled`
inventory: the connection set of one (source, destination) pair, verdicts with the
rules that decide them, the listing of every allowed pair, and the per-workload
questions rules ask (isolated? admits any pod? which external sources?). Pairs are
only visited to produce output, never to evaluate policies.

Each direction is decided by an ordered stack of :class:`DecisionLayer` s: for every
(protocol, port), the first layer that decides it (Allow or Deny) wins; what no layer
decides is allowed (Kubernetes' default). NetworkPolicy is one layer
(:class:`NetworkPolicyLayer`): for a pod it isolates, it allows what some rule allows
and denies the rest; for a pod it does not isolate, it decides nothing. Admin tiers
(an admin layer before it, a baseline layer after it) plug in through
:meth:`Evaluator.add_layer`; Pass is a layer leaving a port undecided. With
NetworkPolicy alone the evaluator takes a fast path with the same answers, and can
answer a listing row in pieces shared by many sources (:meth:`Evaluator.open_row`,
:meth:`Evaluator.closed_row`: what the rules admitting a whole namespace admit is
worked out once per namespace, what an egress profile lets out once per profile).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import NamedTuple, Protocol

from k8snetlint.connectivity import (
    PROTOCOLS,
    Connection,
    ConnSet,
    Endpoint,
    Reason,
    Route,
    Verdict,
)
from k8snetlint.model import Workload
from k8snetlint.net.compile import Compiled, CRule
from k8snetlint.net.nodes import (
    ALL,
    EMPTY,
    AtomNode,
    ClassNode,
    Node,
    bits_of,
    has_bit,
    intersect,
    range_name,
    tester,
    union_all,
)
from k8snetlint.policy import DIRECTIONS, Direction, NetworkPolicy
from k8snetlint.selectors import iter_bits

__all__ = [
    "NOTE_PROTOCOLS",
    "Admission",
    "Decision",
    "DecisionLayer",
    "EgressShare",
    "Evaluator",
    "LayerExplanation",
    "NetworkPolicyLayer",
    "OpenRow",
]

NOTE_PROTOCOLS = "only TCP, UDP and SCTP are modelled; other protocols (ICMP, ...) depend on the network plugin (docs/semantics.md NP-18)"


# ---------------------------------------------------------------------------------
# Decision layers


class Decision(NamedTuple):
    """What one layer decides for one direction of one pair.

    ``allow`` and ``deny`` are the connections the layer decides (they should not
    overlap; ``allow`` wins where they do); every other connection passes on to the
    next layer.
    """

    allow: ConnSet
    deny: ConnSet


class LayerExplanation(NamedTuple):
    """A layer's explanation of one (protocol, port): the decision and its reasons.

    ``passed``: the layer matched but handed the decision on (an admin Pass); its
    reasons start the chain and the next layers explain the rest.
    """

    allowed: bool
    reasons: tuple[Reason, ...]
    passed: bool = False


class DecisionLayer(Protocol):
    """One ordered layer of the per-direction decision (admin tier, NetworkPolicy, ...)."""

    name: str

    def decide(self, direction: Direction, subject: ClassNode, other: Node) -> Decision | None:
        """The layer's decision for traffic of ``subject`` (the pod whose ``direction`` is
        evaluated) with ``other``; None when it decides nothing."""
        ...

    def explain(
        self,
        direction: Direction,
        subject: ClassNode,
        other: Node,
        protocol: str,
        port: int | None,
        names: tuple[str, str],
    ) -> LayerExplanation | None:
        """Why the layer allows or denies ``protocol``/``port`` (``port=None``: any port);
        None when it leaves that traffic undecided. ``names``: (subject, other) display."""
        ...


class NetworkPolicyLayer:
    """NetworkPolicy: an isolated pod gets what some rule allows, and nothing else."""

    name = "NetworkPolicy"

    def __init__(self, compiled: Compiled) -> None:
        self.c = compiled

    def allowed(self, direction: Direction, subject: ClassNode, other: Node) -> ConnSet:
        """What the NetworkPolicies of ``subject`` allow (everything when not isolated)."""
        prof = self.c.profiles[direction][subject.i]
        if prof is None:
            return ALL
        acc: list[ConnSet] = []
        if isinstance(other, ClassNode):
            named = self.c.classes[other.i if direction == "egress" else subject.i].named
            for r in prof.rules:
                if r.has_cls(other.i):
                    acc.append(r.conns(named))
        elif direction == "egress":
            for r in prof.rules:
                if r.has_ext(other.i):
                    acc.append(r.ext_conns)
        else:
            named = self.c.classes[subject.i].named
            for r in prof.rules:
                if r.has_ext(other.i):
                    acc.append(r.conns(named))
        return union_all(tuple(acc))

    def decide(self, direction: Direction, subject: ClassNode, other: Node) -> Decision | None:
        if self.c.profiles[direction][subject.i] is None:
            return None
        allow = self.allowed(direction, subject, other)
        return Decision(allow, _complement(allow))

    def explain(
        self,
        direction: Direction,
        subject: ClassNode,
        other: Node,
        protocol: str,
        port: int | None,
        names: tuple[str, str],
    ) -> LayerExplanation | None:
        prof = self.c.profiles[direction][subject.i]
        if prof is None:
            return None
        subject_name, other_name = names
        dst = other if direction == "egress" else subject
        named = self.c.named_ports(dst)
        reasons: list[Reason] = []
        want = f"{protocol} {port}" if port is not None else f"{protocol} (any port)"
        for r in prof.rules:
            if isinstance(other, ClassNode):
                if not r.has_cls(other.i):
                    continue
                peers = [i for i, b in enumerate(r.peer_cls) if (b >> other.i) & 1] or [-1]
            else:
                if not r.has_ext(other.i):
                    continue
                peers = [i for i, b in enumerate(r.peer_ext) if (b >> other.i) & 1] or [-1]
            if r.rule.ports is None:
                ports = [-1]
            else:
                ports = [p.index for p in r.rule.ports if p.contains(protocol, port, named)]
                if not ports:
                    continue
            peer_txt = "every peer" if peers[0] == -1 else (r.rule.peers or ())[peers[0]].text()
            port_txt = "every port" if ports[0] == -1 else (r.rule.ports or ())[ports[0]].text()
            reasons.append(
                rule_reason(
                    r,
                    peers[0],
                    ports[0],
                    f"{r.policy.key} {direction} rule {r.rule.index} allows {other_name} "
                    f"({peer_txt}) on {port_txt}",
                )
            )
        if reasons:
            return LayerExplanation(True, tuple(reasons))
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
        return LayerExplanation(False, tuple(reasons))


@lru_cache(maxsize=8192)
def _complement(allow: ConnSet) -> ConnSet:
    """Every connection not in ``allow`` (what an isolating NetworkPolicy denies)."""
    return ALL.difference(allow)


def rule_reason(r: CRule, peer: int, port: int, text: str) -> Reason:
    """A reason pointing at rule ``r`` of its policy (file, line, indexes)."""
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


_BLOCK = 512


def _bits(x: int) -> Iterable[int]:
    """:func:`iter_bits`, cheaper for the few bits of a wide set (the text of a
    20,000-bit int per rule and row was most of a sparse map's cost)."""
    if x.bit_count() > 8:
        return iter_bits(x)
    out: list[int] = []
    while x:
        low = x & -x
        out.append(low.bit_length() - 1)
        x ^= low
    return out


class Admission:
    """What one ingress profile admits the sources matching one subset of its rules
    to: its member classes with the connections admitted (non-empty only), in member
    order. Made once per (profile, rule subset) and shared by those sources."""

    __slots__ = ("dsts",)

    def __init__(self, dsts: tuple[tuple[int, ConnSet], ...]) -> None:
        self.dsts = dsts


class OpenRow(NamedTuple):
    """The row of a class whose egress no policy isolates (NetworkPolicy alone), in
    shared pieces (see :meth:`Evaluator.open_row`): every class not isolated for
    ingress and every atom get every connection; an isolated class gets what the
    last admission naming it says (``own`` after ``shared``), nothing when none does.

    ``shared``: the admissions of the rules admitting every class of the source's
    namespace (one object for all of them); ``own``: the source's own, each replacing
    the shared one of its profile (it is made of more rules: it admits more)."""

    shared: tuple[Admission, ...]
    own: list[Admission]


class EgressShare:
    """What the egress profile of some classes lets out, the same for all of them
    (see :meth:`Evaluator.closed_row`), to the destinations no policy isolates for
    ingress: ``pieces``, (classes, connections) each of those classes gets; ``open``,
    the other such destinations (classes several rules or named ports decide, atoms)
    with theirs. ``isolated``: the classes isolated for ingress it lets something out
    to (their ingress decides)."""

    __slots__ = ("isolated", "open", "pieces", "rules")

    def __init__(
        self,
        pieces: tuple[tuple[int, ConnSet], ...],
        open_dsts: tuple[tuple[Node, ConnSet], ...],
        isolated: int,
        rules: tuple[tuple[int, CRule], ...],
    ) -> None:
        self.pieces = pieces
        self.open = open_dsts
        self.isolated = isolated
        self.rules = rules  # (the isolated classes it lets out to, rule)


class _Group(NamedTuple):
    """The ingress rules as they admit the classes of one namespace."""

    shared: tuple[Admission, ...]  # the admissions of the rules admitting all of them
    common: dict[int, tuple[int, ...]]  # profile -> those rules
    residual: dict[int, list[int]]  # class -> keys of rules admitting only some
    admitted: dict[int, ConnSet]  # destination -> what the shared admissions admit
    admitted_bits: int  # those destinations


class _AdmitIndex(NamedTuple):
    """The ingress rules transposed: per source class, the rules admitting it."""

    keys: list[tuple[int, tuple[tuple[int, int], ...]]]  # classes -> (profile, rule)
    key_span: list[tuple[int, int]]  # per key: its lowest and highest class
    spans: list[tuple[int, int]]  # per namespace group: its classes lo..hi-1
    group_of: list[int]  # per class: its group
    block_of: list[tuple[int, int]]  # per group: its block (first, last group + 1)
    blocks: dict[int, dict[int, _Group]]  # first group of a block -> its groups
    made: dict[tuple[int, tuple[int, ...]], Admission]
    shares: dict[int, tuple[object, EgressShare]]  # id(egress profile) -> it, share
    meet: dict[tuple[int, int], tuple[ConnSet, ConnSet, ConnSet]]  # intersections by id


# ---------------------------------------------------------------------------------
# The evaluator


class _Candidates(NamedTuple):
    """Per source, the destinations whose ingress may admit it (pair pruning)."""

    groups: list[tuple[int, int]]  # admitted sources -> destination classes
    not_in_iso: int
    blocks: dict[int, list[int]]  # first source of a block -> its admit rows
    atom_rows: list[int]  # per atom: destination classes
    pruned_layers: bool
    eg_cache: dict[int, tuple[int, int]]
    in_test: bytes  # tester(in_iso)


class Evaluator:
    """Answers over one compiled inventory (see the module docs)."""

    def __init__(self, compiled: Compiled) -> None:
        self.c = compiled
        self.np = NetworkPolicyLayer(compiled)
        self.layers: dict[Direction, list[DecisionLayer]] = {d: [self.np] for d in DIRECTIONS}
        self._pair_list: list[tuple[Node, Node, ConnSet]] | None = None
        self._row_cand: _Candidates | None = None
        self._admit_index: _AdmitIndex | None = None
        self._side: Callable[[Direction, ClassNode, Node], ConnSet] = self.np.allowed
        # layered answers by the layers' decisions (few distinct ones in a cluster)
        self._stack_cache: dict[tuple[Decision | None, ...], ConnSet] = {}

    # -- layers -------------------------------------------------------------------

    def add_layer(
        self, direction: Direction, layer: DecisionLayer, *, before_network_policy: bool
    ) -> None:
        """Add a decision layer before (admin tier) or after (baseline tier) NetworkPolicy.

        Layers added on the same side keep the order they were added in. Must be called
        before any query (results are cached).
        """
        stack = self.layers[direction]
        pos = stack.index(self.np)
        if before_network_policy:
            before = stack[:pos]
            stack[:pos] = [*before, layer]
        else:
            stack.append(layer)
        self._pair_list = None
        self._row_cand = None
        self._admit_index = None

        self._side = self.side

    def _layered(self, direction: Direction) -> bool:
        return len(self.layers[direction]) > 1

    # -- core evaluation ----------------------------------------------------------

    def side(self, direction: Direction, subject: ClassNode, other: Node) -> ConnSet:
        """What ``subject``'s ``direction`` lets through with ``other``, every layer applied."""
        if not self._layered(direction):
            return self.np.allowed(direction, subject, other)
        decisions = tuple(
            layer.decide(direction, subject, other) for layer in self.layers[direction]
        )
        hit = self._stack_cache.get(decisions)
        if hit is not None:
            return hit
        allowed = EMPTY
        decided = EMPTY
        for d in decisions:
            if d is None:
                continue
            allowed = allowed.union(d.allow.difference(decided))
            decided = decided.union(d.allow).union(d.deny)
            if decided.is_all():
                break
        else:
            allowed = allowed.union(ALL.difference(decided))
        self._stack_cache[decisions] = allowed
        return allowed

    def pair(self, s: Node, d: Node) -> ConnSet:
        """Every connection ``s`` may open to ``d`` (egress of ``s`` and ingress of ``d``)."""
        side = self._side
        if isinstance(s, ClassNode):
            eg = side("egress", s, d)
            if not eg.ranges:
                return EMPTY
        elif isinstance(d, ClassNode):
            eg = ALL
        else:
            return EMPTY
        ing = side("ingress", d, s) if isinstance(d, ClassNode) else ALL
        if eg is ALL:
            return ing
        if ing is ALL:
            return eg
        return intersect(eg, ing)

    # -- explanations -------------------------------------------------------------

    def explain(
        self,
        direction: Direction,
        subject: Node,
        other: Node,
        protocol: str,
        port: int | None,
        subject_name: str,
        other_name: str,
    ) -> tuple[bool, list[Reason]]:
        if isinstance(subject, AtomNode):
            what = "source" if direction == "egress" else "destination"
            return True, [
                Reason(
                    direction,
                    not_isolated=True,
                    text=f"external {what}: NetworkPolicy does not apply",
                )
            ]
        chain: list[Reason] = []
        for layer in self.layers[direction]:
            res = layer.explain(
                direction, subject, other, protocol, port, (subject_name, other_name)
            )
            if res is not None and res.passed:
                chain.extend(res.reasons)
                continue
            if res is not None:
                return res.allowed, [*chain, *res.reasons]
        return True, [
            *chain,
            Reason(
                direction,
                not_isolated=True,
                text=f"no policy selects {subject_name} for {direction}",
            ),
        ]

    def verdict(self, src: Endpoint, dst: Endpoint, protocol: str, port: int | None) -> Verdict:
        """May ``src`` open ``protocol``/``port`` to ``dst`` (``port=None``: any port)?"""
        protocol = protocol.upper()
        s, d = self.c.node(src), self.c.node(dst)
        notes = self.pair_notes(s, d)
        if protocol not in PROTOCOLS:
            notes.append(NOTE_PROTOCOLS)
            return Verdict(src, dst, protocol, port, False, (), (), True, tuple(notes))
        if isinstance(s, AtomNode) and isinstance(d, AtomNode):
            notes.append("traffic between two external addresses is not modelled")
            return Verdict(src, dst, protocol, port, False, (), (), False, tuple(notes))
        eg_ok, eg = self.explain("egress", s, d, protocol, port, src.display(), dst.display())
        in_ok, ing = self.explain("ingress", d, s, protocol, port, dst.display(), src.display())
        return Verdict(
            src,
            dst,
            protocol,
            port,
            eg_ok and in_ok,
            tuple(eg),
            tuple(ing),
            self.pair_assumed(s, d),
            tuple(notes),
        )

    def pair_reason_text(self, s: Node, d: Node) -> str:
        """The policies and rules matching the pair, ``;``-separated (for the map)."""
        out: list[str] = []
        sides: tuple[tuple[Direction, Node, Node], ...] = (("egress", s, d), ("ingress", d, s))
        for direction, subj, other in sides:
            if not isinstance(subj, ClassNode):
                continue
            for layer in self.layers[direction]:
                keys = getattr(layer, "matched_keys", None)
                if layer is not self.np and keys is not None:
                    out.extend(keys(direction, subj, other))
            prof = self.c.profiles[direction][subj.i]
            if prof is None:
                out.append(f"{direction}: not isolated")
                continue
            hits = sorted(
                {
                    f"{r.policy.key} {direction}[{r.rule.index}]"
                    for r in prof.rules
                    if r.matches(other)
                }
            )
            out.extend(hits)
        return ";".join(out)

    # -- assumptions --------------------------------------------------------------

    def _ns_dependent(self, s: Node, d: Node) -> list[int]:
        """Classes whose assumed namespace labels the pair's result depends on."""
        out: list[int] = []
        if isinstance(s, ClassNode) and isinstance(d, ClassNode):
            c = self.c
            pin = c.profiles["ingress"][d.i]
            if pin is not None and pin.uses_ns_labels and c.class_ns_assumed[s.i]:
                out.append(s.i)
            peg = c.profiles["egress"][s.i]
            if peg is not None and peg.uses_ns_labels and c.class_ns_assumed[d.i]:
                out.append(d.i)
        return out

    def pair_assumed(self, s: Node, d: Node) -> bool:
        c = self.c
        flags = c.class_assumed
        if isinstance(s, ClassNode):
            if flags[s.i]:
                return True
            if not isinstance(d, ClassNode):
                return False
        elif isinstance(d, ClassNode):
            return flags[d.i]
        else:
            return False
        if flags[d.i]:
            return True
        ns_assumed = c.class_ns_assumed
        if not (ns_assumed[s.i] or ns_assumed[d.i]):
            return False
        return bool(self._ns_dependent(s, d))

    def pair_notes(self, s: Node, d: Node) -> list[str]:
        c = self.c
        out: list[str] = []
        for node in (s, d):
            if not isinstance(node, ClassNode):
                continue
            if node.i == c.ctrl and not c.config.assume.ingress_controller.known:
                out.append(
                    "the ingress controller's namespace and labels are unknown (docs/semantics.md E-2): "
                    "only rules admitting every pod of every namespace admit it"
                )
            for w in c.classes[node.i].workloads:
                if w.host_network:
                    out.append(
                        f"{w.display()} uses hostNetwork: whether policies apply depends on "
                        "the network plugin (docs/semantics.md NP-22)"
                    )
            if c.ipblock_pods and c.classes[node.i].ips:
                out.append(
                    "ipBlocks match pods by their status.podIP (assume.ipblock-matches-pods, "
                    "docs/semantics.md NP-13): the effect depends on the network plugin"
                )
        for ci in self._ns_dependent(s, d):
            ns = c.classes[ci].namespace or "(unknown)"
            out.append(
                f"namespace {ns} has no Namespace object in the input: the namespaceSelectors "
                "evaluated against it assume its labels"
            )
        return list(dict.fromkeys(out))

    # -- listings -----------------------------------------------------------------

    def _may_allow(self, direction: Direction, ci: int) -> tuple[int, int]:
        """(classes, atoms) the layers other than NetworkPolicy may allow for class ``ci``
        beyond what NetworkPolicy allows (only layers before it can: see ``may_allow``)."""
        cls = ext = 0
        for layer in self.layers[direction]:
            may = getattr(layer, "may_allow", None)
            if layer is not self.np and may is not None:
                c, e = may(direction, ci)
                cls |= c
                ext |= e
        return cls, ext

    def _prunable(self) -> bool:
        """Whether every extra layer states what it may allow (then pairs are pruned)."""
        return all(
            layer is self.np or hasattr(layer, "may_allow")
            for d in DIRECTIONS
            for layer in self.layers[d]
        )

    def _candidates(self, pruned_layers: bool) -> _Candidates:
        """Per source class, the destinations that may admit it (see :meth:`_class_pairs`).

        The candidates of a source are the destinations its egress may reach that have
        some ingress rule admitting it. The latter is computed once for every source by
        transposing the ingress profiles (distinct admitted-source sets -> their
        destinations): ``n`` bitsets of ``n`` bits (bounded by the analysis, not by the
        number of pairs). Candidates are a superset: :meth:`pair` has the last word.
        """
        c = self.c
        n = c.n
        all_real = c.all_real
        not_in_iso = all_real & ~c.in_iso
        group_lists: dict[int, list[int]] = {}
        ext_lists: dict[int, list[int]] = {}
        for prof in c.profile_set["ingress"]:
            dsts = [ci for ci in prof.members if ci < n]
            src_any, ext_any = prof.peers_any()
            key = src_any & all_real
            if key:
                group_lists.setdefault(key, []).extend(dsts)
            if ext_any:
                ext_lists.setdefault(ext_any, []).extend(dsts)
        if pruned_layers:
            # sources a layer before NetworkPolicy (an admin Allow) may admit beyond it
            for ci in range(n):
                more_cls, more_ext = self._may_allow("ingress", ci)
                if more_cls & all_real:
                    group_lists.setdefault(more_cls & all_real, []).append(ci)
                if more_ext:
                    ext_lists.setdefault(more_ext, []).append(ci)
        groups = [(srcs, bits_of(members)) for srcs, members in group_lists.items()]
        atom_rows: list[int] = []
        ext_groups = [(k, bits_of(v)) for k, v in ext_lists.items()]
        for a in range(len(c.atoms)):
            row = not_in_iso
            for exts, members_bits in ext_groups:
                if (exts >> a) & 1:
                    row |= members_bits
            atom_rows.append(row)
        return _Candidates(groups, not_in_iso, {}, atom_rows, pruned_layers, {}, tester(c.in_iso))

    def _admit(self, cand: _Candidates, s: int) -> int:
        """The destination classes whose ingress may admit class ``s``: rows computed a
        block of 512 sources at a time (one pass over the profiles' admitted-source
        sets per block), the last few blocks kept (sources come in name order, which
        follows the class order namespace by namespace)."""
        base = s - s % _BLOCK
        rows = cand.blocks.get(base)
        if rows is None:
            if len(cand.blocks) >= 4:
                del cand.blocks[next(iter(cand.blocks))]
            rows = [cand.not_in_iso] * min(_BLOCK, self.c.n - base)
            mask = (1 << _BLOCK) - 1
            for srcs, members in cand.groups:
                for i in iter_bits((srcs >> base) & mask):
                    rows[i] |= members
            cand.blocks[base] = rows
        return rows[s - base]

    def _egress_candidates(self, cand: _Candidates, s: int) -> tuple[int, int]:
        """(classes, atoms) the egress of class ``s`` may reach."""
        c = self.c
        peg = c.profiles["egress"][s]
        if peg is None:
            eg_cand, eg_ext = c.all_real, c.all_ext
        else:
            hit = cand.eg_cache.get(id(peg))
            if hit is None:
                eg_cand = eg_ext = 0
                for r in peg.rules:
                    eg_cand |= r.cls & r.named_ok
                    if not r.ext_conns.is_empty():
                        eg_ext |= r.ext
                hit = (eg_cand & c.all_real, eg_ext)
                cand.eg_cache[id(peg)] = hit
            eg_cand, eg_ext = hit
        if cand.pruned_layers:
            more_cls, more_ext = self._may_allow("egress", s)
            eg_cand |= more_cls & c.all_real
            eg_ext |= more_ext
        return eg_cand, eg_ext

    def _class_row(self, cand: _Candidates, s: int) -> Iterable[tuple[Node, Node, ConnSet]]:
        """Every (class ``s``, destination, allowed) with a non-empty result."""
        c = self.c
        cn, an, pair = c.class_nodes, c.atom_nodes, self.pair
        eg_cand, eg_ext = self._egress_candidates(cand, s)
        src = cn[s]
        for d in iter_bits(eg_cand & self._admit(cand, s)):
            dst = cn[d]
            cs = pair(src, dst)
            if cs.ranges:
                yield src, dst, cs
        for a in iter_bits(eg_ext):
            adst = an[a]
            cs = pair(src, adst)
            if cs.ranges:
                yield src, adst, cs

    def _atom_row(self, cand: _Candidates, a: int) -> Iterable[tuple[Node, Node, ConnSet]]:
        """Every (atom ``a``, destination class, allowed) with a non-empty result."""
        cn, src, pair = self.c.class_nodes, self.c.atom_nodes[a], self.pair
        for d in iter_bits(cand.atom_rows[a]):
            cs = pair(src, cn[d])
            if cs.ranges:
                yield src, cn[d], cs

    def _class_pairs(self, pruned_layers: bool = False) -> Iterable[tuple[Node, Node, ConnSet]]:
        """Every (source, destination, allowed) with a non-empty result, by class.

        No pair is visited unless it is a candidate (see :meth:`_candidates`).
        """
        cand = self._candidates(pruned_layers)
        for s in range(self.c.n):
            yield from self._class_row(cand, s)
        for a in range(len(self.c.atoms)):
            yield from self._atom_row(cand, a)

    def _all_row(self, src: Node) -> Iterable[tuple[Node, Node, ConnSet]]:
        """Every destination of ``src``, visited one by one."""
        c = self.c
        dsts: list[Node] = list(c.class_nodes[: c.n])
        if isinstance(src, ClassNode):
            dsts.extend(c.atom_nodes)
        for dst in dsts:
            cs = self.pair(src, dst)
            if not cs.is_empty():
                yield src, dst, cs

    def row(self, src: Node) -> list[tuple[Node, ConnSet]]:
        """Every destination node ``src`` may open something to, with the connections,
        in no set order (the ingress controller is never a destination here: see
        :meth:`controller_connections`). Each call evaluates one row only; the
        admitted-source groups behind it are computed on the first call, the admit rows
        a block of sources at a time."""
        if isinstance(src, ClassNode) and src.i >= self.c.n:
            return []
        layered = any(self._layered(d) for d in DIRECTIONS)
        if layered and not self._prunable():
            return [(d, cs) for _s, d, cs in self._all_row(src)]
        if self._row_cand is None:
            self._row_cand = self._candidates(pruned_layers=layered)
        cand = self._row_cand
        if isinstance(src, AtomNode):
            return [(d, cs) for _s, d, cs in self._atom_row(cand, src.i)]
        if layered:
            return [(d, cs) for _s, d, cs in self._class_row(cand, src.i)]
        return self._np_row(cand, src.i)

    def open_row(self, s: int) -> OpenRow | None:
        """The row of class ``s`` in shared pieces (:class:`OpenRow`), when NetworkPolicy
        alone decides and no policy isolates the egress of ``s`` (None otherwise: see
        :meth:`row`, which has the same answers).

        The classes include ``s`` itself (a workload is never paired with itself: the
        caller leaves that pair out). Rules mostly admit whole namespaces: what they
        admit is worked out once per namespace, and per class only the rules
        admitting part of its namespace."""
        c = self.c
        if s >= c.n or c.profiles["egress"][s] is not None:
            return None
        if self._layered("ingress") or self._layered("egress"):
            return None
        group, own = self._admissions(self._index(), s)
        return OpenRow(group.shared, own)

    def closed_row(self, s: int) -> tuple[EgressShare, list[tuple[Node, ConnSet]]] | None:
        """The row of class ``s`` when NetworkPolicy alone decides and a policy isolates
        its egress (None otherwise: see :meth:`row`, which has the same answers): what
        its egress profile lets out to destinations no policy isolates for ingress
        (an :class:`EgressShare`, shared by the classes of that profile), and the
        isolated destinations admitting ``s``, each with what both sides allow. ``s``
        itself may be among them (see :meth:`open_row`)."""
        c = self.c
        peg = c.profiles["egress"][s] if s < c.n else None
        if peg is None or self._layered("ingress") or self._layered("egress"):
            return None
        idx = self._index()
        hit = idx.shares.get(id(peg))
        if hit is None:
            hit = idx.shares[id(peg)] = (peg, self._egress_share(peg.rules))
        share = hit[1]
        out: list[tuple[Node, ConnSet]] = []
        if not share.isolated:
            return share, out
        group, own = self._admissions(idx, s)
        own_map = {d: cs for adm in own for d, cs in adm.dsts}
        cand = share.isolated & (group.admitted_bits | bits_of(own_map))
        if not cand:
            return share, out
        rules_of: dict[int, list[CRule]] = {}
        for bits, r in share.rules:
            for d in _bits(bits & cand):
                got = rules_of.get(d)
                if got is None:
                    rules_of[d] = [r]
                else:
                    got.append(r)
        meet = idx.meet
        if len(meet) > 100_000:
            meet.clear()
        for d, rules in rules_of.items():
            named = c.classes[d].named
            if len(rules) == 1:
                eg = rules[0].conns(named)
            else:
                eg = union_all(tuple(r.conns(named) for r in rules))
            ing = own_map.get(d) or group.admitted[d]
            # intersect(), by identity (the sets' own hash is computed in Python)
            met = meet.get((id(eg), id(ing)))
            if met is None:
                cs = ing if eg is ALL else eg if ing is ALL else intersect(eg, ing)
                meet[(id(eg), id(ing))] = (eg, ing, cs)
            else:
                cs = met[2]
            if cs.ranges:
                out.append((c.class_nodes[d], cs))
        return share, out

    def _admissions(self, idx: _AdmitIndex, s: int) -> tuple[_Group, list[Admission]]:
        """The group of class ``s`` and the admissions of its own (see :class:`OpenRow`)."""
        group = self._group(idx, idx.group_of[s])
        residual = group.residual.get(s)
        if not residual:
            return group, []
        by_prof: dict[int, list[int]] = {}
        for k in residual:
            for pi, ri in idx.keys[k][1]:
                hit = by_prof.get(pi)
                if hit is None:
                    by_prof[pi] = [ri]
                else:
                    hit.append(ri)
        own: list[Admission] = []
        for pi, ris in by_prof.items():
            adm = self._made(idx, pi, tuple(sorted([*ris, *group.common.get(pi, ())])))
            if adm.dsts:
                own.append(adm)
        return group, own

    def _egress_share(self, rules: Sequence[CRule]) -> EgressShare:
        """What ``rules`` (an egress profile) let out, per destination (as
        :meth:`NetworkPolicyLayer.allowed` unites them): the classes only one rule
        without named ports lets out to come as one piece per rule."""
        c = self.c
        open_cls = c.all_real & ~c.in_iso
        sets = [(r.cls & r.named_ok & c.all_real, r) for r in rules]
        seen = multi = 0
        for bits, _r in sets:
            multi |= seen & bits
            seen |= bits
        pieces: list[tuple[int, ConnSet]] = []
        open_dsts: list[tuple[Node, ConnSet]] = []
        testers = tuple((tester(bits), r) for bits, r in sets)
        for bits, r in sets:
            alone = bits & ~multi & open_cls
            if r.static is not None:
                if alone and r.static.ranges:
                    pieces.append((alone, r.static))
                continue
            for d in _bits(alone):
                cs = r.conns(c.classes[d].named)
                if cs.ranges:
                    open_dsts.append((c.class_nodes[d], cs))
        for d in _bits(multi & open_cls):
            named = c.classes[d].named
            cs = union_all(tuple(r.conns(named) for t, r in testers if has_bit(t, d)))
            if cs.ranges:
                open_dsts.append((c.class_nodes[d], cs))
        ext = 0
        for r in rules:
            if not r.ext_conns.is_empty():
                ext |= r.ext
        for a in iter_bits(ext):
            cs = union_all(tuple(r.ext_conns for r in rules if r.has_ext(a)))
            if cs.ranges:
                open_dsts.append((c.atom_nodes[a], cs))
        isolated = seen & c.in_iso
        rule_bits = tuple((bits & isolated, r) for bits, r in sets if bits & isolated)
        return EgressShare(tuple(pieces), tuple(open_dsts), isolated, rule_bits)

    def _index(self) -> _AdmitIndex:
        """Every distinct set of classes an ingress rule admits, with its rules; the
        namespace groups of classes (classes are in namespace order) and their blocks
        of about 512 classes."""
        idx = self._admit_index
        if idx is not None:
            return idx
        c = self.c
        all_real = c.all_real
        keyed: dict[int, list[tuple[int, int]]] = {}
        for pi, prof in enumerate(c.profile_set["ingress"]):
            for ri, r in enumerate(prof.rules):
                bits = r.cls & all_real
                if bits:
                    keyed.setdefault(bits, []).append((pi, ri))
        spans: list[tuple[int, int]] = []
        group_of: list[int] = []
        for ci in range(c.n):
            if not spans or c.classes[ci].namespace != c.classes[ci - 1].namespace:
                spans.append((ci, ci + 1))
            else:
                spans[-1] = (spans[-1][0], ci + 1)
            group_of.append(len(spans) - 1)
        block_of: list[tuple[int, int]] = []
        first = 0
        for g, (_lo, hi) in enumerate(spans):
            if hi - spans[first][0] > _BLOCK and g > first:
                block_of.extend([(first, g)] * (g - first))
                first = g
        block_of.extend([(first, len(spans))] * (len(spans) - first))
        idx = _AdmitIndex(
            [(b, tuple(v)) for b, v in keyed.items()],
            [((b & -b).bit_length() - 1, b.bit_length() - 1) for b in keyed],
            spans,
            group_of,
            block_of,
            {},
            {},
            {},
            {},
        )
        self._admit_index = idx
        return idx

    def _group(self, idx: _AdmitIndex, g: int) -> _Group:
        """The rules as they admit the classes of group ``g``: computed for a block of
        groups at a time (one pass over the rules' admitted sets per block; the last
        few blocks kept: sources come in name order, namespace by namespace)."""
        first, last = idx.block_of[g]
        groups = idx.blocks.get(first)
        if groups is None:
            if len(idx.blocks) >= 4:
                del idx.blocks[next(iter(idx.blocks))]
            groups = idx.blocks[first] = self._block(idx, first, last)
        return groups[g]

    def _block(
        self, idx: _AdmitIndex, first: int, last: int, by_class: bool | None = None
    ) -> dict[int, _Group]:
        """The groups ``first`` to ``last - 1``: which rules admit all of a group's
        classes, which only some (per class). Either each rule's set is cut to each
        group, or (``by_class``) each rule's classes are visited and a group's common
        rules are those of all its classes; by default whichever visits less (many
        small namespaces: by class)."""
        base, end = idx.spans[first][0], idx.spans[last - 1][1]
        mask = (1 << (end - base)) - 1
        live: list[tuple[int, int]] = []
        visits = 0
        for k, (bits, _rules) in enumerate(idx.keys):
            lo_bit, hi_bit = idx.key_span[k]
            if hi_bit < base or lo_bit >= end:
                continue
            kb = (bits >> base) & mask
            if kb:
                live.append((k, kb))
                visits += kb.bit_count()
        per_class: dict[int, list[int]] | None = None
        if by_class is None:
            by_class = visits < (last - first) * len(live)
        if by_class:
            per_class = {}
            for k, kb in live:
                for i in _bits(kb):
                    hit = per_class.get(base + i)
                    if hit is None:
                        per_class[base + i] = [k]
                    else:
                        hit.append(k)
        out: dict[int, _Group] = {}
        for g in range(first, last):
            lo, hi = idx.spans[g]
            common_keys: list[int] = []
            residual: dict[int, list[int]] = {}
            if per_class is not None:
                lists = [per_class.get(ci, []) for ci in range(lo, hi)]
                every = set(lists[0]).intersection(*lists[1:])
                common_keys = [k for k in lists[0] if k in every]
                for ci, keys in zip(range(lo, hi), lists, strict=True):
                    rest = [k for k in keys if k not in every] if every else keys
                    if rest:
                        residual[ci] = rest
            else:
                off, m = lo - base, (1 << (hi - lo)) - 1
                for k, kb in live:
                    v = (kb >> off) & m
                    if v == m:
                        common_keys.append(k)
                    elif v:
                        for i in _bits(v):
                            residual.setdefault(lo + i, []).append(k)
            by_prof: dict[int, list[int]] = {}
            for k in common_keys:
                for pi, ri in idx.keys[k][1]:
                    by_prof.setdefault(pi, []).append(ri)
            common = {pi: tuple(sorted(ris)) for pi, ris in by_prof.items()}
            shared = [self._made(idx, pi, ris) for pi, ris in common.items()]
            admitted = {d: cs for a in shared for d, cs in a.dsts}
            out[g] = _Group(
                tuple(a for a in shared if a.dsts), common, residual, admitted, bits_of(admitted)
            )
        return out

    def _made(self, idx: _AdmitIndex, pi: int, rules: tuple[int, ...]) -> Admission:
        adm = idx.made.get((pi, rules))
        if adm is None:
            prof = self.c.profile_set["ingress"][pi]
            adm = idx.made[(pi, rules)] = self._admission(prof.members, prof.rules, rules)
        return adm

    def _admission(
        self, members: Sequence[int], rules: Sequence[CRule], chosen: tuple[int, ...]
    ) -> Admission:
        """What ``rules[chosen]`` admit to each real class of ``members`` (as
        :meth:`NetworkPolicyLayer.allowed` unites them)."""
        c = self.c
        picked = [rules[ri] for ri in chosen]
        dsts: list[tuple[int, ConnSet]] = []
        for d in members:
            if d >= c.n:
                continue
            named = c.classes[d].named
            cs = union_all(tuple(r.conns(named) for r in picked))
            if cs.ranges:
                dsts.append((d, cs))
        return Admission(tuple(dsts))

    def _np_row(self, cand: _Candidates, s: int) -> list[tuple[Node, ConnSet]]:
        """:meth:`_class_row` with NetworkPolicy alone, destinations in no set order:
        rule by rule rather than pair by pair (the same answers as :meth:`pair`)."""
        c = self.c
        cn, an, classes = c.class_nodes, c.atom_nodes, c.classes
        eg_cand, eg_ext = self._egress_candidates(cand, s)
        cands = eg_cand & self._admit(cand, s)
        src = cn[s]
        out: list[tuple[Node, ConnSet]] = []
        peg = c.profiles["egress"][s]
        egress: dict[int, ConnSet] = {}
        if peg is None:
            out.extend((cn[d], ALL) for d in iter_bits(cands & ~c.in_iso))
            isolated = cands & c.in_iso
        else:
            in_test = cand.in_test
            hits: dict[int, list[CRule]] = {}
            for r in peg.rules:
                for d in _bits(r.cls & cands):
                    hits.setdefault(d, []).append(r)
            for d, rules in hits.items():
                named = classes[d].named
                eg = union_all(tuple(r.conns(named) for r in rules))
                if not eg.ranges:
                    continue
                if not has_bit(in_test, d):
                    out.append((cn[d], eg))
                else:
                    egress[d] = eg
            isolated = bits_of(egress)
        ingress = self.np.allowed
        for d in iter_bits(isolated):
            ing = ingress("ingress", cn[d], src)
            if not ing.ranges:
                continue
            eg = egress.get(d, ALL)
            cs = ing if eg is ALL else eg if ing is ALL else intersect(eg, ing)
            if cs.ranges:
                out.append((cn[d], cs))
        pair = self.pair
        for a in iter_bits(eg_ext):
            cs = pair(src, an[a])
            if cs.ranges:
                out.append((an[a], cs))
        return out

    def _all_pairs(self) -> Iterable[tuple[Node, Node, ConnSet]]:
        """Every pair, visited one by one (when layers other than NetworkPolicy decide,
        the candidate pruning of :meth:`_class_pairs` does not hold)."""
        n = self.c.n
        atoms = range(len(self.c.atoms))
        for s in range(n):
            src = ClassNode(s)
            for d in range(n):
                cs = self.pair(src, ClassNode(d))
                if not cs.is_empty():
                    yield src, ClassNode(d), cs
            for a in atoms:
                cs = self.pair(src, AtomNode(a))
                if not cs.is_empty():
                    yield src, AtomNode(a), cs
        for a in atoms:
            for d in range(n):
                cs = self.pair(AtomNode(a), ClassNode(d))
                if not cs.is_empty():
                    yield AtomNode(a), ClassNode(d), cs

    def pair_list(self) -> list[tuple[Node, Node, ConnSet]]:
        """Every allowed (source, destination) node pair with its connections."""
        if self._pair_list is None:
            layered = any(self._layered(d) for d in DIRECTIONS)
            if not layered:
                self._pair_list = list(self._class_pairs())
            elif self._prunable():
                self._pair_list = list(self._class_pairs(pruned_layers=True))
            else:
                self._pair_list = list(self._all_pairs())
        return self._pair_list

    def connections(
        self, endpoints: Sequence[Endpoint], routes: Sequence[Route]
    ) -> tuple[Connection, ...]:
        """Every allowed ordered pair of distinct endpoints, sorted by ``endpoints`` order.

        The ingress controller only towards the ports its Ingress routes use.
        """
        c = self.c
        rank = {e: i for i, e in enumerate(endpoints)}
        rank.setdefault(c.ingress_controller, len(rank))
        ranked: dict[Node, list[tuple[int, Endpoint, Workload | None]]] = {}

        def members(node: Node) -> list[tuple[int, Endpoint, Workload | None]]:
            hit = ranked.get(node)
            if hit is None:
                hit = [(rank[e], e, w) for e, w in c.node_endpoints(node)]
                ranked[node] = hit
            return hit

        out: list[tuple[int, int, Connection]] = []
        for s, d, cs in self.pair_list():
            assumed = self.pair_assumed(s, d)
            dsts = members(d)
            for rs, sep, sw in members(s):
                for rd, dep, dw in dsts:
                    if sw is not None and sw is dw:
                        continue
                    out.append((rs, rd, Connection(sep, dep, cs, assumed)))
        for conn in self.controller_connections(routes):
            out.append((rank[conn.src], rank[conn.dst], conn))
        out.sort(key=lambda t: (t[0], t[1]))
        return tuple(t[2] for t in out)

    def controller_connections(self, routes: Sequence[Route]) -> list[Connection]:
        """The ingress controller towards the ports its Ingress routes use (as
        netpol-analyzer lists it), in the order of ``routes``' destinations."""
        c = self.c
        if not c.inventory.ingresses:
            return []
        ctrl = c.ingress_controller
        ctrl_assumed = not c.config.assume.ingress_controller.known
        per_dst: dict[Endpoint, list[ConnSet]] = {}
        for route in routes:
            if route.kind != "ingress" or route.blocked:
                continue
            per_dst.setdefault(route.dst, []).append(
                ConnSet.from_dict({route.protocol: [(route.target_port, route.target_port)]})
            )
        out: list[Connection] = []
        for dst, sets in per_dst.items():
            cs = intersect(union_all(tuple(sets)), self.pair(c.node(ctrl), c.node(dst)))
            if not cs.is_empty():
                out.append(Connection(ctrl, dst, cs, ctrl_assumed))
        return out

    # -- per-workload questions ---------------------------------------------------

    def _peers(self) -> list[Node]:
        """Every node a class may talk with: classes (the ingress controller too), atoms."""
        c = self.c
        return [*c.class_nodes, *c.atom_nodes]

    def _side_allows(
        self, direction: Direction, ci: int, other: Node, protocol: str, port: int
    ) -> bool:
        return self.side(direction, ClassNode(ci), other).contains(protocol, port)

    def tier_coverage(self, direction: Direction, ci: int) -> str:
        """How much of the class's ``direction`` the layers other than NetworkPolicy
        decide with the pods of the input (every pod class and the ingress controller
        stand-in): ``"all"`` (every connection with every pod), ``"some"`` or ``"none"``.
        Address ranges are left out: admin ingress rules cannot name them."""
        if not self._layered(direction):
            return "none"
        subject = ClassNode(ci)
        full = True
        some = False
        for other in self.c.class_nodes:
            decided = EMPTY
            for layer in self.layers[direction]:
                if layer is self.np:
                    continue
                d = layer.decide(direction, subject, other)
                if d is not None:
                    decided = decided.union(d.allow).union(d.deny)
            if decided.is_empty():
                full = False
            else:
                some = True
                if not decided.is_all():
                    full = False
        return "all" if full else "some" if some else "none"

    def external_sources(
        self, ci: int, protocol: str, port: int, within: Sequence[tuple[int, int, int]] | None
    ) -> list[str]:
        """External ranges the class's ingress admits on protocol/port, cut to ``within``."""
        c = self.c
        prof = c.profiles["ingress"][ci]
        named = c.classes[ci].named
        if self._layered("ingress"):
            ext = 0
            for a, node in enumerate(c.atom_nodes):
                if self._side_allows("ingress", ci, node, protocol, port):
                    ext |= 1 << a
        elif prof is None:
            ext = c.all_ext
        else:
            ext = 0
            for r in prof.rules:
                if r.ext and r.conns(named).contains(protocol, port):
                    ext |= r.ext
        out: list[str] = []
        for a in iter_bits(ext):
            atom = c.atoms[a]
            if within is None:
                out.append(atom.name)
                continue
            for ver, lo, hi in within:
                if ver == atom.version:
                    a_lo, a_hi = max(lo, atom.lo), min(hi, atom.hi)
                    if a_lo <= a_hi:
                        out.append(range_name(ver, a_lo, a_hi))
        return sorted(set(out))

    def admits_any(self, ci: int, protocol: str, port: int) -> bool:
        """Whether some source (pod or address) is admitted to the class on the port."""
        if self._layered("ingress"):
            return any(self._side_allows("ingress", ci, o, protocol, port) for o in self._peers())
        prof = self.c.profiles["ingress"][ci]
        if prof is None:
            return True
        named = self.c.classes[ci].named
        return any((r.cls or r.ext) and r.conns(named).contains(protocol, port) for r in prof.rules)

    def admits_any_pod(self, ci: int, protocol: str, port: int) -> bool:
        """Whether the class's ingress admits *any* pod of *any* namespace on the port.

        With tier layers: every pod class of the input and the ingress controller
        stand-in are admitted, every layer applied (pods outside the input are judged
        like them)."""
        if self._layered("ingress"):
            return all(
                self._side_allows("ingress", ci, o, protocol, port) for o in self.c.class_nodes
            )
        prof = self.c.profiles["ingress"][ci]
        if prof is None:
            return True
        named = self.c.classes[ci].named
        for r in prof.rules:
            if not r.conns(named).contains(protocol, port):
                continue
            if r.rule.peers is None or any(
                p.matches_pod(r.policy.namespace, None, None, None) for p in r.rule.peers
            ):
                return True
        return False

    def egress_allows(self, ci: int, protocol: str, port: int) -> bool:
        """Whether the class's egress lets ``protocol``/``port`` out to some destination."""
        c = self.c
        if self._layered("egress"):
            return any(self._side_allows("egress", ci, o, protocol, port) for o in self._peers())
        prof = c.profiles["egress"][ci]
        if prof is None:
            return True
        for r in prof.rules:
            if r.ext and r.ext_conns.contains(protocol, port):
                return True
            targets = r.cls & r.named_ok & c.all_real
            if not targets:
                continue
            if r.static is not None:
                if r.static.contains(protocol, port):
                    return True
                continue
            for d in iter_bits(targets):
                if r.conns(c.classes[d].named).contains(protocol, port):
                    return True
        return False

    def policies_selecting(self, ci: int, direction: Direction) -> tuple[NetworkPolicy, ...]:
        prof = self.c.profiles[direction][ci]
        return prof.policies if prof is not None else ()
