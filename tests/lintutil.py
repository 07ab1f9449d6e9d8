"""Helpers to run the engine on texts and folders in tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from k8snetlint.config import Config
from k8snetlint.engine import resolve_version, run
from k8snetlint.findings import Report
from k8snetlint.loader import LoadResult, load_paths, load_text


def lint_text(
    text: str, name: str = "input.yaml", select: Sequence[str] = (), config: Config | None = None
) -> Report:
    cfg = config or Config()
    if select:
        cfg = replace(cfg, select=tuple(select))
    return run(load_text(text, name), cfg, resolve_version(cfg))


def lint_paths(
    paths: Sequence[str | Path], select: Sequence[str] = (), config: Config | None = None
) -> Report:
    cfg = config or Config()
    if select:
        cfg = replace(cfg, select=tuple(select))
    loaded: LoadResult = load_paths([str(p) for p in paths], cfg.exclude, kustomize=cfg.kustomize)
    assert not loaded.errors, loaded.errors
    return run(loaded, cfg, resolve_version(cfg))


def rules_of(report: Report) -> list[str]:
    return [f.rule for f in report.findings]
