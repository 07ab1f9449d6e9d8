"""Reporters: each module renders the same :class:`~k8snetlint.findings.Report`."""

from __future__ import annotations

CHECK_FORMATS = ("text", "json", "sarif", "github", "junit")
