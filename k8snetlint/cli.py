"""The command line: parse options, call the engine, pick a reporter, choose the exit code.

Exit codes: 0 nothing at or above ``--fail-on``; 1 findings at or above it; 2 usage,
configuration or internal error. No input ever produces a traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from k8snetlint import __version__
from k8snetlint.config import Config, ConfigError, discover, load_config
from k8snetlint.findings import Report
from k8snetlint.reporters import CHECK_FORMATS

app = typer.Typer(
    name="k8snetlint",
    help="Lint Kubernetes manifests and analyze who can reach whom.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

FAIL_ON = ("error", "warning", "info", "never")


class UsageError(Exception):
    """A problem with how the tool was called (exit code 2)."""


def fail(message: str) -> NoReturn:
    raise UsageError(message)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"k8snetlint {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version_callback, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Lint Kubernetes manifests and analyze who can reach whom."""


def write_output(text: str, output: str | None, *, option: str = "--output") -> None:
    """Write ``text`` to stdout or to ``output`` (see :mod:`k8snetlint.output`)."""
    from k8snetlint.output import OutputError
    from k8snetlint.output import write_output as write

    try:
        write(text, output, option=option)
    except OutputError as exc:
        fail(str(exc))


def build_config(
    paths: list[str],
    config_file: str | None,
    *,
    kubernetes_version: str | None = None,
    namespace: str | None = None,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    fail_on: str | None = None,
) -> Config:
    """Config from the discovered (or given) file, with command-line options on top."""
    path = config_file if config_file is not None else discover(paths)
    if config_file is not None and not Path(config_file).is_file():
        fail(f"--config: {config_file}: no such file")
    try:
        cfg = load_config(path) if path else Config()
    except ConfigError as exc:
        raise UsageError(f"invalid configuration:\n{exc}") from exc
    changes: dict[str, object] = {}
    if kubernetes_version:
        changes["kubernetes_version"] = kubernetes_version
    if namespace:
        changes["default_namespace"] = namespace
    if select:
        changes["select"] = tuple(_split(select))
    if ignore:
        changes["ignore"] = tuple((*cfg.ignore, *_split(ignore)))
    if fail_on:
        if fail_on not in FAIL_ON:
            fail(f"--fail-on: {fail_on!r} is not one of {', '.join(FAIL_ON)}")
        changes["fail_on"] = fail_on
    return replace(cfg, **changes) if changes else cfg  # type: ignore[arg-type]


def _split(values: list[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return out


def _progress_printer() -> Callable[[int, int], None] | None:
    if not sys.stderr.isatty():
        return None

    def progress(i: int, total: int) -> None:
        if total >= 200 and (i % 50 == 0 or i == total - 1):
            sys.stderr.write(f"\rk8snetlint: reading {i + 1}/{total} files")
            if i == total - 1:
                sys.stderr.write("\r" + " " * 60 + "\r")
            sys.stderr.flush()

    return progress


def repo_root() -> str:
    """Root for repository-relative paths: ``GITHUB_WORKSPACE``, else the git work tree."""
    ws = os.environ.get("GITHUB_WORKSPACE")
    if ws:
        return ws
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return str(folder)
    return str(here)


def render_report(report: Report, fmt: str, *, colour: bool = False) -> str:
    """Render ``report`` in one of :data:`CHECK_FORMATS`."""
    if fmt == "json":
        from k8snetlint.reporters import jsonreport

        return jsonreport.render(report)
    if fmt == "sarif":
        from k8snetlint.reporters import sarif

        return sarif.render(report, root=repo_root())
    if fmt == "github":
        from k8snetlint.reporters import github

        return github.render(report, root=repo_root())
    if fmt == "junit":
        from k8snetlint.reporters import junit

        return junit.render(report, root=repo_root())
    from k8snetlint.reporters import text as text_reporter

    return text_reporter.render(report, colour=colour)


def _resolve_format(fmt: str) -> str:
    if fmt == "auto":
        return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    if fmt not in CHECK_FORMATS:
        fail(f"--format: {fmt!r} is not one of auto, {', '.join(CHECK_FORMATS)}")
    return fmt


@app.command()
def check(
    paths: Annotated[
        list[str], typer.Argument(help="Files or directories to check; '-' reads stdin.")
    ],
    format: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="auto|text|json|sarif|github|junit (auto: github inside GitHub Actions, "
            "else text).",
        ),
    ] = "auto",
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write the report to FILE.")
    ] = None,
    output_json: Annotated[
        str | None, typer.Option("--output-json", help="Also write the JSON report to FILE.")
    ] = None,
    output_sarif: Annotated[
        str | None, typer.Option("--output-sarif", help="Also write SARIF 2.1.0 to FILE.")
    ] = None,
    output_junit: Annotated[
        str | None, typer.Option("--output-junit", help="Also write JUnit XML to FILE.")
    ] = None,
    config: Annotated[
        str | None, typer.Option("--config", help="Configuration file (.k8snetlint.yaml).")
    ] = None,
    fail_on: Annotated[
        str | None,
        typer.Option("--fail-on", help="Exit 1 when findings reach: error|warning|info|never."),
    ] = None,
    kubernetes_version: Annotated[
        str | None,
        typer.Option("--kubernetes-version", help="Schemas to validate against (e.g. 1.37)."),
    ] = None,
    namespace: Annotated[
        str | None,
        typer.Option("--namespace", "-n", help="Namespace of objects that name none."),
    ] = None,
    select: Annotated[
        list[str] | None, typer.Option("--select", help="Run only these rules (repeatable).")
    ] = None,
    ignore: Annotated[
        list[str] | None, typer.Option("--ignore", help="Do not run these rules (repeatable).")
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
        typer.Option("--baseline", help="Hide the findings recorded in this baseline file."),
    ] = None,
    write_baseline: Annotated[
        str | None,
        typer.Option("--write-baseline", help="Record the current findings as a baseline."),
    ] = None,
    follow_symlinks: Annotated[
        bool,
        typer.Option(
            "--follow-symlinks",
            help="Follow symlinks that lead outside the paths given (not followed by default).",
        ),
    ] = False,
    kustomize_allow_remote: Annotated[
        bool,
        typer.Option(
            "--kustomize-allow-remote",
            help="Let Kustomize fetch remote resources (refused by default).",
        ),
    ] = False,
    allow_empty: Annotated[
        bool,
        typer.Option(
            "--allow-empty",
            help="Exit 0 when the paths (or stdin) hold no Kubernetes object at all.",
        ),
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            help="Worker processes reading and validating files (default: one per core; "
            "1: none). The report is the same.",
        ),
    ] = None,
) -> None:
    """Check manifests and report findings at file:line:col."""
    from k8snetlint.engine import resolve_version, run
    from k8snetlint.loader import load_paths
    from k8snetlint.registry import RuleError

    fmt = _resolve_format(format)
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
    if no_kustomize:
        cfg = replace(cfg, kustomize=False)
    if jobs is not None and jobs < 1:
        fail(f"--jobs: {jobs} is not a number of processes (1 or more)")
    if jobs == 1:
        loaded = load_paths(
            paths,
            cfg.exclude,
            _progress_printer(),
            kustomize=cfg.kustomize,
            follow_symlinks=follow_symlinks,
            kustomize_allow_remote=kustomize_allow_remote,
        )
    else:
        from k8snetlint import parallel

        loaded = parallel.load_paths(
            paths,
            cfg.exclude,
            version,
            jobs,
            _progress_printer(),
            kustomize=cfg.kustomize,
            follow_symlinks=follow_symlinks,
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
        report = run(loaded, cfg, version)
    except RuleError as exc:
        fail(str(exc))
    if write_baseline:
        from k8snetlint import baseline as baseline_mod

        write_output(
            baseline_mod.render(report.findings), write_baseline, option="--write-baseline"
        )
    if baseline:
        from k8snetlint import baseline as baseline_mod

        try:
            known = baseline_mod.load(baseline)
        except baseline_mod.BaselineError as exc:
            fail(str(exc))
        kept, hidden = baseline_mod.apply(report.findings, known)
        report = replace(report, findings=tuple(kept), baselined=hidden)
    colour = output is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    write_output(render_report(report, fmt, colour=colour), output)
    for extra_fmt, path in (
        ("json", output_json),
        ("sarif", output_sarif),
        ("junit", output_junit),
    ):
        if path:
            write_output(render_report(report, extra_fmt), path, option=f"--output-{extra_fmt}")
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_path and fmt == "github":
        from k8snetlint.reporters import summary

        summary.write_step_summary(
            report, summary_path, _mermaid_map(loaded, cfg), root=repo_root()
        )
    raise typer.Exit(1 if report.failed() else 0)


def _check_outputs(*outputs: tuple[str, str | None]) -> None:
    from k8snetlint.output import OutputError, check_distinct

    try:
        check_distinct(outputs)
    except OutputError as exc:
        fail(str(exc))


def _mermaid_map(loaded: object, cfg: Config) -> str | None:
    """The connectivity map as Mermaid, when the connectivity renderers are present."""
    try:
        from k8snetlint.netcli import mermaid_for
    except ImportError:
        return None
    result = mermaid_for(loaded, cfg)
    return result if isinstance(result, str) else None


@app.command("rules")
def rules_cmd(
    format: Annotated[str, typer.Option("--format", "-f", help="table|json|markdown.")] = "table",
) -> None:
    """List every rule with its severity, default and summary."""
    from k8snetlint.reporters.rules import render_rules

    if format not in ("table", "json", "markdown"):
        fail(f"--format: {format!r} is not one of table, json, markdown")
    write_output(render_rules(format), None)


@app.command()
def explain(rule: Annotated[str, typer.Argument(help="Rule name.")]) -> None:
    """Print a rule's documentation."""
    from k8snetlint.registry import builtin_rules

    for r in builtin_rules():
        if r.name == rule:
            head = (
                f"{r.name} ({r.severity}, {'on' if r.enabled else 'off'} by default, "
                f"{r.confidence})\n{r.summary}\n\n"
            )
            from k8snetlint.registry import options_markdown

            write_output(head + r.doc.rstrip("\n") + "\n\n" + options_markdown(r), None)
            return
    fail(f"unknown rule {rule!r} (see `k8snetlint rules`)")


def _register_extensions() -> None:
    """Commands that live in their own modules (connectivity: graph, reach, diff)."""
    import importlib

    for mod in ("k8snetlint.netcli",):
        try:
            module = importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name == mod:
                continue
            raise
        module.register(app)


_register_extensions()


def main(argv: list[str] | None = None) -> NoReturn:
    """Entry point of the ``k8snetlint`` command."""
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        if len(args) > 1 and args[0] == "check" and not any(a.startswith("-") for a in args):
            # `check PATH...` (a commit hook's call): the same function with its defaults,
            # without typer's per-option coercion set-up (a third of a small run).
            check(paths=args[1:])
            code: object = 0
        else:
            command = typer.main.get_command(app)
            code = command.main(args=argv, prog_name="k8snetlint", standalone_mode=False)
    except UsageError as exc:
        from k8snetlint.textsafe import escape_lines

        sys.stderr.write(f"k8snetlint: error: {escape_lines(str(exc))}\n")
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.stderr.write("k8snetlint: aborted\n")
        sys.exit(2)
    except BrokenPipeError:
        sys.exit(2)
    except Exception as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":
            sys.stdout.write(str(exc.format_message()) + "\n")  # type: ignore[attr-defined]
            sys.exit(2)
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            # a usage error of the (vendored or installed) click library
            from k8snetlint.textsafe import escape_control

            message = escape_control(" ".join(str(exc.format_message()).split()))
            sys.stderr.write(f"k8snetlint: error: {message}\n")
            sys.exit(2)
        from k8snetlint.textsafe import escape_control

        sys.stderr.write(
            f"k8snetlint: internal error: {type(exc).__name__}: {escape_control(str(exc))}\n"
            "Please report this with the input that caused it.\n"
        )
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)
