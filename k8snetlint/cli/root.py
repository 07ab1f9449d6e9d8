"""The ``k8snetlint`` application: every command registered on one Typer app, and
:func:`main`, which turns every error into exit code 2 with one message.
"""

from __future__ import annotations

import sys
from typing import Annotated, NoReturn

import typer

from k8snetlint import __version__
from k8snetlint.cli.check import check
from k8snetlint.cli.common import guarded
from k8snetlint.cli.options import (
    epilog,
)
from k8snetlint.cli.rules import explain, rules_cmd
from k8snetlint.cli.startup import release_gc

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


def _tidy_help(command: object) -> None:
    """Arguments show their name only (``PATH``), not typer's type (``<list[str]>``)."""
    for sub in getattr(command, "commands", {}).values():
        _tidy_help(sub)
    for param in getattr(command, "params", []):
        if getattr(param, "param_type_name", "") == "argument":
            param.display_type_rich = lambda ctx: ""


def main(argv: list[str] | None = None) -> NoReturn:
    """The full command line: typer parses every command and option (the commit hook's
    plain ``check`` call is answered by :func:`k8snetlint.cli.main` without it)."""
    args = list(sys.argv[1:] if argv is None else argv)

    def run() -> object:
        try:
            command = typer.main.get_command(app)
            _tidy_help(command)
            release_gc()  # every command module is imported
            return command.main(args=argv, prog_name="k8snetlint", standalone_mode=False)
        except typer.Exit as exc:
            return exc.exit_code
        except typer.Abort:
            sys.stderr.write("k8snetlint: aborted\n")
            return 2

    guarded(run, args)


_register_extensions()
