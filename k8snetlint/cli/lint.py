"""The body of ``k8snetlint check``, free of the option parser.

:mod:`k8snetlint.cli.check` declares the command's options for typer and calls
:func:`run_check`. A commit hook's call (``check [OPTIONS] PATH...`` with the plain
options of :data:`k8snetlint.cli.plain.CHECK_OPTIONS`) skips typer and its click set-up
altogether: :func:`plain_check_args` reads such a command line into the same keyword
arguments typer would pass, or says ``None`` and the full parser answers.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from k8snetlint.cli.common import (
    Progress,
    build_config,
    fail,
    render_report,
    repo_root,
    resolve_format,
    use_colour,
    write_output,
)
from k8snetlint.cli.startup import release_gc
from k8snetlint.reporters import CHECK, RenderOptions

if TYPE_CHECKING:
    from k8snetlint.config import Config
    from k8snetlint.findings import Report
    from k8snetlint.loader import LoadResult


def run_check(
    paths: list[str],
    format: str = "auto",
    output: str | None = None,
    output_json: str | None = None,
    output_sarif: str | None = None,
    output_junit: str | None = None,
    config: str | None = None,
    fail_on: str | None = None,
    kubernetes_version: str | None = None,
    namespace: str | None = None,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    no_kustomize: bool = False,
    baseline: str | None = None,
    write_baseline: str | None = None,
    stdin_path: str | None = None,
    schema_location: list[str] | None = None,
    statistics: bool = False,
    quiet: bool = False,
    color: str = "auto",
    show_source: bool | None = None,
    follow_symlinks: bool = False,
    allow_empty: bool = False,
    kustomize_allow_remote: bool = False,
    jobs: int | None = None,
) -> int:
    """``k8snetlint check`` with its options as arguments; the exit code (0 or 1).

    Usage problems raise :class:`~k8snetlint.cli.common.UsageError` (exit code 2)."""
    from k8snetlint.engine import load, resolve_version, run, version_note
    from k8snetlint.registry import RuleError

    fmt = resolve_format(CHECK, format)
    colour = output is None and use_colour(color, sys.stdout)
    if statistics and fmt != "text":
        fail("--statistics: works with --format text only")
    _check_outputs(
        ("--output", output),
        ("--output-json", output_json),
        ("--output-sarif", output_sarif),
        ("--output-junit", output_junit),
        ("--write-baseline", write_baseline),
    )
    cfg = build_config(
        paths,
        config,
        kubernetes_version=kubernetes_version,
        namespace=namespace,
        select=select,
        ignore=ignore,
        fail_on=fail_on,
    )
    try:
        version = resolve_version(cfg)
    except ValueError as exc:
        fail(f"--kubernetes-version: {exc}")
    note = version_note(version)
    if note and not quiet:
        sys.stderr.write(f"k8snetlint: info: {note}\n")
    if no_kustomize:
        cfg = replace(cfg, kustomize=False)
    if schema_location:
        for folder in schema_location:
            if not Path(folder).is_dir():
                fail(f"--schema-location: {folder}: no such folder")
        cfg = replace(cfg, schema_locations=(*cfg.schema_locations, *schema_location))
    own_files = [
        p for p in (baseline, write_baseline, output, output_json, output_sarif, output_junit) if p
    ]
    progress = Progress(not quiet and sys.stderr.isatty())
    try:
        if jobs is not None and jobs < 1:
            fail(f"--jobs: {jobs} is not a number of processes (1 or more)")
        loaded = load(
            paths,
            cfg,
            progress.files,
            skip=own_files,
            stdin_path=stdin_path,
            follow_symlinks=follow_symlinks,
            jobs=jobs,
            version=version,
            kustomize_allow_remote=kustomize_allow_remote,
        )
        if allow_empty:
            from k8snetlint.loader import STDIN_EMPTY

            loaded.errors[:] = [e for e in loaded.errors if e != STDIN_EMPTY]
        if loaded.errors:
            fail("; ".join(loaded.errors))
        # what was loaded lives until exit: keep later collections from traversing it
        import gc

        gc.freeze()
        release_gc()
        if not loaded.manifests and not loaded.issues and not allow_empty:
            fail(
                f"no Kubernetes object found in {' '.join(paths)}; pass --allow-empty if that "
                "is expected"
            )
        try:
            report = run(loaded, cfg, version, progress.show)
        except RuleError as exc:
            fail(str(exc))
        progress.show("writing the report")
    finally:
        progress.done()
    if write_baseline:
        from k8snetlint import baseline as baseline_mod

        write_output(
            baseline_mod.render(report.findings, write_baseline),
            write_baseline,
            option="--write-baseline",
        )
        n = sum(1 for f in report.findings if not f.suppressed)
        sys.stderr.write(
            f"k8snetlint: {n} finding{'' if n == 1 else 's'} recorded in {write_baseline}\n"
        )
    if baseline:
        from k8snetlint import baseline as baseline_mod

        try:
            known = baseline_mod.load(baseline)
        except baseline_mod.BaselineError as exc:
            fail(str(exc))
        kept, hidden = baseline_mod.apply(report.findings, known, baseline)
        report = replace(report, findings=tuple(kept), baselined=hidden)
    if show_source is None:
        show_source = output is None and sys.stdout.isatty()
    root = repo_root()
    options = RenderOptions(
        root=root, colour=colour, source=show_source, statistics=statistics, quiet=quiet
    )
    if not write_baseline or output is not None:
        # recording a baseline prints only what it recorded, unless -o asks for a report
        write_output(render_report(report, fmt, options), output)
    for extra_fmt, path in (
        ("json", output_json),
        ("sarif", output_sarif),
        ("junit", output_junit),
    ):
        if path:
            write_output(
                render_report(report, extra_fmt, RenderOptions(root=root)),
                path,
                option=f"--output-{extra_fmt}",
            )
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_path and fmt == "github":
        from k8snetlint.reporters import summary

        mermaid, map_note = _summary_map(loaded, cfg, report)
        summary.write_step_summary(report, summary_path, mermaid, root=root, map_note=map_note)
    # recording a baseline succeeds whatever it recorded
    return 1 if report.failed() and not write_baseline else 0


def _check_outputs(*outputs: tuple[str, str | None]) -> None:
    from k8snetlint.output import OutputError, check_distinct

    try:
        check_distinct(outputs)
    except OutputError as exc:
        fail(str(exc))


def _summary_map(loaded: LoadResult, cfg: Config, report: Report) -> tuple[str | None, str | None]:
    """The connectivity map for the step summary (or a subgraph) and a note on it."""
    from k8snetlint.context import Context
    from k8snetlint.reporters.summary import connectivity_map

    try:
        return connectivity_map(Context(tuple(loaded.manifests), (), cfg, "").connectivity, report)
    # Kept broad on purpose: the map is an extra of the step summary, and a bug in the
    # analysis must not cost the user the report itself; the summary says it is missing
    # and why (the exception's type).
    except Exception as exc:
        return None, f"The map is left out: it could not be computed ({type(exc).__name__})."


def plain_check_args(args: list[str]) -> dict[str, Any] | None:
    """The keyword arguments of :func:`run_check` for ``args`` (``["check", ...]``), or
    ``None`` when the command line needs the full option parser."""
    from k8snetlint.cli.plain import CHECK_OPTIONS, read

    return read(args, "check", CHECK_OPTIONS)
