"""Rules as data: loading ``rules/*.md`` and binding each rule to its check.

A rule file is YAML front matter (validated against ``schemas/rule.schema.json``)
followed by Markdown with the sections *What it does*, *Why is this bad?*, *Example*
and *Fix*. The registry holds no rule logic: checks live in :mod:`k8snetlint.checks`.
"""

from __future__ import annotations

import json
import os
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
# Patterns as text, compiled (and cached by :mod:`re`) on first use: a run that reads
# the rules from the cache never needs them.
_FRONT = r"\A---\n(.*?)\n---\n(.*)\Z"
_HEADING = r"^## (.+?)\s*$"
_YAML_BLOCK = r"```ya?ml\n(.*?)```"


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
    from ruamel.yaml.error import YAMLError

    m = re.match(_FRONT, text.replace("\r\n", "\n"), re.S)
    if not m:
        raise RuleError(f"{where}: no YAML front matter between '---' lines")
    try:
        data = YAML(typ="safe", pure=True).load(m.group(1))
    except YAMLError as exc:
        raise RuleError(f"{where}: front matter is not valid YAML: {exc}") from exc
    return _rule_info(data, where, m.group(2).strip() + "\n", custom=False)


NO_PARAMS: dict[str, Any] = {"type": "object", "additionalProperties": False}


def check_params_schema(check: str) -> dict[str, Any] | None:
    """The schema of the params of a check that custom rules use (``None`` if unknown)."""
    defs = rule_schema().get("$defs", {})
    found = defs.get("check-params", {}).get(check)
    if not isinstance(found, dict):
        return None
    # resolvable on its own: the shared definitions travel with it
    return {**found, "$defs": {k: v for k, v in defs.items() if k != "check-params"}}


def _params_schema(data: Any, where: str, *, custom: bool) -> dict[str, Any]:
    declared = data.get("params-schema")
    if declared is None and custom:
        declared = check_params_schema(str(data.get("check")))
    if declared is None:
        return dict(NO_PARAMS)
    import jsonschema

    try:
        jsonschema.Draft202012Validator.check_schema(declared)
    except jsonschema.SchemaError as exc:
        raise RuleError(
            f"{where}: params-schema is not a valid JSON Schema: {exc.message}"
        ) from exc
    return cast(dict[str, Any], declared)


def param_problems(
    params: Any, schema: dict[str, Any], locate: Any, prefix: Sequence[str | int] = ()
) -> list[str]:
    """Violations of ``schema`` by ``params``, each ``where: path: message``.

    ``locate(path)`` gives the ``file:line:col`` of a path inside ``params``. An unknown
    option gets the closest declared option as a suggestion.
    """
    import difflib

    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    out: list[str] = []
    for err in sorted(validator.iter_errors(params), key=lambda e: [str(p) for p in e.path]):
        path = [*prefix, *err.path]
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = set((err.schema.get("properties") or {}).keys())
            for extra in sorted(k for k in err.instance if k not in allowed):
                close = difflib.get_close_matches(extra, sorted(allowed), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                options = ", ".join(sorted(allowed)) if allowed else "none"
                out.append(
                    f"{locate([*path, extra])}: {'.'.join(str(p) for p in path) or 'params'}: "
                    f"unknown option {extra!r}{hint}; options: {options}"
                )
            continue
        where = ".".join(str(p) for p in path) or "params"
        out.append(f"{locate(path)}: {where}: {_short(err.message)}")
    return out


def _short(message: str) -> str:
    return message if len(message) <= 200 else message[:197] + "..."


def _rule_info(data: Any, where: str, doc: str, *, custom: bool, locate: Any = None) -> RuleInfo:
    """A validated front matter (built-in or custom rule) as a RuleInfo."""
    problems = validate_front_matter(data, where)
    if problems:
        raise RuleError("; ".join(problems))
    params_schema = _params_schema(data, where, custom=custom)
    params = dict(data.get("params") or {})
    declared = set((params_schema.get("properties") or {}).keys())
    # a built-in rule's params hold fixed bindings beside its options: only the
    # declared options are checked; a custom rule's params are all options
    checked = params if custom else {k: v for k, v in params.items() if k in declared}
    bad = param_problems(checked, params_schema, locate or (lambda path: where), ("params",))
    if bad:
        raise RuleError("; ".join(bad))
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
        params_schema=params_schema,
    )


def _type_text(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items") or {}
        return f"list of {_type_text(items)}" if isinstance(items, dict) else "list"
    if kind == "integer" and "minimum" in schema and "maximum" in schema:
        return f"integer {schema['minimum']}-{schema['maximum']}"
    if "enum" in schema:
        return " \\| ".join(json.dumps(v) for v in schema["enum"])
    return str(kind or "any")


def options_markdown(rule: RuleInfo) -> str:
    """The rule's ``## Options`` section, rendered from its params schema."""
    props = rule.params_schema.get("properties") or {}
    head = "## Options\n\n"
    if not props:
        return head + "This rule has no options.\n"
    lines = [
        head + f"Set in `.k8snetlint.yaml` under `params: {{{rule.name}: {{...}}}}`; "
        "values are checked against these types.\n",
        "| option | type | default | meaning |",
        "| --- | --- | --- | --- |",
    ]
    for name in sorted(props):
        schema = props[name] if isinstance(props[name], dict) else {}
        default = rule.params.get(name)
        shown = "" if default is None else f"`{json.dumps(default)}`"
        desc = str(schema.get("description", "")).replace("|", "\\|")
        lines.append(f"| `{name}` | {_type_text(schema)} | {shown} | {desc} |")
    return "\n".join(lines) + "\n"


def sections(doc: str) -> dict[str, str]:
    """The Markdown body split at its ``## `` headings."""
    out: dict[str, str] = {}
    matches = list(re.finditer(_HEADING, doc, re.M))
    for i, h in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(doc)
        out[h.group(1)] = doc[h.end() : end].strip()
    return out


def yaml_block(section: str) -> str | None:
    """The first fenced YAML block of a section."""
    m = re.search(_YAML_BLOCK, section, re.S)
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

    folder = rules_dir()
    # os.listdir, not Path.glob: the same files (names ending in .md, as the system
    # compares names), without glob's pattern machinery
    names = sorted(n for n in os.listdir(folder) if os.path.normcase(n).endswith(".md"))
    paths = [folder / n for n in names if n.upper() != "README.MD"]
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


def _config_locator(config: Config) -> Any:
    """``locate(path) -> "file:line:col"`` for paths inside the config file."""
    from k8snetlint.document import locate

    name = config.config_file or "config"
    root: Any = None
    if config.config_file:
        from k8snetlint.discovery import FileTooLarge, read_capped
        from k8snetlint.reader import parse_yaml

        try:
            docs, _ = parse_yaml(read_capped(Path(config.config_file)).decode("utf-8"), name)
            root = docs[0] if docs else None
        except (OSError, UnicodeDecodeError, FileTooLarge):
            root = None

    def where(path: Sequence[str | int]) -> str:
        if root is None:
            return name
        line, col, _, _ = locate(root, list(path), key=True)
        return f"{name}:{max(line, 1)}:{max(col, 1)}"

    return where


def custom_rules(config: Config) -> list[RuleInfo]:
    out = []
    locate = _config_locator(config)
    for i, data in enumerate(config.custom_rules):
        where = locate(["custom-rules", i]) + f": custom-rules[{i}]"
        front = {k: v for k, v in data.items() if k != "doc"}
        out.append(
            _rule_info(
                front,
                where,
                str(data.get("doc", "")),
                custom=True,
                locate=lambda path, i=i: locate(["custom-rules", i, *path]),
            )
        )
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
    by_name = {r.name: r for r in rules}
    locate = _config_locator(config)
    problems: list[str] = []
    for name, overrides in config.params.items():
        problems += param_problems(overrides, by_name[name].params_schema, locate, ("params", name))
    if problems:
        raise RuleError("invalid rule params:\n" + "\n".join(problems))
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
