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


def _aged(folder: Path, names: list[str]) -> list[Path]:
    """Files of ``folder`` written in the order of ``names``, a minute apart."""
    import os

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i, name in enumerate(names):
        p = folder / name
        p.write_bytes(b"x")
        os.utime(p, (1_000_000 + 60 * i, 1_000_000 + 60 * i))
        out.append(p)
    return out


def test_a_write_prunes_older_versions_of_the_same_cache_file(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    old = _aged(folder, [f"rules-{k * 32}.json" for k in "abcdef"])
    others = _aged(
        folder,
        [
            "schema-defs-aaaa.marshal",  # another cache file's versions
            "schema-defs-bbbb.marshal",
            "rules-extra-cccc.json",  # another family that starts alike
            "rules-notakey.json",  # not a hexadecimal key
            "rules-dddd.txt",  # another extension
            ".rules-tmp123",  # a temporary file of a write in progress
            "notes.txt",
        ],
    )
    new = folder / f"rules-{'0' * 32}.json"
    rulecache.write_atomic(new, b"{}", ".rules-")
    kept = sorted(p.name for p in folder.iterdir())
    # the new file and the three newest older versions stay; every other file stays
    assert kept == sorted([new.name, *(p.name for p in old[-3:]), *(p.name for p in others)])
    assert new.read_bytes() == b"{}"


def test_prune_keeps_the_given_file_even_when_it_is_the_oldest(tmp_path: Path) -> None:
    files = _aged(tmp_path, [f"dataclass-code-cli-cpython-311-{k}.marshal" for k in "1234567"])
    deleted = rulecache.prune(files[0], keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == [files[0].name, files[-1].name]
    assert sorted(deleted) == sorted(files[1:-1])


def test_prune_of_a_name_without_a_key_deletes_nothing(tmp_path: Path) -> None:
    files = _aged(tmp_path, ["plain.json", "plain-a.json", "plain-b.json"])
    assert rulecache.prune(files[0], keep=1) == []
    assert rulecache.prune(tmp_path / "absent" / "x-1.json") == []
    assert len(list(tmp_path.iterdir())) == 3


def test_content_hash_is_blake2b_256() -> None:
    import hashlib

    from k8snetlint.rulecache import content_hash

    h = content_hash(b"rule")
    h.update(b" text")
    assert h.hexdigest() == hashlib.blake2b(b"rule text", digest_size=32).hexdigest()
