"""Reporters: one registry of output formats per report type.

Every command takes ``--format NAME`` from its :class:`Formats`: one name per format in
every command (``text`` for plain text, with ``txt`` accepted as an alias everywhere),
and the help text and error messages are built from the same table. The renderers of
``check`` reports are in :data:`CHECK_RENDERERS`; each reporter module renders the same
:class:`~k8snetlint.findings.Report`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from k8snetlint.findings import Report

ALIASES: Mapping[str, str] = {"txt": "text"}


class FormatError(ValueError):
    """A format name no reporter of this report type has."""


@dataclass(frozen=True)
class Formats:
    """The output formats of one report type, in help order."""

    names: tuple[str, ...]
    default: str
    extra: tuple[str, ...] = ()  # accepted names that are not formats (``auto``)
    descriptions: Mapping[str, str] = field(default_factory=dict)
    aliases: Mapping[str, str] = field(default_factory=dict)  # beside ``txt``

    def resolve(self, name: str) -> str:
        """The canonical name of ``name`` (``txt`` -> ``text``); FormatError if none."""
        low = name.strip().lower()
        low = self.aliases.get(low, ALIASES.get(low, low))
        if low in self.names or low in self.extra:
            return low
        raise FormatError(f"--format: {name!r} is not one of {self.choices()}")

    def choices(self) -> str:
        return ", ".join((*self.extra, *self.names))

    def metavar(self) -> str:
        return "|".join((*self.extra, *self.names))

    def help(self, lead: str = "Output format") -> str:
        described = "; ".join(f"{k}: {v}" for k, v in self.descriptions.items())
        text = f"{lead}: {self.metavar()}"
        if "text" in self.names:
            aliases = ["txt", *(a for a, n in self.aliases.items() if n == "text")]
            if len(aliases) == 1:
                text += " (txt is an alias of text)"
            else:
                text += f" ({', '.join(aliases)}: aliases of text)"
        return text + (f"; {described}." if described else ".")


CHECK = Formats(
    ("text", "json", "sarif", "github", "junit"),
    default="auto",
    extra=("auto",),
    descriptions={"auto": "github inside GitHub Actions, else text"},
)
GRAPH = Formats(
    ("text", "json", "json-compact", "jsonl", "csv", "dot", "mermaid", "graphml", "html"),
    default="text",
    descriptions={
        "json-compact": "the json document on one line, without indentation",
        "jsonl": "one JSON object per line (connections, routes, notes, summary); text, "
        "csv, json, json-compact and jsonl are streamed",
    },
)
REACH = Formats(("text", "json"), default="text")
DIFF = Formats(("text", "json"), default="text")
RULES = Formats(("text", "json", "markdown"), default="text", aliases={"table": "text"})

# kept for callers of the previous spelling
CHECK_FORMATS = CHECK.names


@dataclass(frozen=True)
class RenderOptions:
    """What a check reporter may need beside the report."""

    root: str | None = None
    colour: bool = False
    source: bool = False
    statistics: bool = False
    quiet: bool = False


def _text(report: Report, o: RenderOptions) -> str:
    from k8snetlint.reporters import text

    return text.render(report, colour=o.colour, source=o.source, stats=o.statistics, quiet=o.quiet)


def _json(report: Report, o: RenderOptions) -> str:
    from k8snetlint.reporters import jsonreport

    return jsonreport.render(report)


def _sarif(report: Report, o: RenderOptions) -> str:
    from k8snetlint.reporters import sarif

    return sarif.render(report, root=o.root)


def _github(report: Report, o: RenderOptions) -> str:
    from k8snetlint.reporters import github

    return github.render(report, root=o.root)


def _junit(report: Report, o: RenderOptions) -> str:
    from k8snetlint.reporters import junit

    return junit.render(report, root=o.root)


CHECK_RENDERERS: Mapping[str, Callable[[Report, RenderOptions], str]] = {
    "text": _text,
    "json": _json,
    "sarif": _sarif,
    "github": _github,
    "junit": _junit,
}


def render_check(report: Report, fmt: str, options: RenderOptions | None = None) -> str:
    """``report`` in the check format ``fmt`` (a name or alias of :data:`CHECK`)."""
    return CHECK_RENDERERS[CHECK.resolve(fmt)](report, options or RenderOptions())
