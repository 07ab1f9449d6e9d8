"""The :class:`Connectivity` result: the one object rules and commands query.

Its one job is assembling the engine's parts for one inventory, lazily and cached:
:mod:`~k8snetlint.net.compile` (classes and bitsets), :mod:`~k8snetlint.net.evaluate`
(answers and explanations), :mod:`~k8snetlint.net.routes` (ways in) and
:mod:`~k8snetlint.net.export` (presentation). It holds no algorithm of its own; its
methods translate workloads and endpoints to nodes and delegate.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator
from functools import cached_property
from typing import TYPE_CHECKING

from k8snetlint.config import Config
from k8snetlint.connectivity import Connection, ConnSet, Endpoint, Route, Verdict
from k8snetlint.model import Inventory, Workload, paused_gc
from k8snetlint.net import export, outside
from k8snetlint.net.compile import Compiled
from k8snetlint.net.evaluate import Evaluator
from k8snetlint.net.routes import EntryPath, RouteContext, resolve_routes
from k8snetlint.policy import Direction, IPBlock, NetworkPolicy, Rule
from k8snetlint.selectors import iter_bits

if TYPE_CHECKING:
    import networkx as nx

    from k8snetlint.tiers import TierLayer

__all__ = ["Connectivity", "analyze"]


class Connectivity:
    """Reachability between every pair of endpoints, with explanations and routes."""

    def __init__(self, inventory: Inventory, config: Config) -> None:
        self.inventory = inventory
        self.config = config
        with paused_gc():
            self.compiled = Compiled(inventory, config)
        self.evaluator = Evaluator(self.compiled)
        # the admin and baseline tiers, when the input has any (docs/semantics.md, T)
        self.tiers: TierLayer | None = None
        if inventory.tier_policies:
            from k8snetlint.net.tiers import install_tiers

            self.tiers = install_tiers(self.compiled, self.evaluator)
        if inventory.gateway_api.gateways:
            # registers the Gateway route and entry-path sources (k8snetlint.net.routes)
            from k8snetlint.net import gatewayroutes  # noqa: F401
        self.ingress_controller = self.compiled.ingress_controller

    # -- endpoints ----------------------------------------------------------------

    @cached_property
    def endpoints(self) -> tuple[Endpoint, ...]:
        c = self.compiled
        eps = [c.ep_of[id(w)] for w in self.inventory.workloads]
        eps.extend(c.atom_eps)
        if self.inventory.ingresses:
            eps.append(self.ingress_controller)
        if self.inventory.gateway_api.gateways:
            from k8snetlint.net import gatewayroutes

            eps.extend(gatewayroutes.gateway_endpoints(self.route_context, self.routes))
        return tuple(sorted(set(eps)))

    @property
    def external_endpoints(self) -> tuple[Endpoint, ...]:
        return tuple(self.compiled.atom_eps)

    @property
    def class_count(self) -> int:
        return self.compiled.n

    def endpoint_for(self, workload: Workload) -> Endpoint:
        return self.compiled.ep_of[id(workload)]

    def workload_for(self, endpoint: Endpoint) -> Workload | None:
        return self.compiled.wl_of.get(endpoint)

    def external_endpoints_for(self, ip: str) -> Endpoint:
        """The external range holding address ``ip``."""
        c = self.compiled
        addr = ipaddress.ip_address(ip.strip())
        return c.atom_eps[c.atom_index(addr.version, int(addr))]

    def external_ranges(self, endpoint: Endpoint) -> tuple[int, int, int]:
        """(version, first, last) integer addresses of an external endpoint."""
        a = self.compiled.atoms[self.compiled.atom_of_ep[endpoint]]
        return (a.version, a.lo, a.hi)

    def _ci(self, workload: Workload) -> int:
        return self.compiled.class_of[id(workload)]

    # -- queries ------------------------------------------------------------------

    def allowed(self, src: Endpoint, dst: Endpoint) -> ConnSet:
        """Every (protocol, port) ``src`` may open to ``dst`` (``src == dst``: two pods of one workload)."""
        if "gateway" in (src.kind, dst.kind):
            from k8snetlint.net import gatewayroutes

            return gatewayroutes.allowed(self.route_context, src, dst)
        return self.evaluator.pair(self.compiled.node(src), self.compiled.node(dst))

    def verdict(self, src: Endpoint, dst: Endpoint, protocol: str, port: int | None) -> Verdict:
        """May ``src`` open ``protocol``/``port`` to ``dst`` (``port=None``: any port)?"""
        if "gateway" in (src.kind, dst.kind):
            from k8snetlint.net import gatewayroutes

            return gatewayroutes.verdict(self.route_context, src, dst, protocol, port)
        return self.evaluator.verdict(src, dst, protocol, port)

    def is_ingress_isolated(self, workload: Workload) -> bool:
        return bool((self.compiled.in_iso >> self._ci(workload)) & 1)

    def ingress_tier_coverage(self, workload: Workload) -> str:
        """How much of the workload's ingress from the input's pods the admin and baseline
        tiers decide: ``"all"``, ``"some"`` or ``"none"`` (see
        :meth:`~k8snetlint.net.evaluate.Evaluator.tier_coverage`)."""
        return self.evaluator.tier_coverage("ingress", self._ci(workload))

    def is_egress_isolated(self, workload: Workload) -> bool:
        return bool((self.compiled.eg_iso >> self._ci(workload)) & 1)

    def policies_selecting(
        self, workload: Workload, direction: Direction
    ) -> tuple[NetworkPolicy, ...]:
        return self.evaluator.policies_selecting(self._ci(workload), direction)

    def selected_workloads(self, policy: NetworkPolicy) -> tuple[Workload, ...]:
        """Workloads the policy's podSelector selects (semantics NP-24: empty = no effect)."""
        c = self.compiled
        bits = c.policy_bits.get(id(policy), 0) & c.all_real
        return tuple(w for ci in iter_bits(bits) for w in c.classes[ci].workloads)

    def peer_workloads(
        self, policy: NetworkPolicy, rule: Rule, peer_index: int
    ) -> tuple[Workload, ...]:
        """Workloads one peer of a rule matches (semantics NP-24)."""
        c = self.compiled
        for crule in c.compiled_rules(policy, rule.direction):
            if crule.rule is rule and 0 <= peer_index < len(crule.peer_cls):
                bits = crule.peer_cls[peer_index] & c.all_real
                return tuple(w for ci in iter_bits(bits) for w in c.classes[ci].workloads)
        peers = rule.peers or ()
        if 0 <= peer_index < len(peers):
            # inert rules are not compiled: evaluate on demand
            pc, _pe, _u = c.peer_bits(
                policy, Rule(rule.direction, rule.index, rule.path, (peers[peer_index],), None)
            )
            bits = pc[0] & c.all_real
            return tuple(w for ci in iter_bits(bits) for w in c.classes[ci].workloads)
        return ()

    def admits_any_pod(self, workload: Workload, protocol: str, port: int) -> bool:
        """Whether the workload's ingress admits *any* pod of *any* namespace on the port.

        True when ingress is not isolated or some rule admits a pod of unknown namespace
        and labels (no peers, or ``namespaceSelector: {}`` with an empty or absent
        podSelector) on ``protocol``/``port``; the shape of "open to the whole cluster".
        """
        return self.evaluator.admits_any_pod(self._ci(workload), protocol, port)

    def admits_any_source(self, workload: Workload, protocol: str, port: int) -> bool:
        """Whether any source, inside or outside the input, is admitted to the workload
        on ``protocol``/``port``: a pod or address of the input, the ingress controller,
        or pods outside the input (:mod:`k8snetlint.net.outside`)."""
        ci = self._ci(workload)
        if self.evaluator.admits_any(ci, protocol, port):
            return True
        if self.evaluator.layers["ingress"] != [self.evaluator.np]:
            # with tier layers the pods of the input stand for those outside it
            return False
        prof = self.compiled.profiles["ingress"][ci]
        if prof is None:
            return True
        named = self.compiled.classes[ci].named
        return any(
            r.conns(named).contains(protocol, port)
            and outside.rule_admits_outside(r.rule, self.defined_namespaces)
            for r in prof.rules
        )

    @cached_property
    def defined_namespaces(self) -> frozenset[str]:
        """Namespaces the input speaks for (beyond them lie pods outside the input)."""
        return outside.defined_namespaces(self.inventory)

    @cached_property
    def exposure(self) -> tuple[tuple[Endpoint, outside.Exposure], ...]:
        """Per workload, the pods outside the input it is open to (ingress) and may reach
        (egress), with ports; sorted by workload, direction and peer."""
        c = self.compiled
        per_class = {ci: outside.exposure(c, ci, self.defined_namespaces) for ci in range(c.n)}
        out: list[tuple[Endpoint, outside.Exposure]] = []
        for w in self.inventory.workloads:
            for e in per_class[self._ci(w)]:
                out.append((self.endpoint_for(w), e))
        order = {"ingress": 0, "egress": 1}
        out.sort(key=lambda t: (order[t[1].direction], t[0].display(), t[1].peer.sort_key()))
        return tuple(out)

    def external_sources(self, workload: Workload, protocol: str, port: int) -> tuple[str, ...]:
        """External ranges whose traffic the workload's ingress admits on the port."""
        return tuple(self.evaluator.external_sources(self._ci(workload), protocol, port, None))

    def egress_allows(self, workload: Workload, protocol: str, port: int) -> bool:
        """Whether the workload's egress lets ``protocol``/``port`` out to some destination.

        Egress side only (the destination's ingress is not consulted); named ports count
        when some matched destination declares them.
        """
        return self.evaluator.egress_allows(self._ci(workload), protocol, port)

    def workloads_with_ip_in(self, block: IPBlock) -> tuple[Workload, ...]:
        """Workloads with a known pod address inside ``block`` (semantics NP-13 warning)."""
        return tuple(
            w
            for w in self.inventory.workloads
            if any(block.contains(ip) for pod in w.pod_ips for ip in pod)
        )

    # -- listings -----------------------------------------------------------------

    @cached_property
    def connections(self) -> tuple[Connection, ...]:
        """Every allowed ordered pair of distinct endpoints, sorted.

        Workloads and external ranges in both directions; the ingress controller only
        towards the ports its Ingress routes use (as netpol-analyzer lists it).
        """
        with paused_gc():
            conns = self.evaluator.connections(self.endpoints, self.routes)
        if self.inventory.gateway_api.gateways:
            from k8snetlint.net import gatewayroutes

            extra = gatewayroutes.gateway_connections(self.route_context, self.routes)
            conns = tuple(sorted((*conns, *extra), key=lambda c: (c.src, c.dst)))
        return conns

    def stream_rows(
        self,
        name: Callable[[Endpoint], str],
        keep: Callable[[Endpoint], bool],
        focus: Endpoint | None = None,
    ) -> Iterator[export.Row] | None:
        """The connections of :attr:`connections` (restricted to ``keep`` endpoints and
        to pairs touching ``focus``), source by source in the order of their sorted
        ``name(src) => name(dst) : CONN`` lines, without materialising them (see
        :func:`k8snetlint.net.export.stream_rows`; None: sort the lines instead)."""
        extras = self.evaluator.controller_connections(self.routes)
        if self.inventory.gateway_api.gateways:
            from k8snetlint.net import gatewayroutes

            extras.extend(gatewayroutes.gateway_connections(self.route_context, self.routes))
        return export.stream_rows(
            self.compiled, self.evaluator, self.endpoints, extras, name, keep, focus
        )

    @cached_property
    def routes(self) -> tuple[Route, ...]:
        """Service ports, external exposure, Ingress paths and host ports (semantics NP-23, E-1 to E-3)."""
        return resolve_routes(self.route_context)

    def entry_paths(self, src: Endpoint, dst: Endpoint) -> tuple[EntryPath, ...] | None:
        """How proxy ``src`` (the ingress controller) forwards to ``dst``: Ingress object,
        rule and path -> Service port -> targetPort. None when ``src`` is no proxy."""
        return self.route_context.entry_paths(src, dst)

    @cached_property
    def route_context(self) -> RouteContext:
        return RouteContext(self.compiled, self.evaluator)

    # -- assumptions and presentation ---------------------------------------------

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
        """What results depend on (plugin-defined behaviour: semantics NP-13, NP-18, NP-20 to NP-22, E-2, GW-8)."""
        out = export.notes(self.compiled, self.host_network_workloads, self.assumed_namespaces)
        if self.inventory.gateway_api.gateways:
            from k8snetlint.net import gatewayroutes

            out += gatewayroutes.notes(self.route_context, self.routes)
        return out

    @cached_property
    def nx_graph(self) -> nx.MultiDiGraph:
        """The map as a networkx graph (see :func:`k8snetlint.net.export.build_nx`)."""
        return export.build_nx(
            self.compiled, self.evaluator, self.endpoints, self.connections, self.routes
        )


def analyze(inventory: Inventory, config: Config, *, per_ordinal: bool = True) -> Connectivity:
    """Evaluate every NetworkPolicy of ``inventory`` (see :mod:`k8snetlint.net`).

    With ``per_ordinal`` (``graph``, ``reach``, ``diff``), a StatefulSet is split into one
    workload per ordinal when some policy names a per-ordinal label
    (:meth:`Inventory.per_ordinal`); rules pass False: they speak of the StatefulSet.
    """
    return Connectivity(inventory.per_ordinal() if per_ordinal else inventory, config)
