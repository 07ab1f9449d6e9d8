"""``lint(paths, config) -> Report``: the pipeline, without any printing.

paths -> loader -> (validate, model, graph: lazily, through the Context) -> checks ->
suppress -> Report. The engine stamps rule identity and severity on the hits of each
check, resolves their locations, applies suppressions, sorts and deduplicates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import cast

from k8snetlint import __version__
from k8snetlint.checks import CHECKS, Hit
from k8snetlint.config import Config
from k8snetlint.context import Context
from k8snetlint.findings import (
    SEVERITY_RANK,
    CheckedObject,
    Finding,
    Related,
    Report,
    RuleInfo,
    Severity,
)
from k8snetlint.loader import LoadResult, load_paths
from k8snetlint.registry import active_rules, all_rules
from k8snetlint.suppress import ANNOTATION_PREFIX, Suppressor

UNUSED_SUPPRESSION = "unused-suppression"


def resolve_version(config: Config) -> str:
    from k8snetlint.validate import available_versions, default_version

    wanted = config.kubernetes_version
    if not wanted:
        return default_version()
    norm = wanted.lstrip("v")
    parts = norm.split(".")
    short = ".".join(parts[:2])
    if short not in available_versions():
        raise ValueError(
            f"unsupported Kubernetes version {wanted!r} "
            f"(shipped: {', '.join(available_versions())})"
        )
    return str(short)


def lint(paths: Sequence[str], config: Config, jobs: int | None = 1) -> Report:
    """Check ``paths`` under ``config``. Usage errors raise ``ValueError``.

    ``jobs`` worker processes read and validate (``None``: one per core; 1: none, the
    default of this function; the report is the same either way)."""
    version = resolve_version(config)
    if jobs == 1:
        loaded = load_paths(paths, config.exclude, kustomize=config.kustomize)
    else:
        from k8snetlint.parallel import load_paths as parallel_load

        loaded = parallel_load(paths, config.exclude, version, jobs, kustomize=config.kustomize)
    if loaded.errors:
        raise ValueError("; ".join(loaded.errors))
    return run(loaded, config, version)


def to_finding(rule: RuleInfo, hit: Hit, default_namespace: str) -> Finding:
    """Stamp identity, severity and a resolved location on one hit."""
    m = hit.manifest
    if m is not None:
        span = m.span_at(hit.path, key=hit.key)
        file, line, col, end_line, end_col = (
            m.file,
            span.line,
            span.column,
            span.end_line,
            span.end_column,
        )
        obj = m.ref(default_namespace)
    else:
        file, line, col = hit.file, hit.line, hit.column
        end_line, end_col = hit.end_line, hit.end_column
        obj = None
    related = []
    for r in hit.related:
        rs = r.manifest.span_at(r.path, key=True)
        related.append(Related(r.manifest.file, max(rs.line, 1), max(rs.column, 1), r.message))
    severity = rule.severity
    if hit.severity_cap is not None and SEVERITY_RANK[hit.severity_cap] < SEVERITY_RANK[severity]:
        severity = cast(Severity, hit.severity_cap)
    return Finding(
        rule=rule.name,
        severity=severity,
        message=hit.message,
        file=file,
        line=max(line, 1),
        column=max(col, 1),
        end_line=end_line,
        end_column=end_col,
        object=obj,
        related=tuple(related),
        assumed=hit.assumed or rule.confidence == "assumed",
    )


def rules_gc() -> AbstractContextManager[None]:
    """The garbage-collection policy while rules run (``bench/run.py --rules`` too)."""
    from k8snetlint.loader import relaxed_gc

    return relaxed_gc()


def run(
    loaded: LoadResult,
    config: Config,
    version: str,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Run every active rule over already loaded input."""
    rules = active_rules(config)
    ctx = Context(tuple(loaded.manifests), tuple(loaded.issues), config, version)
    done = getattr(loaded, "validated", None)
    if done is not None:  # worker processes validated most objects already
        from k8snetlint.validate import validate_all

        ctx.__dict__["violations"] = tuple(validate_all(ctx.manifests, version, done))
    by_name = {r.name: r for r in rules}
    known = {r.name for r in all_rules(config)}
    suppressor = Suppressor(
        config, loaded.comments, ctx.manifests, frozenset(by_name) - {UNUSED_SUPPRESSION}
    )
    findings: dict[tuple[object, ...], Finding] = {}
    suppressed = 0
    ns = config.default_namespace
    # The rules build the shared analyses and many long-lived values: a cyclic garbage
    # collection every few thousand allocations would traverse all of them again (the
    # cost then grows faster than the input). Cycles are rare here; collected after.
    with rules_gc():
        for rule in rules:
            if rule.name == UNUSED_SUPPRESSION:
                continue
            if progress is not None:
                progress(rule.name)
            for hit in CHECKS[rule.check](ctx, rule.params):
                finding = to_finding(rule, hit, ns)
                key = finding.sort_key() + (finding.end_line, finding.end_column)
                if key in findings:
                    continue
                if suppressor.suppressed(finding, hit.manifest):
                    suppressed += 1
                    findings[key] = replace(finding, suppressed=True)  # counted once
                    continue
                findings[key] = finding
    if UNUSED_SUPPRESSION in by_name:
        rule = by_name[UNUSED_SUPPRESSION]
        for site in suppressor.unused(known):
            why = (
                "names no known rule"
                if site.rule not in known and site.rule != "*"
                else ("matched no finding")
            )
            where = site.kind
            obj = None
            if site.manifest is not None:
                obj = site.manifest.ref(ns)
                where = f"annotation of {obj.kind} {obj.namespace + '/' if obj.namespace else ''}{obj.name}"
            f = Finding(
                rule=rule.name,
                severity=rule.severity,
                message=f"suppression {site.detail!r} ({where}) {why}",
                file=site.file,
                line=site.line,
                column=site.column,
                object=obj,
            )
            findings[f.sort_key() + (0, 0)] = f
        for manifest, ann in suppressor.missing_reason:
            span = manifest.span_at(("metadata", "annotations", ann), key=True)
            f = Finding(
                rule=rule.name,
                severity="warning",
                message=f"suppression annotation {ann!r} gives no reason; say why the "
                f"{ann[len(ANNOTATION_PREFIX) :]} finding is acceptable",
                file=manifest.file,
                line=span.line,
                column=span.column,
                object=manifest.ref(ns),
            )
            findings[f.sort_key() + (0, 0)] = f
    visible = sorted((f for f in findings.values() if not f.suppressed), key=Finding.sort_key)
    objects = tuple(
        sorted(
            (CheckedObject(m.file, m.span_at(()).line, m.ref(ns)) for m in ctx.manifests),
            key=lambda o: (o.file, o.line, o.ref.kind, o.ref.name),
        )
    )
    return Report(
        tool_version=__version__,
        kubernetes_version=version,
        findings=tuple(visible),
        files=tuple(sorted(set(loaded.files))),
        objects=objects,
        rules=tuple(sorted(rules, key=lambda r: r.name)),
        suppressed=suppressed,
        fail_on=config.fail_on,
    )
