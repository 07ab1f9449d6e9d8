"""Suppressions: object annotations, line comments and config per-path ignores.

* ``ignore.k8snetlint.io/<rule-name>: "<reason>"`` on an object (survives Helm and
  Kustomize rendering) suppresses that rule's findings on the object.
* ``# k8snetlint: ignore[<rule>,...]`` on a finding's line suppresses those rules on
  that line (``# k8snetlint: ignore`` without a list: every rule).
* Config ``per-path-ignores: {"<glob>": [rules]}`` suppresses rules in matching files.

A suppression that matched no finding is reported as ``unused-suppression``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from k8snetlint.config import Config, path_matches
from k8snetlint.document import Manifest
from k8snetlint.findings import Finding

ANNOTATION_PREFIX = "ignore.k8snetlint.io/"


@dataclass
class _Site:
    """One suppression: where it is written, what it names, whether a finding used it."""

    kind: str  # "annotation" | "comment" | "config"
    file: str
    line: int
    column: int
    rule: str
    detail: str
    used: bool = False
    # the object whose annotation holds the suppression (annotations only)
    manifest: Manifest | None = None


@dataclass
class Suppressor:
    """Decides whether a finding is suppressed and remembers what was used."""

    config: Config
    comments: dict[str, dict[int, frozenset[str]]]
    manifests: Iterable[Manifest]
    active: frozenset[str] = frozenset()
    _annotations: dict[int, dict[str, _Site]] = field(default_factory=dict)
    _comment_sites: dict[tuple[str, int, str], _Site] = field(default_factory=dict)
    _config_sites: dict[tuple[str, str], _Site] = field(default_factory=dict)
    missing_reason: list[tuple[Manifest, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for m in self.manifests:
            meta = m.data.get("metadata")
            ann = meta.get("annotations") if isinstance(meta, dict) else None
            if not isinstance(ann, dict):
                continue
            for key, value in ann.items():
                if isinstance(key, str) and key.startswith(ANNOTATION_PREFIX):
                    rule = key[len(ANNOTATION_PREFIX) :]
                    span = m.span_at(("metadata", "annotations", key), key=True)
                    self._annotations.setdefault(id(m), {})[rule] = _Site(
                        "annotation", m.file, span.line, span.column, rule, key, manifest=m
                    )
                    if not (isinstance(value, str) and value.strip()):
                        self.missing_reason.append((m, key))
        for file, lines in self.comments.items():
            for line, names in lines.items():
                for rule in names:
                    self._comment_sites[(file, line, rule)] = _Site(
                        "comment", file, line, 1, rule, f"# k8snetlint: ignore[{rule}]"
                    )
        for glob, globbed in self.config.per_path_ignores.items():
            for rule in globbed:
                self._config_sites[(glob, rule)] = _Site(
                    "config", self.config.config_file or ".k8snetlint.yaml", 1, 1, rule, glob
                )

    def suppressed(self, finding: Finding, manifest: Manifest | None) -> bool:
        hit = False
        if manifest is not None:
            site = self._annotations.get(id(manifest), {}).get(finding.rule)
            if site is not None:
                site.used = True
                hit = True
        for rule in (finding.rule, "*"):
            site = self._comment_sites.get((finding.file, finding.line, rule))
            if site is not None:
                site.used = True
                hit = True
        for (glob, rule), site in self._config_sites.items():
            if rule in (finding.rule, "*") and path_matches(
                finding.file, glob, self.config.base_dir
            ):
                site.used = True
                hit = True
        return hit

    def unused(self, known: set[str]) -> list[_Site]:
        """Suppressions that matched nothing, for rules that ran (or that do not exist)."""
        sites = [
            *(s for d in self._annotations.values() for s in d.values()),
            *self._comment_sites.values(),
            *self._config_sites.values(),
        ]
        return [
            s
            for s in sites
            if not s.used and (s.rule == "*" or s.rule in self.active or s.rule not in known)
        ]
