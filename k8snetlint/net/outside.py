"""Pods outside the input, represented symbolically: exposure and hypothetical pods.

Its one job: say what lies beyond the input. The input is taken to describe every pod
of the namespaces it speaks for (a Namespace object, or workloads of the input); any
other namespace may exist in the cluster, with any labels and any pods. A policy peer
whose ``namespaceSelector`` can select such a namespace (``{}``, labels, or a name the
input does not define) therefore admits pods outside the input. They are represented
by their selectors (:class:`OutsidePeer`), as netpol-analyzer's exposure analysis does:

* ``entire cluster``: any pod of any namespace (no isolation, a rule without peers,
  or ``namespaceSelector: {}`` without a pod selector);
* ``namespaces with labels {...}``: every pod of such namespaces;
* ``pods with labels {...} in namespaces with labels {...}`` (or ``in any namespace``).

:func:`exposure` lists them per class and direction with their ports. A
*hypothetical* endpoint (``pods app=x in namespaces team=ops``) is a representative
pod with exactly those labels in a namespace with exactly those labels: see
:func:`parse_hypothetical` and :func:`hypothetical_manifest_text`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from k8snetlint.connectivity import ConnSet
from k8snetlint.model import NAMESPACE_NAME_LABEL, Inventory
from k8snetlint.net.compile import Compiled
from k8snetlint.net.nodes import ALL
from k8snetlint.policy import Direction, Peer, Rule, conns_of
from k8snetlint.selectors import Selector

__all__ = [
    "ENTIRE_CLUSTER",
    "Exposure",
    "Hypothetical",
    "OutsidePeer",
    "defined_namespaces",
    "exposure",
    "hypothetical_manifest_text",
    "outside_peers",
    "parse_hypothetical",
    "peer_may_match_outside",
    "pinned_names",
    "rule_admits_outside",
]

# the namespace of a hypothetical pod whose namespace name is not given: not a valid
# Kubernetes name, so no namespace of the input (nor any selector naming one) matches it
OUTSIDE_NAMESPACE = "(outside the input)"
HYPOTHETICAL_POD = "(hypothetical)"


@dataclass(frozen=True)
class OutsidePeer:
    """Pods outside the input: by namespace labels and pod labels (None: any)."""

    namespaces: Selector | None = None
    pods: Selector | None = None

    @property
    def entire_cluster(self) -> bool:
        return self.namespaces is None and self.pods is None

    def text(self) -> str:
        if self.pods is None:
            if self.namespaces is None:
                return "entire cluster"
            return f"namespaces with labels {{{self.namespaces.text()}}}"
        pods = f"pods with labels {{{self.pods.text()}}}"
        if self.namespaces is None:
            return f"{pods} in any namespace"
        return f"{pods} in namespaces with labels {{{self.namespaces.text()}}}"

    def json(self) -> dict[str, str | None]:
        return {
            "text": self.text(),
            "namespaceSelector": self.namespaces.text() if self.namespaces is not None else None,
            "podSelector": self.pods.text() if self.pods is not None else None,
        }

    def sort_key(self) -> tuple[int, str]:
        rank = 0 if self.entire_cluster else 1 if self.pods is None else 2
        return (rank, self.text())


ENTIRE_CLUSTER = OutsidePeer()


def defined_namespaces(inv: Inventory) -> frozenset[str]:
    """Namespaces the input speaks for: a Namespace object, or workloads of the input."""
    return frozenset(
        ns.name for ns in inv.namespaces if ns.manifest is not None or inv.workloads_in(ns.name)
    )


def pinned_names(sel: Selector) -> frozenset[str] | None:
    """The namespace names a selector pins through ``kubernetes.io/metadata.name``
    (None: it pins none)."""
    names: frozenset[str] | None = None
    for k, v in sel.match_labels:
        if k == NAMESPACE_NAME_LABEL:
            names = frozenset({v}) if names is None else names & {v}
    for r in sel.expressions:
        if r.key == NAMESPACE_NAME_LABEL and r.operator == "In":
            vals = frozenset(r.values)
            names = vals if names is None else names & vals
    return names


def peer_may_match_outside(peer: Peer, defined: frozenset[str]) -> bool:
    """Whether ``peer`` may match pods outside the input (see the module docs)."""
    if not peer.valid or peer.ip_block is not None:
        return False
    sel = peer.namespace_selector
    if sel is None or not sel.valid:
        return False
    if peer.pod_selector is not None and not peer.pod_selector.valid:
        return False
    pinned = pinned_names(sel)
    return pinned is None or bool(pinned - defined)


def outside_peers(rule: Rule, defined: frozenset[str]) -> list[OutsidePeer]:
    """The pods outside the input that ``rule`` admits (or lets its pods reach)."""
    if rule.peers is None:
        return [ENTIRE_CLUSTER]
    out: list[OutsidePeer] = []
    for peer in rule.peers:
        if not peer_may_match_outside(peer, defined):
            continue
        ns = peer.namespace_selector
        pods = peer.pod_selector
        out.append(
            OutsidePeer(
                None if ns is None or ns.is_empty else ns,
                None if pods is None or pods.is_empty else pods,
            )
        )
    return out


def rule_admits_outside(rule: Rule, defined: frozenset[str]) -> bool:
    return bool(outside_peers(rule, defined))


@dataclass(frozen=True)
class Exposure:
    """What one direction of one class opens to pods outside the input."""

    direction: Direction
    peer: OutsidePeer
    conns: ConnSet
    # egress ports named by the rule: the unknown destination pods resolve them
    named: tuple[tuple[str, str], ...] = ()

    def conn_text(self) -> str:
        parts = [] if self.conns.is_empty() else [self.conns.text()]
        parts += [f"{proto} {name}" for proto, name in self.named]
        return ",".join(parts)


def exposure(c: Compiled, ci: int, defined: frozenset[str]) -> tuple[Exposure, ...]:
    """Per direction, the pods outside the input class ``ci`` is open to, with ports.

    A narrower peer lists only what a wider one (the entire cluster; namespaces with
    the same labels) does not already open.
    """
    out: list[Exposure] = []
    for direction in ("ingress", "egress"):
        d: Direction = "ingress" if direction == "ingress" else "egress"
        prof = c.profiles[d][ci]
        acc: dict[OutsidePeer, tuple[ConnSet, set[tuple[str, str]]]] = {}
        if prof is None:
            acc[ENTIRE_CLUSTER] = (ALL, set())
        else:
            named = c.classes[ci].named
            for r in prof.rules:
                peers = outside_peers(r.rule, defined)
                if not peers:
                    continue
                if d == "ingress":
                    cs, names = r.conns(named), set()
                else:
                    cs = conns_of(r.rule.ports, ())
                    names = {
                        (p.protocol, p.port)
                        for p in r.rule.ports or ()
                        if p.valid and isinstance(p.port, str)
                    }
                for peer in peers:
                    old_cs, old_names = acc.get(peer, (ConnSet(), set()))
                    acc[peer] = (old_cs.union(cs), old_names | names)
        wide = acc.get(ENTIRE_CLUSTER, (ConnSet(), set()))
        for peer in sorted(acc, key=OutsidePeer.sort_key):
            cs, names = acc[peer]
            if not peer.entire_cluster:
                covers = [wide]
                if peer.pods is not None:
                    covers.append(acc.get(OutsidePeer(peer.namespaces, None), (ConnSet(), set())))
                for cover_cs, cover_names in covers:
                    cs = cs.difference(cover_cs)
                    names = names - cover_names
            if cs.is_empty() and not names:
                continue
            out.append(Exposure(d, peer, cs, tuple(sorted(names))))
    return tuple(out)


# ---------------------------------------------------------------------------------
# Hypothetical endpoints


@dataclass(frozen=True)
class Hypothetical:
    """A representative pod outside the input: exactly these labels, in a namespace
    with exactly these labels (``namespace`` given: that namespace, as the input
    describes it)."""

    text: str
    pod_labels: tuple[tuple[str, str], ...]
    namespace: str | None
    namespace_labels: tuple[tuple[str, str], ...] = ()

    def namespace_name(self, role: str) -> str:
        """The namespace of the representative pod (made up unless given)."""
        if self.namespace is not None:
            return self.namespace
        return f"{OUTSIDE_NAMESPACE[:-1]}, {role})"

    def pod_name(self, role: str) -> str:
        return f"{HYPOTHETICAL_POD[:-1]} {role})"

    def describe(self) -> str:
        def labels(items: tuple[tuple[str, str], ...]) -> str:
            if not items:
                return "no labels"
            return "exactly the labels {" + ",".join(f"{k}={v}" for k, v in items) + "}"

        if self.namespace is not None:
            where = f"namespace {self.namespace} (as the input describes it)"
        else:
            where = f"a namespace outside the input with {labels(self.namespace_labels)}"
        return f"{self.text!r} is a hypothetical pod with {labels(self.pod_labels)} in {where}"


def _labels(text: str, what: str) -> tuple[tuple[str, str], ...]:
    text = text.strip()
    if text in ("", "*", "{}"):
        return ()
    out: dict[str, str] = {}
    for part in text.strip("{}").split(","):
        key, eq, value = part.strip().partition("=")
        if not eq or not key.strip():
            raise ValueError(f"{what} labels must be KEY=VALUE[,KEY=VALUE...], got {part!r}")
        out[key.strip()] = value.strip()
    return tuple(sorted(out.items()))


def parse_hypothetical(text: str, default_namespace: str) -> Hypothetical | None:
    """``pods LABELS [in namespace NAME | in namespaces LABELS]`` or ``namespaces LABELS``
    (None when ``text`` is not of these forms; ValueError when it is, but malformed).

    LABELS is ``k=v[,k=v...]``, or ``*`` / ``{}`` for none. Without ``in ...`` the pods
    are in the default namespace.
    """
    words = text.strip()
    low = words.lower()
    if low.startswith("namespaces "):
        return Hypothetical(words, (), None, _labels(words[len("namespaces ") :], "namespace"))
    if not (low.startswith("pods ") or low == "pods"):
        return None
    rest = words[len("pods") :].strip()
    pod_part, sep, ns_part = rest.partition(" in ")
    if not sep and rest.lower().startswith("in "):
        pod_part, sep, ns_part = "", " in ", rest[3:]
    labels = _labels(pod_part, "pod")
    if not sep:
        return Hypothetical(words, labels, default_namespace)
    ns_part = ns_part.strip()
    if ns_part.lower().startswith("namespaces "):
        return Hypothetical(
            words, labels, None, _labels(ns_part[len("namespaces ") :], "namespace")
        )
    if ns_part.lower().startswith("namespace "):
        name = ns_part[len("namespace ") :].strip()
        if not name or " " in name:
            raise ValueError(f"'in namespace NAME' needs one name, got {ns_part!r}")
        return Hypothetical(words, labels, name)
    raise ValueError(f"expected 'in namespace NAME' or 'in namespaces LABELS', got {ns_part!r}")


def hypothetical_manifest_text(h: Hypothetical, role: str) -> str:
    """YAML (JSON) documents adding the representative pod (and its namespace) to an
    input, so that the engine evaluates it like any pod. ``role`` tells apart two
    hypothetical pods of one query (``source``/``destination``)."""
    docs: list[dict[str, object]] = []
    namespace = h.namespace_name(role)
    if h.namespace is None:
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": namespace, "labels": dict(h.namespace_labels)},
            }
        )
    meta: dict[str, object] = {"name": h.pod_name(role), "namespace": namespace}
    if h.pod_labels:
        meta["labels"] = dict(h.pod_labels)
    docs.append(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": meta,
            "spec": {"containers": [{"name": "c", "image": "hypothetical"}]},
        }
    )
    return "\n---\n".join(json.dumps(d) for d in docs) + "\n"
