"""References between objects: selectors, backends and names that lead nowhere."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from k8snetlint.checks import Hit, RelatedHit, check
from k8snetlint.context import Context
from k8snetlint.document import Manifest, Path
from k8snetlint.model import (
    NAMESPACE_NAME_LABEL,
    Ingress,
    IngressBackend,
    Inventory,
    Namespace,
    Service,
    Workload,
    identity_invalid,
    is_workload_manifest,
)
from k8snetlint.policy import NetworkPolicy, Peer, Rule
from k8snetlint.selectors import LabelIndex, Selector, iter_bits, labels_of, parse_selector

# Controllers whose selector must match their own pod template labels.
_SELECTOR_KINDS = frozenset(
    {"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "ReplicationController", "Job"}
)


def _pairs_text(pairs: Iterable[tuple[str, str]]) -> str:
    return ",".join(f"{k}={v}" for k, v in pairs) or "<none>"


def _wanted_pairs(selector: Selector) -> list[tuple[str, str]]:
    """Label pairs a selector asks for (matchLabels and single-value ``In``)."""
    pairs = list(selector.match_labels)
    for r in selector.expressions:
        if r.operator == "In" and len(r.values) == 1:
            pairs.append((r.key, r.values[0]))
    return pairs


def _ratio(a: str, b: str) -> float:
    import difflib  # imported on first use: only a label that matches nothing needs it

    return difflib.SequenceMatcher(None, a, b).ratio()


def _ratio_bound(a: str, b: str) -> float:
    """An upper bound of :func:`_ratio` from the lengths alone (``real_quick_ratio``)."""
    la, lb = len(a), len(b)
    return 2.0 * min(la, lb) / (la + lb) if la + lb else 1.0


def _similarity(
    wanted: list[tuple[str, str]], labels: Mapping[str, str], ratio: Any = _ratio
) -> float:
    """How close ``labels`` come to ``wanted``: 1 per exact pair, partial for near misses.

    With ``ratio=_ratio_bound`` the result is an upper bound of the exact score (every
    term grows with the ratio), cheap enough to skip most candidates."""
    score = 0.0
    for k, v in wanted:
        if k in labels:
            got = labels[k]
            score += 1.0 if got == v else 0.5 + 0.5 * ratio(v, got)
        else:
            best_key = max(
                (ratio(k, lk) for lk, lv in labels.items() if lv == v),
                default=0.0,
            )
            if best_key >= 0.6:
                score += 0.5 * best_key
    return score


def closest_workload(
    wanted: list[tuple[str, str]], workloads: Iterable[Workload]
) -> Workload | None:
    """The workload whose labels come closest to ``wanted`` (None when none is close)."""
    best: Workload | None = None
    best_score = 0.0
    for w in workloads:
        if _similarity(wanted, w.labels, _ratio_bound) <= best_score:
            continue  # cannot beat the best so far (ties keep the first)
        score = _similarity(wanted, w.labels)
        if score > best_score:
            best, best_score = w, score
    return best if best_score >= 0.5 else None


def _closest_text(wanted: list[tuple[str, str]], w: Workload) -> str:
    keys = [k for k, _ in wanted if k in w.labels]
    shown = [(k, w.labels[k]) for k in keys] or sorted(w.labels.items())
    return f"{w.kind} {w.namespace}/{w.name} with {_pairs_text(shown)}"


def _labels_related(w: Workload, message: str) -> RelatedHit:
    path: Path = w.labels_path if w.labels else w.template_path or ("metadata",)
    return RelatedHit(w.manifest, path, message)


def _selector_miss(
    inv: Inventory,
    namespace: str,
    wanted: list[tuple[str, str]],
    matches: Any,
) -> tuple[str, tuple[RelatedHit, ...]]:
    """The ``(closest: ...)`` part of a message and its related location."""
    close = closest_workload(wanted, inv.workloads_in(namespace))
    if close is not None:
        text = f" (closest: {_closest_text(wanted, close)})"
        return text, (_labels_related(close, "closest workload's labels"),)
    elsewhere = [w for w in inv.workloads if w.namespace != namespace and matches(w.labels)]
    if elsewhere:
        w = elsewhere[0]
        text = (
            f" ({w.kind} {w.namespace}/{w.name} has these labels but lives in namespace "
            f"{w.namespace})"
        )
        return text, (_labels_related(w, "matching workload in another namespace"),)
    return "", ()


# ---------------------------------------------------------------------------------
# Services


# Groups of custom resources known not to create pods.
_NO_PODS_GROUPS = frozenset(
    {
        "cert-manager.io",
        "gateway.networking.k8s.io",
        "networking.istio.io",
        "security.istio.io",
        "telemetry.istio.io",
        "policy.networking.k8s.io",
        "metallb.io",
        "route.openshift.io",
    }
)
_NO_PODS_KINDS = frozenset(
    {
        ("monitoring.coreos.com", "ServiceMonitor"),
        ("monitoring.coreos.com", "PodMonitor"),
        ("monitoring.coreos.com", "PrometheusRule"),
        ("monitoring.coreos.com", "Probe"),
        ("monitoring.coreos.com", "AlertmanagerConfig"),
        ("monitoring.coreos.com", "ScrapeConfig"),
    }
)


def _custom_group(m: Manifest) -> str | None:
    """The API group of a namespaced custom resource (a group with a dot that is not a
    Kubernetes group, ``*.k8s.io``; not a workload kind), else ``None``."""
    group = m.api_version.rpartition("/")[0]
    if "." not in group or group.endswith(".k8s.io") or m.cluster_scoped:
        return None
    if is_workload_manifest(m):
        return None
    return group


def custom_resources(ctx: Context) -> dict[str, Manifest]:
    """Namespace -> the first custom resource there whose operator may create pods.

    A custom resource is an object of an API group with a dot that is not a Kubernetes
    group (``*.k8s.io``) and not one of the operator table's kinds (those pods are
    modelled), nor of groups and kinds known to create no pods.
    """
    cached = ctx.cache.get("references.custom-resources")
    if cached is not None:
        out: dict[str, Manifest] = cached
        return out
    from k8snetlint.model import operator_table

    modelled = set(operator_table(ctx.config))
    out = {}
    for m in sorted(ctx.manifests, key=lambda m: (m.file, m.doc_index)):
        group = _custom_group(m)
        if (
            group is None
            or group in _NO_PODS_GROUPS
            or (group, m.kind) in _NO_PODS_KINDS
            or (group, m.kind) in modelled
            or m.kind == "CustomResourceDefinition"
        ):
            continue
        out.setdefault(m.effective_namespace(ctx.config.default_namespace), m)
    ctx.cache["references.custom-resources"] = out
    return out


@check("service-selector-matches-nothing")
def service_selector_matches_nothing(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A Service with a selector that selects no workload of its namespace."""
    inv = ctx.inventory
    for svc in inv.services:
        if svc.type == "ExternalName" or not svc.selector or svc.target_workloads:
            continue
        wanted = sorted(svc.selector.items())
        sel = dict(wanted)
        those = "that label" if len(wanted) == 1 else "those labels"
        extra, related = _selector_miss(
            inv,
            svc.namespace,
            wanted,
            lambda labels, sel=sel: all(labels.get(k) == v for k, v in sel.items()),
        )
        custom = custom_resources(ctx).get(svc.namespace)
        if inv.workloads_in(svc.namespace) and custom is not None:
            # an operator of a custom resource in the input may create the pods
            yield Hit(
                f"Service {svc.namespace}/{svc.name} selects {_pairs_text(wanted)} but no "
                f"workload in namespace {svc.namespace} has {those}; the namespace holds "
                f"custom resources ({custom.kind} {custom.name}) whose operator may create "
                f"matching pods{extra}",
                manifest=svc.manifest,
                path=svc.selector_path,
                related=related,
                assumed=True,
                severity_cap="warning",
            )
        elif inv.workloads_in(svc.namespace):
            # the input holds the namespace's workloads: the likely typo
            yield Hit(
                f"Service {svc.namespace}/{svc.name} selects {_pairs_text(wanted)} but no "
                f"workload in namespace {svc.namespace} has {those}{extra}",
                manifest=svc.manifest,
                path=svc.selector_path,
                related=related,
            )
        else:
            yield Hit(
                f"Service {svc.namespace}/{svc.name} selects {_pairs_text(wanted)}, and the "
                f"input holds no workload in namespace {svc.namespace}: its pods may be "
                f"defined elsewhere{extra}",
                manifest=svc.manifest,
                path=svc.selector_path,
                related=related,
                assumed=True,
                severity_cap="warning",
            )


# ---------------------------------------------------------------------------------
# Ingress backends


def _backend_field(ing: Ingress, b: IngressBackend, field: str) -> Path:
    """Path of the backend's service ``name`` or ``port`` (v1 or legacy shape)."""
    if isinstance(ing.manifest.get(*b.location, "service"), Mapping):
        if field == "name":
            return (*b.location, "service", "name")
        sub = "number" if b.port_number is not None else "name"
        return (*b.location, "service", "port", sub)
    return (*b.location, "serviceName" if field == "name" else "servicePort")


def _route(b: IngressBackend) -> str:
    return b.text()


@check("ingress-backend-service-missing")
def ingress_backend_service_missing(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """An Ingress backend names a Service absent from the Ingress's namespace."""
    inv = ctx.inventory
    for ing in inv.ingresses:
        for b in ing.backends:
            if not b.service or inv.service(ing.namespace, b.service) is not None:
                continue
            names = [s.name for s in inv.services_in(ing.namespace)]
            hint = ""
            related: tuple[RelatedHit, ...] = ()
            import difflib  # only for a hint: imported when one is worded

            close = difflib.get_close_matches(b.service, names, n=1, cutoff=0.6)
            if close:
                other = inv.service(ing.namespace, close[0])
                hint = f" (did you mean {close[0]}?)"
                if other is not None:
                    related = (RelatedHit(other.manifest, ("metadata", "name"), "similar Service"),)
            else:
                elsewhere = [s for s in inv.services if s.name == b.service]
                if elsewhere:
                    s = elsewhere[0]
                    hint = (
                        f" (a Service {s.name} exists in namespace {s.namespace}, but an Ingress "
                        "only routes to Services of its own namespace)"
                    )
                    related = (RelatedHit(s.manifest, ("metadata", "name"), "Service elsewhere"),)
            yield Hit(
                f"Ingress {ing.namespace}/{ing.name} routes {_route(b)} to Service "
                f"{b.service}, which does not exist in namespace {ing.namespace}{hint}",
                manifest=ing.manifest,
                path=_backend_field(ing, b, "name"),
                related=related,
            )


def _ports_text(svc: Service) -> str:
    parts = [f"{p.port} ({p.name})" if p.name else str(p.port) for p in svc.ports]
    return ", ".join(parts) if parts else "no ports"


@check("ingress-backend-port-missing")
def ingress_backend_port_missing(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """The backend's Service exists but offers no port of that number or name."""
    inv = ctx.inventory
    for ing in inv.ingresses:
        for b in ing.backends:
            if not b.service or b.port is None:
                continue
            svc = inv.service(ing.namespace, b.service)
            if svc is None or svc.port(b.port) is not None:
                continue
            if svc.type == "ExternalName" and not svc.ports:
                continue  # the port is passed through to the external name
            what = f"port {b.port}" if isinstance(b.port, int) else f"port named {b.port!r}"
            yield Hit(
                f"Ingress {ing.namespace}/{ing.name} routes {_route(b)} to {what} of Service "
                f"{svc.namespace}/{svc.name}, which offers {_ports_text(svc)}",
                manifest=ing.manifest,
                path=_backend_field(ing, b, "port"),
                related=(RelatedHit(svc.manifest, ("spec", "ports"), "the Service's ports"),),
            )


# ---------------------------------------------------------------------------------
# NetworkPolicies


@check("network-policy-selects-nothing")
def network_policy_selects_nothing(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A policy whose (non-empty, valid) podSelector matches no workload of its namespace."""
    inv = ctx.inventory
    for pol in inv.policies:
        sel = pol.pod_selector
        if not sel.valid or sel.is_empty:
            continue
        if inv.workloads_matching(pol.namespace, sel):
            continue
        if _custom_template_matches(ctx, pol.namespace, sel):
            # a custom resource there carries a pod template with these labels: its
            # operator creates the pods the policy is written for
            continue
        extra, related = _selector_miss(inv, pol.namespace, _wanted_pairs(sel), sel.matches)
        if not inv.workloads_in(pol.namespace):
            yield Hit(
                f"NetworkPolicy {pol.namespace}/{pol.name} selects pods {sel.text()}, and "
                f"the input holds no workload in namespace {pol.namespace}: its pods may be "
                f"defined elsewhere{extra}",
                manifest=pol.manifest,
                path=pol.pod_selector_path,
                related=related,
                assumed=True,
                severity_cap="info",
            )
            continue
        custom = custom_resources(ctx).get(pol.namespace)
        if custom is not None:
            extra += (
                f"; custom resources there ({custom.kind} {custom.name}) may make an "
                "operator create such pods"
            )
        yield Hit(
            f"NetworkPolicy {pol.namespace}/{pol.name} selects pods {sel.text()} but no "
            f"workload in namespace {pol.namespace} matches: the policy protects "
            f"nothing{extra}",
            manifest=pol.manifest,
            path=pol.pod_selector_path,
            related=related,
            assumed=custom is not None,
        )


def _pod_template_labels(node: Any, depth: int = 0) -> Iterator[dict[str, str]]:
    """Labels of every pod template nested in a custom resource's data: a mapping with
    ``metadata.labels`` beside a ``spec`` that lists ``containers``."""
    if depth > 8:
        return
    if isinstance(node, dict):
        meta, spec = node.get("metadata"), node.get("spec")
        if (
            isinstance(meta, dict)
            and isinstance(meta.get("labels"), dict)
            and isinstance(spec, dict)
            and isinstance(spec.get("containers"), list)
        ):
            yield labels_of(meta["labels"])
        for value in node.values():
            yield from _pod_template_labels(value, depth + 1)
    elif isinstance(node, list):
        for item in node:
            yield from _pod_template_labels(item, depth + 1)


def _custom_template_matches(ctx: Context, namespace: str, sel: Selector) -> bool:
    """Whether a custom resource of ``namespace`` embeds a pod template ``sel`` matches
    (agent-sandbox's SandboxTemplate ``spec.podTemplate``, and the like)."""
    templates: dict[str, list[dict[str, str]]] | None = ctx.cache.get(
        "references.custom-pod-templates"
    )
    if templates is None:
        templates = {}
        custom = custom_resources(ctx)
        for m in ctx.manifests:
            ns = m.effective_namespace(ctx.config.default_namespace)
            if ns not in custom or _custom_group(m) is None:
                continue
            spec = m.data.get("spec")
            if spec is not None:
                templates.setdefault(ns, []).extend(_pod_template_labels(spec))
        ctx.cache["references.custom-pod-templates"] = templates
    return any(sel.matches(labels) for labels in templates.get(namespace, ()))


@functools.lru_cache(maxsize=4)
def defined_namespaces(inv: Inventory) -> frozenset[str]:
    """Namespaces the input speaks for: a Namespace object, or workloads of the input."""
    return frozenset(
        ns.name for ns in inv.namespaces if ns.manifest is not None or inv.workloads_in(ns.name)
    )


def _pinned_names(sel: Selector) -> frozenset[str] | None:
    """The namespace names a selector pins through ``kubernetes.io/metadata.name``."""
    names: frozenset[str] | None = None
    for k, v in sel.match_labels:
        if k == NAMESPACE_NAME_LABEL:
            names = frozenset({v}) if names is None else names & {v}
    for r in sel.expressions:
        if r.key == NAMESPACE_NAME_LABEL and r.operator == "In":
            vals = frozenset(r.values)
            names = vals if names is None else names & vals
    return names


def peer_may_match_outside(inv: Inventory, peer: Peer) -> bool:
    """Whether ``peer`` may match pods outside the input.

    A peer without ``namespaceSelector`` means the policy's own namespace, which the
    input is taken to describe. A ``namespaceSelector`` can select a namespace the
    input does not define (``{}``, labels no input Namespace carries, or a name that
    is not defined), unless it pins names that are all defined.
    """
    if peer.ip_block is not None:
        return False
    sel = peer.namespace_selector
    if sel is None or not sel.valid:
        return False
    pinned = _pinned_names(sel)
    if pinned is None:
        return True
    return bool(pinned - defined_namespaces(inv))


class _Indexes:
    """Selectors over every namespace and every workload as bitsets (built once per run),
    so that a peer costs a few big-int operations instead of a scan of the input; the
    namespaces a peer covers are computed once per namespaceSelector."""

    def __init__(self, inv: Inventory) -> None:
        self.inv = inv
        self.namespaces = LabelIndex([ns.labels for ns in inv.namespaces])
        self.workloads = LabelIndex([w.labels for w in inv.workloads])
        self.ns_bits: dict[str, int] = {}
        for i, w in enumerate(inv.workloads):
            self.ns_bits[w.namespace] = self.ns_bits.get(w.namespace, 0) | (1 << i)
        # Labels a controller adds to pods (Workload.matches treats them specially):
        # a selector naming one of them is answered by Workload.matches itself.
        self.controller_keys = frozenset(k for w in inv.workloads for k, _ in w.controller_labels)
        self._spaces: dict[tuple[Any, ...], tuple[tuple[str, ...], int]] = {}
        self._closest: dict[tuple[Any, ...], Workload | None] = {}

    def namespaces_matching(self, sel: Selector) -> list[Namespace]:
        spaces = self.inv.namespaces
        return [spaces[i] for i in iter_bits(self.namespaces.select(sel))]

    def peer_spaces(self, pol: NetworkPolicy, peer: Peer) -> tuple[tuple[str, ...], int]:
        """The namespaces with workloads in the input that ``peer`` covers, in order, and
        the bitset of their workloads."""
        sel = peer.namespace_selector
        key = (pol.namespace,) if sel is None else ("", sel.key())
        hit = self._spaces.get(key)
        if hit is None:
            inv = self.inv
            names = tuple(
                ns.name for ns in _namespaces_of(self, pol, peer) if inv.workloads_in(ns.name)
            )
            mask = 0
            for name in names:
                mask |= self.ns_bits.get(name, 0)
            hit = self._spaces[key] = (names, mask)
        return hit

    def any_workload(self, sel: Selector, namespaces: Sequence[str], mask: int) -> bool:
        """Whether ``sel`` may match a pod of a workload of one of ``namespaces`` (whose
        workloads are the bits of ``mask``)."""
        if sel.label_keys() & self.controller_keys:
            inv = self.inv
            return any(inv.workloads_matching(ns, sel) for ns in namespaces)
        return bool(self.workloads.select(sel) & mask)

    def closest(self, wanted: list[tuple[str, str]], namespace: str) -> Workload | None:
        key = (tuple(wanted), namespace)
        if key not in self._closest:
            self._closest[key] = closest_workload(wanted, self.inv.workloads_in(namespace))
        return self._closest[key]


def _indexes(ctx: Context) -> _Indexes:
    found = ctx.cache.get("references.indexes")
    if not isinstance(found, _Indexes) or found.inv is not ctx.inventory:
        found = _Indexes(ctx.inventory)
        ctx.cache["references.indexes"] = found
    return found


def _namespaces_of(idx: _Indexes, pol: NetworkPolicy, peer: Peer) -> list[Namespace]:
    if peer.namespace_selector is None:
        ns = idx.inv.namespace(pol.namespace)
        return [ns] if ns is not None else []
    return idx.namespaces_matching(peer.namespace_selector)


def _peers(pol: NetworkPolicy) -> Iterator[tuple[Rule, Peer]]:
    for rule in (*pol.ingress, *pol.egress):
        for peer in rule.peers or ():
            if peer.valid and peer.ip_block is None:
                yield rule, peer


def _rule_text(rule: Rule) -> str:
    return f"{rule.direction} rule {rule.index}"


@check("network-policy-peer-matches-nothing")
def network_policy_peer_matches_nothing(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A peer whose podSelector matches no workload of the namespaces it covers.

    Only namespaces with workloads in the input are searched: a peer that points into a
    namespace the input says nothing about cannot be judged.
    """
    inv = ctx.inventory
    idx = _indexes(ctx)
    ic = ctx.config.assume.ingress_controller
    for pol in inv.policies:
        for rule, peer in _peers(pol):
            sel = peer.pod_selector
            if sel is None or sel.is_empty or not sel.valid:
                continue
            names, mask = idx.peer_spaces(pol, peer)
            if not names:
                continue
            if idx.any_workload(sel, names, mask):
                continue
            if ic.labels is not None and ic.namespace in names and sel.matches(ic.labels):
                continue
            where = f"namespace {names[0]}" if len(names) == 1 else f"namespaces {', '.join(names)}"
            if peer.namespace_selector is not None and peer.namespace_selector.is_empty:
                where = "any namespace of the input"
            wanted = _wanted_pairs(sel)
            close = None
            for ns in names:
                close = close or idx.closest(wanted, ns)
            related = (_labels_related(close, "closest workload's labels"),) if close else ()
            custom = next(
                (c for ns in names if (c := custom_resources(ctx).get(ns)) is not None), None
            )
            outside = peer_may_match_outside(inv, peer)
            if outside or custom is not None:
                if outside:
                    # the namespace part reaches beyond the input: pods there may match
                    why = "so the peer admits only pods outside the input, if any"
                else:
                    assert custom is not None
                    why = (
                        f"but custom resources there ({custom.kind} {custom.name}) may make "
                        "an operator create such pods"
                    )
                yield Hit(
                    f"{_rule_text(rule)} of NetworkPolicy {pol.namespace}/{pol.name} names "
                    f"pods {sel.text()}; no workload of the input in {where} matches, {why}",
                    manifest=pol.manifest,
                    path=sel.path,
                    related=related,
                    assumed=True,
                    severity_cap="info",
                )
                continue
            extra = f" (closest: {_closest_text(wanted, close)})" if close else ""
            yield Hit(
                f"{_rule_text(rule)} of NetworkPolicy {pol.namespace}/{pol.name} names pods "
                f"{sel.text()} but no workload in {where} matches: the peer admits "
                f"nothing{extra}",
                manifest=pol.manifest,
                path=sel.path,
                related=related,
            )


# Namespaces every cluster has, selectable by their automatic name label.
SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")


def _named_namespaces(sel: Selector) -> list[str] | None:
    """The namespaces a selector names, when it only names namespaces.

    ``kubernetes.io/metadata.name: X`` or ``kubernetes.io/metadata.name In (X, ...)``
    and nothing else: every namespace carries that label with its own name, so such a
    selector matches exactly the namespaces it names, whatever their other labels.
    ``None`` for any other selector.
    """
    key = NAMESPACE_NAME_LABEL
    if sel.label_keys() != frozenset({key}):
        return None
    if any(r.operator != "In" for r in sel.expressions):
        return None
    names = {v for _, v in sel.match_labels} | {v for r in sel.expressions for v in r.values}
    named = sorted(n for n in names if sel.matches({key: n}))
    return named or None


@check("namespace-selector-matches-nothing")
def namespace_selector_matches_nothing(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A peer's namespaceSelector matches no namespace known from the input and config."""
    inv = ctx.inventory
    idx = _indexes(ctx)
    names = [ns.name for ns in inv.namespaces]
    known = ", ".join(names[:10]) + (f", and {len(names) - 10} more" if len(names) > 10 else "")
    known = known or "none"
    for pol in inv.policies:
        for rule, peer in _peers(pol):
            sel = peer.namespace_selector
            if sel is None or sel.is_empty or not sel.valid:
                continue
            if idx.namespaces.select(sel):
                continue
            if any(
                sel.matches({"kubernetes.io/metadata.name": name}) for name in SYSTEM_NAMESPACES
            ):
                # Every cluster has these; selecting them by name is never a typo.
                continue
            named = _named_namespaces(sel)
            if named is not None:
                yield _named_namespace_hit(pol, rule, sel, named, names)
                continue
            yield Hit(
                f"namespaceSelector {sel.text()} in {_rule_text(rule)} of NetworkPolicy "
                f"{pol.namespace}/{pol.name} matches none of the namespaces known from the "
                f"input and config ({known}); label the Namespace in the input or declare its "
                "labels under assume.namespace-labels",
                manifest=pol.manifest,
                path=sel.path,
                assumed=True,
            )


def _named_namespace_hit(
    pol: NetworkPolicy, rule: Rule, sel: Selector, named: list[str], known: list[str]
) -> Hit:
    """A selector naming namespaces the input does not define.

    They need no labels: only their existence is unknown. A name close to a namespace
    of the input is the likely typo (warning); otherwise the namespace most likely
    comes from another install (istio-system beside Kubeflow's policies): info.
    """
    what = f"namespace {named[0]}" if len(named) == 1 else f"namespaces {', '.join(named)}"
    it = "it" if len(named) == 1 else "them"
    head = (
        f"namespaceSelector {sel.text()} in {_rule_text(rule)} of NetworkPolicy "
        f"{pol.namespace}/{pol.name} names {what}, which the input does not define"
    )
    import difflib  # only for a hint: imported when one is worded

    close = sorted({c for n in named for c in difflib.get_close_matches(n, known, 1, 0.8)})
    if close:
        return Hit(
            f"{head}; did you mean {', '.join(close)} (in the input)? A misspelt name "
            "admits nothing",
            manifest=pol.manifest,
            path=sel.path,
            assumed=True,
        )
    return Hit(
        f"{head}: the peer admits its pods if the cluster has {it}, and nothing if a name "
        f"is misspelt; declare {it} under assume.namespace-labels to confirm",
        manifest=pol.manifest,
        path=sel.path,
        assumed=True,
        severity_cap="info",
    )


# ---------------------------------------------------------------------------------
# Workloads


@check("workload-selector-mismatch")
def workload_selector_mismatch(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A controller's selector does not match its own pod template labels."""
    for w in ctx.inventory.workloads:
        sel = w.selector
        if w.kind not in _SELECTOR_KINDS or sel is None or not sel.valid or w.pods:
            continue
        if sel.matches(w.labels):
            continue
        path: Path = sel.path
        for k, v in sel.match_labels:
            if w.labels.get(k) != v:
                path = (
                    (*sel.path, k)
                    if w.kind == "ReplicationController"
                    else (
                        *sel.path,
                        "matchLabels",
                        k,
                    )
                )
                break
        else:
            for r in sel.expressions:
                if not r.matches(w.labels):
                    path = r.path
                    break
        yield Hit(
            f"{w.kind} {w.namespace}/{w.name} selector {sel.text()} does not match its pod "
            f"template labels ({_pairs_text(sorted(w.labels.items()))}): the API server "
            "rejects it",
            manifest=w.manifest,
            path=path,
            related=(_labels_related(w, "pod template labels"),),
        )


@check("statefulset-service-missing")
def statefulset_service_missing(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A StatefulSet's serviceName names no headless Service selecting its pods."""
    inv = ctx.inventory
    for w in inv.workloads:
        if w.kind != "StatefulSet" or w.pods:
            continue
        name = w.manifest.get("spec", "serviceName")
        if not isinstance(name, str) or not name:
            continue
        svc = inv.service(w.namespace, name)
        head = f"StatefulSet {w.namespace}/{w.name} names governing Service {name}"
        if svc is None:
            yield Hit(
                f"{head}, which does not exist in namespace {w.namespace}: its pods get no "
                "stable DNS names",
                manifest=w.manifest,
                path=("spec", "serviceName"),
            )
            continue
        related = (RelatedHit(svc.manifest, ("metadata", "name"), "the governing Service"),)
        if not svc.headless:
            yield Hit(
                f"{head}, which is not headless (clusterIP: None): its pods get no stable DNS "
                "names",
                manifest=w.manifest,
                path=("spec", "serviceName"),
                related=related,
            )
        elif w not in svc.target_workloads:
            yield Hit(
                f"{head}, whose selector {_pairs_text(sorted((svc.selector or {}).items()))} "
                "does not select its pods: they get no stable DNS names",
                manifest=w.manifest,
                path=("spec", "serviceName"),
                related=related,
            )


# ---------------------------------------------------------------------------------
# prometheus-operator monitors: ServiceMonitor and PodMonitor

_MONITOR_KINDS = {"ServiceMonitor": "Service", "PodMonitor": "Pod"}


def _monitors(ctx: Context) -> Iterator[tuple[Manifest, str, str]]:
    """(manifest, namespace, kind) of every ServiceMonitor and PodMonitor of the input."""
    ns_default = ctx.config.default_namespace
    for m in ctx.manifests:
        if (
            m.kind in _MONITOR_KINDS
            and m.api_version.startswith("monitoring.coreos.com/")
            and not identity_invalid(m)
        ):
            yield m, m.effective_namespace(ns_default), m.kind


def _monitor_namespaces(inv: Inventory, m: Manifest, namespace: str) -> tuple[list[str], bool]:
    """The namespaces a monitor looks in, and whether the input defines all of them.

    ``namespaceSelector: {any: true}`` means every namespace (also those outside the
    input), ``matchNames`` those names, no selector the monitor's own namespace.
    """
    raw = m.get("spec", "namespaceSelector")
    defined = defined_namespaces(inv)
    if isinstance(raw, dict) and raw.get("any") is True:
        return [ns.name for ns in inv.namespaces], False
    names = raw.get("matchNames") if isinstance(raw, dict) else None
    if isinstance(names, list) and names:
        listed = sorted({str(n) for n in names})
        return listed, all(n in defined for n in listed)
    return [namespace], namespace in defined


def _monitored_services(inv: Inventory, spaces: list[str], sel: Selector) -> list[Service]:
    out = []
    for ns in spaces:
        for svc in inv.services_in(ns):
            if sel.matches(labels_of(svc.manifest.get("metadata", "labels"))):
                out.append(svc)
    return out


def _monitored_workloads(inv: Inventory, spaces: list[str], sel: Selector) -> list[Workload]:
    return [w for ns in spaces for w in inv.workloads_matching(ns, sel)]


@check("monitor-selects-nothing")
def monitor_selects_nothing(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A ServiceMonitor (PodMonitor) whose selectors match no Service (pod) of the input.

    Reported only when every namespace the monitor looks in is defined by the input
    (a Namespace object or workloads): a monitor of ``kube-system`` or of every
    namespace may select objects outside the input.
    """
    inv = ctx.inventory
    for m, namespace, kind in _monitors(ctx):
        raw_sel = m.get("spec", "selector")
        if not isinstance(raw_sel, dict):
            continue
        sel = parse_selector(raw_sel, ("spec", "selector"))
        if not sel.valid:
            continue
        spaces, all_defined = _monitor_namespaces(inv, m, namespace)
        if not all_defined:
            continue
        target = _MONITOR_KINDS[kind]
        if target == "Service":
            if _monitored_services(inv, spaces, sel):
                continue
        elif _monitored_workloads(inv, spaces, sel):
            continue
        where = f"namespace {spaces[0]}" if len(spaces) == 1 else f"namespaces {', '.join(spaces)}"
        related: tuple[RelatedHit, ...] = ()
        extra = ""
        if target == "Pod":
            wanted = _wanted_pairs(sel)
            close = None
            for ns in spaces:
                close = close or closest_workload(wanted, inv.workloads_in(ns))
            if close is not None:
                extra = f" (closest: {_closest_text(wanted, close)})"
                related = (_labels_related(close, "closest workload's labels"),)
        what = "Service" if target == "Service" else "pod"
        yield Hit(
            f"{kind} {namespace}/{m.name} selects {what}s {sel.text()} in {where}, but no "
            f"{what} of the input there has those labels: nothing is scraped{extra}",
            manifest=m,
            path=("spec", "selector"),
            related=related,
        )


@check("monitor-port-missing")
def monitor_port_missing(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """A monitor endpoint's ``port`` that a selected Service (pod) does not name."""
    inv = ctx.inventory
    for m, namespace, kind in _monitors(ctx):
        raw_sel = m.get("spec", "selector")
        if not isinstance(raw_sel, dict):
            continue
        sel = parse_selector(raw_sel, ("spec", "selector"))
        if not sel.valid:
            continue
        spaces, _ = _monitor_namespaces(inv, m, namespace)
        key = "endpoints" if kind == "ServiceMonitor" else "podMetricsEndpoints"
        endpoints = m.get("spec", key)
        if not isinstance(endpoints, list):
            continue
        for i, ep in enumerate(endpoints):
            port = ep.get("port") if isinstance(ep, dict) else None
            if not isinstance(port, str) or not port:
                continue
            path: Path = ("spec", key, i, "port")
            if kind == "ServiceMonitor":
                for svc in _monitored_services(inv, spaces, sel):
                    names = [p.name for p in svc.ports if p.name]
                    if port in names:
                        continue
                    yield Hit(
                        f"endpoint {i} of ServiceMonitor {namespace}/{m.name} scrapes port "
                        f"{port!r}, which Service {svc.namespace}/{svc.name} does not name "
                        f"(its ports: {', '.join(names) or 'none named'}): that target is "
                        "not scraped",
                        manifest=m,
                        path=path,
                        related=(
                            RelatedHit(svc.manifest, ("spec", "ports"), "the Service's ports"),
                        ),
                    )
            else:
                for w in _monitored_workloads(inv, spaces, sel):
                    if w.origin != "manifest" or any(p.name == port for p in w.ports):
                        continue
                    names = sorted({p.name for p in w.ports if p.name})
                    yield Hit(
                        f"endpoint {i} of PodMonitor {namespace}/{m.name} scrapes port "
                        f"{port!r}, which no container of {w.kind} {w.namespace}/{w.name} "
                        f"names (named: {', '.join(names) or 'none'}): its pods are not "
                        "scraped",
                        manifest=m,
                        path=path,
                        related=(_labels_related(w, "the selected pods"),),
                    )
