"""The JSON report, defined by ``schemas/report.schema.json``."""

from __future__ import annotations

import json
from json.encoder import encode_basestring, encode_basestring_ascii
from typing import Any

from k8snetlint.findings import Report

REPORT_FORMAT_VERSION = "1"


def to_json(report: Report) -> dict[str, Any]:
    counts = report.counts()
    return {
        "version": REPORT_FORMAT_VERSION,
        "tool": {"name": "k8snetlint", "version": report.tool_version},
        "kubernetesVersion": report.kubernetes_version,
        "summary": {
            **counts,
            "suppressed": report.suppressed,
            "baselined": report.baselined,
            "files": len(report.files),
            "objects": len(report.objects),
            "failed": report.failed(),
            "failOn": report.fail_on,
        },
        "findings": [f.to_json() for f in report.findings],
    }


def render(report: Report) -> str:
    return dumps(to_json(report)) + "\n"


def dumps(value: Any, *, ensure_ascii: bool = False) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=ensure_ascii)``, the same text.

    With ``indent``, :mod:`json` encodes in Python, token by token (its C encoder only
    writes compact JSON): a report of thousands of findings took longer to print than
    most rules to run. Here each string is escaped by the C function :mod:`json` uses,
    each container joined at once; a value of any other type (a float, a dict with a
    key that is not a string) is left to :func:`json.dumps`, indented to its place
    (JSON text holds no raw newline: every line break is indentation).
    """
    encode = encode_basestring_ascii if ensure_ascii else encode_basestring
    return _dumps(value, "\n", encode, ensure_ascii)


def _dumps(value: Any, newline: str, encode: Any, ensure_ascii: bool) -> str:
    """``value`` encoded at the indentation of ``newline`` (a line break, then the
    indentation of the line that holds ``value``)."""
    if isinstance(value, str):
        return encode(value)  # type: ignore[no-any-return]
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    inner = newline + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        parts = []
        for k, v in value.items():
            if not isinstance(k, str):
                break
            parts.append(f"{encode(k)}: {_dumps(v, inner, encode, ensure_ascii)}")
        else:
            return "{" + inner + ("," + inner).join(parts) + newline + "}"
    elif isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        items = [_dumps(v, inner, encode, ensure_ascii) for v in value]
        return "[" + inner + ("," + inner).join(items) + newline + "]"
    text = json.dumps(value, indent=2, ensure_ascii=ensure_ascii)
    return text.replace("\n", newline)
