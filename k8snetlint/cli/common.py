"""What every command shares: usage errors, configuration, output, formats, progress.

Nothing here imports a command, so every command module (and
:mod:`k8snetlint.netcli`) can import it without an import cycle.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import NoReturn, TextIO

from k8snetlint.config import Config, ConfigError, discover, load_config
from k8snetlint.findings import Report
from k8snetlint.reporters import (
    FormatError,
    Formats,
    RenderOptions,
    render_check,
)

FAIL_ON = ("error", "warning", "info", "never")


class UsageError(Exception):
    """A problem with how the tool was called (exit code 2)."""


def fail(message: str) -> NoReturn:
    raise UsageError(message)


def guarded(run: Callable[[], object], args: list[str]) -> NoReturn:
    """Exit with the code ``run()`` returns (0 unless an int), every error turned into
    exit code 2 and one message: a usage error, a usage error of click (the vendored
    or installed library), a broken pipe, and anything else as an internal error."""
    try:
        code = run()
    except UsageError as exc:
        _error("error", str(exc), args)
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
    import contextlib

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
