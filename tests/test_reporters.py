"""The reporter registry: one name per format, txt an alias of text everywhere."""

from __future__ import annotations

import pytest

from k8snetlint.findings import Report
from k8snetlint.reporters import (
    CHECK,
    CHECK_RENDERERS,
    DIFF,
    GRAPH,
    REACH,
    RULES,
    FormatError,
    render_check,
)


@pytest.mark.parametrize("formats", [CHECK, GRAPH, REACH, DIFF, RULES])
def test_txt_is_text_everywhere(formats: object) -> None:
    assert formats.resolve("txt") == "text"  # type: ignore[attr-defined]
    assert formats.resolve("Text") == "text"  # type: ignore[attr-defined]
    with pytest.raises(FormatError, match="is not one of"):
        formats.resolve("xml")  # type: ignore[attr-defined]


def test_check_renderers_match_the_registry() -> None:
    assert tuple(CHECK_RENDERERS) == CHECK.names
    empty = Report("0.1.0", "1.37", (), (), (), ())
    assert render_check(empty, "txt") == render_check(empty, "text")
    assert render_check(empty, "json").startswith("{")
    assert CHECK.help().startswith("Output format: auto|text|json|sarif|github|junit")
    assert RULES.resolve("table") == "text"
