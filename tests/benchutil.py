"""Helpers for tests of the bench scripts and of position tables."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

BENCH = Path(__file__).resolve().parents[1] / "bench"


def bench_module(stem: str) -> ModuleType:
    """``bench/<stem>.py`` imported once per session as ``k8snetlint_bench_<stem>`` (the
    bench folder is no package; dataclasses look their module up in ``sys.modules``)."""
    name = f"k8snetlint_bench_{stem}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{stem}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def value_paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path into ``value``, plus one missing key per mapping and the indexes -1
    and ``len`` per list (paths a position lookup must answer without failing)."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from value_paths(v, (*prefix, k))
        yield (*prefix, "no-such-key")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from value_paths(v, (*prefix, i))
        yield (*prefix, -1)
        yield (*prefix, len(value))
