"""Locating the data folders (`rules/`, `schemas/`) shipped with the package.

In a wheel they live inside the package as ``k8snetlint/_rules`` and
``k8snetlint/_schemas``; in a source checkout (editable install, tests) they are the
top-level ``rules/`` and ``schemas/`` folders of the repository.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the folder holding the data set ``name`` ("rules" or "schemas")."""
    inside = _PACKAGE / f"_{name}"
    if inside.is_dir():
        return inside
    return _PACKAGE.parent / name


def cached_build(name: str, sources: Sequence[Path], build: Callable[[], T]) -> T:
    """``build()``, kept on disk between runs under the content hash of ``sources`` (the
    files it reads, and the code that shapes it), the tool's version and the Python
    version, in the cache folder of :mod:`k8snetlint.rulecache` (``K8SNETLINT_CACHE_DIR``,
    ``off`` disables it).

    The value must be plain data (dicts, lists, strings, numbers, booleans, ``None``):
    it is stored with :mod:`marshal`, which reads it back much faster than JSON, and
    keeps shared containers shared. A file that is missing, unreadable, corrupt, not
    the user's own or writable by others, or a folder that cannot be written, only
    means ``build()`` runs; a value :mod:`marshal` cannot store is not stored."""
    import contextlib
    import marshal

    from k8snetlint.rulecache import cache_dir, read_own, write_atomic

    folder = cache_dir()
    if folder is None:
        return build()
    digest = sources_digest(name, sources)
    if digest is None:
        return build()
    path = folder / f"{name}-{digest[:32]}.marshal"
    cached = read_own(path)
    if cached is not None:
        try:
            stored = marshal.loads(cached)
        except (ValueError, EOFError, TypeError):
            stored = None
        if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == name:
            return stored[1]  # type: ignore[no-any-return]
    value = build()
    with contextlib.suppress(OSError, ValueError):
        write_atomic(path, marshal.dumps((name, value)), f".{name}-")  # type: ignore[arg-type]
    return value


def sources_digest(label: str, sources: Sequence[Path]) -> str | None:
    """The content hash (hex) of ``sources`` (names, sizes and bytes) under ``label``,
    the tool's version and the Python version; ``None`` when a source cannot be read."""
    import sys

    from k8snetlint import __version__
    from k8snetlint.rulecache import content_hash

    h = content_hash(f"k8snetlint {__version__} {label} {sys.implementation.cache_tag}".encode())
    try:
        for source in sources:
            raw = source.read_bytes()
            h.update(f"\0{source.name}\0{len(raw)}\0".encode())
            h.update(raw)
    except OSError:
        return None
    return str(h.hexdigest())
