"""The JSON report, defined by ``schemas/report.schema.json``."""

from __future__ import annotations

import json
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
    return json.dumps(to_json(report), indent=2, ensure_ascii=False) + "\n"
