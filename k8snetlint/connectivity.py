"""Result types of the connectivity engine, shared by the engine, rules and renderers.

The engine (:mod:`k8snetlint.net`) produces a :class:`Connectivity`-shaped result made
of these values; renderers (``k8snetlint graph``/``reach``/``diff``) and rules only read
them. Everything here is immutable and ordered deterministically.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

PROTOCOLS: tuple[str, ...] = ("TCP", "UDP", "SCTP")
MIN_PORT = 1
MAX_PORT = 65535

EndpointKind = Literal["workload", "external", "ingress-controller", "gateway"]


@dataclass(frozen=True, order=True)
class Endpoint:
    """A source or destination of traffic.

    * ``workload``: ``namespace/name[Kind]`` (``name`` may carry ``/podName`` for pods of
      one owner whose labels differ, semantics "Units of analysis").
    * ``external``: an IP range outside the cluster, ``name`` is ``a.b.c.d-e.f.g.h``
      (``namespace`` and ``kind`` empty).
    * ``ingress-controller``: the pseudo-pod that forwards Ingress traffic.
    * ``gateway``: the pseudo-pod that forwards a Gateway's traffic when the input holds
      none of its data-plane pods (``namespace``/``name``: the Gateway's).
    """

    kind: EndpointKind
    namespace: str
    name: str
    workload_kind: str = ""

    def display(self) -> str:
        if self.kind == "workload":
            return workload_display(self.namespace, self.name, self.workload_kind)
        if self.kind == "ingress-controller":
            ns = self.namespace or "*"
            return f"{ns}/ingress-controller[IngressController]"
        if self.kind == "gateway":
            return f"{{gateway:{self.namespace}/{self.name}}}"
        return self.name


def workload_display(namespace: str, name: str, kind: str) -> str:
    """``namespace/name[Kind]``; pods of one owner with differing labels, whose name is
    ``owner/pod``, read ``namespace/owner[Kind]/pod`` (semantics, "Units of analysis")."""
    owner, sep, pod = name.partition("/")
    return f"{namespace}/{owner}[{kind}]{sep}{pod}"


@dataclass(frozen=True)
class ConnSet:
    """A set of (protocol, port) pairs: per protocol, sorted disjoint inclusive ranges.

    Only TCP, UDP and SCTP are modelled (semantics point 18).
    """

    ranges: tuple[tuple[str, tuple[tuple[int, int], ...]], ...] = ()

    @staticmethod
    def from_dict(d: dict[str, list[tuple[int, int]]]) -> ConnSet:
        out: list[tuple[str, tuple[tuple[int, int], ...]]] = []
        for proto in PROTOCOLS:
            merged = _merge(d.get(proto, []))
            if merged:
                out.append((proto, tuple(merged)))
        return ConnSet(tuple(out))

    @staticmethod
    def all() -> ConnSet:
        return ConnSet(tuple((p, ((MIN_PORT, MAX_PORT),)) for p in PROTOCOLS))

    def to_dict(self) -> dict[str, list[tuple[int, int]]]:
        return {p: list(r) for p, r in self.ranges}

    def is_empty(self) -> bool:
        return not self.ranges

    def is_all(self) -> bool:
        return self.ranges == _ALL_RANGES

    def contains(self, protocol: str, port: int) -> bool:
        for p, rs in self.ranges:
            if p == protocol:
                return any(lo <= port <= hi for lo, hi in rs)
        return False

    def union(self, other: ConnSet) -> ConnSet:
        d = self.to_dict()
        for p, rs in other.ranges:
            d.setdefault(p, []).extend(rs)
        return ConnSet.from_dict(d)

    def intersection(self, other: ConnSet) -> ConnSet:
        o = other.to_dict()
        d: dict[str, list[tuple[int, int]]] = {}
        for p, rs in self.ranges:
            for lo, hi in rs:
                for lo2, hi2 in o.get(p, []):
                    a, b = max(lo, lo2), min(hi, hi2)
                    if a <= b:
                        d.setdefault(p, []).append((a, b))
        return ConnSet.from_dict(d)

    def difference(self, other: ConnSet) -> ConnSet:
        """The pairs of ``self`` that are not in ``other``."""
        o = other.to_dict()
        d: dict[str, list[tuple[int, int]]] = {}
        for p, rs in self.ranges:
            cuts = _merge(o.get(p, []))
            for lo, hi in rs:
                cur = lo
                for lo2, hi2 in cuts:
                    if hi2 < cur or lo2 > hi:
                        continue
                    if lo2 > cur:
                        d.setdefault(p, []).append((cur, lo2 - 1))
                    cur = hi2 + 1
                    if cur > hi:
                        break
                if cur <= hi:
                    d.setdefault(p, []).append((cur, hi))
        return ConnSet.from_dict(d)

    def __or__(self, other: ConnSet) -> ConnSet:
        return self.union(other)

    def __and__(self, other: ConnSet) -> ConnSet:
        return self.intersection(other)

    def __sub__(self, other: ConnSet) -> ConnSet:
        return self.difference(other)

    def issubset(self, other: ConnSet) -> bool:
        return self.difference(other).is_empty()

    def text(self) -> str:
        """netpol-analyzer's CONN text: ``All Connections``, ``No Connections`` or the
        protocols in alphabetical order, each with its sorted ports and ranges:
        ``SCTP 1-65535,TCP 80,8000-8010,UDP 53``."""
        found = _TEXTS.get(self.ranges)
        if found is not None:
            return found
        if self.is_all():
            return "All Connections"
        if self.is_empty():
            return "No Connections"
        parts = [
            f"{p} " + ",".join(f"{lo}" if lo == hi else f"{lo}-{hi}" for lo, hi in rs)
            for p, rs in sorted(self.ranges)
        ]
        text = ",".join(parts)
        if len(_TEXTS) < 65536:  # a graph repeats a few sets over millions of pairs
            _TEXTS[self.ranges] = text
        return text


_ALL_RANGES = ConnSet.all().ranges
_TEXTS: dict[tuple[tuple[str, tuple[tuple[int, int], ...]], ...], str] = {}


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


@dataclass(frozen=True)
class Reason:
    """Why one direction allowed or denied traffic.

    ``policy`` is ``namespace/name`` of the NetworkPolicy, or empty with
    ``not_isolated=True`` when no policy selects the pod for that direction.
    ``rule_index``/``peer_index``/``port_index`` are 0-based, -1 when not applicable.
    """

    direction: Literal["ingress", "egress"]
    policy: str = ""
    rule_index: int = -1
    peer_index: int = -1
    port_index: int = -1
    not_isolated: bool = False
    file: str = ""
    line: int = 0
    column: int = 0
    text: str = ""


@dataclass(frozen=True)
class Verdict:
    """The answer to "may SRC reach DST on PROTOCOL/PORT?" with its explanation."""

    src: Endpoint
    dst: Endpoint
    protocol: str
    port: int | None
    allowed: bool
    egress: tuple[Reason, ...]
    ingress: tuple[Reason, ...]
    assumed: bool = False
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Connection:
    """An allowed (source, destination) pair with every allowed port."""

    src: Endpoint
    dst: Endpoint
    conns: ConnSet
    assumed: bool = False


@dataclass(frozen=True)
class Route:
    """How traffic enters: a Service port or an Ingress path leading to workload ports.

    ``kind`` is ``service`` (ClusterIP and every Service), ``nodeport``,
    ``loadbalancer``, ``externalip``, ``ingress`` or ``hostport``. ``via`` names the
    Service (``namespace/name:port``) or Ingress (``namespace/name host/path``).
    ``blocked`` is True when the target pods' ingress policy refuses the traffic the
    route carries (from the ingress controller, or from external sources).
    """

    kind: str
    via: str
    dst: Endpoint
    protocol: str
    port: int
    target_port: int
    blocked: bool = False
    file: str = ""
    line: int = 0
    sources: tuple[str, ...] = field(default_factory=tuple)
