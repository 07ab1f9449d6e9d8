"""Reading and validating files in worker processes (``--jobs N``).

Workers read each plain file with :mod:`k8snetlint.fastread` (libyaml's events straight
into the compact data below, in one pass) or, when the file is unusual (anchors,
duplicate keys, templates, Lists, errors, ...), with the reader's per-file entry point
(:func:`k8snetlint.reader.load_bytes`) and :class:`Packer`; both give the same data. They
validate every object whose verdict does not depend on the rest of the input
(:func:`k8snetlint.validate.validate_alone`). They send back compact data, never
positioned objects (shipping those between processes costs more than parsing them):

* per object: the fields a :class:`~k8snetlint.document.Manifest` carries, its own
  position, its schema violations (paths and messages), and its position table: one
  compressed array of integers (see :class:`Packer` and :func:`encode_table`);
* per file: the load issues (already located), the suppression comments, the name;
* per chunk of files: the plain values of every object in one ``marshal`` blob, with
  strings interned and equal containers written once (what the main process keeps
  for the whole run: about 1 KiB per object of the bench corpus instead of 7).

The main process builds :class:`LazyManifest` objects from that; a position inside an
object is read from its packed table on each ``span_at`` and never kept unpacked.
Kustomizations and stdin are read in the main process as without workers. Results are
put back in input order, so the report is byte for byte the one of the serial path.
"""

from __future__ import annotations

import marshal
import os
import struct
import sys
import zlib
from array import array
from collections.abc import Callable, Sequence
from pathlib import Path
from sys import intern
from typing import Any

from k8snetlint.document import Manifest, PathElem, Pos, YMap
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

    The positions travel and stay packed: one compressed array of integers per object
    (see :func:`_flatten`), read on each ``span_at`` of a path inside the object and
    never kept unpacked (most objects draw no finding; a Service's route asks once).
    """

    _root: Pos
    _packed: bytes

    def span_at(self, path: Sequence[PathElem] = (), *, key: bool = False) -> Span:
        line, col, end_line, end_col = self._root if not path else self._locate(path, key)
        base = self.line_base
        return Span(line - base, col, end_line - base if end_line else 0, end_col)

    def _locate(self, path: Sequence[PathElem], key: bool) -> Pos:
        """:func:`k8snetlint.document.locate` over the values and the packed table."""
        ints = decode_table(self._packed)
        cur: Any = self.data
        best: Pos = self._root
        off = 0  # where the table of ``cur`` starts
        for step in path:
            if isinstance(cur, dict) and isinstance(step, str) and step in cur:
                at = off + _HEAD
                for k, v in cur.items():
                    if k == step:
                        break
                    at += _ENTRY + (ints[at + _ENTRY + 4] if isinstance(v, (dict, list)) else 0)
                child = cur[step]
                table = at if key or isinstance(child, (dict, list)) else at + 4
                if ints[table]:
                    best = (ints[table], ints[table + 1], ints[table + 2], ints[table + 3])
                cur, off = child, at + _ENTRY
            elif isinstance(cur, list) and isinstance(step, int) and -len(cur) <= step < len(cur):
                index = step + len(cur) if step < 0 else step
                at = off + _HEAD
                for v in cur[:index]:
                    at += _ITEM + (ints[at + _ITEM + 4] if isinstance(v, (dict, list)) else 0)
                if ints[at]:
                    best = (ints[at], ints[at + 1], ints[at + 2], ints[at + 3])
                cur, off = cur[index], at + _ITEM
            else:
                break
        return best


# The packed position table of a value, in the order of its keys and items: a container
# is a head (its position, then the length of its whole table) followed, per key, by the
# key's and the value's positions (per item: the item's), each followed by the table of
# the value when it is a container. A missing position is (0, 0, 0, 0).
_HEAD = 5
_ENTRY = 8
_ITEM = 4
_NONE: Pos = (0, 0, 0, 0)


def encode_table(ints: list[int]) -> bytes:
    """The packed form of a position table: its integers as 16-bit numbers when they
    all fit (nearly always), else as 32-bit ones, after one byte that says which; then
    raw deflate with a small window and little memory (a table is a few KiB: setting
    up zlib's default state costs more than compressing it)."""
    n = len(ints)
    try:
        raw = struct.pack(f"=c{n}H", b"H", *ints)
    except struct.error:
        raw = struct.pack(f"=c{n}i", b"i", *ints)
    packer = zlib.compressobj(1, zlib.DEFLATED, -12, 4)
    return packer.compress(raw) + packer.flush()


def decode_table(blob: bytes) -> array[int]:
    """The integers of :func:`encode_table`'s ``blob``."""
    raw = zlib.decompress(blob, -15)
    return array(chr(raw[0]), raw[1:])


class Packer:
    """Turns reader values into plain values and packed position tables (in a worker).

    The plain values are what the main process keeps, so they are made small there:
    strings are interned (the same key or label across thousands of objects is one
    string), and equal containers are one object (the same probes, resources and
    security contexts in every Deployment of a chart). Sharing holds within what one
    ``marshal.dumps`` writes (a worker's chunk). Values are never modified after
    loading; a YAML alias shares a container in the serial path too.
    """

    def __init__(self) -> None:
        # signature of a container's content -> (the container, its number)
        self._shared: dict[tuple[Any, ...], tuple[Any, int]] = {}

    def pack(self, value: Any) -> tuple[Any, bytes]:
        """The plain value of ``value`` and its compressed position table."""
        if not isinstance(value, (dict, list)):
            return value, b""
        ints: list[int] = []
        plain = self._flatten(value, ints)[0]
        return plain, encode_table(ints)

    def _flatten(self, value: Any, ints: list[int]) -> tuple[Any, int | None]:
        """The plain (possibly shared) copy of ``value`` and its number (None: never
        shared), with its position table appended to ``ints``.

        A container's signature lists its keys and, per value, the number of a
        container, a string itself or ``(type, value)`` of another scalar (``1``,
        ``1.0`` and ``True`` are equal in Python but not in the report; a number
        stands for a container); a float makes it unshareable (``-0.0 == 0.0``).
        :mod:`k8snetlint.fastread` makes the same signatures."""
        start = len(ints)
        ints += getattr(value, "pos", _NONE)
        ints.append(0)
        shareable = True
        out: Any
        tag: Any
        if isinstance(value, dict):
            kpos = getattr(value, "kpos", {})
            vpos = getattr(value, "vpos", {})
            out = {}
            sig: list[Any] = [0]
            for k, v in value.items():
                ints += kpos.get(k, _NONE)
                ints += vpos.get(k, _NONE)
                cls = type(v)
                if cls is str:
                    v = tag = intern(v)
                elif isinstance(v, (dict, list)):
                    v, tag = self._flatten(v, ints)
                    shareable = shareable and tag is not None
                elif cls is float:
                    shareable = False
                    tag = None
                else:
                    tag = (cls, v)
                if type(k) is str:
                    k = intern(k)
                else:
                    shareable = False
                sig.append(k)
                sig.append(tag)
                out[k] = v
        else:
            ipos = getattr(value, "ipos", [])
            out = []
            sig = [1]
            for i, v in enumerate(value):
                ints += ipos[i] if i < len(ipos) else _NONE
                cls = type(v)
                if cls is str:
                    v = tag = intern(v)
                elif isinstance(v, (dict, list)):
                    v, tag = self._flatten(v, ints)
                    shareable = shareable and tag is not None
                elif cls is float:
                    shareable = False
                    tag = None
                else:
                    tag = (cls, v)
                sig.append(tag)
                out.append(v)
        ints[start + 4] = len(ints) - start
        if not shareable:
            return out, None
        key = tuple(sig)
        found = self._shared.get(key)
        if found is None:
            found = self._shared[key] = (out, len(self._shared))
        return found


def pack(value: Any) -> tuple[Any, bytes]:
    """The plain value of a reader value and its compressed position table."""
    return Packer().pack(value)


# ----------------------------------------------------------------------------- worker

# per file: (per object: the fields of a Manifest, its position, its schema violations
# or None, its packed positions), (issues, files, comments, errors); then the values of
# every object of the chunk in one marshal blob
FileRecord = tuple[list[tuple[Any, ...]], tuple[Any, ...]]
Wire = tuple[list[FileRecord], bytes]


def _read_chunk(files: list[tuple[str, str]], version: str) -> Wire:
    """Worker: read and validate ``files``; one compact record per file.

    A file is read by :mod:`k8snetlint.fastread` (values and positions packed as they
    are parsed) unless it is unusual; then by the reader and :class:`Packer`."""
    from k8snetlint.discovery import FileTooLarge, read_capped
    from k8snetlint.fastread import manifest
    from k8snetlint.fastread import read_bytes as fast_read
    from k8snetlint.reader import load_bytes
    from k8snetlint.validate import validate_alone

    packer = Packer()
    shared = packer._shared
    cache: dict[str, Any] = {}
    records: list[FileRecord] = []
    values: list[Any] = []
    for display, real in files:
        rows: list[tuple[Any, ...]] = []
        try:
            data = read_capped(Path(real))
        except (FileTooLarge, OSError):
            data = None
        fast = None if data is None else fast_read(data, display, shared, cache)
        if fast is not None:
            objs, comments = fast
            for obj in objs:
                m = manifest(obj, display)
                # validated as the reader's value (a YMap: the validator reads it as it
                # is, with no defensive copy; a fast value is as plain and as shallow)
                m.data = YMap()
                m.data.update(obj[1])
                violations = validate_alone(m, version)
                rows.append(
                    (
                        display,
                        m.doc_index,
                        m.api_version,
                        m.kind,
                        m.name,
                        m.namespace,
                        0,
                        (),
                        {},
                        obj[2],
                        () if violations == [] else violations,
                        obj[3],
                    )
                )
                values.append(obj[1])
            records.append((rows, ([], [display], {display: comments} if comments else {}, [])))
            continue
        loaded = read_path(display, Path(real)) if data is None else load_bytes(data, display)
        for m in loaded.manifests:
            violations = validate_alone(m, version)
            # one empty tuple for every valid object
            found = () if violations == [] else violations
            data_, positions = packer.pack(m.data)
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
                    positions,
                )
            )
            values.append(data_)
        records.append((rows, (loaded.issues, loaded.files, loaded.comments, loaded.errors)))
    # plain dicts and lists (marshal takes no subclasses; it keeps shared objects shared)
    return records, marshal.dumps(values)


# ----------------------------------------------------------------------------- main


def _chunks(files: list[tuple[str, Path]], jobs: int) -> list[list[tuple[str, str]]]:
    """Consecutive runs of files, by bytes: each half of what is left per worker, none
    below a sixteenth of the whole per worker. The first ones are large (few chunks:
    containers are shared within a chunk only), the last ones small, so that no worker
    is left with a long chunk while the others are done."""
    sizes = []
    for _, p in files:
        try:
            sizes.append(max(1, p.stat().st_size))
        except OSError:
            sizes.append(1)
    left = sum(sizes)
    floor = max(1, left // max(1, 16 * jobs))
    target = max(floor, left // max(1, 2 * jobs))
    out: list[list[tuple[str, str]]] = [[]]
    acc = 0
    for (d, p), size in zip(files, sizes, strict=True):
        if acc >= target and out[-1]:
            out.append([])
            left -= acc
            acc = 0
            target = max(floor, left // max(1, 2 * jobs))
        out[-1].append((d, str(p)))
        acc += size
    return out


def _context() -> Any:
    import multiprocessing

    method = "fork" if sys.platform.startswith("linux") else "spawn"
    return multiprocessing.get_context(method)


def _rebuild(wire: Wire, done: dict[int, Sequence[Any]], result: LoadResult) -> int:
    """Add one chunk's files to ``result``; returns the number of files."""
    records, blob = wire
    values = iter(marshal.loads(blob))
    for rows, (issues, files, comments, errors) in records:
        result.issues.extend(issues)
        result.files.extend(files)
        result.comments.update(comments)
        result.errors.extend(errors)
        for row in rows:
            file, doc_index, av, kind, name, ns, base, item_path, extra, root, found, packed = row
            m = LazyManifest(
                intern(file),
                doc_index,
                next(values),
                intern(av),
                intern(kind),
                intern(name),
                None if ns is None else intern(ns),
                base,
                item_path,
                extra,
            )
            m._root = root
            m._packed = packed
            if found is not None:
                done[id(m)] = found
            result.manifests.append(m)
    return len(records)


class ParallelLoad(LoadResult):
    """A :class:`LoadResult` plus the violations the workers already found, by
    ``id(manifest)`` (for :func:`k8snetlint.validate.validate_all`'s ``done``)."""

    validated: dict[int, Sequence[Any]]


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
    workers = [(d, p) for d, p in todo if p is not None]
    chunks = _chunks(workers, jobs)
    from concurrent.futures import ProcessPoolExecutor

    with relaxed_gc(), ProcessPoolExecutor(max_workers=jobs, mp_context=_context()) as pool:
        futures: list[Any] = [pool.submit(_read_chunk, chunk, version) for chunk in chunks]
        count = 0
        for i in range(len(futures)):
            # chunks are consecutive runs of files: taken in order, they are the input's
            # order; each chunk's wire is dropped as soon as it is unpacked
            count += _rebuild(futures[i].result(), result.validated, result)
            futures[i] = None
            if progress is not None:
                progress(count, len(workers))
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
