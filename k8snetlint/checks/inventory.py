"""Checks on the input as a whole: objects declared twice, live pods that disagree."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from k8snetlint.checks import Hit, RelatedHit, check
from k8snetlint.context import Context
from k8snetlint.document import Manifest


def _order(m: Manifest) -> tuple[str, int, tuple[Any, ...], int]:
    return (m.file, m.doc_index, tuple(str(p) for p in m.item_path), m.span_at(()).line)


@check("duplicate-object")
def duplicate_object(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Two objects of one kind with the same namespace and name."""
    ns_default = ctx.config.default_namespace
    groups: dict[tuple[str, str, str, str], list[Manifest]] = {}
    for m in ctx.manifests:
        if not m.name:
            continue
        group = m.api_version.split("/", 1)[0] if "/" in m.api_version else ""
        key = (group, m.kind, m.effective_namespace(ns_default), m.name)
        groups.setdefault(key, []).append(m)
    for (_, kind, ns, name), items in groups.items():
        if len(items) < 2:
            continue
        first, *rest = sorted(items, key=_order)
        where = f"{ns}/{name}" if ns else name
        for m in rest:
            span = first.span_at(("metadata", "name"))
            yield Hit(
                f"{kind} {where} is declared again (first at {first.file}:{span.line}); "
                "applying both, the later one silently replaces the earlier",
                manifest=m,
                path=("metadata", "name"),
                related=(RelatedHit(first, ("metadata", "name"), "first declaration"),),
            )


@check("owner-pods-label-mismatch")
def owner_pods_label_mismatch(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Pods of one owner (a live-cluster dump) whose labels differ."""
    for mm in ctx.inventory.label_mismatches:
        first, *others = mm.workloads
        for w in others:
            diff = sorted(
                k
                for k in set(first.labels) | set(w.labels)
                if first.labels.get(k) != w.labels.get(k)
            )
            names = ", ".join(diff)
            which = f"label {names} differs" if len(diff) == 1 else f"labels {names} differ"
            yield Hit(
                f"pods of {mm.owner_kind} {mm.namespace}/{mm.owner_name} carry different "
                f"labels ({which} from {first.display()}); each label set is evaluated on its "
                f"own as {w.display()}",
                manifest=w.manifest,
                path=w.labels_path,
                related=(RelatedHit(first.manifest, first.labels_path, "labels of the first pod"),),
            )
