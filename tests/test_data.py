"""Shipped data folders and the on-disk cache of values built from them
(``k8snetlint.data``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from k8snetlint import data, validate


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("K8SNETLINT_CACHE_DIR", str(folder))
    return folder


def _counting(value: Any) -> tuple[list[int], Any]:
    calls: list[int] = []

    def build() -> Any:
        calls.append(1)
        return value

    return calls, build


def test_a_built_value_is_read_back_until_a_source_changes(cache: Path, tmp_path: Path) -> None:
    source = tmp_path / "source.json"
    source.write_text("one")
    shared = {"k": [1, 2.5, None, True]}
    value = {"a": shared, "b": shared, "c": "x" * 100}
    calls, build = _counting(value)
    first = data.cached_build("thing", [source], build)
    second = data.cached_build("thing", [source], build)
    assert first == second == value and len(calls) == 1
    assert second["a"] is second["b"]  # shared containers stay shared
    source.write_text("two")
    data.cached_build("thing", [source], build)
    assert len(calls) == 2


@pytest.mark.parametrize("damage", ["corrupt", "empty", "shared", "folder"])
def test_a_bad_cache_only_means_building(damage: str, cache: Path, tmp_path: Path) -> None:
    source = tmp_path / "source.json"
    source.write_text("one")
    calls, build = _counting({"a": 1})
    data.cached_build("thing", [source], build)
    (stored,) = cache.glob("thing-*.marshal")
    if damage == "corrupt":
        stored.write_bytes(b"\x00garbage")
    elif damage == "empty":
        stored.write_bytes(b"")
    elif damage == "shared":
        stored.chmod(0o666)
    else:
        stored.unlink()
        stored.mkdir()
    assert data.cached_build("thing", [source], build) == {"a": 1}
    assert len(calls) == 2


def test_cache_off_or_unwritable_builds_every_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "source.json"
    source.write_text("one")
    calls, build = _counting([1])
    monkeypatch.setenv("K8SNETLINT_CACHE_DIR", "off")
    data.cached_build("thing", [source], build)
    data.cached_build("thing", [source], build)
    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv("K8SNETLINT_CACHE_DIR", str(blocked / "cache"))
    data.cached_build("thing", [source], build)
    assert len(calls) == 3
    assert data.cached_build("thing", [tmp_path / "missing"], build) == [1]


def test_cached_schema_definitions_equal_fresh_ones(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    version = validate.default_version()
    validate._store.cache_clear()
    try:
        cold = validate._store(version).defs
        assert list(cache.glob("schema-defs-*.marshal"))
        validate._store.cache_clear()
        warm = validate._store(version).defs
        validate._store.cache_clear()
        monkeypatch.setenv("K8SNETLINT_CACHE_DIR", "off")
        fresh = validate._store(version).defs
    finally:
        validate._store.cache_clear()
    assert warm is not cold
    assert warm == cold == fresh
