"""Markdown job summary for GitHub Actions (the file named by ``GITHUB_STEP_SUMMARY``).

:func:`render_summary` is pure; :func:`write_step_summary` appends its output to the
file the caller names (GitHub joins what every step appends into the job's summary page).
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

from k8snetlint.findings import SEVERITIES, SEVERITY_RANK, Finding, Report
from k8snetlint.reporters.github import active_findings, relative_path, severity_counts

if TYPE_CHECKING:
    from k8snetlint.connectivity import Endpoint
    from k8snetlint.net import Connectivity

MAX_FINDINGS = 20
# The map is drawn whole up to this many endpoints; above, a subgraph is drawn.
MAX_MAP_ENDPOINTS = 200
SUBGRAPH_WORKLOADS = 30
# GitHub displays at most 10 annotations of each kind (error, warning, notice) per step.
ANNOTATIONS_PER_STEP = 10
# A step summary is limited to 1 MiB; leave room for the rest of the page.
MAX_SUMMARY_BYTES = 700_000
# Mermaid refuses diagrams above 50,000 characters by default (``maxTextSize``); GitHub
# renders such a block as an error, so a larger map is left out with a note.
MAX_MERMAID = 50_000
ICONS: dict[str, str] = {"error": "\u274c", "warning": "\u26a0\ufe0f", "info": "\u2139\ufe0f"}

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")


def render(report: Report, *, root: str | None = None) -> str:
    """The summary without a connectivity map (the common reporter signature)."""
    return render_summary(report, root=root)


def render_summary(
    report: Report,
    mermaid: str | None = None,
    *,
    root: str | None = None,
    map_note: str | None = None,
) -> str:
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

    if (mermaid is not None and mermaid.strip()) or map_note:
        out += ["### Connectivity map", ""]
        if map_note:
            out += [map_note, ""]
        if mermaid is not None and mermaid.strip():
            out += _mermaid_block(mermaid)

    return "\n".join(out).rstrip("\n") + "\n"


def write_step_summary(
    report: Report,
    path: str,
    mermaid: str | None = None,
    *,
    root: str | None = None,
    map_note: str | None = None,
) -> None:
    """Append :func:`render_summary` to ``path`` (the ``GITHUB_STEP_SUMMARY`` file)."""
    text = render_summary(report, mermaid, root=root, map_note=map_note)
    with open(path, "a", encoding="utf-8", errors="replace", newline="\n") as fh:
        if fh.tell() > 0:
            text = "\n" + text  # a blank line after what earlier steps wrote
        fh.write(text)


def connectivity_map(conn: Connectivity, report: Report) -> tuple[str | None, str | None]:
    """The Mermaid map for the summary and a note on what it leaves out.

    Up to :data:`MAX_MAP_ENDPOINTS` endpoints the whole map is drawn. A larger one
    would be unreadable (and too long for Mermaid), so a subgraph is drawn instead:
    the entry points (workloads behind a LoadBalancer, NodePort or Ingress) first, then workloads with findings, then the most connected ones, up to
    :data:`SUBGRAPH_WORKLOADS`, with the connections among them.
    """
    from k8snetlint.reporters import graphfmt

    data = graphfmt.graph_data(conn)
    if not data.connections:
        return None, "No connection is allowed between the endpoints of the input."
    n = len(data.endpoints)
    if n <= MAX_MAP_ENDPOINTS:
        text = graphfmt.render_mermaid(data)
        if len(text) <= MAX_MERMAID:
            return text, None
    workloads = [e for e in data.endpoints if e.kind == "workload"]
    # entry points: reached through a LoadBalancer, NodePort or Ingress (every pod that
    # no policy isolates also accepts external addresses; that alone does not make it one)
    entry = {r.dst for r in data.routes if r.kind != "service" and not r.blocked}
    with_findings = {
        (f.object.namespace, f.object.name) for f in report.findings if f.object is not None
    }
    degree: dict[Endpoint, int] = {}
    for c in data.connections:
        degree[c.src] = degree.get(c.src, 0) + 1
        degree[c.dst] = degree.get(c.dst, 0) + 1

    def rank(e: Endpoint) -> tuple[int, int, int, str]:
        found = (e.namespace, e.name.partition("/")[0]) in with_findings
        return (e not in entry, not found, -degree.get(e, 0), e.display())

    keep = set(sorted(workloads, key=rank)[:SUBGRAPH_WORKLOADS])
    conns = tuple(
        c for c in data.connections if c.dst in keep and (c.src in keep or c.src.kind != "workload")
    )
    eps = tuple(e for e in data.endpoints if e in keep or e in {c.src for c in conns})
    sub = graphfmt.GraphData(eps, conns, data.routes, data.notes)
    shown_entry = len(keep & entry)
    note = (
        f"The whole map has {n:,} endpoints, too many to read here; this is the subgraph "
        f"of {len(keep)} workloads ({shown_entry} entry point"
        f"{'' if shown_entry == 1 else 's'} first, then workloads with findings) and the "
        "connections into them. Run `k8snetlint graph --format html` for the whole map."
    )
    text = graphfmt.render_mermaid(sub)
    if len(text) > MAX_MERMAID:
        return None, note.split(";", 1)[0] + "; run `k8snetlint graph --format html` to see it."
    return text, note


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
        sev = ", ".join(f"{ICONS[s]} {s}" for s, n in per_rule[rule].items() if n)
        out.append(f"| `{_code(rule)}` | {sev} | {sum(per_rule[rule].values())} |")
    out.append("")
    return out


def _finding_row(f: Finding, root: str | None) -> str:
    where = f"{relative_path(f.file, root)}:{max(f.line, 1)}"
    if f.column > 0:
        where += f":{f.column}"
    message = _md(f.message)
    if f.object is not None and f.object.name not in f.message:
        message += f" ({_md(f.object.display())})"
    return (
        f"| {ICONS[f.severity]} {f.severity} | `{_code(where)}` | `{_code(f.rule)}` | {message} |"
    )


def _worst(findings: list[Finding], root: str | None) -> list[str]:
    """The worst findings in a table, then every other one (GitHub shows only
    :data:`ANNOTATIONS_PER_STEP` annotations of each kind per step, so the summary is
    where the rest can be read)."""
    ranked = sorted(findings, key=lambda f: (-SEVERITY_RANK[f.severity], f.sort_key()))
    shown = ranked[:MAX_FINDINGS]
    title = "### Findings" if len(ranked) <= MAX_FINDINGS else f"### Worst {len(shown)} findings"
    head = ["| Severity | Location | Rule | Message |", "| --- | --- | --- | --- |"]
    out = [title, "", *head]
    out += [_finding_row(f, root) for f in shown]
    out.append("")
    rest = ranked[MAX_FINDINGS:]
    if rest:
        hidden = _beyond_annotations(ranked)
        note = f"{len(rest)} more"
        if hidden:
            note += (
                f" ({hidden} of all findings are not shown as annotations: GitHub shows "
                f"at most {ANNOTATIONS_PER_STEP} of each severity per step)"
            )
        out += ["<details>", f"<summary>{note}</summary>", "", *head]
        budget = MAX_SUMMARY_BYTES
        for i, f in enumerate(rest):
            row = _finding_row(f, root)
            budget -= len(row.encode()) + 1
            if budget < 0:
                out.append(
                    f"| | | | {len(rest) - i} more do not fit in a step summary; "
                    "see the job log or the JSON/SARIF report |"
                )
                break
            out.append(row)
        out += ["", "</details>", ""]
    return out


def _beyond_annotations(findings: list[Finding]) -> int:
    """How many findings GitHub does not display as annotations."""
    counts = severity_counts(findings)
    return sum(max(0, n - ANNOTATIONS_PER_STEP) for n in counts.values())


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
