"""Plain command lines, read without typer.

A commit hook's call, ``check`` with plain options and paths, and ``graph`` alike, are
read here into exactly the keyword arguments typer would pass to the command's
function; anything else (``--help``, an unknown option, a short option cluster,
``--``, a flag given a value, a value that looks like an option, a missing value or
path) gives ``None`` and the full parser answers. typer (with click and pydantic)
builds its parameters at every start: a third of a small ``check``. Tests compare the
tables below with the typer commands and both paths' output byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

#: An option table: option -> (parameter, kind), kind ``str`` (one value, the last one
#: given wins), ``list`` (repeatable), ``int``, or ``True``/``False`` for a flag
#: setting the parameter to that value.
Options = Mapping[str, tuple[str, Any]]

#: ``check``'s options (:func:`k8snetlint.cli.lint.run_check`).
CHECK_OPTIONS: dict[str, tuple[str, Any]] = {
    "--format": ("format", str),
    "-f": ("format", str),
    "--output": ("output", str),
    "-o": ("output", str),
    "--output-json": ("output_json", str),
    "--output-sarif": ("output_sarif", str),
    "--output-junit": ("output_junit", str),
    "--config": ("config", str),
    "--fail-on": ("fail_on", str),
    "--kubernetes-version": ("kubernetes_version", str),
    "--namespace": ("namespace", str),
    "-n": ("namespace", str),
    "--select": ("select", list),
    "--ignore": ("ignore", list),
    "--no-kustomize": ("no_kustomize", True),
    "--baseline": ("baseline", str),
    "--write-baseline": ("write_baseline", str),
    "--stdin-path": ("stdin_path", str),
    "--schema-location": ("schema_location", list),
    "--statistics": ("statistics", True),
    "--quiet": ("quiet", True),
    "-q": ("quiet", True),
    "--color": ("color", str),
    "--show-source": ("show_source", True),
    "--no-show-source": ("show_source", False),
    "--follow-symlinks": ("follow_symlinks", True),
    "--allow-empty": ("allow_empty", True),
    "--kustomize-allow-remote": ("kustomize_allow_remote", True),
    "--jobs": ("jobs", int),
    "-j": ("jobs", int),
}


#: ``graph``'s options (:func:`k8snetlint.netcli.graph_cmd`).
GRAPH_OPTIONS: dict[str, tuple[str, Any]] = {
    "--format": ("format", str),
    "-f": ("format", str),
    "--output": ("output", str),
    "-o": ("output", str),
    "--focus": ("focus", str),
    "--namespace": ("namespace", str),
    "-n": ("namespace", str),
    "--follow-symlinks": ("follow_symlinks", True),
    "--kustomize-allow-remote": ("kustomize_allow_remote", True),
    "--config": ("config", str),
    "--exposure": ("exposure", True),
    "--jobs": ("jobs", int),
    "-j": ("jobs", int),
}


#: ``reach``'s options (:func:`k8snetlint.netcli.reach_cmd`); a line without both
#: ``--from`` and ``--to`` goes to the full parser (it says they are missing).
REACH_OPTIONS: dict[str, tuple[str, Any]] = {
    "--from": ("src", str),
    "--to": ("dst", str),
    "--port": ("port", str),
    "-p": ("port", str),
    "--format": ("format", str),
    "-f": ("format", str),
    "--namespace": ("namespace", str),
    "-n": ("namespace", str),
    "--follow-symlinks": ("follow_symlinks", True),
    "--kustomize-allow-remote": ("kustomize_allow_remote", True),
    "--config": ("config", str),
    "--jobs": ("jobs", int),
    "-j": ("jobs", int),
}

#: Parameters a command cannot run without (typer says they are missing).
REQUIRED: dict[str, tuple[str, ...]] = {"reach": ("src", "dst")}


def read(args: list[str], command: str, options: Options) -> dict[str, Any] | None:
    """The keyword arguments for ``args`` (``[command, ...]``) under ``options``, or
    ``None`` when the command line needs the full option parser."""
    if len(args) < 2 or args[0] != command:
        return None
    kwargs: dict[str, Any] = {}
    paths: list[str] = []
    i = 1
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "-" or not arg.startswith("-"):
            paths.append(arg)
            continue
        name, eq, value = arg.partition("=")
        if eq and not name.startswith("--"):
            return None  # -f=json: left to click
        spec = options.get(name)
        if spec is None:
            return None
        param, kind = spec
        if isinstance(kind, bool):
            if eq:
                return None  # a flag given a value: click's error message
            kwargs[param] = kind
            continue
        if not eq:
            if i >= len(args):
                return None
            value = args[i]
            i += 1
        if value.startswith("-") and value != "-":
            return None  # a value that looks like an option: as click decides
        if kind is int:
            if not value.isascii() or not value.isdigit():
                return None
            kwargs[param] = int(value)
        elif kind is list:
            kwargs.setdefault(param, []).append(value)
        else:
            kwargs[param] = value
    if not paths or any(p not in kwargs for p in REQUIRED.get(command, ())):
        return None
    return {"paths": paths, **kwargs}


def accepts(fn: Callable[..., Any], kwargs: Mapping[str, Any]) -> bool:
    """Whether every keyword of ``kwargs`` is a parameter of ``fn`` (a command changed
    since its table was written goes to the full parser)."""
    code = fn.__code__
    names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
    return all(k in names for k in kwargs)


def call_command(fn: Callable[..., Any], kwargs: Mapping[str, Any]) -> int:
    """Run a typer command's function as typer would: its exit code."""
    import typer

    from k8snetlint.cli.startup import release_gc

    release_gc()
    try:
        fn(**kwargs)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        import sys

        sys.stderr.write("k8snetlint: aborted\n")
        return 2
    return 0
