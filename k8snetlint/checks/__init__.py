"""Checks: pure functions of (context, params) that yield :class:`Hit` values.

A check never computes line numbers, never knows its own severity and does no I/O.
Every check module registers its functions with :func:`check`; the rule registry binds
rules (``rules/*.md``) to checks by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from k8snetlint.document import Manifest, Path

if TYPE_CHECKING:
    from k8snetlint.context import Context


@dataclass(frozen=True)
class RelatedHit:
    """A second place that explains a hit: an object and a path inside it."""

    manifest: Manifest
    path: Path
    message: str


@dataclass(frozen=True)
class Hit:
    """What a check reports: an object, a path inside it, and a message.

    ``file``/``line``/``column`` may be given instead of a manifest for problems that
    are not inside any object (a YAML syntax error).
    """

    message: str
    manifest: Manifest | None = None
    path: Path = ()
    related: tuple[RelatedHit, ...] = ()
    key: bool = False
    assumed: bool = False
    # "at most" this severity: the finding takes the lower of the rule's severity
    # (after configuration) and this one (e.g. a numeric port no container declares)
    severity_cap: str | None = None
    file: str = ""
    line: int = 0
    column: int = 0
    end_line: int = 0
    end_column: int = 0


CheckFn = Callable[["Context", Mapping[str, Any]], Iterator[Hit]]
CHECKS: dict[str, CheckFn] = {}

# Checks meant for custom rules in `.k8snetlint.yaml` only: no built-in rule uses them.
CUSTOM_RULE_CHECKS = frozenset({"reachability-assertion"})


def check(name: str) -> Callable[[CheckFn], CheckFn]:
    """Register a check function under ``name`` (the ``check`` of a rule's front matter)."""

    def deco(fn: CheckFn) -> CheckFn:
        if name in CHECKS:
            raise ValueError(f"check {name!r} registered twice")
        CHECKS[name] = fn
        return fn

    return deco


#: Every module of this package that registers checks, in import order (a test keeps the
#: list equal to the package's modules): named here rather than listed with
#: :mod:`pkgutil` at every start.
MODULES = (
    "exposure",
    "gateway",
    "hygiene",
    "input",
    "inventory",
    "ports",
    "references",
    "tiers",
    "workloads",
)


def load_all() -> None:
    """Import every module of this package so that its checks register themselves."""
    import importlib

    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}")
