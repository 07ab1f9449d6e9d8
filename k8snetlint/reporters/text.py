"""Plain text: ``file:line:col: severity rule-name message`` and a summary line."""

from __future__ import annotations

from k8snetlint.findings import Report
from k8snetlint.textsafe import escape_control

_COLOURS = {"error": "\x1b[31m", "warning": "\x1b[33m", "info": "\x1b[36m"}
_BOLD = "\x1b[1m"
_RESET = "\x1b[0m"


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


def render(report: Report, *, colour: bool = False) -> str:
    lines = []
    for f in report.findings:
        sev: str = f.severity
        rule = f.rule
        if colour:
            sev = f"{_COLOURS[f.severity]}{sev}{_RESET}"
            rule = f"{_BOLD}{rule}{_RESET}"
        assumed = " (assumed)" if f.assumed else ""
        file, message = escape_control(f.file), escape_control(f.message)
        lines.append(f"{file}:{f.line}:{f.column}: {sev} {rule} {message}{assumed}")
        for r in f.related:
            rfile, rmessage = escape_control(r.file), escape_control(r.message)
            lines.append(f"    {rfile}:{r.line}:{r.column}: note: {rmessage}")
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"
