"""Baselines: adopt k8snetlint in a large repository and fail only on new findings.

``--write-baseline FILE`` records the findings of a run; ``--baseline FILE`` then hides
every finding recorded there. A finding is identified by rule, file, object and
message, not by line, so edits elsewhere in a file do not resurrect it. Identical
findings are counted: a baseline with two copies hides two, a third is new.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable

from k8snetlint.findings import Finding

BASELINE_VERSION = 1


class BaselineError(Exception):
    """The baseline file is unreadable or not a k8snetlint baseline."""


def key(f: Finding) -> str:
    return "\x1f".join((f.rule, f.file, f.object_key(), f.message))


def render(findings: Iterable[Finding]) -> str:
    entries = sorted(
        (
            {"rule": f.rule, "file": f.file, "object": f.object_key(), "message": f.message}
            for f in findings
        ),
        key=lambda e: (e["file"], e["rule"], e["object"], e["message"]),
    )
    return json.dumps({"version": BASELINE_VERSION, "findings": entries}, indent=2) + "\n"


def load(path: str) -> Counter[str]:
    from k8snetlint.discovery import FileTooLarge, read_capped

    try:
        data = json.loads(read_capped(path, what="baseline").decode("utf-8"))
    except (OSError, ValueError, FileTooLarge, RecursionError) as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc}") from exc
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION:
        raise BaselineError(f"{path}: not a k8snetlint baseline (version {BASELINE_VERSION})")
    entries = data.get("findings", [])
    if not isinstance(entries, list):
        raise BaselineError(f"{path}: 'findings' is not a list")
    out: Counter[str] = Counter()
    for e in entries:
        try:
            out["\x1f".join((e["rule"], e["file"], e["object"], e["message"]))] += 1
        except (KeyError, TypeError) as exc:
            raise BaselineError(f"{path}: malformed entry {e!r}") from exc
    return out


def apply(findings: Iterable[Finding], baseline: Counter[str]) -> tuple[list[Finding], int]:
    """The findings not in the baseline, and how many were hidden."""
    left = Counter(baseline)
    kept: list[Finding] = []
    hidden = 0
    for f in findings:
        k = key(f)
        if left[k] > 0:
            left[k] -= 1
            hidden += 1
        else:
            kept.append(f)
    return kept, hidden
