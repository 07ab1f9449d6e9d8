"""The reporter registry: one name per format, txt an alias of text everywhere."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# ---------------------------------------------------------------------------------
# jsonreport.dumps: the text of json.dumps(indent=2), built faster

_json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
)
_json_values = st.recursive(
    _json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.text(max_size=4), inner, max_size=4),
        st.dictionaries(st.one_of(st.integers(), st.booleans(), st.none()), inner, max_size=2),
    ),
    max_leaves=20,
)


@settings(max_examples=500, deadline=None)
@given(value=_json_values, ensure_ascii=st.booleans())
def test_dumps_writes_what_json_dumps_writes(value: Any, ensure_ascii: bool) -> None:
    import json

    from k8snetlint.reporters.jsonreport import dumps

    assert dumps(value, ensure_ascii=ensure_ascii) == json.dumps(
        value, indent=2, ensure_ascii=ensure_ascii
    )
