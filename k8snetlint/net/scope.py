"""What one ``reach`` answer between workloads depends on, so that only that is read,
modelled and compiled.

A NetworkPolicy applies to the pods of its own namespace; whether one of its rules
admits a peer depends on the peer's labels, named ports and namespace labels
(docs/semantics.md). So the verdict, the reasons and the notes for two workloads (or
the workloads behind a Service) are decided by:

* the objects of their two namespaces (workloads with their pods and owners, Services,
  NetworkPolicies) and the Namespace objects of these namespaces;
* the admin and baseline tiers (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
  ClusterNetworkPolicy: cluster-scoped, selecting by namespace and pod labels);
* whether any policy of the input names a per-ordinal label: StatefulSets are then
  split into one workload per pod everywhere (:meth:`~k8snetlint.model.Inventory.per_ordinal`);
* the configuration (default namespace, assumed labels, declared workloads, the
  ingress controller).

The rest of the input changes only what ``reach`` between these workloads never
shows: other workloads, and the address ranges outside the cluster. An end that is an
address (or ``internet``) is named by its range, which every ipBlock of every policy
cuts: then every NetworkPolicy with an ipBlock is kept too (:attr:`Scope.external`),
and the Gateway routes that lead to the other end matter (an input with any Gateway
API object takes the whole input: :func:`needs_whole_input`). The ingress controller is a pseudo-pod of
the configured namespace and labels: its namespace's objects (when configured) and
the Ingress objects of the other end's namespace decide. Ends of any other form
(Gateways, hypothetical pods) take the whole input: :func:`reach_scope` says ``None``
for them.

Files are chosen before they are parsed, by their bytes (:class:`FileFilter`): a
file can hold an object of a namespace only if the namespace's name occurs in it (no
object there lacks a namespace when the default namespace is not one of them; YAML
and JSON write a name as it is unless escaped: a file with a backslash is read).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from k8snetlint.config import Config
from k8snetlint.discovery import MAX_FILE_BYTES
from k8snetlint.document import Manifest
from k8snetlint.gateway import GATEWAY_GROUP, X_GROUP, api_group
from k8snetlint.model import ORDINAL_LABELS, _mentions_ordinal_label
from k8snetlint.net.outside import parse_hypothetical
from k8snetlint.tiers import TIER_KINDS

__all__ = ["FileFilter", "Scope", "needs_whole_input", "reach_scope", "relevant_manifests"]

# the ingress controller's --from/--to forms (netcli.resolve_target)
_CONTROLLER = ("ingress-controller", "{ingress-controller}")
_GATEWAYS = ("{gateway:", "gateway:")


@dataclass(frozen=True)
class Scope:
    """What a ``reach`` answer depends on: the objects of ``namespaces`` (and those of
    the module docs); with ``external``, every NetworkPolicy with an ipBlock too."""

    namespaces: frozenset[str]
    external: bool = False


def _namespace_of(text: str, default_namespace: str) -> set[str] | None:
    """The namespaces a workload or ``svc:`` end may be in (empty: an address;
    ``{"ingress-controller"}``: the ingress controller); None for other forms."""
    import ipaddress

    stripped = text.strip()
    low = stripped.lower()
    if low.startswith(_GATEWAYS):
        return None
    if low in _CONTROLLER:
        # its namespace (when configured) is added by reach_scope; the Ingress objects
        # that lead to the other end are in that end's namespace
        return {_CONTROLLER[0]}
    if low == "internet":
        return set()
    try:
        ipaddress.ip_address(stripped)
    except ValueError:
        pass
    else:
        return set()
    try:
        if parse_hypothetical(text, default_namespace) is not None:
            return None
    except ValueError:
        return None
    if low.startswith("svc:"):
        rest = text[4:]
        return {rest.split("/", 1)[0] if "/" in rest else default_namespace}
    # Inventory.find_workloads reads the text as it is; the display names of
    # ``ns/owner[Kind]/pod`` are compared stripped
    return {t.split("/", 1)[0] if "/" in t else default_namespace for t in (text, stripped)}


def reach_scope(texts: Iterable[str], config: Config) -> Scope | None:
    """What ``reach`` between ``texts`` (its --from and --to) depends on: the namespaces
    of the ends (with the ingress controller's when the configuration names it), and
    whether an end is an address; None when the answer may depend on the whole input."""
    default = config.default_namespace
    out: set[str] = set()
    external = False
    for text in texts:
        found = _namespace_of(text, default)
        if found is None:
            return None
        external = external or not found
        out |= found - {_CONTROLLER[0]}
    if "" in out:
        return None  # the namespace of cluster-scoped objects
    ctrl = config.assume.ingress_controller.namespace
    if ctrl:
        out.add(ctrl)
    return Scope(frozenset(out), external)


class FileFilter:
    """Whether a file may hold an object :func:`relevant_manifests` keeps, by its bytes
    (see the module docs); files that cannot be read, or in UTF-16, are read."""

    def __init__(self, scope: Scope) -> None:
        external: tuple[bytes, ...] = ()
        if scope.external:
            # every policy with an ipBlock, and the Gateway API objects that make the
            # input need a whole reading (needs_whole_input)
            external = (b"ipBlock", GATEWAY_GROUP.encode(), X_GROUP.encode())
        self.needles: tuple[bytes, ...] = (
            *sorted(ns.encode() for ns in scope.namespaces),
            *external,
            b"\\",
            # cluster-scoped objects every answer depends on (BaselineAdminNetworkPolicy
            # contains AdminNetworkPolicy)
            b"AdminNetworkPolicy",
            b"ClusterNetworkPolicy",
            *sorted(label.encode() for label in ORDINAL_LABELS),
            # templates: the reader says they could not be read (the answer may lack them)
            b"{{",
            b"{%",
        )

    def __call__(self, path: Path) -> bool:
        try:
            with open(path, "rb") as fh:
                data = fh.read(MAX_FILE_BYTES + 1)
        except OSError:
            return True
        if len(data) > MAX_FILE_BYTES or data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return True
        return any(n in data for n in self.needles)


def relevant_manifests(
    manifests: Sequence[Manifest], scope: Scope, default_namespace: str
) -> list[Manifest]:
    """The objects of ``manifests`` an answer of ``scope`` depends on (see the module
    docs), in their order."""
    namespaces = scope.namespaces
    out: list[Manifest] = []
    for m in manifests:
        kind = m.kind
        if kind == "Namespace":
            keep = m.name in namespaces
        elif kind in TIER_KINDS or m.effective_namespace(default_namespace) in namespaces:
            keep = True
        elif kind == "NetworkPolicy":
            # every ipBlock cuts the ranges an address is named by; another namespace's
            # policy naming a per-ordinal label splits StatefulSets in every namespace
            keep = (scope.external and _has_key(m.data, "ipBlock")) or _mentions_ordinal_label(
                m.data
            )
        else:
            keep = scope.external and api_group(m.api_version) in (GATEWAY_GROUP, X_GROUP)
        if keep:
            out.append(m)
    return out


def _has_key(data: object, key: str) -> bool:
    """Whether ``key`` is a key of some mapping inside ``data``."""
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if key in node:
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def needs_whole_input(manifests: Iterable[Manifest], scope: Scope) -> bool:
    """Whether an answer with an address end needs the whole input after all: Gateway
    routes into the other end depend on the Gateways' namespaces, data planes and their
    policies."""
    if not scope.external:
        return False
    return any(api_group(m.api_version) in (GATEWAY_GROUP, X_GROUP) for m in manifests)
