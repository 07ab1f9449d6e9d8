"""The command line: parse options, call the engine, pick a reporter, choose the exit code.

Exit codes: 0 nothing at or above ``--fail-on``; 1 findings at or above it; 2 usage,
configuration or internal error. No input ever produces a traceback.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TextIO

import typer

from k8snetlint import __version__
from k8snetlint.config import Config, ConfigError, discover, load_config
from k8snetlint.findings import Report
from k8snetlint.reporters import (
    CHECK,
    RULES,
    FormatError,
    Formats,
    RenderOptions,
    render_check,
)

if TYPE_CHECKING:
    from k8snetlint.loader import LoadResult

app = typer.Typer(
    name="k8snetlint",
    help="Lint Kubernetes manifests and analyze who can reach whom.",
    epilog="\b\nExamples:\n  k8snetlint check k8s/\n  k8snetlint graph -f html -o map.html k8s/\n"
    "  k8snetlint reach k8s/ --from internet --to svc:shop/web:80\n\n"
    "Run `k8snetlint COMMAND --help` for a command's options and exit codes.",
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


def render_report(report: Report, fmt: str, options: RenderOptions | None = None) -> str:
    """``report`` in a check format of the reporter registry (:data:`reporters.CHECK`)."""
    return render_check(report, fmt, options or RenderOptions(root=repo_root()))


def resolve_format(formats: Formats, fmt: str) -> str:
    """The canonical name of ``fmt`` in ``formats``; ``auto`` becomes github inside
    GitHub Actions, else text. A usage error for an unknown name."""
    try:
        name = formats.resolve(fmt)
    except FormatError as exc:
        fail(str(exc))
    if name == "auto":
        return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    return name


COLOR_CHOICES = ("auto", "always", "never")


def use_colour(choice: str, stream: TextIO) -> bool:
    """``--color``: always/never as said; auto: ``FORCE_COLOR`` (non-empty, not 0) wins,
    then ``NO_COLOR`` (non-empty), then whether ``stream`` is a terminal."""
    if choice not in COLOR_CHOICES:
        fail(f"--color: {choice!r} is not one of {', '.join(COLOR_CHOICES)}")
    if choice != "auto":
        return choice == "always"
    force = os.environ.get("FORCE_COLOR", "")
    if force and force != "0":
        return True
    if os.environ.get("NO_COLOR"):
        return False
    return stream.isatty()


# -- options shared by the commands ------------------------------------------------------

PathsArgument = Annotated[
    list[str],
    typer.Argument(
        metavar="PATH",
        help="Files or directories (directories recursively); '-' reads standard input.",
    ),
]
ConfigOption = Annotated[
    str | None,
    typer.Option(
        "--config",
        metavar="FILE",
        help="Configuration file.  [default: .k8snetlint.yaml found from the first path "
        "up to the repository root]",
    ),
]
NamespaceOption = Annotated[
    str | None,
    typer.Option(
        "--namespace",
        "-n",
        metavar="NAMESPACE",
        help="Namespace of objects that name none, like kubectl -n.  [default: default]",
    ),
]
OutputOption = Annotated[
    str | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write to FILE instead of standard output.",
    ),
]
KubernetesVersionOption = Annotated[
    str | None,
    typer.Option(
        "--kubernetes-version",
        metavar="X.Y",
        help="Kubernetes version to check against, any minor from 1.22.  [default: the "
        "newest shipped]",
    ),
]

EXIT_CODES = (
    "0  nothing at or above --fail-on",
    "1  findings at or above --fail-on",
    "2  usage, configuration or internal error",
)


def epilog(*examples: str, codes: tuple[str, ...] = EXIT_CODES) -> str:
    """``--help`` text after the options: exit codes and examples, kept as written."""
    lines = ["\b", "Exit codes:", *(f"  {c}" for c in codes), "", "\b", "Examples:"]
    lines += [f"  {e}" for e in examples]
    return "\n".join(lines)


class Progress:
    """One status line on standard error, for long runs on a terminal: reading files,
    then each rule as it runs (the analyses run inside the first rules that need
    them), then writing the report. Silent for the first second and when not a
    terminal."""

    DELAY = 1.0

    def __init__(self, enabled: bool) -> None:
        import time

        self.enabled = enabled
        self._clock = time.monotonic
        self._start = self._clock()
        self._width = 0

    def show(self, text: str) -> None:
        if not self.enabled or self._clock() - self._start < self.DELAY:
            return
        line = f"k8snetlint: {text}"[:79]
        sys.stderr.write("\r" + line + " " * max(0, self._width - len(line)))
        sys.stderr.flush()
        self._width = len(line)

    def files(self, i: int, total: int) -> None:
        if i % 50 == 0 or i == total - 1:
            self.show(f"reading files {i + 1}/{total}")

    def done(self) -> None:
        if self._width:
            sys.stderr.write("\r" + " " * self._width + "\r")
            sys.stderr.flush()
            self._width = 0


@app.command(
    epilog=epilog(
        "k8snetlint check k8s/",
        "k8snetlint check -f sarif -o k8snetlint.sarif --fail-on warning k8s/",
        "helm template shop charts/shop | k8snetlint check --stdin-path charts/shop -",
    )
)
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
    follow_symlinks: Annotated[
        bool,
        typer.Option(
            "--follow-symlinks",
            help="Follow symlinks that lead outside the paths given (not followed by default).",
        ),
    ] = False,
    allow_empty: Annotated[
        bool,
        typer.Option(
            "--allow-empty", help="Exit 0 when the paths hold no Kubernetes object at all."
        ),
    ] = False,
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
        loaded = load(
            paths,
            cfg,
            progress.files,
            skip=own_files,
            stdin_path=stdin_path,
            follow_symlinks=follow_symlinks,
        )
        if loaded.errors:
            fail("; ".join(loaded.errors))
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
    except Exception as exc:  # the summary must never break `check`
        return None, f"The map is left out: it could not be computed ({type(exc).__name__})."


@app.command(
    "rules",
    epilog=epilog(
        "k8snetlint rules",
        "k8snetlint rules -f json",
        "k8snetlint rules -f markdown > rules.md",
        codes=("0  the list was printed", "2  usage error"),
    ),
)
def rules_cmd(
    format: Annotated[
        str,
        typer.Option("--format", "-f", metavar="FORMAT", help=RULES.help()),
    ] = "text",
) -> None:
    """List every rule with its severity, default and summary."""
    from k8snetlint.reporters.rules import render_rules

    write_output(render_rules(resolve_format(RULES, format)), None)


@app.command(
    epilog=epilog(
        "k8snetlint explain schema-violation",
        "k8snetlint explain database-reachable-cluster-wide | less",
        codes=("0  the rule's documentation was printed", "2  unknown rule"),
    )
)
def explain(
    rule: Annotated[
        str, typer.Argument(metavar="RULE", help="Rule name (see `k8snetlint rules`).")
    ],
) -> None:
    """Print a rule's documentation: what it does, why, an example and the fix."""
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


def _tidy_help(command: object) -> None:
    """Arguments show their name only (``PATH``), not typer's type (``<list[str]>``)."""
    for sub in getattr(command, "commands", {}).values():
        _tidy_help(sub)
    for param in getattr(command, "params", []):
        if getattr(param, "param_type_name", "") == "argument":
            param.display_type_rich = lambda ctx: ""


def main(argv: list[str] | None = None) -> NoReturn:
    """Entry point of the ``k8snetlint`` command."""
    command = typer.main.get_command(app)
    _tidy_help(command)
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
