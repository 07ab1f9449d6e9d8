"""``k8snetlint check``: load through the engine, run the rules, render, exit 0/1/2."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

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
from k8snetlint.cli.options import (
    ConfigOption,
    FollowSymlinksOption,
    KubernetesVersionOption,
    KustomizeAllowRemoteOption,
    NamespaceOption,
    OutputOption,
    PathsArgument,
)
from k8snetlint.config import Config
from k8snetlint.findings import Report
from k8snetlint.reporters import (
    CHECK,
    RenderOptions,
)

if TYPE_CHECKING:
    from k8snetlint.loader import LoadResult


def check(
    paths: PathsArgument,
    format: Annotated[
        str,
        typer.Option("--format", "-f", metavar="FORMAT", help=CHECK.help()),
    ] = "auto",
    output: OutputOption = None,
    output_json: Annotated[
        str | None,
        typer.Option("--output-json", metavar="FILE", help="Also write the JSON report to FILE."),
    ] = None,
    output_sarif: Annotated[
        str | None,
        typer.Option("--output-sarif", metavar="FILE", help="Also write SARIF 2.1.0 to FILE."),
    ] = None,
    output_junit: Annotated[
        str | None,
        typer.Option("--output-junit", metavar="FILE", help="Also write JUnit XML to FILE."),
    ] = None,
    config: ConfigOption = None,
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            metavar="SEVERITY",
            help="Exit 1 when findings reach SEVERITY: error|warning|info|never.  "
            "[default: error, or the config's fail-on]",
        ),
    ] = None,
    kubernetes_version: KubernetesVersionOption = None,
    namespace: NamespaceOption = None,
    select: Annotated[
        list[str] | None,
        typer.Option(
            "--select",
            metavar="RULE[,RULE...]",
            help="Run only these rules (repeatable; disabled rules named here run too).",
        ),
    ] = None,
    ignore: Annotated[
        list[str] | None,
        typer.Option(
            "--ignore", metavar="RULE[,RULE...]", help="Do not run these rules (repeatable)."
        ),
    ] = None,
    no_kustomize: Annotated[
        bool,
        typer.Option(
            "--no-kustomize",
            help="Read directories holding kustomization.yaml as plain manifests.",
        ),
    ] = False,
    baseline: Annotated[
        str | None,
        typer.Option(
            "--baseline", metavar="FILE", help="Hide the findings recorded in this baseline."
        ),
    ] = None,
    write_baseline: Annotated[
        str | None,
        typer.Option(
            "--write-baseline",
            metavar="FILE",
            help="Record the current findings in FILE as a baseline, print how many, exit 0 "
            "(reports named by -o/--output-* are written too).",
        ),
    ] = None,
    stdin_path: Annotated[
        str | None,
        typer.Option(
            "--stdin-path",
            metavar="PATH",
            help="Helm on stdin: the chart's folder, so that '# Source: CHART/templates/x.yaml' "
            "names PATH/templates/x.yaml; or a file name for standard input.",
        ),
    ] = None,
    schema_location: Annotated[
        list[str] | None,
        typer.Option(
            "--schema-location",
            metavar="DIR",
            help="Also validate custom resources against the JSON schemas in DIR "
            "(GROUP/KIND_VERSION.json or KIND_VERSION.json, as kubeconform; repeatable).",
        ),
    ] = None,
    statistics: Annotated[
        bool,
        typer.Option(
            "--statistics", help="Text format: print the count of findings per rule instead."
        ),
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", help="Print the findings only: no summary line, notes or progress."
        ),
    ] = False,
    color: Annotated[
        str,
        typer.Option(
            "--color",
            metavar="WHEN",
            help="Colour the text output: auto|always|never (auto honours FORCE_COLOR and "
            "NO_COLOR, else colours on a terminal).",
        ),
    ] = "auto",
    show_source: Annotated[
        bool | None,
        typer.Option(
            "--show-source/--no-show-source",
            help="Text format: print the offending line with a caret under the field.  "
            "[default: on a terminal]",
        ),
    ] = None,
    follow_symlinks: FollowSymlinksOption = False,
    allow_empty: Annotated[
        bool,
        typer.Option(
            "--allow-empty",
            help="Exit 0 when the paths (or stdin) hold no Kubernetes object at all.",
        ),
    ] = False,
    kustomize_allow_remote: KustomizeAllowRemoteOption = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            metavar="N",
            help="Worker processes reading and validating files (1: none). The report is "
            "the same.  [default: one per core]",
        ),
    ] = None,
) -> None:
    """Check manifests and report findings at file:line:col."""
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
    raise typer.Exit(1 if report.failed() and not write_baseline else 0)


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
