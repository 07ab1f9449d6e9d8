"""The ``k8snetlint`` application: every command registered on one Typer app, and
:func:`main`, which turns every error into exit code 2 with one message.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Annotated, NoReturn

import typer

from k8snetlint import __version__
from k8snetlint.cli.check import check
from k8snetlint.cli.common import (
    UsageError,
)
from k8snetlint.cli.options import (
    epilog,
)
from k8snetlint.cli.rules import explain, rules_cmd

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


app.command(
    epilog=epilog(
        "k8snetlint check k8s/",
        "k8snetlint check -f sarif -o k8snetlint.sarif --fail-on warning k8s/",
        "helm template shop charts/shop | k8snetlint check --stdin-path charts/shop -",
    )
)(check)
app.command(
    "rules",
    epilog=epilog(
        "k8snetlint rules",
        "k8snetlint rules -f json",
        "k8snetlint rules -f markdown > rules.md",
        codes=("0  the list was printed", "2  usage error"),
    ),
)(rules_cmd)
app.command(
    epilog=epilog(
        "k8snetlint explain schema-violation",
        "k8snetlint explain database-reachable-cluster-wide | less",
        codes=("0  the rule's documentation was printed", "2  unknown rule"),
    )
)(explain)


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
    from k8snetlint.textsafe import escape_lines

    message = escape_lines(message)  # a name from the input or the command line
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
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if len(args) > 1 and args[0] == "check" and not any(a.startswith("-") for a in args):
            # `check PATH...` (a commit hook's call): the same function with its defaults,
            # without typer's per-option coercion set-up (a third of a small run).
            check(paths=args[1:])
            code: object = 0
        else:
            command = typer.main.get_command(app)
            _tidy_help(command)
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
        # Kept broad on purpose: the last line of defence. Whatever escaped every
        # narrower handler is a bug of ours; it is reported as an internal error (exit
        # 2, "please report") instead of a traceback.
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


_register_extensions()
