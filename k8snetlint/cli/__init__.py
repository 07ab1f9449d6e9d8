"""The command line, one module per concern:

* :mod:`k8snetlint.cli.common` -- usage errors, configuration, output files, formats,
  colour and progress: what every command shares;
* :mod:`k8snetlint.cli.options` -- option declarations shared by the commands
  (``--config``, ``--namespace``, ``--output``, ``--kubernetes-version``,
  ``--follow-symlinks``, ``--kustomize-allow-remote``, the paths argument) and the ``--help`` epilogs (exit codes, examples);
* :mod:`k8snetlint.cli.check` -- ``check``; :mod:`k8snetlint.cli.rules` -- ``rules``
  and ``explain``; :mod:`k8snetlint.netcli` -- ``graph``, ``reach`` and ``diff``;
* :mod:`k8snetlint.cli.root` -- the Typer app that registers every command, and
  :func:`main`.

Command modules import ``common`` and ``options`` only, never each other or ``app``,
so there is no import cycle; this package's ``__init__`` imports no command either:
``app`` and ``main`` are loaded on first use.

Exit codes: 0 nothing at or above ``--fail-on``; 1 findings at or above it; 2 usage,
configuration or internal error. No input ever produces a traceback.
"""

from __future__ import annotations

from typing import Any

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
    KubernetesVersionOption,
    KustomizeAllowRemoteOption,
    NamespaceOption,
    OutputOption,
    PathsArgument,
    epilog,
)

__all__ = [
    "FAIL_ON",
    "ConfigOption",
    "FollowSymlinksOption",
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


def __getattr__(name: str) -> Any:
    """``app``, ``main`` (and the command functions) from :mod:`k8snetlint.cli.root`, on
    first use: importing the package must not import the commands."""
    if name in ("app", "main", "rules_cmd", "explain"):
        import importlib

        return getattr(importlib.import_module("k8snetlint.cli.root"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
