"""Finding the files to read: paths, directory walks, skip rules and safe reads.

Discovery knows files, not YAML: it expands command-line paths into the files to
read (walking directories in sorted order, skipping hidden, vendored and known
non-manifest files) and reads bytes with a size cap. :mod:`k8snetlint.reader` turns
the bytes into positioned values.
"""

from __future__ import annotations

import fnmatch
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

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


def display_name(path: Path) -> str:
    """Path shown in reports: relative to the working directory when inside it."""
    try:
        rel = path.resolve().relative_to(Path.cwd().resolve())
        return rel.as_posix()
    except ValueError:
        return path.as_posix()


def _skipped(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pat) for pat in SKIP_FILE_PATTERNS)


def excluded(display: str, exclude: Sequence[str]) -> bool:
    return any(
        fnmatch.fnmatch(display, pat) or fnmatch.fnmatch(Path(display).name, pat) for pat in exclude
    )


KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def _kustomization_dir(directory: Path) -> bool:
    return any((directory / name).is_file() for name in KUSTOMIZATION_NAMES)


@dataclass
class Expansion:
    """Command-line paths expanded: files to read (display name -> path, ``None`` for
    stdin; a directory is a kustomization to render), usage errors, and the
    kustomization directories met while walking (display name -> path)."""

    files: dict[str, Path | None] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    walked_kdirs: dict[str, Path] = field(default_factory=dict)


def expand(paths: Sequence[str], exclude: Sequence[str] = (), kustomize: bool = False) -> Expansion:
    """Expand command-line paths into the files to read.

    ``-`` stands for standard input (path ``None``). Directories are walked
    recursively (following symlinks, never twice into the same folder); hidden and
    vendored folders are skipped. With ``kustomize``, a directory named on the command
    line that holds a kustomization file is one entry (the directory itself, to be
    rendered) instead of its files, and a walk stops at kustomization directories and
    records them in ``walked_kdirs`` (the loader decides which of them to render).
    """
    out = Expansion()
    files = out.files
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
            for f in _walk(p, out.walked_kdirs if kustomize else None):
                d = display_name(f)
                if not excluded(d, exclude):
                    files.setdefault(d, f)
        elif p.is_file():
            d = display_name(p)
            if not excluded(d, exclude):
                files.setdefault(d, p)
        else:
            out.errors.append(f"{raw}: no such file or directory")
    return out


def _walk(root: Path, kdirs: dict[str, Path] | None = None) -> Iterator[Path]:
    seen: set[tuple[int, int]] = set()
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        try:
            st = os.stat(dirpath)
        except OSError:
            dirnames[:] = []
            continue
        ident = (st.st_dev, st.st_ino)
        if ident in seen:
            dirnames[:] = []
            continue
        seen.add(ident)
        if kdirs is not None and any(n in filenames for n in KUSTOMIZATION_NAMES):
            kdirs[display_name(Path(dirpath))] = Path(dirpath)
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for fn in filenames:
            if fn.endswith(MANIFEST_SUFFIXES) and not _skipped(fn):
                found.append(Path(dirpath) / fn)
    yield from sorted(found)


class FileTooLarge(Exception):
    """A file (or stdin) holds more than :data:`MAX_FILE_BYTES`."""


def read_capped(path: Path | None, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path`` (stdin for ``None``); raises OSError or FileTooLarge."""
    if path is None:
        return sys.stdin.buffer.read()
    size = path.stat().st_size
    if size > limit:
        raise FileTooLarge(
            f"file is {size:,} bytes, larger than the {limit:,}-byte limit; not read"
        )
    return path.read_bytes()
