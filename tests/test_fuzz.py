"""No input crashes a run: hypothesis-mutated manifests through check, graph and reach.

Every field of the seed objects (Pod, Deployment, StatefulSet, Service, Ingress,
NetworkPolicy, Namespace, Gateway, HTTPRoute and the admin tiers) may get a value of any
type or shape;
the schema finding reports it, and every command must still exit 0, 1 or 2 without an
internal error and write valid JSON. The budget is bounded for CI
(``K8SNETLINT_FUZZ_EXAMPLES``, default 25); long campaigns: ``python bench/fuzz.py``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from benchutil import bench_module
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent


FUZZ = bench_module("fuzz")
EXAMPLES = int(os.environ.get("K8SNETLINT_FUZZ_EXAMPLES", "25"))

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8)
    | st.sampled_from(["80", "http", "a-b", "TCP", "0.0.0.0/0", "In", "{{ x }}"])
)
VALUES = st.one_of(
    st.sampled_from(FUZZ.WRONG_VALUES),
    st.recursive(
        _scalars,
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.sampled_from(["name", "port", "a", "matchLabels"]), inner, max_size=3
            )
        ),
        max_leaves=6,
    ),
)


def _assert_clean(text: str) -> None:
    for outcome in FUZZ.run_input(text):
        assert outcome.problem is None, f"{outcome.command}: {outcome.problem}\n{text}"
        assert outcome.code in (0, 1, 2)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_mutated_manifests_never_crash(data: Any) -> None:
    docs = [dict(d) for d in FUZZ.SEEDS]
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        i = data.draw(st.integers(0, len(docs) - 1), label="object")
        paths = [p for p in FUZZ.paths_of(docs[i]) if p[:1] not in (("apiVersion",), ("kind",))]
        path = data.draw(st.sampled_from(paths), label="path")
        action = data.draw(st.sampled_from(["set", "set", "set", "delete"]), label="action")
        if not path:
            action = "set"
        docs[i] = FUZZ.mutate(docs[i], path, action, data.draw(VALUES, label="value"))
    _assert_clean(FUZZ.render(docs))


@pytest.mark.parametrize(
    ("kind_index", "path", "value"),
    [
        (1, ("spec", "template", "spec", "containers", 0, "ports"), 5),
        (1, ("spec", "template", "spec", "containers", 0, "ports", 0, "name"), {"a": 1}),
        (2, ("spec", "template", "spec", "containers", 0, "ports", 0, "containerPort"), [1]),
    ],
    ids=["ports-number", "port-name-mapping", "containerPort-list"],
)
def test_known_crashes(kind_index: int, path: tuple[Any, ...], value: Any) -> None:
    """The family behind all 118 failing runs of the issue-11 campaign."""
    docs = list(FUZZ.SEEDS)
    docs[kind_index] = FUZZ.mutate(docs[kind_index], path, "set", value)
    _assert_clean(FUZZ.render(docs))


def test_seeds_are_clean_input() -> None:
    outcomes = FUZZ.run_input(FUZZ.render(FUZZ.SEEDS))
    assert [(o.command, o.problem) for o in outcomes] == [
        ("check", None),
        ("graph", None),
        ("reach", None),
    ]
