"""Reading and validating files in worker processes (``--jobs N``).

Workers call the reader's per-file entry point (:func:`k8snetlint.reader.read_path`)
and validate every object whose verdict does not depend on the rest of the input
(:func:`k8snetlint.validate.validate_alone`). They send back compact data, never
positioned objects (shipping those between processes costs more than parsing them):

* per object: its plain values and its position tables packed in one ``marshal`` blob
  each (plain dicts, lists, tuples and scalars: no object graph of positioned values to
  pickle), the fields a :class:`~k8snetlint.document.Manifest` carries, its own
  position, and its schema violations (paths and messages);
* per file: the load issues (already located), the suppression comments, the name.

The main process builds :class:`LazyManifest` objects from that and unpacks an object's
positions only when something asks for a position inside it (a finding, a route).
Kustomizations and stdin are read in the main process as without workers. Results are
put back in input order, so the report is byte for byte the one of the serial path.
"""

from __future__ import annotations

import marshal
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from k8snetlint.document import Manifest, PathElem, Pos, YMap, YSeq
from k8snetlint.findings import Span
from k8snetlint.reader import LoadResult, read_path

# Below this many plain files, starting workers costs more than it saves.
MIN_FILES = 64


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class LazyManifest(Manifest):
    """A manifest whose values came from a worker with its positions packed.

    The positions travel as one ``marshal`` blob per object (a tree of the position
    tables, mirroring the values) and are unpacked on the first ``span_at`` of a path
    inside the object: the objects that draw no finding never unpack theirs.
    """

    _root: Pos
    _packed: bytes | None
    _tree: Any

    def span_at(self, path: Sequence[PathElem] = (), *, key: bool = False) -> Span:
        line, col, end_line, end_col = self._root if not path else self._locate(path, key)
        base = self.line_base
        return Span(line - base, col, end_line - base if end_line else 0, end_col)

    def _locate(self, path: Sequence[PathElem], key: bool) -> Pos:
        """:func:`k8snetlint.document.locate` over the values and the unpacked tree."""
        if self._packed is not None:
            self._tree = marshal.loads(self._packed)
            self._packed = None
        tree: Any = self._tree
        cur: Any = self.data
        best: Pos = self._root
        for step in path:
            if tree is None:
                break
            if tree[0] == 0 and isinstance(step, str) and isinstance(cur, dict) and step in cur:
                child = cur[step]
                table = tree[2] if key or isinstance(child, (dict, list)) else tree[3]
                best = table.get(step, best)
                cur, tree = child, tree[4].get(step)
            elif (
                tree[0] == 1
                and isinstance(step, int)
                and isinstance(cur, list)
                and -len(cur) <= step < len(cur)
            ):
                ipos = tree[2]
                best = ipos[step] if step < len(ipos) else best
                cur, tree = cur[step], tree[3][step]
            else:
                break
        return best


def _pack(value: Any) -> Any:
    """The position tables of a reader value as plain tuples, dicts and lists: a
    mapping is ``(0, pos, kpos, vpos, {key: tree of a container value})``, a sequence
    ``(1, pos, ipos, [tree or None per item])``, a scalar ``None``."""
    if isinstance(value, YMap):
        subs = {k: _pack(v) for k, v in value.items() if isinstance(v, (dict, list))}
        return (0, tuple(value.pos), dict(value.kpos), dict(value.vpos), subs)
    if isinstance(value, YSeq):
        items = [_pack(v) if isinstance(v, (dict, list)) else None for v in value]
        return (1, tuple(value.pos), list(value.ipos), items)
    return None


# ----------------------------------------------------------------------------- worker

Wire = tuple[list[tuple[Any, ...]], bytes]


def _read_chunk(files: list[tuple[str, str]], version: str) -> list[Wire]:
    """Worker: read and validate ``files``; one compact record per file."""
    from k8snetlint.validate import validate_alone

    out: list[Wire] = []
    for display, real in files:
        loaded = read_path(display, Path(real))
        rows: list[tuple[Any, ...]] = []
        values: list[Any] = []
        for m in loaded.manifests:
            found = validate_alone(m, version)
            rows.append(
                (
                    m.file,
                    m.doc_index,
                    m.api_version,
                    m.kind,
                    m.name,
                    m.namespace,
                    m.line_base,
                    m.item_path,
                    m.extra,
                    tuple(getattr(m.data, "pos", (1, 1, 0, 0))),
                    found,
                    marshal.dumps(_pack(m.data)),
                )
            )
            values.append(m.data)
        meta = (loaded.issues, loaded.files, loaded.comments, loaded.errors)
        # plain dicts and lists (marshal takes no subclasses): the positions stay here
        out.append(([*rows, meta], marshal.dumps(_plain(values))))
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# ----------------------------------------------------------------------------- main


def _chunks(files: list[tuple[str, Path]], n: int) -> list[list[tuple[str, str]]]:
    """Consecutive runs of files of about equal bytes, several per worker."""
    sizes = []
    for _, p in files:
        try:
            sizes.append(max(1, p.stat().st_size))
        except OSError:
            sizes.append(1)
    total = sum(sizes)
    target = max(1, total // max(1, n))
    out: list[list[tuple[str, str]]] = [[]]
    acc = 0
    for (d, p), size in zip(files, sizes, strict=True):
        if acc >= target and out[-1]:
            out.append([])
            acc = 0
        out[-1].append((d, str(p)))
        acc += size
    return out


def _context() -> Any:
    import multiprocessing

    method = "fork" if sys.platform.startswith("linux") else "spawn"
    return multiprocessing.get_context(method)


def _rebuild(wire: Wire, done: dict[int, list[Any]]) -> LoadResult:
    rows_meta, blob = wire
    *rows, meta = rows_meta
    issues, files, comments, errors = meta
    values = marshal.loads(blob)
    result = LoadResult(issues=list(issues), files=list(files), comments=dict(comments))
    result.errors.extend(errors)
    for row, data in zip(rows, values, strict=True):
        file, doc_index, av, kind, name, ns, base, item_path, extra, root, found, packed = row
        m = LazyManifest(file, doc_index, data, av, kind, name, ns, base, item_path, extra)
        m._root = root
        m._packed = packed
        m._tree = None
        if found is not None:
            done[id(m)] = found
        result.manifests.append(m)
    return result


class ParallelLoad(LoadResult):
    """A :class:`LoadResult` plus the violations the workers already found, by
    ``id(manifest)`` (for :func:`k8snetlint.validate.validate_all`'s ``done``)."""

    validated: dict[int, list[Any]]


def load_files(
    files: Sequence[tuple[str, Path | None]],
    version: str,
    jobs: int,
    progress: Callable[[int, int], None] | None = None,
    *,
    kustomize_allow_remote: bool = False,
) -> LoadResult:
    """:func:`k8snetlint.loader.load_files` with plain files read by ``jobs`` workers.

    Serial (the loader itself) when ``jobs`` is 1 or there are few files."""
    from k8snetlint.loader import load_files as serial
    from k8snetlint.loader import relaxed_gc

    plain = [(d, p) for d, p in files if p is not None and not p.is_dir()]
    if jobs <= 1 or len(plain) < MIN_FILES or any(p is None for _, p in files):
        # few files, or stdin: the serial loader
        return serial(files, progress, kustomize_allow_remote=kustomize_allow_remote)
    # Kustomizations first (they decide which plain files were already used), in the
    # main process, exactly as the serial loader does.
    kdirs = [(d, p) for d, p in files if p is not None and p.is_dir()]
    rendered = (
        serial(kdirs, kustomize_allow_remote=kustomize_allow_remote) if kdirs else LoadResult()
    )
    used = set(rendered.files)
    todo = [(d, p) for d, p in files if not (p is not None and p.is_dir()) and d not in used]
    result = ParallelLoad()
    result.validated = {}
    result.extend(rendered)
    positions = {d: i for i, (d, _) in enumerate(todo)}
    workers = [(d, p) for d, p in todo if p is not None]
    chunks = _chunks(workers, jobs * 4)
    parts: dict[str, LoadResult] = {}
    from concurrent.futures import ProcessPoolExecutor

    with relaxed_gc(), ProcessPoolExecutor(max_workers=jobs, mp_context=_context()) as pool:
        futures = [pool.submit(_read_chunk, chunk, version) for chunk in chunks]
        count = 0
        for chunk, future in zip(chunks, futures, strict=True):
            for (d, _), wire in zip(chunk, future.result(), strict=True):
                parts[d] = _rebuild(wire, result.validated)
                if progress is not None:
                    progress(count, len(workers))
                count += 1
    for d in sorted(parts, key=positions.__getitem__):
        result.extend(parts[d])
    return result


def load_paths(
    paths: Sequence[str],
    exclude: Sequence[str],
    version: str,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    kustomize: bool = False,
    *,
    follow_symlinks: bool = False,
    kustomize_allow_remote: bool = False,
) -> LoadResult:
    """:func:`k8snetlint.loader.load_paths` with ``jobs`` workers (``None``: one per
    core; 1: none)."""
    from k8snetlint.loader import LoadIssue, expand_paths

    skipped: list[LoadIssue] = []
    files, errors = expand_paths(
        paths, exclude, kustomize, follow_symlinks=follow_symlinks, skipped=skipped
    )
    result = load_files(
        files,
        version,
        default_jobs() if jobs is None else jobs,
        progress,
        kustomize_allow_remote=kustomize_allow_remote,
    )
    result.issues.extend(skipped)
    result.errors.extend(errors)
    return result
