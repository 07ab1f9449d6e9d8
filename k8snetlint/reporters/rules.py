"""``k8snetlint rules``: the rule list as a table, JSON or Markdown."""

from __future__ import annotations

import json

from k8snetlint.findings import RuleInfo
from k8snetlint.registry import builtin_rules


def _row(r: RuleInfo) -> dict[str, object]:
    return {
        "name": r.name,
        "severity": r.severity,
        "enabled": r.enabled,
        "summary": r.summary,
        "confidence": r.confidence,
    }


def render_rules(fmt: str, rules: tuple[RuleInfo, ...] | None = None) -> str:
    rules = rules if rules is not None else builtin_rules()
    if fmt == "json":
        return json.dumps([_row(r) for r in rules], indent=2) + "\n"
    if fmt == "markdown":
        lines = [
            "| rule | severity | default | confidence | summary |",
            "| --- | --- | --- | --- | --- |",
        ]
        for r in rules:
            summary = r.summary.replace("|", "\\|")
            lines.append(
                f"| `{r.name}` | {r.severity} | {'on' if r.enabled else 'off'} | "
                f"{r.confidence} | {summary} |"
            )
        return "\n".join(lines) + "\n"
    width = max((len(r.name) for r in rules), default=4)
    lines = [f"{'RULE':<{width}}  SEVERITY  DEFAULT  SUMMARY"]
    for r in rules:
        lines.append(
            f"{r.name:<{width}}  {r.severity:<8}  {'on' if r.enabled else 'off':<7}  {r.summary}"
        )
    return "\n".join(lines) + "\n"
