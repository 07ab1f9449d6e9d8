"""Option and argument declarations shared by the commands, and ``--help`` epilogs.

A command declares ``config: ConfigOption = None`` instead of repeating the
``typer.Option`` (metavar, help, default) in every command.
"""

from __future__ import annotations

from typing import Annotated

import typer

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


FollowSymlinksOption = Annotated[
    bool,
    typer.Option(
        "--follow-symlinks",
        help="Follow symlinks that lead outside the paths given (not followed by default).",
    ),
]


KustomizeAllowRemoteOption = Annotated[
    bool,
    typer.Option(
        "--kustomize-allow-remote",
        help="Let Kustomize fetch remote resources (refused by default).",
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


JobsOption = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        metavar="N",
        help="Worker processes reading files (1: none). The answer is the same.  "
        "[default: one per core]",
    ),
]
