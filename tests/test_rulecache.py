"""The built-in rule registry cached by content hash (``k8snetlint.rulecache``)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from k8snetlint import registry, rulecache


@pytest.fixture
def rules_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the shipped rules and an empty private cache folder."""
    src = registry.rules_dir()
    dst = tmp_path / "rules"
    shutil.copytree(src, dst)
    monkeypatch.setattr(registry, "rules_dir", lambda: dst)
    monkeypatch.setenv("K8SNETLINT_CACHE_DIR", str(tmp_path / "cache"))
    registry.builtin_rules.cache_clear()
    yield dst
    registry.builtin_rules.cache_clear()


def _parse_counter(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    parsed: list[str] = []
    real = registry.parse_rule

    def counting(text: str, where: str) -> registry.RuleInfo:
        parsed.append(where)
        return real(text, where)

    monkeypatch.setattr(registry, "parse_rule", counting)
    return parsed


def test_second_start_reads_the_cache_and_gives_equal_rules(
    rules_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed = _parse_counter(monkeypatch)
    first = registry.builtin_rules()
    assert len(parsed) == len(first) > 40
    assert list((rules_copy.parent / "cache").glob("rules-*.json"))
    registry.builtin_rules.cache_clear()
    parsed.clear()
    second = registry.builtin_rules()
    assert parsed == []  # nothing parsed: the cache answered
    assert second == first


def test_a_changed_rule_file_misses_the_cache(
    rules_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry.builtin_rules()
    target = rules_copy / "bare-pod.md"
    target.write_text(target.read_text().replace('summary: "A Pod', 'summary: "Changed. A Pod', 1))
    registry.builtin_rules.cache_clear()
    parsed = _parse_counter(monkeypatch)
    rules = {r.name: r for r in registry.builtin_rules()}
    assert parsed  # parsed again
    assert rules["bare-pod"].summary.startswith("Changed.")


def test_an_invalid_rule_file_is_reported_even_after_caching(rules_copy: Path) -> None:
    registry.builtin_rules()
    target = rules_copy / "bare-pod.md"
    target.write_text(target.read_text().replace("severity:", "severity: loud\nx:", 1))
    registry.builtin_rules.cache_clear()
    with pytest.raises(registry.RuleError):
        registry.builtin_rules()


def test_a_corrupt_cache_file_is_ignored(rules_copy: Path) -> None:
    first = registry.builtin_rules()
    for f in (rules_copy.parent / "cache").glob("rules-*.json"):
        f.write_text("{not json")
    registry.builtin_rules.cache_clear()
    assert registry.builtin_rules() == first


def test_cache_can_be_switched_off(
    rules_copy: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("K8SNETLINT_CACHE_DIR", "off")
    assert rulecache.cache_dir() is None
    registry.builtin_rules()
    assert not (tmp_path / "cache").exists()


def test_unwritable_cache_folder_is_harmless(
    rules_copy: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("K8SNETLINT_CACHE_DIR", str(blocker / "sub"))
    assert len(registry.builtin_rules()) > 40


def test_default_folder_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("K8SNETLINT_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert rulecache.cache_dir() == tmp_path / "k8snetlint"
