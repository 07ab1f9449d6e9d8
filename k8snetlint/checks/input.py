"""Checks over the input itself: YAML problems and schema validation results."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from k8snetlint.checks import Hit, check
from k8snetlint.context import Context


@check("load-issue")
def load_issues(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Problems the loader met, of the kind named by ``params["issue"]``."""
    wanted = params["issue"]
    for issue in ctx.load_issues:
        if issue.rule == wanted:
            yield Hit(
                issue.message,
                file=issue.file,
                line=issue.line,
                column=issue.column,
                end_line=issue.end_line,
                end_column=issue.end_column,
            )


@check("schema")
def schema_violations(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Violations found by :mod:`k8snetlint.validate` of the kind ``params["violation"]``."""
    wanted = params["violation"]
    for manifest, violation in ctx.violations:
        if violation.rule == wanted:
            yield Hit(violation.message, manifest=manifest, path=violation.path, key=violation.key)


@check("unused-suppression")
def unused_suppressions(ctx: Context, params: Mapping[str, Any]) -> Iterator[Hit]:
    """Placeholder for the registry: the engine computes unused suppressions itself,
    after every other rule ran, since only then is it known what was suppressed."""
    return iter(())
