"""The command line, one module per concern:

* :mod:`k8snetlint.cli.common` -- usage errors, configuration, output files, formats,
  colour, progress and the exit-code guard: what every command shares;
* :mod:`k8snetlint.cli.options` -- option declarations shared by the commands
  (``--config``, ``--namespace``, ``--output``, ``--kubernetes-version``,
  ``--follow-symlinks``, ``--kustomize-allow-remote``, the paths argument) and the
  ``--help`` epilogs (exit codes, examples);
* :mod:`k8snetlint.cli.check` -- ``check``'s options, its body being
  :mod:`k8snetlint.cli.lint`; :mod:`k8snetlint.cli.rules` -- ``rules`` and
  ``explain``; :mod:`k8snetlint.netcli` -- ``graph``, ``reach`` and ``diff``;
* :mod:`k8snetlint.cli.root` -- the Typer app that registers every command, and the
  full command line's ``main``.

Command modules import ``common`` and ``options`` only, never each other or ``app``,
so there is no import cycle. This package's ``__init__`` imports nothing at all: its
names are loaded on first use, and :func:`main` answers a plain ``check`` without
typer (only ``common`` and ``lint``, which import no typer either).

Exit codes: 0 nothing at or above ``--fail-on``; 1 findings at or above it; 2 usage,
configuration or internal error. No input ever produces a traceback.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from k8snetlint.cli.common import (
        FAIL_ON,
        UsageError,
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
        JobsOption,
        KubernetesVersionOption,
        KustomizeAllowRemoteOption,
        NamespaceOption,
        OutputOption,
        PathsArgument,
        epilog,
    )
    from k8snetlint.cli.root import app

__all__ = [
    "FAIL_ON",
    "ConfigOption",
    "FollowSymlinksOption",
    "JobsOption",
    "KubernetesVersionOption",
    "KustomizeAllowRemoteOption",
    "NamespaceOption",
    "OutputOption",
    "PathsArgument",
    "UsageError",
    "app",
    "build_config",
    "epilog",
    "fail",
    "main",
    "render_report",
    "repo_root",
    "resolve_format",
    "use_colour",
    "write_output",
]

#: Where each name of this package lives, imported on first use: ``options`` and
#: ``root`` import typer, which a plain ``check`` never needs.
_HOMES = {
    **dict.fromkeys(
        (
            "FAIL_ON",
            "UsageError",
            "build_config",
            "fail",
            "render_report",
            "repo_root",
            "resolve_format",
            "use_colour",
            "write_output",
        ),
        "k8snetlint.cli.common",
    ),
    **dict.fromkeys(
        (
            "ConfigOption",
            "FollowSymlinksOption",
            "JobsOption",
            "KubernetesVersionOption",
            "KustomizeAllowRemoteOption",
            "NamespaceOption",
            "OutputOption",
            "PathsArgument",
            "epilog",
        ),
        "k8snetlint.cli.options",
    ),
    **dict.fromkeys(("app", "rules_cmd", "explain"), "k8snetlint.cli.root"),
}


def main(argv: list[str] | None = None) -> NoReturn:
    """Entry point of the ``k8snetlint`` command.

    A commit hook's call, ``check`` with plain options and paths, runs
    :func:`k8snetlint.cli.lint.run_check` directly: typer, click and the other commands
    (and the connectivity modules they import) are never loaded, a third of a small
    run. A plain ``graph`` or ``reach`` calls its function directly too (typer is imported, but
    neither click's parsing nor typer's per-parameter set-up runs). Every other
    command line goes to the typer app (:func:`k8snetlint.cli.root.main`); see
    :mod:`k8snetlint.cli.plain`.

    Called without ``argv`` (the command's own process, not a caller's), the start-up
    measures of :mod:`k8snetlint.cli.startup` apply: the collector paused during
    imports, dataclass code cached, and the exit without the interpreter's teardown.
    """
    if argv is not None:
        _run(list(argv), argv)
    from k8snetlint.cli import startup

    args = sys.argv[1:]
    startup.begin("check" if args[:1] == ["check"] else "cli")
    try:
        _run(args, None)
    except SystemExit as exc:
        startup.exit_now(exc.code)


def _run(args: list[str], argv: list[str] | None) -> NoReturn:
    if args[:1] == ["check"]:
        from k8snetlint.cli import lint

        plain = lint.plain_check_args(args)
        if plain is not None:
            from k8snetlint.cli.common import guarded

            guarded(lambda: lint.run_check(**plain), args)
    elif args[:1] in (["graph"], ["reach"]):
        from k8snetlint.cli import plain as plain_mod

        command = args[0]
        table = plain_mod.GRAPH_OPTIONS if command == "graph" else plain_mod.REACH_OPTIONS
        kwargs = plain_mod.read(args, command, table)
        if kwargs is not None:
            from k8snetlint import netcli
            from k8snetlint.cli.common import guarded

            fn = netcli.graph_cmd if command == "graph" else netcli.reach_cmd
            if plain_mod.accepts(fn, kwargs):
                guarded(lambda: plain_mod.call_command(fn, kwargs), args)
    from k8snetlint.cli import root

    root.main(argv)


def __getattr__(name: str) -> Any:
    """The names of :data:`__all__`, from their modules on first use: importing the
    package imports neither typer nor any command."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(home), name)
