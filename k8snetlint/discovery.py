"""Finding the files to read: paths, directory walks, skip rules and safe reads.

Discovery knows files, not YAML: it expands command-line paths into the files to
read (walking directories in sorted order, skipping hidden, vendored and known
non-manifest files) and reads bytes with a size cap. :mod:`k8snetlint.reader` turns
the bytes into positioned values.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
import stat
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

MAX_FILE_BYTES = 64 * 1024 * 1024

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")

# Folders never descended into when walking a directory.
SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", ".github", ".gitlab", "node_modules", "__pycache__", ".venv", "venv"}
)

# Files beside manifests that are YAML/JSON but not Kubernetes objects. Skipped
# quietly when met while walking a directory; a file named explicitly is always read.
SKIP_FILE_PATTERNS = (
    "kustomization.yaml",
    "kustomization.yml",
    "Kustomization",
    "Chart.yaml",
    "Chart.lock",
    "values*.yaml",
    "values*.yml",
    "values*.json",
    ".pre-commit-config.yaml",
    ".pre-commit-hooks.yaml",
    ".gitlab-ci.yml",
    ".travis.yml",
    "action.yml",
    "action.yaml",
    "docker-compose*.yml",
    "docker-compose*.yaml",
    "compose.yaml",
    "compose.yml",
    "skaffold.yaml",
    ".k8snetlint.yaml",
    ".k8snetlint.yml",
    ".yamllint",
    ".yamllint.yaml",
    "mkdocs.yml",
    "codecov.yml",
    ".goreleaser.yml",
    ".goreleaser.yaml",
    "renovate.json",
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "composer.json",
    "expected*.json",
    "*.schema.json",
)


# --------------------------------------------------------------------------- paths


_CWD: tuple[str, Path] = ("", Path())


def _resolved_cwd() -> Path:
    """``Path.cwd().resolve()``, resolved again only when the working directory changes."""
    global _CWD
    cwd = os.getcwd()
    if _CWD[0] != cwd:
        _CWD = (cwd, Path(cwd).resolve())
    return _CWD[1]


def display_name(path: Path) -> str:
    """Path shown in reports: relative to the working directory when inside it.

    Bytes of the name that are not UTF-8 are shown as ``\\xNN`` (see
    :func:`escape_name`), so every report stays valid UTF-8.
    """
    try:
        return _relative_name(path.resolve(), path)
    except OSError:
        return escape_name(path.as_posix())


def _name_prefix(directory: Path) -> str:
    """What :func:`display_name` puts before the name of a file (not a symlink) of
    ``directory``, unescaped."""
    probe = "x"
    try:
        rel = (directory.resolve() / probe).relative_to(_resolved_cwd()).as_posix()
    except (ValueError, OSError):
        rel = (directory / probe).as_posix()
    return rel[: -len(probe)]


def _relative_name(real: Path, path: Path) -> str:
    """:func:`display_name` of ``path`` whose resolved form is ``real``."""
    try:
        rel = real.relative_to(_resolved_cwd())
    except ValueError:
        return escape_name(path.as_posix())
    return escape_name(rel.as_posix())


def escape_name(name: str) -> str:
    """``name`` with undecodable bytes (surrogate escapes) written as ``\\xNN``."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return name


# text: compiled (and cached by re) on first use, for a name with an escaped byte
_ESCAPED_BYTE = r"\\x([89a-f][0-9a-f])"


def name_bytes(name: str) -> bytes:
    """The bytes of a display name, with :func:`escape_name`'s ``\\xNN`` undone (for
    percent-encoded URIs that name the real file)."""
    if "\\x" not in name:
        return name.encode("utf-8")
    parts = re.split(_ESCAPED_BYTE, name)
    out = bytearray()
    for i, part in enumerate(parts):
        out += bytes([int(part, 16)]) if i % 2 else part.encode("utf-8")
    return bytes(out)


@functools.cache
def _skip_file_re() -> re.Pattern[str]:
    """Every pattern in one regular expression: one match per file name met while
    walking (compiled on first use: a check of named files never walks)."""
    return re.compile("|".join(fnmatch.translate(pat) for pat in SKIP_FILE_PATTERNS))


def _skipped(name: str) -> bool:
    return _skip_file_re().match(name) is not None


def excluded(display: str, exclude: Sequence[str]) -> bool:
    return any(
        fnmatch.fnmatch(display, pat) or fnmatch.fnmatch(Path(display).name, pat) for pat in exclude
    )


KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def _kustomization_dir(directory: Path) -> bool:
    return any((directory / name).is_file() for name in KUSTOMIZATION_NAMES)


@dataclass(frozen=True)
class Skipped:
    """A path met while walking that is not read, and why (a finding of ``rule``)."""

    display: str
    message: str
    rule: str = "not-a-kubernetes-object"


@dataclass
class Expansion:
    """Command-line paths expanded: files to read (display name -> path, ``None`` for
    stdin; a directory is a kustomization to render), usage errors, the kustomization
    directories met while walking (display name -> path), and the paths skipped."""

    files: dict[str, Path | None] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    walked_kdirs: dict[str, Path] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)


def expand(
    paths: Sequence[str],
    exclude: Sequence[str] = (),
    kustomize: bool = False,
    *,
    follow_symlinks: bool = False,
) -> Expansion:
    """Expand command-line paths into the files to read.

    ``-`` stands for standard input (path ``None``). A path named on the command line
    is read whatever it is (a file, a FIFO such as ``<(helm template ...)``, a device;
    reads are capped). Directories are walked recursively in sorted order, never twice
    into the same folder; hidden and vendored folders and known non-manifest files are
    skipped quietly. While walking, anything that is not a regular file or directory
    (FIFO, socket, device) is skipped with a finding, and so is a symlink whose target
    lies outside every path given on the command line, unless ``follow_symlinks``.

    With ``kustomize``, a directory named on the command line that holds a
    kustomization file is one entry (the directory itself, to be rendered) instead of
    its files, and a walk stops at kustomization directories and records them in
    ``walked_kdirs`` (the loader decides which of them to render).
    """
    out = Expansion()
    files = out.files
    roots = [_real(Path(raw)) for raw in paths if raw != "-"]
    for raw in paths:
        if raw == "-":
            files["-"] = None
            continue
        p = Path(raw)
        if kustomize and p.is_file() and p.name in KUSTOMIZATION_NAMES:
            p = p.parent if str(p.parent) else Path(".")
        if p.is_dir():
            if kustomize and _kustomization_dir(p):
                files.setdefault(display_name(p), p)
                continue
            walk = _Walk(roots, follow_symlinks, out, out.walked_kdirs if kustomize else None)
            for f, d in walk.run(p):
                if not excluded(d, exclude):
                    files.setdefault(d, f)
        elif os.path.exists(p):
            d = display_name(p)
            if not excluded(d, exclude):
                files.setdefault(d, p)
        else:
            out.errors.append(f"{escape_name(raw)}: no such file or directory")
    return out


def _real(path: Path) -> str:
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return os.path.abspath(path)


def _inside(real: str, roots: Sequence[str]) -> bool:
    return any(real == r or real.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


class _Walk:
    """One directory walk (sorted, each folder once, symlinks checked)."""

    def __init__(
        self,
        roots: Sequence[str],
        follow_symlinks: bool,
        out: Expansion,
        kdirs: dict[str, Path] | None,
    ) -> None:
        self.roots = roots
        self.follow = follow_symlinks
        self.out = out
        self.kdirs = kdirs
        self.seen: set[tuple[int, int]] = set()
        # (path, display name)
        self.found: list[tuple[Path, str]] = []

    def run(self, root: Path) -> list[tuple[Path, str]]:
        """The files under ``root``, sorted by path, with their display names."""
        self._dir(root)
        return sorted(self.found, key=lambda f: f[0])

    def _skip(self, path: Path, message: str, rule: str = "not-a-kubernetes-object") -> None:
        self.out.skipped.append(Skipped(display_name(path), message, rule))

    def _dir(self, directory: Path) -> None:
        try:
            st = os.stat(directory)
        except OSError:
            return
        ident = (st.st_dev, st.st_ino)
        if ident in self.seen:
            return
        self.seen.add(ident)
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            self._skip(
                directory,
                f"cannot read directory: {exc.strerror or exc}; its files are not checked",
                "yaml-syntax-error",
            )
            return
        names = {e.name for e in entries}
        if self.kdirs is not None and names & set(KUSTOMIZATION_NAMES):
            self.kdirs[display_name(directory)] = directory
            return
        subdirs: list[Path] = []
        prefix: str | None = None  # the display name of this folder's files, less the name
        for entry in entries:
            name = entry.name
            path = directory / name
            manifest = name.endswith(MANIFEST_SUFFIXES) and not _skipped(name)
            try:
                is_link = entry.is_symlink()
                st_mode = os.stat(path).st_mode if is_link else entry.stat().st_mode
            except OSError:
                if manifest:  # a dangling symlink
                    self._skip(path, "broken symlink; not read")
                continue
            is_dir = stat.S_ISDIR(st_mode)
            if is_dir and (name in SKIP_DIRS or name.startswith(".")):
                continue
            if not is_dir and not manifest:
                continue
            if is_link and not self.follow:
                target = _real(path)
                if not _inside(target, self.roots):
                    self._skip(
                        path,
                        f"symlink to {escape_name(target)!r}, outside the paths given on the "
                        "command line; not followed (pass --follow-symlinks to follow it)",
                    )
                    continue
            if is_dir:
                subdirs.append(path)
            elif stat.S_ISREG(st_mode):
                if is_link:
                    self.found.append((path, display_name(path)))
                else:
                    # resolving the folder once stands for resolving each of its files
                    if prefix is None:
                        prefix = _name_prefix(directory)
                    self.found.append((path, escape_name(prefix + name)))
            else:
                self._skip(
                    path,
                    f"not a regular file ({_file_type(st_mode)}); not read while walking a "
                    "directory (name it on the command line to read it)",
                )
        for sub in subdirs:
            self._dir(sub)


def _file_type(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


class FileTooLarge(Exception):
    """A file (or stdin) holds more than :data:`MAX_FILE_BYTES`."""


def read_capped(
    path: Path | str | None, limit: int = MAX_FILE_BYTES, *, what: str = "file"
) -> bytes:
    """The bytes of ``path`` (stdin for ``None``), at most ``limit`` of them.

    The cap counts bytes actually read, not ``st_size`` (0 for devices and pipes), so
    ``/dev/zero``, an endless pipe or a FIFO cannot grow memory without bound. Raises
    :class:`FileTooLarge` past the cap, OSError when the file cannot be read.
    """
    if path is None:
        if sys.stdin is None:
            return b""
        return _read_limited(sys.stdin.buffer, limit, "stdin")
    if what == "file":
        with open(path, "rb", buffering=0) as fh:
            return _read_limited(fh, limit, what)
    # A baseline or config file: a FIFO without a writer must not block the open
    # (it reads as empty instead); with a writer (`<(git show ...)`) it is read.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    os.set_blocking(fd, True)
    with open(fd, "rb", buffering=0) as fh:
        return _read_limited(fh, limit, what)


def _read_limited(fh: BinaryIO, limit: int, what: str) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = fh.read(min(1 << 20, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise FileTooLarge(f"{what} holds more than the {limit:,}-byte limit; not read")
    return b"".join(chunks)
