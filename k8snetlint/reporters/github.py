"""GitHub Actions workflow commands: one inline annotation per finding.

Each finding becomes one line such as::

    ::error file=deploy/db.yaml,line=12,col=7,endLine=12,endColumn=19,title=k8snetlint rule::msg

followed by one plain summary line. Paths are made relative to the repository root
(``root``; the caller passes ``GITHUB_WORKSPACE`` when it is set) because GitHub only
attaches annotations to repository-relative paths.

This module also holds :func:`relative_path`, the path rule every reporter shares.
"""

from __future__ import annotations

import os

from k8snetlint.findings import SEVERITIES, Finding, Report

COMMANDS: dict[str, str] = {"error": "error", "warning": "warning", "info": "notice"}


def repo_relative(file: str, root: str | None = None) -> str | None:
    """``file`` relative to ``root`` (default: the current directory) with ``/``
    separators, or ``None`` when it is standard input (``-``) or lies outside ``root``.
    """
    if file == "-" or not file:
        return None
    base = os.path.abspath(root if root is not None else os.getcwd())
    target = os.path.abspath(file)
    for b, t in ((base, target), (os.path.realpath(base), os.path.realpath(target))):
        try:
            inside = os.path.commonpath([b, t]) == b
        except ValueError:  # different drives on Windows
            inside = False
        if inside:
            return os.path.relpath(t, b).replace(os.sep, "/")
    return None


def relative_path(file: str, root: str | None = None) -> str:
    """``file`` relative to ``root`` (default: the current directory), with ``/``.

    ``-`` (standard input) stays ``-``; a path outside ``root`` stays as given.
    """
    rel = repo_relative(file, root)
    return file if rel is None else rel


def escape_data(text: str) -> str:
    """Escape the message part of a workflow command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value of a workflow command."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding, *, root: str | None = None) -> str:
    """The workflow command for one finding."""
    props: list[tuple[str, str]] = [("file", relative_path(finding.file, root))]
    line = max(finding.line, 1)
    props.append(("line", str(line)))
    end_line = finding.end_line if finding.end_line >= line else 0
    one_line = end_line in (0, line)
    if one_line and finding.column > 0:
        props.append(("col", str(finding.column)))
    if end_line:
        props.append(("endLine", str(end_line)))
        if one_line and finding.end_column > 0 and finding.end_column >= finding.column:
            props.append(("endColumn", str(finding.end_column)))
    props.append(("title", f"k8snetlint {finding.rule}"))
    message = finding.message
    for rel in finding.related:
        where = f"{relative_path(rel.file, root)}:{max(rel.line, 1)}"
        if rel.column > 0:
            where += f":{rel.column}"
        message += f"\n  {where}: {rel.message}" if rel.message else f"\n  {where}"
    if finding.assumed:
        message += "\n  (verdict depends on assumed cluster facts)"
    prop_text = ",".join(f"{k}={escape_property(v)}" for k, v in props)
    return f"::{COMMANDS[finding.severity]} {prop_text}::{escape_data(message)}"


def active_findings(report: Report) -> list[Finding]:
    """The findings to show: those not marked suppressed, in report order."""
    return [f for f in report.findings if not f.suppressed]


def severity_counts(findings: list[Finding]) -> dict[str, int]:
    """Findings per severity, every severity present (``error``, ``warning``, ``info``)."""
    out: dict[str, int] = {s: 0 for s in SEVERITIES}
    for f in findings:
        out[f.severity] += 1
    return out


def summary_line(report: Report) -> str:
    """One plain line: counts by severity, files checked, suppressed findings."""
    findings = active_findings(report)
    counts = severity_counts(findings)
    n_files = len(report.files)
    files = f"{n_files} file" + ("" if n_files == 1 else "s")
    if not findings:
        text = f"k8snetlint: no findings in {files}"
    else:
        parts = [
            _plural(counts["error"], "error"),
            _plural(counts["warning"], "warning"),
            f"{counts['info']} info",
        ]
        text = f"k8snetlint: {', '.join(parts)} in {files}"
    if report.suppressed:
        text += f" ({report.suppressed} suppressed)"
    return text


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def render(report: Report, *, root: str | None = None) -> str:
    """Workflow commands for every finding, then the summary line."""
    lines = [annotation(f, root=root) for f in active_findings(report)]
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"
