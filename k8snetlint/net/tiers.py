"""The admin policy tiers as decision layers of the engine (``docs/semantics.md``, T1-T12).

Its one job: plug the admin tier (before NetworkPolicy) and the baseline tier (after it)
into the :class:`~k8snetlint.net.evaluate.Evaluator`'s per-direction stack. The rules
are evaluated over the engine's classes and atoms by
:class:`k8snetlint.tiers.TierLayer`; per pair a layer takes its matching rules in order,
first match per (protocol, port): Allow/Accept decides allowed, Deny denied, Pass leaves
the port undecided for the next layer (in the baseline tier, a ClusterNetworkPolicy
Pass goes on to the default, which allows).
"""

from __future__ import annotations

from k8snetlint.connectivity import Reason
from k8snetlint.net.compile import Compiled
from k8snetlint.net.evaluate import Decision, Evaluator, LayerExplanation
from k8snetlint.net.nodes import ALL, EMPTY, AtomNode, ClassNode, Node
from k8snetlint.policy import DIRECTIONS, Direction, NamedPorts
from k8snetlint.tiers import (
    AdminPolicy,
    ClassFacts,
    CompiledRule,
    Layer,
    TierLayer,
    conn_difference,
)

__all__ = ["TierDecisionLayer", "install_tiers"]

_MISSING = object()


def _facts(c: Compiled) -> list[ClassFacts]:
    inv = c.inventory
    out: list[ClassFacts] = []
    for pc in c.classes:
        ns_labels = inv.namespace_labels(pc.namespace) if pc.namespace is not None else None
        ips = pc.ips if pc.workloads else ()
        host = bool(pc.workloads) and all(w.host_network for w in pc.workloads)
        out.append(ClassFacts(pc.index, pc.namespace, pc.labels, ns_labels, pc.named, ips, host))
    return out


class TierDecisionLayer:
    """The admin or the baseline tier for both directions."""

    def __init__(self, compiled: Compiled, tiers: TierLayer, layer: Layer) -> None:
        self.c = compiled
        self.tiers = tiers
        self.layer = layer
        self.name = "admin tier" if layer == "admin" else "baseline tier"
        self._allow_cache: dict[int, tuple[int, int]] = {}
        self._decisions: dict[tuple[object, ...], object] = {}

    def _rules(self, direction: Direction, subject: ClassNode) -> tuple[CompiledRule, ...]:
        prof = self.tiers.profile(direction, subject.i)
        if prof is None:
            return ()
        return prof.admin if self.layer == "admin" else prof.baseline

    @staticmethod
    def _hits(r: CompiledRule, other: Node) -> bool:
        bits = r.ext if isinstance(other, AtomNode) else r.cls
        return bool((bits >> other.i) & 1)

    def _named(self, direction: Direction, subject: ClassNode, other: Node) -> NamedPorts | None:
        return self.c.named_ports(other if direction == "egress" else subject)

    def decide(self, direction: Direction, subject: ClassNode, other: Node) -> Decision | None:
        rules = self._rules(direction, subject)
        if not rules:
            return None
        matched = tuple(r for r in rules if self._hits(r, other))
        if not matched:
            return None
        named = self._named(direction, subject, other)
        # pairs matched by the same rules towards the same named ports decide alike
        key = (tuple(id(r) for r in matched), named)
        hit = self._decisions.get(key, _MISSING)
        if hit is _MISSING:
            hit = self._decisions[key] = self._first_match(matched, named)
        return hit  # type: ignore[return-value]

    def _first_match(
        self, rules: tuple[CompiledRule, ...], named: NamedPorts | None
    ) -> Decision | None:
        """First match per (protocol, port) among ``rules`` (all matching the peer)."""
        remaining = ALL
        allow = deny = EMPTY
        matched = False
        for r in rules:
            taken = r.rule.conns(named).intersection(remaining)
            if taken.is_empty():
                continue
            matched = True
            remaining = conn_difference(remaining, taken)
            action = r.rule.action
            if action == "Allow" or (action == "Pass" and self.layer == "baseline"):
                allow = allow.union(taken)
            elif action == "Deny":
                deny = deny.union(taken)
            if remaining.is_empty():
                break
        if not matched:
            return None
        return Decision(allow, deny)

    def matched_keys(self, direction: Direction, subject: ClassNode, other: Node) -> list[str]:
        """``Kind/name ingress[0] "rule": Action`` for the rules matching the pair (the map)."""
        return [
            f"{r.policy.key} {r.rule.label()}: {r.rule.action_word}"
            for r in self._rules(direction, subject)
            if self._hits(r, other)
        ]

    def may_allow(self, direction: Direction, ci: int) -> tuple[int, int]:
        """(classes, atoms) this layer may allow for class ``ci`` beyond NetworkPolicy."""
        if self.layer != "admin":
            return 0, 0
        prof = self.tiers.profile(direction, ci)
        if prof is None:
            return 0, 0
        hit = self._allow_cache.get(id(prof))
        if hit is None:
            hit = self._allow_cache[id(prof)] = prof.allow_peers()
        return hit

    def explain(
        self,
        direction: Direction,
        subject: ClassNode,
        other: Node,
        protocol: str,
        port: int | None,
        names: tuple[str, str],
    ) -> LayerExplanation | None:
        rules = self._rules(direction, subject)
        named = self._named(direction, subject, other)
        for r in rules:
            if not self._hits(r, other):
                continue
            conns = r.rule.conns(named)
            if port is None:
                hit = any(p == protocol for p, _r in conns.ranges)
            else:
                hit = conns.contains(protocol, port)
            if not hit:
                continue
            reason = self._reason(direction, r, other, names)
            action = r.rule.action
            if action == "Pass" and self.layer == "admin":
                return LayerExplanation(False, (reason,), True)
            return LayerExplanation(action != "Deny", (reason,))
        return None

    def _reason(
        self, direction: Direction, r: CompiledRule, other: Node, names: tuple[str, str]
    ) -> Reason:
        pol: AdminPolicy = r.policy
        rule = r.rule
        peer = -1
        bits = r.peer_ext if isinstance(other, AtomNode) else r.peer_cls
        for i, b in enumerate(bits):
            if (b >> other.i) & 1:
                peer = i
                break
        peer_txt = rule.peers[peer].text() if 0 <= peer < len(rule.peers) else "every peer"
        if rule.action == "Pass" and self.layer == "admin":
            then = "; NetworkPolicy decides next, then the baseline tier"
        elif rule.action == "Pass":
            then = "; the rest of the baseline tier is skipped: allowed by default"
        else:
            then = ""
        span = pol.manifest.span_at(rule.path)
        return Reason(
            direction,
            policy=pol.key,
            rule_index=rule.index,
            peer_index=peer,
            file=pol.manifest.file,
            line=span.line,
            column=span.column,
            text=(
                f"{self.name}: {pol.label()} {rule.label()}: {rule.action_word} "
                f"(matches {names[1]} as {peer_txt}){then}"
            ),
        )


def install_tiers(compiled: Compiled, evaluator: Evaluator) -> TierLayer | None:
    """Add the tier layers of the inventory's tier policies to ``evaluator``."""
    pols = [p for p in compiled.inventory.tier_policies if p.active]
    if not pols:
        return None
    atoms = [(a.version, a.lo, a.hi) for a in compiled.atoms]
    tiers = TierLayer(pols, _facts(compiled), atoms)
    admin = TierDecisionLayer(compiled, tiers, "admin")
    baseline = TierDecisionLayer(compiled, tiers, "baseline")
    for direction in DIRECTIONS:
        if any(p.rules(direction) for p in pols if p.layer == "admin"):
            evaluator.add_layer(direction, admin, before_network_policy=True)
        if any(p.rules(direction) for p in pols if p.layer == "baseline"):
            evaluator.add_layer(direction, baseline, before_network_policy=False)
    return tiers
