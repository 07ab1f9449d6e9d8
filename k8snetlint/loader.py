"""Reading manifests: command-line paths into positioned Kubernetes objects.

The loader is the top of three layers:

* :mod:`k8snetlint.discovery` -- which files to read (walk, skip rules, safe reads);
* :mod:`k8snetlint.reader` -- the YAML reader: one file's bytes into positioned values
  and :class:`~k8snetlint.document.Manifest` objects;
* :mod:`k8snetlint.kustomize` -- rendering kustomization directories (uses both).

It re-exports the names other modules use (``LoadResult``, ``LoadIssue``,
``load_text``, ``parse_yaml``, ...), so ``from k8snetlint.loader import ...`` keeps
working.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from k8snetlint.discovery import (
    KUSTOMIZATION_NAMES,
    MANIFEST_SUFFIXES,
    MAX_FILE_BYTES,
    SKIP_DIRS,
    SKIP_FILE_PATTERNS,
    FileTooLarge,
    display_name,
    excluded,
    expand,
    read_capped,
)
from k8snetlint.reader import (
    MAX_DEPTH,
    MAX_NODES_PER_DOCUMENT,
    LoadIssue,
    LoadResult,
    load_bytes,
    load_text,
    parse_yaml,
    read_path,
    resolve_plain,
    unreadable,
)

__all__ = [
    "KUSTOMIZATION_NAMES",
    "MANIFEST_SUFFIXES",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_NODES_PER_DOCUMENT",
    "SKIP_DIRS",
    "SKIP_FILE_PATTERNS",
    "LoadIssue",
    "LoadResult",
    "display_name",
    "expand_paths",
    "load_bytes",
    "load_files",
    "load_paths",
    "load_text",
    "parse_yaml",
    "read_path",
    "relaxed_gc",
    "resolve_plain",
    "unreadable",
]


def expand_paths(
    paths: Sequence[str],
    exclude: Sequence[str] = (),
    kustomize: bool = False,
    *,
    follow_symlinks: bool = False,
    skipped: list[LoadIssue] | None = None,
) -> tuple[list[tuple[str, Path | None]], list[str]]:
    """Expand command-line paths into (display name, path) pairs, sorted.

    See :func:`k8snetlint.discovery.expand`. With ``kustomize``, the kustomization
    directories met while walking are rendered, except bases that another found
    kustomization uses. Returns the entries and the usage errors; the paths skipped
    while walking are appended to ``skipped`` as issues.
    """
    found = expand(paths, exclude, kustomize, follow_symlinks=follow_symlinks)
    if skipped is not None:
        skipped.extend(LoadIssue(s.rule, s.display, 1, 1, s.message) for s in found.skipped)
    files = found.files
    if found.walked_kdirs:
        # here, not at the top: kustomize (and the subprocess machinery it runs) is
        # loaded only when the input has a kustomization
        from k8snetlint.kustomize import referenced_directories

        used: set[Path] = set()
        for kdir in found.walked_kdirs.values():
            used.update(r.resolve() for r in referenced_directories(kdir))
        for d, kdir in found.walked_kdirs.items():
            if kdir.resolve() not in used and not excluded(d, exclude):
                files.setdefault(d, kdir)
    return sorted(files.items(), key=lambda kv: kv[0]), found.errors


@contextlib.contextmanager
def relaxed_gc() -> Iterator[None]:
    """Loading allocates millions of long-lived, acyclic containers: keep the cyclic
    garbage collector out of it (restored afterwards). Acyclic values are still freed
    by reference counting when dropped. A library call never freezes the process's
    heap (``gc.freeze``): the command line does that once, after loading."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_files(
    files: Sequence[tuple[str, Path | None]],
    progress: Callable[[int, int], None] | None = None,
    *,
    kustomize_allow_remote: bool = False,
) -> LoadResult:
    """Read and parse the given files, in order.

    Entries that are directories are kustomizations: they are rendered first, and a
    plain file that a render already used (``resources: [../shared/np.yaml]``) is not
    read a second time.
    """
    result = LoadResult()
    used: set[str] = set()
    with relaxed_gc():
        for display, path in files:
            if path is not None and path.is_dir():
                from k8snetlint.kustomize import load_kustomization  # only when needed

                rendered = load_kustomization(path, display, allow_remote=kustomize_allow_remote)
                used.update(rendered.files)
                result.extend(rendered)
        plain = [(d, p) for d, p in files if not (p is not None and p.is_dir()) and d not in used]
        for i, (display, path) in enumerate(plain):
            if progress is not None:
                progress(i, len(plain))
            if path is None:
                result.extend(_read_stdin(display))
            else:
                result.extend(read_path(display, path))
    return result


STDIN_EMPTY = "stdin was empty: did the command before the pipe fail?"


def _read_stdin(display: str) -> LoadResult:
    """Standard input; empty (or only whitespace) is a usage error, not a clean run."""
    try:
        data = read_capped(None)
    except FileTooLarge as exc:
        return unreadable(display, str(exc))
    except OSError as exc:
        return unreadable(display, f"cannot read stdin: {exc.strerror}")
    if not data.strip():
        return LoadResult(errors=[STDIN_EMPTY])
    return load_bytes(data, display)


def load_paths(
    paths: Sequence[str],
    exclude: Sequence[str] = (),
    progress: Callable[[int, int], None] | None = None,
    kustomize: bool = False,
    *,
    follow_symlinks: bool = False,
    kustomize_allow_remote: bool = False,
) -> LoadResult:
    """Expand ``paths`` and load every file; usage errors are in ``result.errors``.

    With ``kustomize``, directories holding a kustomization file are rendered (see
    :mod:`k8snetlint.kustomize`) instead of read file by file.
    """
    skipped: list[LoadIssue] = []
    files, errors = expand_paths(
        paths, exclude, kustomize, follow_symlinks=follow_symlinks, skipped=skipped
    )
    result = load_files(files, progress, kustomize_allow_remote=kustomize_allow_remote)
    result.issues.extend(skipped)
    result.errors.extend(errors)
    return result
