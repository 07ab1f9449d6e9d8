"""Baselines: adopt k8snetlint in a large repository and fail only on new findings.

``--write-baseline FILE`` records the findings of a run; ``--baseline FILE`` then hides
every finding recorded there. A finding is identified by its rule, its object's
identity (apiVersion, kind, namespace, name), the field it concerns and a *message
key*: the message without numbers, parenthesised asides and hints after ``;``. So
neither an edit elsewhere in a file (lines move) nor an unrelated change that alters a
count in a message ("2 workloads" becoming "3 workloads") resurrects a finding. A
finding outside any object (a syntax error) is identified by its file instead, written
relative to the baseline's folder so that the baseline works from any current folder.
Identical keys are counted: a baseline with two copies hides two, a third is new.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from k8snetlint.findings import Finding

BASELINE_VERSION = 2
BASELINE_KIND = "k8snetlint-baseline"  # also tells the loader not to read it as a manifest

_NUMBER = re.compile(r"\d+")
_ASIDE = re.compile(r"\s*\([^()]*\)")
_MORE = re.compile(r",? and # more")


class BaselineError(Exception):
    """The baseline file is unreadable or not a k8snetlint baseline."""


def message_key(message: str) -> str:
    """The stable part of a message: numbers become ``#``; asides in parentheses and
    hints after ``; `` are dropped."""
    text = message.split("; ", 1)[0]
    text = _NUMBER.sub("#", text)
    text = _MORE.sub("", text)
    text = _ASIDE.sub("", text)
    return " ".join(text.split())


def _relative(file: str, base_dir: str) -> str:
    if not file or file == "-":
        return file
    target = os.path.abspath(file)
    try:
        return os.path.relpath(target, base_dir).replace(os.sep, "/")
    except ValueError:  # another drive (Windows)
        return target


def _object(f: Finding) -> dict[str, str] | None:
    return None if f.object is None else f.object.to_json()


def _identity(rule: str, obj: Any, file: str, field: str, mkey: str) -> str:
    if isinstance(obj, dict):
        where = "/".join(str(obj.get(k, "")) for k in ("apiVersion", "kind", "namespace", "name"))
    else:
        where = "file:" + file
    return "\x1f".join((rule, where, field, mkey))


def key(f: Finding, base_dir: str) -> str:
    """The identity under which ``f`` is recorded in a baseline kept in ``base_dir``."""
    return _identity(
        f.rule, _object(f), _relative(f.file, base_dir), f.field_path, message_key(f.message)
    )


def render(findings: Iterable[Finding], path: str) -> str:
    """The baseline file (JSON) recording ``findings``, to be written at ``path``."""
    base_dir = os.path.dirname(os.path.abspath(path))
    entries = sorted(
        (
            {
                "rule": f.rule,
                "object": _object(f),
                "file": _relative(f.file, base_dir),
                "field": f.field_path,
                "key": message_key(f.message),
                "message": f.message,
            }
            for f in findings
            if not f.suppressed
        ),
        key=lambda e: json.dumps(e, sort_keys=True),
    )
    doc = {"kind": BASELINE_KIND, "version": BASELINE_VERSION, "findings": entries}
    return json.dumps(doc, indent=2) + "\n"


def load(path: str) -> Counter[str]:
    """The identities recorded in the baseline at ``path``, counted."""
    from k8snetlint.discovery import FileTooLarge, read_capped

    try:
        data = json.loads(read_capped(path, what="baseline").decode("utf-8"))
    except (OSError, ValueError, FileTooLarge, RecursionError) as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc}") from exc
    if not isinstance(data, dict) or "findings" not in data:
        raise BaselineError(f"{path}: not a k8snetlint baseline")
    if data.get("version") != BASELINE_VERSION:
        raise BaselineError(
            f"{path}: baseline format {data.get('version')!r} is not the current one "
            f"({BASELINE_VERSION}); write it again with --write-baseline {path}"
        )
    entries = data.get("findings", [])
    if not isinstance(entries, list):
        raise BaselineError(f"{path}: 'findings' is not a list")
    out: Counter[str] = Counter()
    for e in entries:
        try:
            out[_identity(e["rule"], e["object"], e["file"], e["field"], e["key"])] += 1
        except (KeyError, TypeError) as exc:
            raise BaselineError(f"{path}: malformed entry {e!r}") from exc
    return out


def apply(
    findings: Iterable[Finding], baseline: Counter[str], path: str
) -> tuple[list[Finding], int]:
    """The findings not in the baseline read from ``path``, and how many were hidden."""
    base_dir = os.path.dirname(os.path.abspath(path))
    left = Counter(baseline)
    kept: list[Finding] = []
    hidden = 0
    for f in findings:
        k = key(f, base_dir)
        if left[k] > 0:
            left[k] -= 1
            hidden += 1
        else:
            kept.append(f)
    return kept, hidden
