"""Label-selector semantics (semantics point 11).

A :class:`Selector` is the parsed form of a Kubernetes ``LabelSelector``
(``matchLabels`` ANDed with ``matchExpressions``) or of a plain label map (a Service's
``spec.selector``). Matching follows ``k8s.io/apimachinery/pkg/labels``:

* ``In``: the object has the key with one of the values;
* ``NotIn``: the object lacks the key or has another value;
* ``Exists`` / ``DoesNotExist``: the key is present / absent;
* an empty selector ``{}`` matches everything.

A selector the API server would reject (unknown operator, ``In``/``NotIn`` without
values, values given to ``Exists``/``DoesNotExist``, wrong shapes) never raises: it
matches nothing and lists its :attr:`Selector.problems` (path relative to the document,
message) so that a rule can report them.

:class:`LabelIndex` evaluates selectors over many label sets at once, as Python-int
bitsets (bit ``i`` = label set ``i``), which is how the connectivity engine scales.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from k8snetlint.document import Path

OPERATORS: tuple[str, ...] = ("In", "NotIn", "Exists", "DoesNotExist")

Problem = tuple[Path, str]


def label_text(value: Any) -> str:
    """A label value as Kubernetes would compare it (non-strings are schema errors)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def labels_of(raw: Any) -> dict[str, str]:
    """A plain ``str -> str`` label map from a raw ``metadata.labels`` value."""
    if not isinstance(raw, dict):
        return {}
    if _all_text(raw):
        return dict(raw)
    return {str(k): label_text(v) for k, v in raw.items()}


def _all_text(raw: dict[Any, Any]) -> bool:
    """Whether every key and value of ``raw`` is a ``str`` (then :func:`labels_of` is a
    copy: the usual case, checked without a call per label)."""
    for k, v in raw.items():  # noqa: SIM110 - a loop: all() of a generator is slower
        if type(k) is not str or type(v) is not str:
            return False
    return True


@dataclass(frozen=True)
class Requirement:
    """One ``matchExpressions`` entry (or one ``matchLabels`` pair, as ``In [value]``)."""

    key: str
    operator: str
    values: tuple[str, ...] = ()
    path: Path = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        op = self.operator
        if op == "In":
            return self.key in labels and labels[self.key] in self.values
        if op == "NotIn":
            return self.key not in labels or labels[self.key] not in self.values
        if op == "Exists":
            return self.key in labels
        if op == "DoesNotExist":
            return self.key not in labels
        return False

    def text(self) -> str:
        if self.operator == "Exists":
            return self.key
        if self.operator == "DoesNotExist":
            return f"!{self.key}"
        vals = ",".join(self.values)
        word = "in" if self.operator == "In" else "notin"
        return f"{self.key} {word} ({vals})"


@dataclass(frozen=True)
class Selector:
    """A parsed label selector. ``path`` locates it in its document."""

    match_labels: tuple[tuple[str, str], ...] = ()
    expressions: tuple[Requirement, ...] = ()
    problems: tuple[Problem, ...] = ()
    path: Path = ()

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def is_empty(self) -> bool:
        """True for a valid selector without requirements: it matches everything."""
        return self.valid and not self.match_labels and not self.expressions

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether ``labels`` satisfy every requirement (invalid selectors match nothing)."""
        if self.problems:
            return False
        for k, v in self.match_labels:
            if labels.get(k) != v:
                return False
        return all(r.matches(labels) for r in self.expressions)

    def matches_unknown(self) -> bool:
        """Whether the selector matches an object whose labels are unknown.

        Only a selector that matches every possible label set qualifies: the empty one.
        """
        return self.is_empty

    def key(self) -> tuple[Any, ...]:
        """A canonical hashable form: equal keys select the same objects."""
        # kept in the instance (rules ask thousands of times); not a field: equality
        # and hashing ignore it
        cached: tuple[Any, ...] | None = self.__dict__.get("_key")
        if cached is None:
            cached = self.__dict__["_key"] = self._make_key()
        return cached

    def _make_key(self) -> tuple[Any, ...]:
        if self.problems:
            return ("invalid",)
        return (
            tuple(sorted(self.match_labels)),
            tuple(
                sorted(
                    {(r.key, r.operator, tuple(sorted(set(r.values)))) for r in self.expressions}
                )
            ),
        )

    def label_keys(self) -> frozenset[str]:
        """Every label key the selector looks at."""
        cached: frozenset[str] | None = self.__dict__.get("_label_keys")
        if cached is None:
            cached = self.__dict__["_label_keys"] = frozenset(
                [k for k, _ in self.match_labels] + [r.key for r in self.expressions]
            )
        return cached

    def text(self) -> str:
        """kubectl's rendering: ``app=web,tier in (a,b)``; ``<all>`` when empty."""
        if self.problems:
            return "<invalid>"
        parts = [f"{k}={v}" for k, v in self.match_labels] + [r.text() for r in self.expressions]
        return ",".join(parts) if parts else "<all>"


EVERYTHING = Selector()


def parse_selector(raw: Any, path: Path = ()) -> Selector:
    """Parse a ``LabelSelector`` (``matchLabels``/``matchExpressions``).

    ``None`` is treated as the empty selector; callers that must distinguish a missing
    selector check for absence themselves.
    """
    if raw is None:
        return Selector(path=path)
    problems: list[Problem] = []
    if not isinstance(raw, dict):
        return Selector(path=path, problems=((path, "label selector must be a mapping"),))
    labels: tuple[tuple[str, str], ...] = ()
    ml = raw.get("matchLabels")
    me = raw.get("matchExpressions")
    if ml is not None:
        if isinstance(ml, dict):
            if _all_text(ml):
                labels = tuple(ml.items())
                if me is None:  # the usual selector: matchLabels alone
                    return Selector(labels, (), (), path)
            else:
                labels = tuple((str(k), label_text(v)) for k, v in ml.items())
        else:
            problems.append(((*path, "matchLabels"), "matchLabels must be a mapping"))
    exprs: list[Requirement] = []
    if me is not None:
        if isinstance(me, list):
            for i, item in enumerate(me):
                req, probs = _parse_requirement(item, (*path, "matchExpressions", i))
                problems.extend(probs)
                if req is not None:
                    exprs.append(req)
        else:
            problems.append(((*path, "matchExpressions"), "matchExpressions must be a list"))
    return Selector(labels, tuple(exprs), tuple(problems), path)


def _parse_requirement(item: Any, path: Path) -> tuple[Requirement | None, list[Problem]]:
    if not isinstance(item, dict):
        return None, [(path, "a matchExpressions entry must be a mapping")]
    problems: list[Problem] = []
    key = item.get("key")
    op = item.get("operator")
    raw_values = item.get("values")
    if not isinstance(key, str) or not key:
        problems.append((path, "matchExpressions entry has no key"))
        key = str(key) if key is not None else ""
    if op not in OPERATORS:
        problems.append(
            (
                (*path, "operator"),
                f"unknown operator {op!r}: expected one of {', '.join(OPERATORS)}",
            )
        )
    values: list[str] = []
    if raw_values is not None:
        if isinstance(raw_values, list):
            values = [label_text(v) for v in raw_values]
        else:
            problems.append(((*path, "values"), "values must be a list"))
    if op in ("In", "NotIn") and not values:
        problems.append(((*path, "values"), f"operator {op} requires at least one value"))
    if op in ("Exists", "DoesNotExist") and values:
        problems.append(((*path, "values"), f"operator {op} takes no values"))
    return Requirement(key, str(op), tuple(values), path), problems


def selector_from_map(raw: Any, path: Path = ()) -> Selector:
    """A selector from a plain label map (Service ``spec.selector``, RC ``spec.selector``)."""
    if raw is None:
        return Selector(path=path)
    if not isinstance(raw, dict):
        return Selector(path=path, problems=((path, "selector must be a mapping of labels"),))
    return Selector(tuple((str(k), label_text(v)) for k, v in raw.items()), path=path)


def iter_bits(bits: int) -> Iterable[int]:
    """Indices of the set bits of ``bits``, ascending."""
    if not bits:
        return
    s = bin(bits)[:1:-1]
    i = s.find("1")
    while i >= 0:
        yield i
        i = s.find("1", i + 1)


class LabelIndex:
    """Selectors evaluated over a fixed list of label sets, as bitsets.

    Bit ``i`` of every result stands for ``label_sets[i]``.
    """

    def __init__(self, label_sets: Sequence[Mapping[str, str]]) -> None:
        self.size = len(label_sets)
        self.all = (1 << self.size) - 1
        by_kv: dict[tuple[str, str], int] = {}
        by_key: dict[str, int] = {}
        for i, labels in enumerate(label_sets):
            bit = 1 << i
            for k, v in labels.items():
                by_kv[(k, v)] = by_kv.get((k, v), 0) | bit
                by_key[k] = by_key.get(k, 0) | bit
        self._by_kv = by_kv
        self._by_key = by_key
        self._cache: dict[tuple[Any, ...], int] = {}

    def select(self, selector: Selector) -> int:
        """The bitset of label sets that ``selector`` matches."""
        key = selector.key()
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        result = self._select(selector)
        self._cache[key] = result
        return result

    def _select(self, selector: Selector) -> int:
        if selector.problems:
            return 0
        bits = self.all
        for k, v in selector.match_labels:
            bits &= self._by_kv.get((k, v), 0)
            if not bits:
                return 0
        for r in selector.expressions:
            if r.operator == "In":
                m = 0
                for v in r.values:
                    m |= self._by_kv.get((r.key, v), 0)
                bits &= m
            elif r.operator == "NotIn":
                m = 0
                for v in r.values:
                    m |= self._by_kv.get((r.key, v), 0)
                bits &= ~m
            elif r.operator == "Exists":
                bits &= self._by_key.get(r.key, 0)
            elif r.operator == "DoesNotExist":
                bits &= ~self._by_key.get(r.key, 0)
            else:  # pragma: no cover - excluded by problems
                return 0
            if not bits:
                return 0
        return bits & self.all
