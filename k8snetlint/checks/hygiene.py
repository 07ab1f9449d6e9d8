"""NetworkPolicy hygiene: policies the API server rejects, rules that do nothing or
everything, shapes that betray a mistake, and workloads left without isolation.

Checks here read the parsed policies (:mod:`k8snetlint.policy`) and, where a question
is about pods, the connectivity result (isolation, selected workloads, connections).
"""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from k8snetlint.checks import Hit, RelatedHit, check
from k8snetlint.connectivity import ConnSet
from k8snetlint.context import Context
from k8snetlint.document import Path
from k8snetlint.model import Workload
from k8snetlint.policy import (
    DIRECTIONS,
    Direction,
    NetworkPolicy,
    Peer,
    PortSpec,
    Rule,
    conns_of,
)

__all__ = ["rule_covers"]


def _rule_text(policy: NetworkPolicy, rule: Rule) -> str:
    return f"{rule.direction} rule {rule.index} of NetworkPolicy {policy.key}"


def _related_workloads(ws: Sequence[Workload], what: str, limit: int = 3) -> tuple[RelatedHit, ...]:
    return tuple(RelatedHit(w.manifest, w.labels_path, f"{what} {w.display()}") for w in ws[:limit])


# ---------------------------------------------------------------------------------
# network-policy-invalid, network-policy-inert-rules


@check("network-policy-invalid")
def network_policy_invalid(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """What the API server would reject (semantics points 7, 12, 16): one hit per problem."""
    for pol in ctx.inventory.policies:
        for path, message in pol.problems:
            yield Hit(f"NetworkPolicy {pol.key}: {message}", manifest=pol.manifest, path=path)


@check("network-policy-inert-rules")
def network_policy_inert_rules(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Rules of a direction missing from explicit policyTypes (point 25)."""
    for pol in ctx.inventory.policies:
        for direction in DIRECTIONS:
            dead = pol.inert_ingress if direction == "ingress" else pol.inert_egress
            if not dead:
                continue
            n = len(dead)
            yield Hit(
                f"NetworkPolicy {pol.key}: {n} {direction} rule{'s' if n != 1 else ''} "
                f"ignored: policyTypes {list(pol.explicit_policy_types or ())} lacks "
                f"{'Ingress' if direction == 'ingress' else 'Egress'}",
                manifest=pol.manifest,
                path=("spec", direction),
                key=True,
                related=(
                    RelatedHit(
                        pol.manifest, ("spec", "policyTypes"), "policyTypes set explicitly here"
                    ),
                ),
            )


# ---------------------------------------------------------------------------------
# network-policy-allows-all


def _everything_peers(rule: Rule) -> bool:
    """Whether the rule's peers admit every pod of every namespace and every address."""
    if rule.peers is None:
        return True
    all_pods = False
    v4 = v6 = False
    for p in rule.peers:
        if not p.valid:
            continue
        if p.ip_block is not None:
            if p.ip_block.is_everything():
                v4 = v4 or p.ip_block.version == 4
                v6 = v6 or p.ip_block.version == 6
        elif (
            p.namespace_selector is not None
            and p.namespace_selector.is_empty
            and (p.pod_selector is None or p.pod_selector.is_empty)
        ):
            all_pods = True
    return all_pods and v4 and v6


@check("network-policy-allows-all")
def network_policy_allows_all(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A rule admitting every source (destination) on every port (point 19)."""
    if not ctx.inventory.policies:
        return
    conn = ctx.connectivity
    for pol in ctx.inventory.policies:
        for direction in DIRECTIONS:
            for rule in pol.rules(direction):
                if not _everything_peers(rule) or not conns_of(rule.ports, None).is_all():
                    continue
                who = "source" if direction == "ingress" else "destination"
                selected = conn.selected_workloads(pol)
                others = sorted(
                    {
                        p.key
                        for w in selected
                        for p in conn.policies_selecting(w, direction)
                        if p is not pol
                    }
                )
                other: Direction = "egress" if direction == "ingress" else "ingress"
                if _restricts(pol, other):
                    # the idiom "this policy restricts the other direction and leaves
                    # this one open on purpose" (kube-prometheus's and the GCP
                    # microservices demo's `egress: [{}]`)
                    voids = f" (it voids {', '.join(others)} on the same pods)" if others else ""
                    yield Hit(
                        f"{_rule_text(pol, rule)} allows every {who} on every port: the "
                        f"policy restricts {other} only and leaves {direction} open{voids}",
                        manifest=pol.manifest,
                        path=rule.path,
                        related=_related_workloads(selected, "applies to"),
                        severity_cap="info",
                    )
                    continue
                tail = (
                    f"; it voids {', '.join(others)} on the same pods"
                    if others
                    else "; the pods it selects are not isolated in effect"
                )
                yield Hit(
                    f"{_rule_text(pol, rule)} allows every {who} on every port{tail}",
                    manifest=pol.manifest,
                    path=rule.path,
                    related=_related_workloads(selected, "applies to"),
                )


def _restricts(pol: NetworkPolicy, direction: Direction) -> bool:
    """Whether ``pol`` isolates ``direction`` with rules that do not admit everything."""
    if not pol.isolates(direction):
        return False
    return not any(
        _everything_peers(r) and conns_of(r.ports, None).is_all() for r in pol.rules(direction)
    )


# ---------------------------------------------------------------------------------
# network-policy-peer-and-or-confusion


@check("network-policy-peer-and-or-confusion")
def peer_and_or_confusion(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Adjacent namespaceSelector-only and podSelector-only peers (point 10).

    Only adjacent peers are reported: the slip is one ``-`` too many between two keys
    that were meant to form one peer.
    """
    for pol in ctx.inventory.policies:
        for direction in DIRECTIONS:
            rules = pol.rules(direction) + (
                pol.inert_ingress if direction == "ingress" else pol.inert_egress
            )
            for rule in rules:
                peers = rule.peers or ()
                for a, b in itertools.pairwise(peers):
                    kinds = {a.kind, b.kind}
                    if kinds != {"namespace", "pod"}:
                        continue
                    ns_peer = a if a.kind == "namespace" else b
                    pod_peer = b if ns_peer is a else a
                    if pod_peer.pod_selector is not None and pod_peer.pod_selector.is_empty:
                        # `- podSelector: {}` is the own namespace: joined to the
                        # namespaceSelector it would add nothing, so the two peers are
                        # the deliberate "own namespace or those namespaces"
                        continue
                    yield Hit(
                        f"{_rule_text(pol, rule)} lists '{ns_peer.text()}' and "
                        f"'{pod_peer.text()}' as two peers, which admits either (OR); if "
                        "both must hold (AND), put them in one peer without the second '-'",
                        manifest=pol.manifest,
                        path=pod_peer.path,
                        related=(
                            RelatedHit(pol.manifest, ns_peer.path, "the namespaceSelector peer"),
                        ),
                    )


# ---------------------------------------------------------------------------------
# egress-blocks-dns


# the DNS pods' ports: CoreDNS/kube-dns listen on 53, OpenShift's CoreDNS on 5353
_DNS_POD_PORTS = (53, 5353)


def _may_allow_dns(rule: Rule) -> bool:
    """Whether an egress rule may let DNS out towards some destination.

    DNS servers (kube-dns/CoreDNS) are rarely part of the input, so this is judged on
    the rule itself: ports admitting UDP or TCP 53, or 5353 (the DNS pods' own port on
    OpenShift, whose dns-default Service maps 53 to it: policies see the pod port), or a
    named port (it resolves against a destination we may not see), and at least one
    peer that can match.
    """
    if rule.peers is not None and not any(p.valid for p in rule.peers):
        return False
    if rule.ports is None:
        return True
    cs = conns_of(rule.ports, None)
    if any(cs.contains(proto, port) for proto in ("UDP", "TCP") for port in _DNS_POD_PORTS):
        return True
    return any(p.valid and p.named and p.protocol in ("UDP", "TCP") for p in rule.ports)


@check("egress-blocks-dns")
def egress_blocks_dns(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    # An egress-isolated pod reaches only what its policies' egress rules allow, so
    # judging those rules is enough: no pairwise listing of connections is needed.
    if not ctx.inventory.workloads:  # no workload: no connection to judge
        return
    conn = ctx.connectivity
    # per policy (by id; alive for the run): whether one of its egress rules may let DNS
    # out, judged once however many workloads the policy selects
    allows: dict[int, bool] = {}
    for w in ctx.inventory.workloads:
        if not conn.is_egress_isolated(w):
            continue
        pols = conn.policies_selecting(w, "egress")
        if not any(p.egress for p in pols):
            # no egress rule at all: the policies deny every destination on purpose
            # (a leaf service, a default deny), so the workload resolves no names
            # because it talks to nobody, which is no forgotten DNS hole
            continue
        dns = False
        for p in pols:
            ok = allows.get(id(p))
            if ok is None:
                ok = allows[id(p)] = any(_may_allow_dns(r) for r in p.egress)
            if ok:
                dns = True
                break
        if dns:
            continue
        names = ", ".join(p.key for p in pols)
        yield Hit(
            f"{w.display()} is egress-isolated by {names} and may not reach any destination "
            "on port 53 (UDP or TCP): name resolution fails",
            manifest=w.manifest,
            path=w.labels_path,
            related=tuple(
                RelatedHit(
                    p.manifest,
                    ("spec", "egress") if p.egress else ("spec", "policyTypes"),
                    f"{p.key} isolates its egress",
                )
                for p in pols
            ),
        )


# ---------------------------------------------------------------------------------
# namespace-missing-default-deny, workload-not-isolated


def _is_default_deny(pol: NetworkPolicy) -> bool:
    if not pol.pod_selector.is_empty or not pol.isolates("ingress"):
        return False
    return not any(_everything_peers(r) and conns_of(r.ports, None).is_all() for r in pol.ingress)


_SYSTEM_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease"})


@check("namespace-missing-default-deny")
def namespace_missing_default_deny(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A namespace with workloads and no ingress policy selecting all of its pods."""
    inv = ctx.inventory
    for ns in inv.namespaces:
        workloads = tuple(w for w in inv.workloads_in(ns.name) if w.origin != "declared")
        if not workloads:
            continue
        if ns.name in _SYSTEM_NAMESPACES and ns.manifest is None:
            # the cluster's own components live there, which the input does not
            # describe: a default deny written from this input would cut them off
            continue
        if any(_is_default_deny(p) for p in inv.policies_in(ns.name)):
            continue
        msg = (
            f"namespace {ns.name} has {len(workloads)} workload"
            f"{'s' if len(workloads) != 1 else ''} and no NetworkPolicy with podSelector {{}} "
            "that isolates ingress (default deny): new pods there accept traffic from anywhere"
        )
        if ns.manifest is not None:
            yield Hit(msg, manifest=ns.manifest, path=("metadata", "name"))
        else:
            first = workloads[0]
            path: Path = (
                ("metadata", "namespace")
                if first.manifest.get("metadata", "namespace") is not None
                else ("metadata", "name")
            )
            yield Hit(msg, manifest=first.manifest, path=path)


@check("workload-not-isolated")
def workload_not_isolated(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    if not ctx.inventory.workloads:  # no workload: no connection to judge
        return
    conn = ctx.connectivity
    for w in ctx.inventory.workloads:
        if conn.is_ingress_isolated(w):
            continue
        coverage = conn.ingress_tier_coverage(w)
        if coverage == "all":
            # the admin or baseline tier decides every connection from every pod
            continue
        rest = (
            "beyond what the admin and baseline tiers decide, it accepts every source on every port"
            if coverage == "some"
            else "it accepts every source on every port"
        )
        yield Hit(
            f"no NetworkPolicy selects {w.display()} for ingress: {rest}",
            manifest=w.manifest,
            path=w.labels_path,
        )


# ---------------------------------------------------------------------------------
# ipblock-allows-internet, ipblock-overlaps-pod-network


@check("ipblock-allows-internet")
def ipblock_allows_internet(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """An effective ingress rule with an ipBlock of prefix length 0 (excepts or not)."""
    for pol in ctx.inventory.policies:
        for rule in pol.ingress:
            for peer in rule.peers or ():
                block = peer.ip_block
                if not peer.valid or block is None:
                    continue
                net = ipaddress.ip_network(block.cidr.strip(), strict=False)
                if net.prefixlen != 0:
                    continue
                ex = f" (except {', '.join(block.excepts)})" if block.excepts else ""
                yield Hit(
                    f"{_rule_text(pol, rule)} admits {block.cidr}{ex}: every address on the "
                    "internet",
                    manifest=pol.manifest,
                    path=(*peer.path, "ipBlock", "cidr"),
                )


@check("ipblock-overlaps-pod-network")
def ipblock_overlaps_pod_network(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """ipBlocks overlapping ``assume.pod-cidr`` or covering a known pod IP (point 13)."""
    cidrs: list[tuple[str, int, int, int]] = []
    for text in ctx.config.assume.pod_cidr:
        try:
            net = ipaddress.ip_network(text.strip(), strict=False)
        except ValueError:
            continue
        cidrs.append((str(net), net.version, int(net.network_address), int(net.broadcast_address)))
    pod_ips: list[tuple[Workload, str]] = [
        (w, ip) for w in ctx.inventory.workloads for pod in w.pod_ips for ip in pod
    ]
    for pol in ctx.inventory.policies:
        for rule, peer in pol.peers():
            block = peer.ip_block
            if not peer.valid or block is None:
                continue
            hit_cidrs = [
                text
                for text, ver, lo, hi in cidrs
                if ver == block.version and any(a <= hi and lo <= b for a, b in block.intervals)
            ]
            covered = sorted({w.display() for w, ip in pod_ips if block.contains(ip)})
            if not hit_cidrs and not covered:
                continue
            what = []
            if hit_cidrs:
                what.append(f"the pod network {', '.join(hit_cidrs)}")
            if covered:
                what.append(f"known pod addresses of {', '.join(covered[:3])}")
            yield Hit(
                f"ipBlock {block.cidr} in {_rule_text(pol, rule)} overlaps {' and '.join(what)}: "
                "whether an ipBlock matches pods depends on the network plugin",
                manifest=pol.manifest,
                path=(*peer.path, "ipBlock", "cidr"),
                assumed=True,
            )


# ---------------------------------------------------------------------------------
# redundant-policy-rule (set reasoning on the policies' own rules)


def _peer_covers(big: Peer, small: Peer) -> bool:
    """Whether ``big`` matches everything ``small`` matches (same policy namespace)."""
    if not big.valid:
        return False
    if big.ip_block is not None or small.ip_block is not None:
        if big.ip_block is None or small.ip_block is None:
            return False
        b, s = big.ip_block, small.ip_block
        return b.version == s.version and all(
            any(blo <= lo and hi <= bhi for blo, bhi in b.intervals) for lo, hi in s.intervals
        )
    # selector peers
    if big.namespace_selector is None:
        # own namespace only
        if small.namespace_selector is not None:
            return False
    elif not big.namespace_selector.is_empty:
        if small.namespace_selector is None:
            return False
        if big.namespace_selector.key() != small.namespace_selector.key():
            return False
    if big.pod_selector is None or big.pod_selector.is_empty:
        return True
    return small.pod_selector is not None and small.pod_selector.key() == big.pod_selector.key()


def _spec_key(p: PortSpec) -> tuple[str, int | str | None, int | None]:
    return (p.protocol, p.port, p.end_port)


_PortsKey = tuple[tuple[str, int | str | None, int | None, bool], ...] | None


def _ports_key(ports: tuple[PortSpec, ...] | None) -> _PortsKey:
    """What :func:`_ports_cover` looks at in ``ports`` (not where they are written)."""
    if ports is None:
        return None
    return tuple((p.protocol, p.port, p.end_port, p.valid) for p in ports)


def _ports_cover(
    big: tuple[PortSpec, ...] | None,
    small: tuple[PortSpec, ...] | None,
    keys: tuple[_PortsKey, _PortsKey] | None = None,
) -> bool:
    """Whether ports ``big`` allow everything ports ``small`` allow; ``keys``: their
    :func:`_ports_key` when the caller has them."""
    if big is None:
        return True
    key = (_ports_key(big), _ports_key(small)) if keys is None else keys
    hit = _PORTS_COVER.get(key)
    if hit is None:
        if len(_PORTS_COVER) > 4096:
            _PORTS_COVER.clear()
        hit = _PORTS_COVER[key] = _ports_cover_uncached(big, small)
    return hit


# the answers of _ports_cover by the ports' contents (few distinct ones in an input)
_PORTS_COVER: dict[tuple[_PortsKey, _PortsKey], bool] = {}


def _ports_cover_uncached(big: tuple[PortSpec, ...], small: tuple[PortSpec, ...] | None) -> bool:
    big_cs = conns_of(big, None)
    if small is None:
        return big_cs.is_all()
    small_cs = conns_of(small, None)
    if small_cs.intersection(big_cs) != small_cs:
        return False
    big_named = {_spec_key(p) for p in big if p.valid and p.named}
    for p in small:
        if p.valid and p.named and _spec_key(p) not in big_named:
            full = ConnSet.from_dict({p.protocol: [(1, 65535)]})
            if big_cs.intersection(full) != full:
                return False
    return True


def rule_covers(big: Rule, small: Rule, ports_keys: Mapping[int, _PortsKey] | None = None) -> bool:
    """Whether rule ``big`` allows everything rule ``small`` allows (same namespace).

    ``ports_keys``: the :func:`_ports_key` of the rules' ports by ``id`` of the rule,
    when the caller compares the same rules many times."""
    keys = None if ports_keys is None else (ports_keys[id(big)], ports_keys[id(small)])
    if not _ports_cover(big.ports, small.ports, keys):
        return False
    if big.peers is None:
        return True
    if small.peers is None:
        return False
    big_peers = big.peers
    return all(any(_peer_covers(b, s) for b in big_peers) for s in small.peers if s.valid)


def _selects_superset(big: NetworkPolicy, small: NetworkPolicy) -> bool:
    return big.namespace == small.namespace and (
        big.pod_selector.is_empty or big.pod_selector.key() == small.pod_selector.key()
    )


@check("redundant-policy-rule")
def redundant_policy_rule(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A rule another rule already covers, or a policy every part of which is covered.

    Set reasoning on the policies themselves, never on the input's pods (a rule naming
    pods outside the input is not redundant): rule R of policy P is redundant when
    some other rule R' of the same direction, in P or in a policy P' of the same
    namespace that selects a superset of P's pods (podSelector ``{}`` or the same
    selector), admits every peer and port R admits. Of two identical rules, the later
    one (by policy name, then index) is reported. A whole policy is redundant when
    every direction it isolates is isolated by such a P' and every one of its rules is
    redundant; its rules are then not reported one by one.
    """
    for ns_policies in _by_namespace(ctx.inventory.policies):
        yield from _redundant(ns_policies)


def _redundant(ns_policies: Sequence[NetworkPolicy]) -> Iterator[Hit]:
    order = {id(p): i for i, p in enumerate(ns_policies)}
    # The policies that can select a superset of a policy's pods are those with an empty
    # podSelector or the same one: grouped once, kept in namespace order.
    empty = [p for p in ns_policies if p.pod_selector.is_empty]
    by_key: dict[Any, list[NetworkPolicy]] = {}
    for p in ns_policies:
        by_key.setdefault(p.pod_selector.key(), []).append(p)
    owner_of = {id(r): p for p in ns_policies for r in (*p.ingress, *p.egress)}
    ports_keys = {id(r): _ports_key(r.ports) for p in ns_policies for r in (*p.ingress, *p.egress)}

    def supersets(pol: NetworkPolicy) -> list[NetworkPolicy]:
        same = by_key.get(pol.pod_selector.key(), [])
        if not empty or pol.pod_selector.is_empty:
            return same
        merged = {id(p): p for p in (*empty, *same)}
        return sorted(merged.values(), key=lambda p: order[id(p)])

    def covered(pol: NetworkPolicy, rule: Rule, direction: Direction) -> Rule | None:
        if rule.peers is not None and not any(p.valid for p in rule.peers):
            return None  # allows nothing: network-policy-invalid's business
        mine = (order[id(pol)], rule.index)
        for other, selects_back in covering[direction]:
            for r2 in other.rules(direction):
                if r2 is rule:
                    continue
                if not rule_covers(r2, rule, ports_keys):
                    continue
                theirs = (order[id(other)], r2.index)
                mutual = selects_back and rule_covers(rule, r2, ports_keys)
                if mutual and theirs > mine:
                    continue
                return r2
        return None

    def policy_of(rule: Rule) -> NetworkPolicy:
        return owner_of[id(rule)]

    for pol in ns_policies:
        candidates = supersets(pol)
        # per direction, the policies whose rules may cover pol's: they isolate it and
        # select a superset of pol's pods; with whether pol selects a superset of theirs
        covering = {
            d: [
                (o, _selects_superset(pol, o))
                for o in candidates
                if o.isolates(d) and _selects_superset(o, pol)
            ]
            for d in DIRECTIONS
        }
        found: list[tuple[Rule, Rule]] = []
        for direction in DIRECTIONS:
            for rule in pol.rules(direction):
                cover = covered(pol, rule, direction)
                if cover is not None:
                    found.append((rule, cover))
        n_rules = len(pol.ingress) + len(pol.egress)
        isolation_covered = all(
            any(
                o is not pol
                and o.isolates(d)
                and _selects_superset(o, pol)
                and (not _selects_superset(pol, o) or order[id(o)] < order[id(pol)])
                for o in candidates
            )
            for d in DIRECTIONS
            if pol.isolates(d)
        )
        if isolation_covered and len(found) == n_rules:
            others = sorted({policy_of(c).key for _r, c in found} - {pol.key})
            by = f" (covered by {', '.join(others)})" if others else ""
            yield Hit(
                f"NetworkPolicy {pol.key} is redundant: removing it changes no allowed "
                f"connection{by}",
                manifest=pol.manifest,
                path=("metadata", "name"),
            )
            continue
        for rule, cover in found:
            owner = policy_of(cover)
            yield Hit(
                f"{_rule_text(pol, rule)} is redundant: {_rule_text(owner, cover)} already "
                "allows every peer and port it allows",
                manifest=pol.manifest,
                path=rule.path,
                related=(
                    RelatedHit(owner.manifest, cover.path, "the rule that already allows it"),
                ),
            )


def _by_namespace(policies: Sequence[NetworkPolicy]) -> list[list[NetworkPolicy]]:
    groups: dict[str, list[NetworkPolicy]] = {}
    for p in policies:
        groups.setdefault(p.namespace, []).append(p)
    return [groups[k] for k in sorted(groups)]


# ---------------------------------------------------------------------------------
# host-network-bypasses-policy


@check("host-network-bypasses-policy")
def host_network_bypasses_policy(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Every hostNetwork workload (point 22)."""
    if not ctx.inventory.workloads:  # no workload: no connection to judge
        return
    conn = ctx.connectivity
    for w in conn.host_network_workloads:
        pols = sorted({p.key for d in DIRECTIONS for p in conn.policies_selecting(w, d)})
        tail = (
            f"; {', '.join(pols)} may not apply to it"
            if pols
            else "; policies written for it later may not apply"
        )
        path: Path = (*w.pod_spec_path, "hostNetwork")
        if w.template_path == () and w.pods:
            path = ("spec", "hostNetwork")
        yield Hit(
            f"{w.display()} uses hostNetwork: whether NetworkPolicy applies to it depends "
            f"on the network plugin{tail}",
            manifest=w.manifest,
            path=path,
        )
