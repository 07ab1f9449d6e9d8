"""The engine's vocabulary: typed nodes, pod classes, address atoms and bitset helpers.

Its one job is to name what the other modules of :mod:`k8snetlint.net` pass between
them. A *node* is what the engine evaluates: a :class:`ClassNode` (a class of pods
that behave alike; the ingress controller pseudo-pod is a class too) or an
:class:`AtomNode` (an address range outside the cluster that every ipBlock treats
alike). Sets of classes and of atoms are Python-int bitsets (bit ``i`` = index ``i``).
The connection-set algebra (union, intersection, difference) is
:class:`~k8snetlint.connectivity.ConnSet`; :func:`union_all` and :func:`intersect` are
its cached forms for the hot paths.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, NamedTuple

from k8snetlint.connectivity import ConnSet
from k8snetlint.model import Workload
from k8snetlint.policy import NamedPorts

__all__ = [
    "ALL",
    "EMPTY",
    "Atom",
    "AtomNode",
    "ClassNode",
    "Node",
    "PodClass",
    "bits_of",
    "has_bit",
    "intersect",
    "parse_range",
    "range_name",
    "tester",
    "union_all",
]


class ClassNode(NamedTuple):
    """A class of pods (``i``: index into the compiled classes; the ingress controller too)."""

    i: int
    tag: Literal["class"] = "class"


class AtomNode(NamedTuple):
    """An address range outside the cluster (``i``: index into the compiled atoms)."""

    i: int
    tag: Literal["atom"] = "atom"


Node = ClassNode | AtomNode


@dataclass(eq=False)
class PodClass:
    """Pods that share namespace, labels, named ports (and addresses when they matter)."""

    index: int
    namespace: str | None
    labels: dict[str, str] | None
    named: NamedPorts | None
    ips: tuple[tuple[str, ...], ...]
    workloads: list[Workload]


@dataclass(frozen=True)
class Atom:
    """Addresses ``lo``..``hi`` (integers) of IP ``version`` that every ipBlock treats alike."""

    version: int
    lo: int
    hi: int

    @property
    def name(self) -> str:
        return range_name(self.version, self.lo, self.hi)


# -- bitsets ----------------------------------------------------------------------------


def tester(bits: int) -> bytes:
    """The bytes of ``bits`` (testing one bit of a large int is cheaper on bytes)."""
    return bits.to_bytes((bits.bit_length() + 7) // 8, "little")


def bits_of(indices: Iterable[int]) -> int:
    """The bitset with the given bits set (built in one go, not bit by bit)."""
    idx = list(indices)
    if not idx:
        return 0
    buf = bytearray(max(idx) // 8 + 1)
    for i in idx:
        buf[i >> 3] |= 1 << (i & 7)
    return int.from_bytes(buf, "little")


def has_bit(test: bytes, i: int) -> bool:
    j = i >> 3
    return j < len(test) and bool((test[j] >> (i & 7)) & 1)


# -- connection sets --------------------------------------------------------------------

EMPTY = ConnSet()
ALL = ConnSet.all()


@lru_cache(maxsize=65536)
def union_all(items: tuple[ConnSet, ...]) -> ConnSet:
    """The union of ``items`` (cached: the same rule sets recur across classes)."""
    if not items:
        return EMPTY
    acc = items[0]
    for c in items[1:]:
        if c is acc or c == acc:
            continue
        acc = acc.union(c)
    return acc


@lru_cache(maxsize=65536)
def intersect(a: ConnSet, b: ConnSet) -> ConnSet:
    if a == ALL:
        return b
    if b == ALL:
        return a
    return a.intersection(b)


# -- addresses --------------------------------------------------------------------------


def _ip_text(version: int, n: int) -> str:
    return str(ipaddress.IPv4Address(n) if version == 4 else ipaddress.IPv6Address(n))


def range_name(version: int, lo: int, hi: int) -> str:
    """``a.b.c.d-e.f.g.h`` (IPv6 likewise, compressed)."""
    return f"{_ip_text(version, lo)}-{_ip_text(version, hi)}"


def parse_range(text: str) -> tuple[int, int, int] | None:
    """(version, first, last) of a CIDR (host bits ignored); None when it does not parse."""
    try:
        net = ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None
    return (net.version, int(net.network_address), int(net.broadcast_address))
