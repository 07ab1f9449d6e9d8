"""Checks on the admin policy tiers (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
ClusterNetworkPolicy; ``docs/semantics.md`` points T1-T12).

They evaluate the tier rules over the workloads of the input, one class per workload,
with :class:`k8snetlint.tiers.TierLayer` (the same matching the connectivity engine
uses), so that "can match one connection" and "shadowed" mean the pods and addresses
the input shows.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from k8snetlint.checks import Hit, RelatedHit, check
from k8snetlint.context import Context
from k8snetlint.model import Inventory, Workload
from k8snetlint.policy import DIRECTIONS, Direction

if TYPE_CHECKING:
    from k8snetlint.tiers import AdminPolicy, TierLayer, TierPeer, TierProfile, TierRule

_KEY = "tiers.layer"


def _layer(ctx: Context) -> tuple[TierLayer, list[Workload]]:
    from k8snetlint.tiers import ClassFacts, TierLayer, address_ranges, cidr_blocks

    hit = ctx.cache.get(_KEY)
    if hit is None:
        inv: Inventory = ctx.inventory
        workloads = list(inv.workloads)
        facts = [
            ClassFacts(
                i,
                w.namespace,
                w.labels,
                inv.namespace_labels(w.namespace),
                w.named_ports,
                w.pod_ips,
                w.host_network,
            )
            for i, w in enumerate(workloads)
        ]
        atoms = address_ranges(cidr_blocks(inv.tier_policies))
        hit = (TierLayer(inv.tier_policies, facts, atoms), workloads)
        ctx.cache[_KEY] = hit
    layer, wls = hit
    assert isinstance(layer, TierLayer)
    return layer, list(wls)


def _profiles(layer: TierLayer, direction: Direction, n: int) -> dict[int, tuple[TierProfile, int]]:
    """Distinct profiles of a direction -> (profile, classes having it)."""
    out: dict[int, tuple[TierProfile, int]] = {}
    for ci in range(n):
        prof = layer.profile(direction, ci)
        if prof is None:
            continue
        _p, bits = out.get(id(prof), (prof, 0))
        out[id(prof)] = (prof, bits | (1 << ci))
    return out


def _named_union(workloads: Sequence[Workload]) -> tuple[tuple[str, str, int], ...]:
    return tuple(sorted({p for w in workloads for p in w.named_ports}))


# ---------------------------------------------------------------------------------


@check("baseline-policy-not-default")
def baseline_policy_not_default(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A BaselineAdminNetworkPolicy whose name is not ``default`` (tiers point 5)."""
    for pol in ctx.inventory.tier_policies:
        if pol.kind == "BaselineAdminNetworkPolicy" and pol.name != "default":
            yield Hit(
                f"BaselineAdminNetworkPolicy {pol.name!r} is rejected by the API server: "
                "the single BaselineAdminNetworkPolicy of a cluster must be named 'default'; "
                "it is ignored",
                manifest=pol.manifest,
                path=("metadata", "name"),
            )


@check("admin-policy-peer-unknown-field")
def admin_policy_peer_unknown_field(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A peer that sets no field this version recognises: it fails closed (point 10)."""
    for pol in ctx.inventory.tier_policies:
        for direction in DIRECTIONS:
            for rule in pol.rules(direction):
                for peer in rule.peers:
                    if not peer.unknown:
                        continue
                    effect = (
                        "this Allow rule matches nothing"
                        if rule.action == "Allow"
                        else f"this {rule.action_word} rule matches every peer and every port"
                    )
                    yield Hit(
                        f"peer {peer.index} of {rule.label()} in {pol.label()} sets no field "
                        f"this version of the API knows (an implementation then fails closed): "
                        f"{effect}",
                        manifest=pol.manifest,
                        path=peer.path,
                    )


@check("admin-policy-domain-names")
def admin_policy_domain_names(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """``domainNames`` peers: DNS names cannot be judged from manifests (point 8)."""
    for pol in ctx.inventory.tier_policies:
        for rule in pol.egress:
            for peer in rule.peers:
                if peer.field != "domainNames":
                    continue
                names = ", ".join(peer.domains) or "(none)"
                yield Hit(
                    f"{rule.label()} of {pol.label()} names domains ({names}): which "
                    "addresses they resolve to is not known from the manifests, so the "
                    "analysis treats this peer as matching nothing",
                    manifest=pol.manifest,
                    path=(*peer.path, "domainNames"),
                    assumed=True,
                )


@check("admin-policy-priority-overlap")
def admin_policy_priority_overlap(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Two admin-tier policies of one priority whose rules can match one connection with
    different actions: which applies is undefined (point 6)."""
    if not ctx.inventory.tier_policies:
        return  # nothing to overlap (and no tier layer to build)
    layer, workloads = _layer(ctx)
    n = len(workloads)
    seen: set[tuple[int, int]] = set()
    for direction in DIRECTIONS:
        for prof, members in _profiles(layer, direction, n).values():
            rules = prof.admin
            for i, a in enumerate(rules):
                for b in rules[i + 1 :]:
                    pa, pb = a.policy, b.policy
                    if pa is pb or pa.priority != pb.priority or a.rule.action == b.rule.action:
                        continue
                    key = (id(pa), id(pb))
                    if key in seen:
                        continue
                    if not (a.cls & b.cls) and not (a.ext & b.ext):
                        continue
                    named = _named_union(
                        [workloads[ci] for ci in range(n) if (members >> ci) & 1]
                        if direction == "ingress"
                        else workloads
                    )
                    if a.rule.conns(named).intersection(b.rule.conns(named)).is_empty():
                        continue
                    seen.add(key)
                    first, second = sorted((pa, pb), key=lambda p: (p.kind, p.name))
                    ra, rb = (a, b) if first is pa else (b, a)
                    yield Hit(
                        f"{first.label()} and {second.label()} share priority "
                        f"{first.priority} and their rules {ra.rule.label()} "
                        f"({ra.rule.action_word}) and {rb.rule.label()} ({rb.rule.action_word}) "
                        "can match the same connection: the API leaves undefined which one "
                        "applies; k8snetlint evaluates them by kind, then name",
                        manifest=second.manifest,
                        path=("spec", "priority"),
                        related=(
                            RelatedHit(first.manifest, ("spec", "priority"), "same priority"),
                            RelatedHit(first.manifest, ra.rule.path, "overlapping rule"),
                            RelatedHit(second.manifest, rb.rule.path, "overlapping rule"),
                        ),
                    )


def _subject_covers(e: AdminPolicy, r: AdminPolicy) -> bool:
    """Whether ``e`` applies to every pod ``r`` applies to, by the selectors alone."""
    if e is r:
        return True
    es, rs = e.subject, r.subject
    if es is None or rs is None:
        return False
    if es.pod_selector is None or es.pod_selector.is_empty:
        return es.namespace_selector.is_empty or (
            es.namespace_selector.key() == rs.namespace_selector.key()
        )
    return (
        rs.pod_selector is not None
        and es.pod_selector.key() == rs.pod_selector.key()
        and es.namespace_selector.key() == rs.namespace_selector.key()
    )


def _peer_covers(e: TierPeer, r: TierPeer) -> bool:
    """Whether peer ``e`` matches everything peer ``r`` matches, by the fields alone."""
    if not e.valid or not r.valid or e.unknown or r.unknown:
        return False
    if r.field in ("namespaces", "pods") and e.field in ("namespaces", "pods"):
        assert e.namespace_selector is not None and r.namespace_selector is not None
        if e.field == "namespaces":
            return e.namespace_selector.is_empty or (
                e.namespace_selector.key() == r.namespace_selector.key()
            )
        if r.field != "pods" or e.pod_selector is None or r.pod_selector is None:
            return False
        same_ns = e.namespace_selector.is_empty or (
            e.namespace_selector.key() == r.namespace_selector.key()
        )
        return same_ns and (e.pod_selector.is_empty or e.pod_selector.key() == r.pod_selector.key())
    if r.field == "networks" and e.field == "networks":
        return all(
            any(
                eb.version == rb.version
                and all(
                    any(elo <= lo and hi <= ehi for elo, ehi in eb.intervals)
                    for lo, hi in rb.intervals
                )
                for eb in e.networks
            )
            for rb in r.networks
        )
    return False


def _ports_cover(e: TierRule, r: TierRule) -> bool:
    """Whether ``e`` matches every port ``r`` names."""
    if e.ports is None or e.matches_all:
        return True
    if r.ports is None:
        return False
    for rp in r.ports:
        if not rp.valid:
            continue
        ok = False
        for ep in e.ports:
            if not ep.valid:
                continue
            if rp.name is not None:
                ok = ep.name == rp.name
            elif ep.name is None and ep.protocol == rp.protocol:
                if ep.start is None:
                    ok = True
                elif rp.start is not None:
                    e_end = ep.end if ep.end is not None else ep.start
                    r_end = rp.end if rp.end is not None else rp.start
                    ok = ep.start <= rp.start and r_end <= e_end
            if ok:
                break
        if not ok:
            return False
    return True


def _before(e: AdminPolicy, r: AdminPolicy) -> bool:
    """Whether ``e``'s rules are always tried before ``r``'s (same layer, strictly)."""
    if e.layer != r.layer or e is r:
        return False
    if r.kind == "BaselineAdminNetworkPolicy":
        return e.kind == "ClusterNetworkPolicy"
    if e.kind == "BaselineAdminNetworkPolicy":
        return False
    return e.priority is not None and r.priority is not None and e.priority < r.priority


def _shadowed_by(
    pols: Sequence[AdminPolicy], pol: AdminPolicy, direction: Direction, r: TierRule
) -> list[tuple[AdminPolicy, TierRule]]:
    """The earlier rules that decide every connection ``r`` matches (empty: ``r`` can
    decide something). Judged on the selectors, CIDRs and ports as written."""
    if not r.valid or r.fail_closed or not r.peers:
        return []
    earlier = [
        (q, e)
        for q in pols
        if (q is pol or _before(q, pol)) and _subject_covers(q, pol)
        for e in q.rules(direction)
        if e.valid and (q is not pol or e.index < r.index) and _ports_cover(e, r)
    ]
    if not earlier:
        return []
    by: list[tuple[AdminPolicy, TierRule]] = []
    for peer in r.peers:
        hit = next(
            (
                (q, e)
                for q, e in earlier
                if e.matches_all or any(_peer_covers(ep, peer) for ep in e.peers)
            ),
            None,
        )
        if hit is None:
            return []
        if hit not in by:
            by.append(hit)
    return by


@check("admin-policy-rule-shadowed")
def admin_policy_rule_shadowed(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A rule every connection of which an earlier rule (or a policy always evaluated
    before) decides first: it never takes effect (points 2, 5). Judged on the
    selectors, CIDRs and ports as written, not on the pods of the input."""
    pols = [p for p in ctx.inventory.tier_policies if p.active]
    for pol in pols:
        for direction in DIRECTIONS:
            for r in pol.rules(direction):
                by = _shadowed_by(pols, pol, direction, r)
                if not by:
                    continue
                names = ", ".join(f"{e.label()} of {q.label()}" for q, e in by)
                yield Hit(
                    f"{r.label()} of {pol.label()} never decides anything: every connection "
                    f"it matches is decided first by {names}",
                    manifest=pol.manifest,
                    path=r.path,
                    related=tuple(RelatedHit(q.manifest, e.path, "decides first") for q, e in by),
                )


@check("admin-policy-pass-no-op")
def admin_policy_pass_no_op(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """An admin Pass rule for whose subject pods no NetworkPolicy and no baseline rule
    exist: the passed traffic is allowed by default, the Pass acts as Allow (point 4).
    A Pass that earlier rules shadow passes nothing: admin-policy-rule-shadowed reports
    it, this rule does not."""
    if not ctx.inventory.tier_policies:
        return
    layer, workloads = _layer(ctx)
    n = len(workloads)
    inv = ctx.inventory
    active = [p for p in inv.tier_policies if p.active]
    for pol in inv.tier_policies:
        if not pol.active or pol.layer != "admin":
            continue
        for direction in DIRECTIONS:
            passes = [
                r
                for r in pol.rules(direction)
                if r.action == "Pass" and r.valid and not _shadowed_by(active, pol, direction, r)
            ]
            if not passes:
                continue
            subjects = [
                ci
                for ci in range(n)
                if (prof := layer.profile(direction, ci)) is not None
                and any(r.policy is pol for r in prof.admin)
            ]
            if not subjects:
                continue
            reached = False
            for ci in subjects:
                prof = layer.profile(direction, ci)
                if prof is not None and prof.baseline:
                    reached = True
                    break
                w = workloads[ci]
                if any(
                    p.isolates(direction) and p.selects(w.namespace, w.labels)
                    for p in inv.policies_in(w.namespace)
                ):
                    reached = True
                    break
            if reached:
                continue
            for rule in passes:
                yield Hit(
                    f"{rule.label()} of {pol.label()} passes traffic to NetworkPolicy, but no "
                    f"NetworkPolicy selects its subject pods for {direction} and no baseline "
                    "rule applies to them: the passed traffic is allowed by default, so this "
                    "Pass acts as an Allow",
                    manifest=pol.manifest,
                    path=(*rule.path, "action"),
                    assumed=True,
                )


def _cidr_ok(text: Any) -> bool:
    import ipaddress

    if not isinstance(text, str) or "/" not in text:
        return False
    try:
        ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return False
    return True


@check("admin-policy-invalid")
def admin_policy_invalid(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """What the CRDs' CEL rules reject and the schemas cannot say: a `networks` entry
    that is not a CIDR, a port range that ends before it starts, a named port in a rule
    whose peers are addresses (networks, nodes, domainNames)."""
    for pol in ctx.inventory.tier_policies:
        m = pol.manifest
        for direction in DIRECTIONS:
            for rule in pol.rules(direction):
                for peer in rule.peers:
                    raw = m.get(*peer.path, "networks") if peer.field == "networks" else None
                    for i, cidr in enumerate(raw if isinstance(raw, list) else []):
                        if isinstance(cidr, str) and not _cidr_ok(cidr):
                            yield Hit(
                                f"{cidr!r} in {rule.label()} of {pol.label()} is not a CIDR "
                                "(such as 10.0.0.0/8 or fd00::/8): the API server rejects "
                                "the object",
                                manifest=m,
                                path=(*peer.path, "networks", i),
                            )
                cnp = pol.kind == "ClusterNetworkPolicy"
                for port in rule.ports or ():
                    if port.start is None or port.end is None:
                        continue
                    if port.end < port.start or (cnp and port.end == port.start):
                        effect = (
                            "the API server rejects the object (start must be less than end)"
                            if cnp
                            else "it matches no port"
                        )
                        yield Hit(
                            f"port range {port.start}-{port.end} of {rule.label()} in "
                            f"{pol.label()} does not go up: {effect}",
                            manifest=m,
                            path=port.path,
                        )
                address_peers = [
                    p.field for p in rule.peers if p.field in ("networks", "nodes", "domainNames")
                ]
                named = [p for p in rule.ports or () if p.name is not None]
                if address_peers and named:
                    yield Hit(
                        f"{rule.label()} of {pol.label()} names port {named[0].name!r} but "
                        f"has {address_peers[0]} peers, which have no named ports: the API "
                        "server rejects the object",
                        manifest=m,
                        path=named[0].path,
                    )
