"""``k8snetlint check``: its options declared for typer; the body is
:func:`k8snetlint.cli.lint.run_check`."""

from __future__ import annotations

from typing import Annotated

import typer

from k8snetlint.cli import lint
from k8snetlint.cli.options import (
    ConfigOption,
    FollowSymlinksOption,
    KubernetesVersionOption,
    KustomizeAllowRemoteOption,
    NamespaceOption,
    OutputOption,
    PathsArgument,
)
from k8snetlint.reporters import CHECK


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
    raise typer.Exit(
        lint.run_check(
            paths,
            format=format,
            output=output,
            output_json=output_json,
            output_sarif=output_sarif,
            output_junit=output_junit,
            config=config,
            fail_on=fail_on,
            kubernetes_version=kubernetes_version,
            namespace=namespace,
            select=select,
            ignore=ignore,
            no_kustomize=no_kustomize,
            baseline=baseline,
            write_baseline=write_baseline,
            stdin_path=stdin_path,
            schema_location=schema_location,
            statistics=statistics,
            quiet=quiet,
            color=color,
            show_source=show_source,
            follow_symlinks=follow_symlinks,
            allow_empty=allow_empty,
            kustomize_allow_remote=kustomize_allow_remote,
            jobs=jobs,
        )
    )
