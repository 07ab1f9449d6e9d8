"""quick_init: the same instances as the dataclass ``__init__``, built with one update."""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import FrozenInstanceError, dataclass, field
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

# the modules whose classes use it (imported for QUICK_INIT_CLASSES)
import k8snetlint.checks
import k8snetlint.findings
import k8snetlint.model
import k8snetlint.policy
import k8snetlint.selectors  # noqa: F401
from k8snetlint.quickinit import QUICK_INIT_CLASSES, quick_init


@dataclass(frozen=True, order=True)
class Plain:
    a: int
    b: str
    c: tuple[int, ...] = ()
    d: bool = field(default=False, compare=False)


@quick_init
@dataclass(frozen=True, order=True)
class Quick:
    a: int
    b: str
    c: tuple[int, ...] = ()
    d: bool = field(default=False, compare=False)


def _params(fn: Any) -> list[tuple[str, Any, Any]]:
    sig = inspect.signature(fn)
    return [(p.name, p.kind, p.default) for p in sig.parameters.values()]


def test_same_signature_as_the_dataclass_init() -> None:
    assert _params(Quick.__init__) == _params(Plain.__init__)
    assert Quick.__init__.__qualname__ == "Quick.__init__"


@given(
    a=st.integers(),
    b=st.text(max_size=5),
    c=st.lists(st.integers(), max_size=3).map(tuple),
    d=st.booleans(),
    by_keyword=st.booleans(),
)
def test_same_instances_as_the_dataclass_init(
    a: int, b: str, c: tuple[int, ...], d: bool, by_keyword: bool
) -> None:
    if by_keyword:
        q, p = Quick(a=a, b=b, c=c, d=d), Plain(a=a, b=b, c=c, d=d)
    else:
        q, p = Quick(a, b, c, d), Plain(a, b, c, d)
    assert vars(q) == vars(p)
    assert list(vars(q)) == list(vars(p))  # field order too
    assert repr(q).replace("Quick", "Plain") == repr(p)
    assert q == Quick(a, b, c, not d)  # d is not compared
    assert hash(q) == hash(Quick(a, b, c, d))
    assert (q < Quick(a + 1, b)) == (p < Plain(a + 1, b))
    assert dataclasses.replace(q, a=a + 1) == Quick(a + 1, b, c, d)
    with pytest.raises(FrozenInstanceError):
        q.a = 1  # type: ignore[misc]


def test_defaults_and_errors_as_the_dataclass_init() -> None:
    assert vars(Quick(1, "x")) == {"a": 1, "b": "x", "c": (), "d": False}
    with pytest.raises(TypeError):
        Quick(1)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Quick(1, "x", e=2)  # type: ignore[call-arg]


def test_every_class_given_a_quick_init_keeps_its_fields() -> None:
    assert len(QUICK_INIT_CLASSES) >= 15
    for cls in QUICK_INIT_CLASSES:
        fields = dataclasses.fields(cls)
        want = [
            (
                f.name,
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default,
            )
            for f in fields
        ]
        assert _params(cls.__init__)[1:] == want, cls
        args = {f.name: object() for f in fields}
        assert vars(cls(**args)) == args, cls


def test_refuses_what_it_cannot_copy() -> None:
    with pytest.raises(TypeError, match="not a frozen dataclass"):

        @quick_init
        @dataclass
        class Mutable:
            a: int

    with pytest.raises(TypeError, match="not a plain field"):

        @quick_init
        @dataclass(frozen=True)
        class Factory:
            a: list[int] = field(default_factory=list)

    with pytest.raises(TypeError, match="__post_init__"):

        @quick_init
        @dataclass(frozen=True)
        class Post:
            a: int

            def __post_init__(self) -> None:
                pass

    with pytest.raises(TypeError, match="__slots__"):

        @quick_init
        @dataclass(frozen=True, slots=True)
        class Slotted:
            a: int

    with pytest.raises(TypeError, match="not a plain field"):

        @quick_init
        @dataclass(frozen=True, kw_only=True)
        class KeywordOnly:
            a: int


def test_compiled_through_the_exec_dataclasses_uses(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command's code cache (k8snetlint.cli.startup) caches these methods too."""
    seen: list[str] = []

    def cached_exec(source: Any, globals: Any = None, locals: Any = None) -> None:
        seen.append(source)
        exec(source, globals, locals)

    monkeypatch.setattr(dataclasses, "exec", cached_exec, raising=False)

    @quick_init
    @dataclass(frozen=True)
    class Cached:
        a: int
        b: int = 2

    assert any("self.__dict__.update" in s for s in seen)
    assert vars(Cached(1)) == {"a": 1, "b": 2}
