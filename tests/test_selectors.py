"""Label-selector semantics (semantics point 11) and the bitset index."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from k8snetlint.selectors import (
    LabelIndex,
    iter_bits,
    label_text,
    labels_of,
    parse_selector,
    selector_from_map,
)


def sel(raw: Any) -> Any:
    return parse_selector(raw, ("spec", "podSelector"))


@pytest.mark.parametrize(
    ("raw", "labels", "expected"),
    [
        ({}, {}, True),
        ({}, {"a": "1"}, True),
        ({"matchLabels": {"a": "1"}}, {"a": "1", "b": "2"}, True),
        ({"matchLabels": {"a": "1"}}, {"a": "2"}, False),
        ({"matchLabels": {"a": "1"}}, {}, False),
        (
            {"matchExpressions": [{"key": "a", "operator": "In", "values": ["1", "2"]}]},
            {"a": "2"},
            True,
        ),
        ({"matchExpressions": [{"key": "a", "operator": "In", "values": ["1"]}]}, {}, False),
        ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["1"]}]}, {}, True),
        (
            {"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["1"]}]},
            {"a": "1"},
            False,
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["1"]}]},
            {"a": "3"},
            True,
        ),
        ({"matchExpressions": [{"key": "a", "operator": "Exists"}]}, {"a": ""}, True),
        ({"matchExpressions": [{"key": "a", "operator": "Exists"}]}, {}, False),
        ({"matchExpressions": [{"key": "a", "operator": "DoesNotExist"}]}, {}, True),
        ({"matchExpressions": [{"key": "a", "operator": "DoesNotExist"}]}, {"a": "1"}, False),
        # matchLabels AND matchExpressions
        (
            {"matchLabels": {"a": "1"}, "matchExpressions": [{"key": "b", "operator": "Exists"}]},
            {"a": "1"},
            False,
        ),
        (
            {"matchLabels": {"a": "1"}, "matchExpressions": [{"key": "b", "operator": "Exists"}]},
            {"a": "1", "b": "x"},
            True,
        ),
    ],
)
def test_matching(raw: dict[str, Any], labels: dict[str, str], expected: bool) -> None:
    s = sel(raw)
    assert s.valid
    assert s.matches(labels) is expected
    assert bool(LabelIndex([labels]).select(s)) is expected


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        (
            {"matchExpressions": [{"key": "a", "operator": "Like", "values": ["1"]}]},
            ("matchExpressions", 0, "operator"),
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "In", "values": []}]},
            ("matchExpressions", 0, "values"),
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "NotIn"}]},
            ("matchExpressions", 0, "values"),
        ),
        (
            {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]},
            ("matchExpressions", 0, "values"),
        ),
        ({"matchExpressions": [{"operator": "Exists"}]}, ("matchExpressions", 0)),
        ({"matchExpressions": "nope"}, ("matchExpressions",)),
        ({"matchExpressions": ["nope"]}, ("matchExpressions", 0)),
        ({"matchLabels": ["a"]}, ("matchLabels",)),
        ("app=web", ()),
    ],
)
def test_invalid_selectors_match_nothing_and_say_why(raw: Any, path: tuple[Any, ...]) -> None:
    s = sel(raw)
    assert not s.valid
    assert not s.is_empty
    assert s.problems[0][0] == ("spec", "podSelector", *path)
    assert not s.matches({"a": "1"})
    assert not s.matches({})
    assert LabelIndex([{"a": "1"}, {}]).select(s) == 0
    assert s.text() == "<invalid>"


def test_empty_selector_and_unknown_labels() -> None:
    assert sel({}).is_empty and sel({}).matches_unknown()
    assert sel(None).is_empty
    assert not sel({"matchLabels": {"a": "1"}}).matches_unknown()
    # a selector that every known label set satisfies still does not match unknown labels
    assert not sel(
        {"matchExpressions": [{"key": "a", "operator": "DoesNotExist"}]}
    ).matches_unknown()


def test_selector_from_map_and_label_text() -> None:
    s = selector_from_map({"app": "web", "enabled": True, "n": 1}, ("spec", "selector"))
    assert s.matches({"app": "web", "enabled": "true", "n": "1"})
    assert not selector_from_map(["x"], ()).valid
    assert selector_from_map(None, ()).is_empty
    assert label_text(False) == "false" and label_text(None) == "" and label_text(3) == "3"
    assert labels_of({"a": 1, "b": True}) == {"a": "1", "b": "true"}
    assert labels_of("x") == {}


def test_key_and_text_are_canonical() -> None:
    a = sel(
        {
            "matchLabels": {"b": "2", "a": "1"},
            "matchExpressions": [{"key": "c", "operator": "In", "values": ["y", "x"]}],
        }
    )
    b = sel(
        {
            "matchLabels": {"a": "1", "b": "2"},
            "matchExpressions": [{"key": "c", "operator": "In", "values": ["x", "y", "x"]}],
        }
    )
    assert a.key() == b.key()
    assert a.text() == "b=2,a=1,c in (y,x)"
    assert sel({}).text() == "<all>"
    assert (
        sel(
            {
                "matchExpressions": [
                    {"key": "k", "operator": "DoesNotExist"},
                    {"key": "e", "operator": "Exists"},
                ]
            }
        ).text()
        == "!k,e"
    )
    assert a.label_keys() == {"a", "b", "c"}


def test_iter_bits() -> None:
    assert list(iter_bits(0)) == []
    assert list(iter_bits(0b101001)) == [0, 3, 5]
    assert list(iter_bits(1 << 200)) == [200]


label_sets = st.lists(
    st.dictionaries(st.sampled_from(["a", "b", "c"]), st.sampled_from(["1", "2"]), max_size=3),
    max_size=8,
)
requirements = st.fixed_dictionaries(
    {
        "key": st.sampled_from(["a", "b", "c"]),
        "operator": st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist", "Bad"]),
    },
    optional={"values": st.lists(st.sampled_from(["1", "2", "3"]), max_size=2)},
)
selectors = st.fixed_dictionaries(
    {},
    optional={
        "matchLabels": st.dictionaries(
            st.sampled_from(["a", "b"]), st.sampled_from(["1", "2"]), max_size=2
        ),
        "matchExpressions": st.lists(requirements, max_size=3),
    },
)


@settings(max_examples=200, deadline=None)
@given(label_sets, selectors)
def test_index_agrees_with_matches(sets: list[dict[str, str]], raw: dict[str, Any]) -> None:
    s = parse_selector(raw)
    index = LabelIndex(sets)
    bits = index.select(s)
    assert [i for i, labels in enumerate(sets) if s.matches(labels)] == list(iter_bits(bits))
    assert index.select(s) == bits  # cached


def test_key_and_label_keys_are_computed_once() -> None:
    """Rules ask a selector for its key thousands of times: it is kept, and the cached
    value changes neither equality nor hashing."""
    a = sel({"matchLabels": {"a": "1"}, "matchExpressions": [{"key": "c", "operator": "Exists"}]})
    b = sel({"matchLabels": {"a": "1"}, "matchExpressions": [{"key": "c", "operator": "Exists"}]})
    assert a.key() is a.key()
    assert a.label_keys() is a.label_keys() == frozenset({"a", "c"})
    assert a == b and hash(a) == hash(b)


# ---------------------------------------------------------------------------------
# parse_selector and labels_of against their straightforward forms (the fast paths for
# all-string label maps must change nothing)


def _reference_labels_of(raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict):
        return {}
    return {str(k): label_text(v) for k, v in raw.items()}


def _reference_parse_selector(raw: Any, path: tuple[Any, ...] = ()) -> Any:
    from k8snetlint.selectors import Selector, _parse_requirement

    if raw is None:
        return Selector(path=path)
    problems: list[Any] = []
    if not isinstance(raw, dict):
        return Selector(path=path, problems=((path, "label selector must be a mapping"),))
    labels: list[tuple[str, str]] = []
    ml = raw.get("matchLabels")
    if ml is not None:
        if isinstance(ml, dict):
            for k, v in ml.items():
                labels.append((str(k), label_text(v)))
        else:
            problems.append(((*path, "matchLabels"), "matchLabels must be a mapping"))
    exprs: list[Any] = []
    me = raw.get("matchExpressions")
    if me is not None:
        if isinstance(me, list):
            for i, item in enumerate(me):
                req, probs = _parse_requirement(item, (*path, "matchExpressions", i))
                problems.extend(probs)
                if req is not None:
                    exprs.append(req)
        else:
            problems.append(((*path, "matchExpressions"), "matchExpressions must be a list"))
    return Selector(tuple(labels), tuple(exprs), tuple(problems), path)


_scalars = st.one_of(
    st.sampled_from(["a", "b", "", "web"]), st.integers(-2, 2), st.booleans(), st.none()
)
_label_maps = st.dictionaries(
    st.one_of(st.sampled_from(["app", "tier"]), st.integers(0, 2)), _scalars, max_size=3
)
_raw_selectors = st.one_of(
    st.none(),
    _scalars,
    st.lists(_scalars, max_size=2),
    st.fixed_dictionaries(
        {},
        optional={
            "matchLabels": st.one_of(_label_maps, st.lists(_scalars, max_size=1), _scalars),
            "matchExpressions": st.one_of(
                st.lists(
                    st.fixed_dictionaries(
                        {
                            "key": st.sampled_from(["app", "tier", ""]),
                            "operator": st.sampled_from(["In", "NotIn", "Exists", "Bad"]),
                        },
                        optional={"values": st.lists(_scalars, max_size=2)},
                    ),
                    max_size=2,
                ),
                _scalars,
            ),
            "other": _scalars,
        },
    ),
)


@settings(max_examples=500)
@given(raw=_raw_selectors, labels=st.one_of(_label_maps, _scalars))
def test_parse_selector_and_labels_of_agree_with_the_straightforward_forms(
    raw: Any, labels: Any
) -> None:
    path = ("spec", "podSelector")
    got, want = parse_selector(raw, path), _reference_parse_selector(raw, path)
    assert got == want
    assert [type(x) for pair in got.match_labels for x in pair] == [
        type(x) for pair in want.match_labels for x in pair
    ]
    assert got.key() == want.key()
    got_labels = labels_of(labels)
    assert got_labels == _reference_labels_of(labels)
    assert type(got_labels) is dict
    if isinstance(labels, dict):
        assert got_labels is not labels  # a copy: callers may add to it
        assert list(got_labels) == list(_reference_labels_of(labels))
