"""``lint(paths, config) -> Report``: the pipeline, without any printing.

paths -> loader -> (validate, model, graph: lazily, through the Context) -> checks ->
suppress -> Report. The engine stamps rule identity and severity on the hits of each
check, resolves their locations, applies suppressions, sorts and deduplicates.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING, cast

from k8snetlint import __version__
from k8snetlint.checks import CHECKS, Hit
from k8snetlint.config import Config, did_you_mean
from k8snetlint.context import Context
from k8snetlint.document import Manifest
from k8snetlint.findings import (
    SEVERITY_RANK,
    CheckedObject,
    Finding,
    Related,
    Report,
    RuleInfo,
    Severity,
)
from k8snetlint.loader import LoadResult
from k8snetlint.registry import active_rules, all_rules
from k8snetlint.suppress import ANNOTATION_PREFIX, Suppressor

if TYPE_CHECKING:
    from pathlib import Path

    from k8snetlint.model import Inventory
    from k8snetlint.net import Connectivity
    from k8snetlint.validate import Violation

UNUSED_SUPPRESSION = "unused-suppression"


# The oldest Kubernetes version whose removed APIs the table covers.
MIN_VERSION = (1, 22)


def resolve_version(config: Config) -> str:
    """The Kubernetes minor version a run checks against (``"1.25"``), for every command.

    Empty means the newest shipped schema. Any minor from 1.22 is accepted: a newer one
    than shipped is validated with the newest schema, an older one with the oldest
    schema plus its own removed-API verdicts (:func:`version_note` says which).
    Raises ``ValueError`` for text that is not a version or predates 1.22.
    """
    import re

    from k8snetlint.validate import default_version
    from k8snetlint.validate import resolve_version as schema_version

    wanted = config.kubernetes_version
    if wanted is None or not str(wanted).strip():
        return default_version()
    schema_version(str(wanted))  # ValueError for what is not a version
    m = re.match(r"\s*v?(\d+)\.(\d+)", str(wanted))
    assert m is not None
    minor = (int(m.group(1)), int(m.group(2)))
    if minor < MIN_VERSION:
        raise ValueError(
            f"Kubernetes {wanted} is older than {MIN_VERSION[0]}.{MIN_VERSION[1]}, "
            "the oldest version supported"
        )
    return f"{minor[0]}.{minor[1]}"


def version_note(version: str) -> str | None:
    """One line when ``version`` has no shipped schema of its own; None otherwise."""
    from k8snetlint.validate import available_versions
    from k8snetlint.validate import resolve_version as schema_version

    shipped = available_versions()
    schema = schema_version(version)
    if schema == version:
        return None
    span = f"{shipped[0]} to {shipped[-1]}"
    if schema == shipped[-1]:
        return (
            f"Kubernetes {version} is newer than the schemas shipped ({span}): objects "
            f"are validated against the {schema} schema"
        )
    return (
        f"Kubernetes {version} predates the schemas shipped ({span}): objects are "
        f"validated against the {schema} schema, and apiVersions against the APIs "
        f"removed up to {version}"
    )


# Files the tool writes or reads for itself: never read as manifests.
OWN_FILE_NAMES = (".k8snetlint-baseline.json",)


def load(
    paths: Sequence[str],
    config: Config,
    progress: Callable[[int, int], None] | None = None,
    *,
    skip: Sequence[str] = (),
    stdin_path: str | None = None,
    follow_symlinks: bool = False,
    jobs: int | None = 1,
    version: str | None = None,
    kustomize_allow_remote: bool = False,
    keep: Callable[[Path], bool] | None = None,
) -> LoadResult:
    """Expand and read ``paths`` as every command does: ``exclude`` patterns relative to
    the config file's folder; the config file, baselines and the files named in ``skip``
    (reports this run writes) are never read as manifests; ``stdin_path`` maps Helm's
    ``# Source:`` names to files (:func:`stdin_name`). ``jobs`` worker processes read
    and validate against ``version`` (``None``: one per core; 1: none, in this
    process; see :mod:`k8snetlint.parallel`). ``keep``: which plain files to read (the
    others are skipped silently). Usage errors are in ``result.errors``."""
    from k8snetlint.loader import LoadIssue, expand_paths, load_files

    own = {os.path.abspath(p) for p in (*skip, config.config_file or "") if p and p != "-"}
    skipped: list[LoadIssue] = []
    files, errors = expand_paths(
        paths, (), config.kustomize, follow_symlinks=follow_symlinks, skipped=skipped
    )
    kept = [
        (display, path)
        for display, path in files
        if display == "-"
        or not (
            config.excluded(display)
            or os.path.abspath(display) in own
            or os.path.basename(display) in OWN_FILE_NAMES
            or (path is not None and own_output(path))
        )
    ]
    if keep is not None:
        kept = [(d, p) for d, p in kept if p is None or p.is_dir() or keep(p)]
    if jobs == 1:
        result = load_files(kept, progress, kustomize_allow_remote=kustomize_allow_remote)
    else:
        from k8snetlint import parallel

        count = parallel.default_jobs() if jobs is None else jobs
        result = parallel.load_files(
            kept,
            version or resolve_version(config),
            count,
            progress,
            kustomize_allow_remote=kustomize_allow_remote,
        )
    result.issues.extend(skipped)
    result.errors.extend(errors)
    if stdin_path and any(display == "-" for display, _ in kept):
        rename_stdin(result, stdin_path, {display for display, _ in kept if display != "-"})
    return result


def stdin_name(file: str, stdin_path: str, real: set[str]) -> str:
    """Where a finding on standard input lands with ``--stdin-path``.

    Helm's ``# Source: CHART/templates/x.yaml`` names (anything not read from disk)
    become ``STDIN_PATH/templates/x.yaml`` when ``stdin_path`` is the chart's folder;
    with ``stdin_path`` naming a file, standard input itself is named after it.
    """
    if file == "-":
        return file if os.path.isdir(stdin_path) else stdin_path
    if file in real or not os.path.isdir(stdin_path):
        return file
    rest = file.replace("\\", "/").split("/", 1)
    return os.path.join(stdin_path, rest[1]) if len(rest) == 2 else file


def rename_stdin(result: LoadResult, stdin_path: str, real: set[str]) -> None:
    """Apply :func:`stdin_name` to every object, issue and suppression comment."""
    from dataclasses import replace as dc_replace

    for m in result.manifests:
        m.file = stdin_name(m.file, stdin_path, real)
    result.issues = [
        dc_replace(i, file=stdin_name(i.file, stdin_path, real)) for i in result.issues
    ]
    if "-" in result.comments:
        result.comments[stdin_name("-", stdin_path, real)] = result.comments.pop("-")


# compiled (and cached by re) on first use: only a .json input needs it
_OWN_OUTPUT = rb'\A\s*\{\s*"kind":\s*"k8snetlint-baseline"|"tool":\s*\{\s*"name":\s*"k8snetlint"'


def own_output(path: os.PathLike[str] | str) -> bool:
    """Whether ``path`` is a JSON report or baseline that k8snetlint wrote (read as a
    manifest, it would only give a not-a-kubernetes-object finding per run)."""
    if not str(path).endswith(".json"):
        return False
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError:
        return False
    return re.search(_OWN_OUTPUT, head) is not None


def lint(paths: Sequence[str], config: Config, jobs: int | None = 1) -> Report:
    """Check ``paths`` under ``config``. Usage errors raise ``ValueError``.

    ``jobs`` worker processes read and validate (``None``: one per core; 1: none, the
    default of this function; the report is the same either way)."""
    version = resolve_version(config)
    # one pause of the cyclic collector for the whole pipeline (see run): between
    # loading and the rules, a collection would traverse every object just read
    with rules_gc():
        return _lint(paths, config, jobs, version)


def _lint(paths: Sequence[str], config: Config, jobs: int | None, version: str) -> Report:
    loaded = load(paths, config, jobs=jobs, version=version)
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
    patched = _patched_at(m, hit.path) if m is not None else None
    if patched is not None:
        # the value comes from a Kustomize patch: report it there, the base as related
        related.append(Related(file, max(line, 1), max(col, 1), "the base, before the patch"))
        file, line, col, end_line, end_col = patched
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
        field_path=field_path(hit.path) if m is not None else "",
    )


def _patched_at(m: Manifest, path: Sequence[object]) -> tuple[str, int, int, int, int] | None:
    """Where a Kustomize patch set the field at ``path`` (or a field above it), if one
    did (see :func:`k8snetlint.kustomize.patched_fields`)."""
    patched = m.extra.get("patched")
    if not patched:
        return None
    for k in range(len(path), 0, -1):
        found = patched.get(tuple(path[:k]))
        if found is not None:
            return tuple(found)
    return None


def field_path(path: Sequence[object]) -> str:
    """``("spec", "ports", 0, "port")`` as ``spec.ports[0].port``."""
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += f".{step}" if out else str(step)
    return out


def _nearby_finding(
    file: str,
    line: int,
    rule: str,
    findings: dict[tuple[object, ...], Finding],
    ctx: Context,
    ns: str,
) -> Finding | None:
    """The finding a misplaced ``# k8snetlint: ignore[rule]`` comment was meant for: one
    of ``rule`` (any rule for ``*``) in the object holding ``line``, nearest first."""
    starts = sorted(
        ((m.span_at(()).line, i) for i, m in enumerate(ctx.manifests) if m.file == file),
        reverse=True,
    )
    owner = next((ctx.manifests[i] for start, i in starts if start <= line + 1), None)
    if owner is None:
        return None
    ref = owner.ref(ns)
    candidates = [
        f
        for f in findings.values()
        if f.file == file
        and f.object == ref
        and rule in (f.rule, "*")
        and f.line != line
        and not f.suppressed
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda f: (abs(f.line - line), f.line, f.column))


class _Phases(Context):
    """A Context that names each shared analysis on the progress line as it starts
    (validation, the inventory, the connectivity analysis run inside the first rule
    that needs them and take most of a long run)."""

    say: Callable[[str], None] | None = None

    def _phase(self, text: str) -> None:
        if self.say is not None:
            self.say(text)

    @cached_property
    def violations(self) -> tuple[tuple[Manifest, Violation], ...]:
        self._phase(
            f"validating {len(self.manifests):,} objects against Kubernetes "
            f"{self.kubernetes_version}"
        )
        return Context.violations.func(self)  # type: ignore[attr-defined,no-any-return]

    @cached_property
    def inventory(self) -> Inventory:
        self._phase(f"indexing {len(self.manifests):,} objects")
        return Context.inventory.func(self)  # type: ignore[attr-defined,no-any-return]

    @cached_property
    def connectivity(self) -> Connectivity:
        inventory = self.inventory
        self._phase(f"analysing connectivity of {len(inventory.workloads):,} workloads")
        return Context.connectivity.func(self)  # type: ignore[attr-defined,no-any-return]


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
    # The rules build the shared analyses and many long-lived values: a cyclic garbage
    # collection every few thousand allocations would traverse all of them again (the
    # cost then grows faster than the input). Cycles are rare here. The analyses are
    # dropped (by reference counting) before collection resumes, so that the first
    # collection after it only meets the report.
    with rules_gc():
        return _run(loaded, config, version, progress)


def _run(
    loaded: LoadResult,
    config: Config,
    version: str,
    progress: Callable[[str], None] | None,
) -> Report:
    rules = active_rules(config)
    ctx = _Phases(tuple(loaded.manifests), tuple(loaded.issues), config, version)
    ctx.say = progress
    done = getattr(loaded, "validated", None)
    if done is not None:  # worker processes validated most objects already
        from k8snetlint.validate import validate_all

        ctx.__dict__["violations"] = tuple(
            validate_all(ctx.manifests, version, done, schema_locations=config.schema_locations)
        )
    by_name = {r.name: r for r in rules}
    known = {r.name for r in all_rules(config)}
    suppressor = Suppressor(
        config, loaded.comments, ctx.manifests, frozenset(by_name) - {UNUSED_SUPPRESSION}
    )
    findings: dict[tuple[object, ...], Finding] = {}
    suppressed = 0
    ns = config.default_namespace
    for i, rule in enumerate(rules):
        if rule.name == UNUSED_SUPPRESSION:
            continue
        if progress is not None:
            progress(
                f"checking {len(loaded.manifests):,} objects: "
                f"rule {i + 1}/{len(rules)} ({rule.name})"
            )
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
            if site.rule not in known and site.rule != "*":
                hint = did_you_mean(site.rule, known)
                why = "names no known rule" + (f"; did you mean {hint!r}?" if hint else "")
            else:
                why = "matched no finding"
                if site.kind == "comment":
                    near = _nearby_finding(site.file, site.line, site.rule, findings, ctx, ns)
                    if near is not None:
                        why += (
                            f"; the {near.rule} finding of this object is on line "
                            f"{near.line} (column {near.column}): put the comment on that line"
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
