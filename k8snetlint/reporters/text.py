"""Plain text: ``file:line:col: severity rule-name message`` and a summary line.

Options: ``colour`` (ANSI colours), ``source`` (the offending line with a caret under
the field, as compilers print it), ``statistics`` (counts per rule instead of one line
per finding, like ``ruff --statistics``) and ``quiet`` (the findings only, no summary).
"""

from __future__ import annotations

from collections.abc import Callable

from k8snetlint.findings import SEVERITY_RANK, Finding, Report
from k8snetlint.textsafe import escape_control

_COLOURS = {"error": "\x1b[31m", "warning": "\x1b[33m", "info": "\x1b[36m"}
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_RESET = "\x1b[0m"

# the longest source line shown; longer lines are cut around the caret
MAX_SOURCE_WIDTH = 160


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 or word == 'info' else 's'}"


def summary_line(report: Report) -> str:
    c = report.counts()
    parts = [_plural(c["error"], "error"), _plural(c["warning"], "warning"), f"{c['info']} info"]
    line = (
        f"{', '.join(parts)} in {_plural(len(report.files), 'file')} "
        f"({_plural(len(report.objects), 'object')})"
    )
    if report.suppressed:
        line += f"; {report.suppressed} suppressed"
    if report.baselined:
        line += f"; {report.baselined} in baseline"
    return line


def read_lines(file: str) -> list[str] | None:
    """The lines of ``file`` as text, or None when it cannot be read (stdin, gone)."""
    if not file or file == "-":
        return None
    try:
        with open(file, encoding="utf-8-sig", errors="replace") as fh:
            return fh.read().splitlines()
    except OSError:
        return None


def source_snippet(f: Finding, lines: list[str] | None, *, colour: bool = False) -> list[str]:
    """The finding's line with a caret under the field (empty when unavailable)."""
    if lines is None or not 1 <= f.line <= len(lines):
        return []
    text = lines[f.line - 1].replace("\t", " ")
    start = max(f.column - 1, 0)
    if start > len(text):
        return []
    end = f.end_column - 1 if f.end_line == f.line and f.end_column > f.column else 0
    end = min(end, len(text)) if end else 0
    width = max(end - start, 1)
    if not end:
        # underline the word at the column (a key or a scalar), else one caret
        rest = text[start:]
        word = len(rest) - len(rest.lstrip()) if rest[:1].isspace() else 0
        token = rest[word:].split(" ", 1)[0].rstrip(":,")
        width = max(len(token), 1)
    offset = 0
    if len(text) > MAX_SOURCE_WIDTH:
        offset = max(0, min(start - 20, len(text) - MAX_SOURCE_WIDTH))
        text = text[offset : offset + MAX_SOURCE_WIDTH]
    number = str(f.line)
    gutter = " " * len(number)
    caret = " " * (start - offset) + "^" * min(width, MAX_SOURCE_WIDTH)
    if colour:
        caret = f"{_COLOURS[f.severity]}{caret}{_RESET}"
        bar = f"{_DIM}|{_RESET}"
    else:
        bar = "|"
    return [f"  {gutter} {bar}", f"  {number} {bar} {text}", f"  {gutter} {bar} {caret}"]


def statistics(report: Report, *, colour: bool = False) -> list[str]:
    """One line per rule: count, rule, severity, summary (most frequent first)."""
    per_rule: dict[str, list[Finding]] = {}
    for f in report.findings:
        per_rule.setdefault(f.rule, []).append(f)
    summaries = {r.name: r.summary for r in report.rules}
    width = max((len(str(len(v))) for v in per_rule.values()), default=1)
    name_width = max((len(r) for r in per_rule), default=1)
    out = []
    for rule, found in sorted(
        per_rule.items(),
        key=lambda kv: (-len(kv[1]), -max(SEVERITY_RANK[f.severity] for f in kv[1]), kv[0]),
    ):
        worst = max((f.severity for f in found), key=lambda s: SEVERITY_RANK[s])
        sev = f"{worst:<7}"
        name = f"{rule:<{name_width}}"
        if colour:
            sev = f"{_COLOURS[worst]}{sev}{_RESET}"
            name = f"{_BOLD}{name}{_RESET}"
        out.append(f"{len(found):>{width}}  {name}  {sev}  {summaries.get(rule, '')}".rstrip())
    return out


def render(
    report: Report,
    *,
    colour: bool = False,
    source: bool = False,
    stats: bool = False,
    quiet: bool = False,
    reader: Callable[[str], list[str] | None] = read_lines,
) -> str:
    lines: list[str] = []
    if stats:
        lines += statistics(report, colour=colour)
    else:
        cache: dict[str, list[str] | None] = {}
        for f in report.findings:
            sev: str = f.severity
            rule = f.rule
            if colour:
                sev = f"{_COLOURS[f.severity]}{sev}{_RESET}"
                rule = f"{_BOLD}{rule}{_RESET}"
            assumed = " (assumed)" if f.assumed else ""
            file, message = escape_control(f.file), escape_control(f.message)
            lines.append(f"{file}:{f.line}:{f.column}: {sev} {rule} {message}{assumed}")
            if source:
                if f.file not in cache:
                    cache[f.file] = reader(f.file)
                lines += source_snippet(f, cache[f.file], colour=colour)
            for r in f.related:
                rfile, rmessage = escape_control(r.file), escape_control(r.message)
                lines.append(f"    {rfile}:{r.line}:{r.column}: note: {rmessage}")
    if not quiet:
        lines.append(summary_line(report))
    return "\n".join(lines) + ("\n" if lines else "")
