"""Rules as data: loading ``rules/*.md`` and binding each rule to its check.

A rule file is YAML front matter (validated against ``schemas/rule.schema.json``)
followed by Markdown with the sections *What it does*, *Why is this bad?*, *Example*
and *Fix*. The registry holds no rule logic: checks live in :mod:`k8snetlint.checks`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from k8snetlint.config import Config
from k8snetlint.data import data_dir
from k8snetlint.findings import RuleInfo, Severity

SECTIONS = ("What it does", "Why is this bad?", "Example", "Fix")
_FRONT = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.S)
_HEADING = re.compile(r"^## (.+?)\s*$", re.M)
_YAML_BLOCK = re.compile(r"```ya?ml\n(.*?)```", re.S)


class RuleError(Exception):
    """A rule file or custom rule is malformed."""


@lru_cache(maxsize=1)
def rule_schema() -> dict[str, Any]:
    return cast(dict[str, Any], json.loads((data_dir("schemas") / "rule.schema.json").read_text()))


def validate_front_matter(data: Any, where: str) -> list[str]:
    """Problems of one front matter (empty when valid)."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(rule_schema())
    out = []
    for err in sorted(validator.iter_errors(data), key=lambda e: list(e.path)):
        loc = ".".join(str(p) for p in err.path) or "(front matter)"
        out.append(f"{where}: {loc}: {err.message}")
    return out


def parse_rule(text: str, where: str) -> RuleInfo:
    """Parse one rule file's text; raise :class:`RuleError` when it is malformed."""
    from ruamel.yaml import YAML

    m = _FRONT.match(text.replace("\r\n", "\n"))
    if not m:
        raise RuleError(f"{where}: no YAML front matter between '---' lines")
    try:
        data = YAML(typ="safe", pure=True).load(m.group(1))
    except Exception as exc:
        raise RuleError(f"{where}: front matter is not valid YAML: {exc}") from exc
    return _rule_info(data, where, m.group(2).strip() + "\n", custom=False)


def _rule_info(data: Any, where: str, doc: str, *, custom: bool) -> RuleInfo:
    """A validated front matter (built-in or custom rule) as a RuleInfo."""
    problems = validate_front_matter(data, where)
    if problems:
        raise RuleError("; ".join(problems))
    return RuleInfo(
        name=data["name"],
        summary=data["summary"],
        severity=cast(Severity, data["severity"]),
        enabled=bool(data["enabled"]),
        check=data["check"],
        params=dict(data.get("params") or {}),
        confidence=data["confidence"],
        since=str(data["since"]),
        doc=doc,
        custom=custom,
    )


def sections(doc: str) -> dict[str, str]:
    """The Markdown body split at its ``## `` headings."""
    out: dict[str, str] = {}
    matches = list(_HEADING.finditer(doc))
    for i, h in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(doc)
        out[h.group(1)] = doc[h.end() : end].strip()
    return out


def yaml_block(section: str) -> str | None:
    """The first fenced YAML block of a section."""
    m = _YAML_BLOCK.search(section)
    return m.group(1) if m else None


def rules_dir() -> Path:
    return data_dir("rules")


@lru_cache(maxsize=1)
def builtin_rules() -> tuple[RuleInfo, ...]:
    """Every rule shipped in ``rules/``, sorted by name.

    Parsing and validating 46 rule documents costs more than checking a small file, so
    the result is cached by content hash (:mod:`k8snetlint.rulecache`): a changed,
    added or removed rule file, or a changed rule schema, misses the cache."""
    from k8snetlint import rulecache

    paths = [p for p in sorted(rules_dir().glob("*.md")) if p.name.upper() != "README.MD"]
    texts = [(path.name, path.read_bytes()) for path in paths]
    digest = rulecache.digest(texts, data_dir("schemas") / "rule.schema.json")
    cached = rulecache.load(digest)
    if cached is not None:
        return cached
    out = []
    for name, raw in texts:
        text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
        rule = parse_rule(text, name)
        if rule.name != name.rsplit(".", 1)[0]:
            raise RuleError(f"{name}: name {rule.name!r} differs from the file name")
        out.append(rule)
    rulecache.store(digest, tuple(out))
    return tuple(out)


def custom_rules(config: Config) -> list[RuleInfo]:
    out = []
    for i, data in enumerate(config.custom_rules):
        where = f"{config.config_file or 'config'}: custom-rules[{i}]"
        front = {k: v for k, v in data.items() if k != "doc"}
        out.append(_rule_info(front, where, str(data.get("doc", "")), custom=True))
    return out


def all_rules(config: Config | None = None) -> list[RuleInfo]:
    rules = list(builtin_rules())
    if config is not None:
        known = {r.name for r in rules}
        for rule in custom_rules(config):
            if rule.name in known:
                raise RuleError(f"custom rule {rule.name!r} has the name of a built-in rule")
            rules.append(rule)
    return sorted(rules, key=lambda r: r.name)


def unknown_rule_message(name: str, known: Iterable[str]) -> str:
    """``unknown rule 'x'`` with the closest known name suggested."""
    from k8snetlint.config import did_you_mean

    hint = did_you_mean(name, known)
    if hint:
        return f"unknown rule {name!r}; did you mean {hint!r}?"
    return f"unknown rule {name!r} (see `k8snetlint rules`)"


def active_rules(config: Config, rules: Sequence[RuleInfo] | None = None) -> list[RuleInfo]:
    """Rules that run under ``config``: selection, severities and params applied.

    ``select`` names rules to run (a disabled rule named there runs too); ``ignore``
    removes rules. Unknown names are a usage error (:class:`RuleError`).
    """
    from k8snetlint.checks import CHECKS, load_all

    load_all()
    rules = list(rules) if rules is not None else all_rules(config)
    names = {r.name for r in rules}
    for name in (*config.select, *config.ignore, *config.severity, *config.params):
        if name not in names:
            raise RuleError(unknown_rule_message(name, names))
    out = []
    for rule in rules:
        if config.select:
            if rule.name not in config.select:
                continue
        elif not rule.enabled:
            continue
        if rule.name in config.ignore:
            continue
        if rule.check not in CHECKS:
            raise RuleError(f"rule {rule.name!r} names unknown check {rule.check!r}")
        sev = config.severity.get(rule.name, rule.severity)
        params = {**rule.params, **config.params.get(rule.name, {})}
        out.append(replace(rule, severity=cast(Severity, sev), params=params))
    return out
