"""Markdown job summary for GitHub Actions (the file named by ``GITHUB_STEP_SUMMARY``).

:func:`render_summary` is pure; :func:`write_step_summary` appends its output to the
file the caller names (GitHub joins what every step appends into the job's summary page).
"""

from __future__ import annotations

import html
import re

from k8snetlint.findings import SEVERITIES, SEVERITY_RANK, Finding, Report
from k8snetlint.reporters.github import active_findings, relative_path, severity_counts

MAX_FINDINGS = 20
# Mermaid refuses diagrams above 50,000 characters by default (``maxTextSize``); GitHub
# renders such a block as an error, so a larger map is left out with a note.
MAX_MERMAID = 50_000
ICONS: dict[str, str] = {"error": "\u274c", "warning": "\u26a0\ufe0f", "info": "\u2139\ufe0f"}

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")


def render(report: Report, *, root: str | None = None) -> str:
    """The summary without a connectivity map (the common reporter signature)."""
    return render_summary(report, root=root)


def render_summary(report: Report, mermaid: str | None = None, *, root: str | None = None) -> str:
    """The Markdown job summary: counts by severity and rule, the worst findings and,
    when ``mermaid`` is given, the connectivity map as a ``mermaid`` block."""
    findings = active_findings(report)
    counts = severity_counts(findings)
    out: list[str] = ["## k8snetlint", ""]

    verdict = "failed" if report.failed() else "passed"
    n_files, n_objects = len(report.files), len(report.objects)
    line = (
        f"**{verdict.capitalize()}** (fail-on: `{report.fail_on}`): "
        f"{n_files} file{'' if n_files == 1 else 's'}, "
        f"{n_objects} object{'' if n_objects == 1 else 's'} checked "
        f"against Kubernetes {_md(report.kubernetes_version)}"
    )
    if report.suppressed:
        line += f", {report.suppressed} finding{'' if report.suppressed == 1 else 's'} suppressed"
    out += [line + ".", ""]

    out += ["| Severity | Findings |", "| --- | ---: |"]
    out += [f"| {ICONS[s]} {s} | {counts[s]} |" for s in SEVERITIES]
    out.append(f"| **total** | **{len(findings)}** |")
    out.append("")

    if findings:
        out += _rule_table(findings)
        out += _worst(findings, root)
    else:
        out += ["No findings.", ""]

    if mermaid is not None and mermaid.strip():
        out += ["### Connectivity map", ""]
        out += _mermaid_block(mermaid)

    return "\n".join(out).rstrip("\n") + "\n"


def write_step_summary(
    report: Report, path: str, mermaid: str | None = None, *, root: str | None = None
) -> None:
    """Append :func:`render_summary` to ``path`` (the ``GITHUB_STEP_SUMMARY`` file)."""
    text = render_summary(report, mermaid, root=root)
    with open(path, "a", encoding="utf-8", errors="replace", newline="\n") as fh:
        if fh.tell() > 0:
            text = "\n" + text  # a blank line after what earlier steps wrote
        fh.write(text)


def _rule_table(findings: list[Finding]) -> list[str]:
    per_rule: dict[str, dict[str, int]] = {}
    for f in findings:
        per_rule.setdefault(f.rule, {s: 0 for s in SEVERITIES})[f.severity] += 1

    def worst(rule: str) -> int:
        return max(SEVERITY_RANK[s] for s, n in per_rule[rule].items() if n)

    def order(rule: str) -> tuple[int, int, str]:
        return (-worst(rule), -sum(per_rule[rule].values()), rule)

    out = ["### Findings by rule", "", "| Rule | Severity | Findings |", "| --- | --- | ---: |"]
    for rule in sorted(per_rule, key=order):
        sev = ", ".join(f"{s} {n}" for s, n in per_rule[rule].items() if n)
        out.append(f"| `{_code(rule)}` | {sev} | {sum(per_rule[rule].values())} |")
    out.append("")
    return out


def _worst(findings: list[Finding], root: str | None) -> list[str]:
    ranked = sorted(findings, key=lambda f: (-SEVERITY_RANK[f.severity], f.sort_key()))
    shown = ranked[:MAX_FINDINGS]
    title = "### Findings" if len(ranked) <= MAX_FINDINGS else f"### Worst {len(shown)} findings"
    out = [title, "", "| Severity | Location | Rule | Message |", "| --- | --- | --- | --- |"]
    for f in shown:
        where = f"{relative_path(f.file, root)}:{max(f.line, 1)}"
        if f.column > 0:
            where += f":{f.column}"
        message = _md(f.message)
        if f.object is not None:
            message += f" ({_md(f.object.display())})"
        out.append(
            f"| {ICONS[f.severity]} {f.severity} | `{_code(where)}` | `{_code(f.rule)}` "
            f"| {message} |"
        )
    out.append("")
    if len(ranked) > MAX_FINDINGS:
        out += [f"{len(ranked) - MAX_FINDINGS} more not shown; see the job log.", ""]
    return out


def _mermaid_block(mermaid: str) -> list[str]:
    text = mermaid.strip("\n")
    if len(text) > MAX_MERMAID:
        return [
            f"The map has {len(text):,} characters, more than Mermaid renders "
            f"({MAX_MERMAID:,}); run `k8snetlint graph --format mermaid` to see it.",
            "",
        ]
    if text.lstrip().startswith("```"):
        return [text, ""]
    fence = "```"
    while fence in text:
        fence += "`"
    return [fence + "mermaid", text, fence, ""]


def _md(text: str) -> str:
    """Inline Markdown text on one line (safe inside a table cell)."""
    one_line = " ".join(text.split())
    return _MD_SPECIAL.sub(r"\\\1", html.escape(one_line, quote=False))


def _code(text: str) -> str:
    """Text for a single-backtick code span inside a table cell."""
    return " ".join(text.split()).replace("`", "'").replace("|", "\\|")
