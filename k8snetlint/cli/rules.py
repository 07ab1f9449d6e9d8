"""``k8snetlint rules`` and ``k8snetlint explain``: the rule list and a rule's documentation."""

from __future__ import annotations

from typing import Annotated

import typer

from k8snetlint.cli.common import (
    fail,
    resolve_format,
    write_output,
)
from k8snetlint.reporters import (
    RULES,
)


def rules_cmd(
    format: Annotated[
        str,
        typer.Option("--format", "-f", metavar="FORMAT", help=RULES.help()),
    ] = "text",
) -> None:
    """List every rule with its severity, default and summary."""
    from k8snetlint.reporters.rules import render_rules

    write_output(render_rules(resolve_format(RULES, format)), None)


def explain(
    rule: Annotated[
        str, typer.Argument(metavar="RULE", help="Rule name (see `k8snetlint rules`).")
    ],
) -> None:
    """Print a rule's documentation: what it does, why, an example and the fix."""
    from k8snetlint.registry import builtin_rules

    for r in builtin_rules():
        if r.name == rule:
            head = (
                f"{r.name} ({r.severity}, {'on' if r.enabled else 'off'} by default, "
                f"{r.confidence})\n{r.summary}\n\n"
            )
            from k8snetlint.registry import options_markdown

            write_output(head + r.doc.rstrip("\n") + "\n\n" + options_markdown(r), None)
            return
    from k8snetlint.registry import unknown_rule_message

    fail(unknown_rule_message(rule, [r.name for r in builtin_rules()]))
