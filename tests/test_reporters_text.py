"""Plain text reporter: finding lines, source snippets, statistics, quiet."""

from __future__ import annotations

from k8snetlint.findings import Finding, Report, RuleInfo
from k8snetlint.reporters import text

LINES = ["apiVersion: v1", "kind: Service", "spec:", "  ports:", "  - port: 70000", "\tx: 1"]


def report(findings: list[Finding]) -> Report:
    rule = RuleInfo(
        "schema-violation", "Fields break the schema.", "error", True, "c", {}, "certain", "0.1"
    )
    return Report("0.1.0", "1.37", tuple(findings), ("a.yaml",), (), (rule,))


def test_snippet_underlines_the_span_or_the_word() -> None:
    spanned = Finding("r", "error", "m", "a.yaml", 5, 11, 5, 16)
    assert text.source_snippet(spanned, LINES) == [
        "    |",
        "  5 |   - port: 70000",
        "    |           ^^^^^",
    ]
    word = Finding("r", "error", "m", "a.yaml", 4, 3)
    assert text.source_snippet(word, LINES)[-1] == "    |   ^^^^^"
    assert text.source_snippet(Finding("r", "error", "m", "a.yaml", 6, 1), LINES)[1] == (
        "  6 |  x: 1"
    )
    assert text.source_snippet(Finding("r", "error", "m", "a.yaml", 9, 1), LINES) == []
    assert text.source_snippet(word, None) == []


def test_long_lines_are_cut_around_the_caret() -> None:
    long = ["x" * 500 + " key: value"]
    f = Finding("r", "error", "m", "a.yaml", 1, 502)
    _, line, caret = text.source_snippet(f, long)
    assert len(line) < 200 and caret.index("^") == line.index("key")


def test_render_with_source_statistics_and_quiet() -> None:
    findings = [
        Finding("schema-violation", "error", "bad port", "a.yaml", 5, 11, 5, 16),
        Finding("schema-violation", "warning", "odd", "a.yaml", 2, 1),
        Finding("other", "info", "note", "a.yaml", 1, 1),
    ]
    out = text.render(report(findings), source=True, reader=lambda f: LINES)
    assert "  5 |   - port: 70000\n" in out
    assert text.render(report(findings), stats=True).splitlines() == [
        "2  schema-violation  error    Fields break the schema.",
        "1  other             info",
        "1 error, 1 warning, 1 info in 1 file (0 objects)",
    ]
    quiet = text.render(report(findings), quiet=True)
    assert quiet.count("\n") == 3 and "in 1 file" not in quiet
    assert text.render(report([]), quiet=True) == ""
