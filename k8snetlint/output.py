"""Writing reports: atomically to files, in place to devices, FIFOs and stdout.

A report path that names a regular file (or nothing yet) is written through a
temporary file in the same folder and renamed over it, so a reader never sees half a
report; the file keeps the mode of the report it replaces, or gets the mode the umask
gives a new file. A symlink is resolved and its target replaced, the link stays. A
character device (``/dev/null``, ``/dev/stdout``), a FIFO or ``-`` is written in
place: streamed, never replaced by a regular file. Text is UTF-8; anything that
cannot be encoded is written as a backslash escape.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO


class OutputError(Exception):
    """A report cannot be written (a usage error: exit 2)."""


def write_output(
    text: str | Iterable[str], output: str | None, *, option: str = "--output"
) -> None:
    """Write ``text`` (a string, or chunks written as they come) to stdout (``None`` or
    ``-``) or to the path ``output``."""
    if output is None or output == "-":
        _write_to(sys.stdout, text)
        sys.stdout.flush()
        return
    try:
        # follows symlinks: /dev/stdout -> /proc/self/fd/1 -> a pipe or terminal
        st: os.stat_result | None = os.stat(output)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OutputError(f"{option}: cannot write {output!r}: {exc.strerror}") from exc
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{option}: {output!r} is a directory")
    try:
        if st is not None and not stat.S_ISREG(st.st_mode):
            _write_in_place(text, Path(output))
        else:
            _write_atomic(text, Path(os.path.realpath(output)), st)
    except OSError as exc:
        raise OutputError(f"{option}: cannot write {output!r}: {exc.strerror or exc}") from exc


def _write_to(fh: TextIO, text: str | Iterable[str]) -> None:
    if isinstance(text, str):
        fh.write(text)
        return
    for chunk in text:
        fh.write(chunk)


def _write_in_place(text: str | Iterable[str], target: Path) -> None:
    with open(target, "w", encoding="utf-8", errors="backslashreplace") as fh:
        _write_to(fh, text)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_atomic(text: str | Iterable[str], target: Path, st: os.stat_result | None) -> None:
    folder = target.parent
    if not folder.is_dir():
        raise FileNotFoundError(2, f"folder {str(folder)!r} does not exist")
    mode = stat.S_IMODE(st.st_mode) if st is not None else 0o666 & ~_umask()
    import tempfile  # here, not at the top: stdout needs no temporary file

    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as fh:
            _write_to(fh, text)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def check_distinct(outputs: Sequence[tuple[str, str | None]]) -> None:
    """Raise :class:`OutputError` when two report options name the same file.

    ``outputs`` pairs each option with its path (``None`` when not given). Devices
    and FIFOs (``/dev/null``) may be shared; ``-`` (stdout) may not.
    """
    seen: dict[str, str] = {}
    for option, path in outputs:
        if not path:
            continue
        if path == "-":
            key = "-"
        else:
            real = os.path.realpath(path)
            with contextlib.suppress(OSError):
                if not stat.S_ISREG(os.stat(real).st_mode):
                    continue
            key = real
        if key in seen:
            raise OutputError(f"{seen[key]} and {option} name the same file {path!r}")
        seen[key] = option
