"""The built-in rule registry cached by content hash.

:func:`k8snetlint.registry.builtin_rules` parses every ``rules/*.md`` (YAML front
matter validated against ``schemas/rule.schema.json``): tens of milliseconds and the
pure-Python jsonschema import, at every start. The parsed registry is kept as JSON in
the user's cache folder, under a name derived from the SHA-256 of the tool's version,
the rule schema and every rule file's name and bytes; any change there misses the cache
and the rules are parsed (and validated) again.

The folder is ``$K8SNETLINT_CACHE_DIR``, else ``$XDG_CACHE_HOME/k8snetlint``, else
``~/.cache/k8snetlint``; ``K8SNETLINT_CACHE_DIR=off`` (or empty) disables the cache. A
cache that cannot be read or written is ignored: the rules are parsed as without it.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from k8snetlint import __version__

if TYPE_CHECKING:
    from k8snetlint.findings import RuleInfo

FORMAT = 1
_FIELDS = (
    "name",
    "summary",
    "severity",
    "enabled",
    "check",
    "params",
    "confidence",
    "since",
    "params_schema",
)


def cache_dir() -> Path | None:
    """Where the cache lives, or ``None`` when it is disabled."""
    explicit = os.environ.get("K8SNETLINT_CACHE_DIR")
    if explicit is not None:
        return None if explicit.strip() in ("", "off") else Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg) / "k8snetlint"
    home = os.environ.get("HOME")
    return Path(home) / ".cache" / "k8snetlint" if home else None


def content_hash(data: bytes = b"") -> Any:
    """A BLAKE2b hash object (256-bit digest) naming the caches' contents: from the
    interpreter's built-in ``_blake2`` module (:mod:`hashlib` loads OpenSSL, a tenth of
    a small run's start-up), and three times faster than its built-in SHA-256 on the
    rule files hashed at every start."""
    try:
        from _blake2 import blake2b
    except ImportError:
        from hashlib import blake2b
    return blake2b(data, digest_size=32)


def read_own(path: Path) -> bytes | None:
    """The bytes of the cache file ``path``, or ``None`` when it is absent, unreadable,
    or not to be trusted: not the user's own, or writable by others (code and data are
    loaded from these files)."""
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o022):
                return None
            return fh.read()
    except OSError:
        return None


# Versions of one cache file kept beside the one just written (several installed
# versions of the tool may share the folder, each with its own key).
KEEP = 4


def write_atomic(path: Path, data: bytes, prefix: str) -> None:
    """Write the cache file ``path`` whole or not at all: into a temporary file named
    ``prefix...`` in its folder (created when missing), then renamed over it. Raises
    :class:`OSError` when that fails, leaving no temporary file behind. Then
    :func:`prune` its older versions."""
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=prefix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    prune(path)


def prune(path: Path, keep: int = KEEP) -> list[Path]:
    """Delete the older versions of the cache file ``path``: the files of its folder
    named as it is except for the hexadecimal key after its last ``-`` (``rules-<key>.json``,
    ``schema-defs-<key>.marshal``, ``dataclass-code-cli-cpython-311-<key>.marshal``),
    keeping the ``keep`` most recently written, ``path`` always among them. Files the
    user does not own, or that cannot be listed or removed, are left alone. Returns
    what was deleted. Called after each write, that is only when a cache missed, so a
    run that hits its caches never lists the folder."""
    import re

    stem, dot, ext = path.name.partition(".")
    family, dash, key = stem.rpartition("-")
    if not dash or not key:
        return []
    pattern = re.compile(re.escape(family) + "-[0-9a-f]+" + re.escape(dot + ext) + r"\Z")
    versions: list[tuple[float, str, Path]] = []
    try:
        with os.scandir(path.parent) as entries:
            for entry in entries:
                if entry.name == path.name or not pattern.match(entry.name):
                    continue
                st = entry.stat(follow_symlinks=False)
                if hasattr(os, "getuid") and st.st_uid != os.getuid():
                    continue
                versions.append((st.st_mtime, entry.name, Path(entry.path)))
    except OSError:
        return []
    versions.sort(reverse=True)  # newest first; equal times by name, deterministic
    deleted = []
    for _, _, old in versions[max(0, keep - 1) :]:
        with contextlib.suppress(OSError):
            old.unlink()
            deleted.append(old)
    return deleted


def digest(texts: Sequence[tuple[str, bytes]], schema: Path) -> str:
    """The content hash of the registry's inputs."""
    h = content_hash(f"k8snetlint {__version__} rules {FORMAT}\0".encode())
    with contextlib.suppress(OSError):
        h.update(schema.read_bytes())
    for name, raw in texts:
        h.update(f"\0{name}\0{len(raw)}\0".encode())
        h.update(raw)
    return str(h.hexdigest())


def _file(key: str) -> Path | None:
    folder = cache_dir()
    return None if folder is None else folder / f"rules-{key[:32]}.json"


def _to_json(rule: RuleInfo) -> dict[str, Any]:
    out = {f: getattr(rule, f) for f in _FIELDS}
    out["doc"] = rule.doc
    return out


def _from_json(data: Any) -> RuleInfo:
    from k8snetlint.findings import RuleInfo

    if not isinstance(data, dict) or set(data) != {*_FIELDS, "doc"}:
        raise ValueError("not a cached rule")
    return RuleInfo(**data, custom=False)


def load(key: str) -> tuple[RuleInfo, ...] | None:
    """The cached registry for ``key``, or ``None`` (absent, unreadable, stale)."""
    path = _file(key)
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("key") != key:
            return None
        return tuple(_from_json(r) for r in data["rules"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store(key: str, rules: tuple[RuleInfo, ...]) -> None:
    """Write the registry for ``key`` atomically; silently nothing when that fails or
    when a rule would not come back equal from JSON."""
    path = _file(key)
    if path is None:
        return
    try:
        rows = [_to_json(r) for r in rules]
        text = json.dumps({"key": key, "rules": rows}, ensure_ascii=False)
        if tuple(_from_json(r) for r in json.loads(text)["rules"]) != rules:
            return
        write_atomic(path, text.encode("utf-8"), ".rules-")
    except (OSError, TypeError, ValueError):
        return
