"""The command line: parse options, call the engine, pick a reporter, choose the exit code.

Exit codes: 0 nothing at or above ``--fail-on``; 1 findings at or above it; 2 usage,
configuration or internal error. No input ever produces a traceback.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from k8snetlint import __version__
from k8snetlint.config import Config, ConfigError, discover, load_config
from k8snetlint.findings import Report
from k8snetlint.reporters import CHECK_FORMATS

if TYPE_CHECKING:
    from k8snetlint.loader import LoadResult

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


def write_output(text: str, output: str | None) -> None:
    """Write ``text`` to stdout or atomically to ``output`` (never half-written)."""
    if output is None or output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    target = Path(output)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        fail(f"--output: folder {str(folder)!r} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
    try:
        # mkstemp creates 0600; a report is created as any other file would be (0666
        # less the umask), and a report written over keeps the old file's mode
        with contextlib.suppress(OSError):
            os.fchmod(fd, _file_mode(target))
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _file_mode(target: Path) -> int:
    import stat

    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


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
    stdin_path: Annotated[
        str | None,
        typer.Option(
            "--stdin-path",
            metavar="PATH",
            help="Helm on stdin: the chart's folder, so that '# Source: CHART/templates/x.yaml' "
            "names PATH/templates/x.yaml; or a file name for standard input.",
        ),
    ] = None,
    write_baseline: Annotated[
        str | None,
        typer.Option(
            "--write-baseline",
            help="Record the current findings in FILE as a baseline, print how many, exit 0.",
        ),
    ] = None,
) -> None:
    """Check manifests and report findings at file:line:col."""
    from k8snetlint.engine import load, resolve_version, run, version_note
    from k8snetlint.registry import RuleError

    fmt = _resolve_format(format)
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
    if note:
        sys.stderr.write(f"k8snetlint: info: {note}\n")
    if no_kustomize:
        cfg = replace(cfg, kustomize=False)
    own_files = [
        p for p in (baseline, write_baseline, output, output_json, output_sarif, output_junit) if p
    ]
    loaded = load(paths, cfg, _progress_printer(), skip=own_files, stdin_path=stdin_path)
    if loaded.errors:
        fail("; ".join(loaded.errors))
    try:
        report = run(loaded, cfg, version)
    except RuleError as exc:
        fail(str(exc))
    if write_baseline:
        from k8snetlint import baseline as baseline_mod

        write_output(baseline_mod.render(report.findings, write_baseline), write_baseline)
        n = sum(1 for f in report.findings if not f.suppressed)
        sys.stderr.write(
            f"k8snetlint: {n} finding{'' if n == 1 else 's'} recorded in {write_baseline}\n"
        )
        raise typer.Exit(0)
    if baseline:
        from k8snetlint import baseline as baseline_mod

        try:
            known = baseline_mod.load(baseline)
        except baseline_mod.BaselineError as exc:
            fail(str(exc))
        kept, hidden = baseline_mod.apply(report.findings, known, baseline)
        report = replace(report, findings=tuple(kept), baselined=hidden)
    colour = output is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    write_output(render_report(report, fmt, colour=colour), output)
    for extra_fmt, path in (
        ("json", output_json),
        ("sarif", output_sarif),
        ("junit", output_junit),
    ):
        if path:
            write_output(render_report(report, extra_fmt), path)
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_path and fmt == "github":
        from k8snetlint.reporters import summary

        mermaid, note = _summary_map(loaded, cfg, report)
        summary.write_step_summary(report, summary_path, mermaid, root=repo_root(), map_note=note)
    raise typer.Exit(1 if report.failed() else 0)


def _summary_map(loaded: LoadResult, cfg: Config, report: Report) -> tuple[str | None, str | None]:
    """The connectivity map for the step summary (or a subgraph) and a note on it."""
    from k8snetlint.context import Context
    from k8snetlint.reporters.summary import connectivity_map

    try:
        return connectivity_map(Context(tuple(loaded.manifests), (), cfg, "").connectivity, report)
    except Exception as exc:  # the summary must never break `check`
        return None, f"The map is left out: it could not be computed ({type(exc).__name__})."


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
            write_output(head + r.doc, None)
            return
    from k8snetlint.registry import unknown_rule_message

    fail(unknown_rule_message(rule, [r.name for r in builtin_rules()]))


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


def _github_format(argv: list[str]) -> bool:
    """Whether ``argv`` asks ``check`` for the github format (``auto`` in Actions)."""
    if "check" not in argv:
        return False
    fmt = "auto"
    for i, arg in enumerate(argv):
        if arg in ("--format", "-f") and i + 1 < len(argv):
            fmt = argv[i + 1]
        elif arg.startswith("--format="):
            fmt = arg.split("=", 1)[1]
    if fmt == "auto":
        return os.environ.get("GITHUB_ACTIONS") == "true"
    return fmt == "github"


def _github_error(message: str) -> None:
    """An exit-2 error as an annotation and a line in the step summary."""
    from k8snetlint.reporters.github import escape_data

    sys.stdout.write(f"::error title=k8snetlint::{escape_data(message)}\n")
    sys.stdout.flush()
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    text = "## k8snetlint\n\n**Error** (exit code 2): " + " ".join(message.split()) + "\n"
    with contextlib.suppress(OSError), open(path, "a", encoding="utf-8") as fh:
        fh.write(("\n" if fh.tell() > 0 else "") + text)


def _error(kind: str, message: str, argv: list[str]) -> NoReturn:
    sys.stderr.write(f"k8snetlint: {kind}: {message}\n")
    if _github_format(argv):
        _github_error(message)
    sys.exit(2)


def main(argv: list[str] | None = None) -> NoReturn:
    """Entry point of the ``k8snetlint`` command."""
    command = typer.main.get_command(app)
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        code = command.main(args=argv, prog_name="k8snetlint", standalone_mode=False)
    except UsageError as exc:
        _error("error", str(exc), args)
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
            _error("error", " ".join(str(exc.format_message()).split()), args)
        _error(
            "internal error",
            f"{type(exc).__name__}: {exc}\nPlease report this with the input that caused it.",
            args,
        )
    sys.exit(code if isinstance(code, int) else 0)
