"""Meta-tests that keep rules (data) and checks (code) joined."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lintutil import lint_paths, lint_text

from conftest import FIXTURES, ROOT
from goldens import check_golden
from k8snetlint.checks import CHECKS, CUSTOM_RULE_CHECKS, load_all
from k8snetlint.config import Config
from k8snetlint.findings import Report
from k8snetlint.registry import (
    SECTIONS,
    RuleError,
    active_rules,
    all_rules,
    builtin_rules,
    parse_rule,
    rules_dir,
    sections,
    yaml_block,
)
from k8snetlint.reporters.rules import render_rules

RULES = builtin_rules()
NAMES = [r.name for r in RULES]


def test_rule_names_unique_and_equal_to_file_names() -> None:
    assert len(NAMES) == len(set(NAMES))
    files = sorted(p.stem for p in rules_dir().glob("*.md"))
    assert files == sorted(NAMES)


def test_every_check_exists_and_is_used() -> None:
    load_all()
    used = {r.check for r in RULES}
    assert used <= set(CHECKS), used - set(CHECKS)
    unused = set(CHECKS) - used - CUSTOM_RULE_CHECKS
    assert not unused, f"checks backing no rule: {unused}"
    assert set(CHECKS) >= CUSTOM_RULE_CHECKS


@pytest.mark.parametrize("rule", RULES, ids=NAMES)
def test_rule_has_the_four_sections(rule: object) -> None:
    secs = sections(rule.doc)  # type: ignore[attr-defined]
    assert list(secs)[:4] == list(SECTIONS)
    assert all(secs[s] for s in SECTIONS)
    assert yaml_block(secs["Example"]) is not None
    assert yaml_block(secs["Fix"]) is not None


def _lint_block(text: str, name: str, rule: str, tmp_path: Path) -> Report:
    """Lint a documentation block: a kustomization is rendered from a folder."""
    if "kind: Kustomization" in text:
        folder = tmp_path / name
        folder.mkdir()
        (folder / "kustomization.yaml").write_text(text)
        return lint_paths([folder], select=[rule])
    return lint_text(text, f"{name}.yaml", select=[rule])


@pytest.mark.parametrize("rule", RULES, ids=NAMES)
def test_example_fires_and_fix_does_not(rule: object, tmp_path: Path) -> None:
    name = rule.name  # type: ignore[attr-defined]
    secs = sections(rule.doc)  # type: ignore[attr-defined]
    example = yaml_block(secs["Example"])
    fix = yaml_block(secs["Fix"])
    assert example is not None and fix is not None
    fired = _lint_block(example, f"{name}-example", name, tmp_path)
    assert [f.rule for f in fired.findings], f"Example of {name} does not fire it"
    assert {f.rule for f in fired.findings} == {name}
    clean = _lint_block(fix, f"{name}-fix", name, tmp_path)
    assert clean.findings == (), f"Fix of {name} still fires: {clean.findings}"


def test_malformed_front_matter_is_rejected() -> None:
    with pytest.raises(RuleError, match="severity"):
        parse_rule(
            "---\nname: x-y\nsummary: a summary here\nseverity: fatal\nenabled: true\n"
            "check: schema\nconfidence: certain\nsince: 0.1.0\n---\nbody\n",
            "x-y.md",
        )
    with pytest.raises(RuleError, match="front matter"):
        parse_rule("no front matter", "z.md")


@pytest.mark.parametrize("rule", NAMES)
def test_rule_fixture_folder(rule: str, update_goldens: bool) -> None:
    folder = FIXTURES / "rules" / rule
    assert folder.is_dir(), f"fixtures/rules/{rule}/ missing"
    fails = sorted(folder.glob("fail-*"))
    passes = sorted(folder.glob("pass-*"))
    assert fails and passes, "every rule needs fail-* and pass-* fixtures"
    report = lint_paths([folder], select=[rule])
    by_file: dict[str, int] = {}
    for f in report.findings:
        assert f.rule == rule
        # the fixture entry (a file, or a folder such as a kustomization) it points into
        entry = Path(f.file).resolve().relative_to(folder.resolve()).parts[0]
        by_file[entry] = by_file.get(entry, 0) + 1
    for p in fails:
        assert by_file.get(p.name), f"{p.name} yields no {rule} finding"
    for p in passes:
        assert not by_file.get(p.name), f"{p.name} yields {by_file[p.name]} findings"
    findings = [
        {
            **f.to_json(),
            "file": Path(f.file).resolve().relative_to(folder.resolve()).as_posix(),
            # tool output may name the absolute folder, which differs per checkout
            "message": f.message.replace(str(folder.resolve()), "<fixture>"),
        }
        for f in report.findings
    ]
    check_golden(folder / "expected.json", json.dumps(findings, indent=2) + "\n", update_goldens)


def test_readme_rule_table_is_the_rules_command_output(update_goldens: bool) -> None:
    path = ROOT / "README.md"
    readme = path.read_text(encoding="utf-8")
    m = re.search(r"<!-- rules:begin -->\n(.*?)<!-- rules:end -->", readme, re.S)
    assert m, "README lacks the rules table markers"
    table = render_rules("markdown")
    if update_goldens:
        path.write_text(readme[: m.start(1)] + table + readme[m.end(1) :], encoding="utf-8")
        return
    assert m.group(1) == table


# --------------------------------------------------------------------------- params


def test_every_rule_declares_its_params_schema() -> None:
    import jsonschema

    for path in sorted(rules_dir().glob("*.md")):
        front = path.read_text(encoding="utf-8").split("\n---\n", 1)[0]
        assert "\nparams-schema:" in front, f"{path.name} declares no params-schema"
    for rule in RULES:
        schema = rule.params_schema  # type: ignore[attr-defined]
        jsonschema.Draft202012Validator.check_schema(schema)
        options = set(schema.get("properties", {}))
        # every option has a default in params, and the default is valid
        assert options <= set(rule.params), rule.name  # type: ignore[attr-defined]
        defaults = {k: rule.params[k] for k in options}  # type: ignore[attr-defined]
        assert not list(jsonschema.Draft202012Validator(schema).iter_errors(defaults))


def _config_file(tmp_path: Path, text: str) -> Config:
    from k8snetlint.config import load_config

    path = tmp_path / ".k8snetlint.yaml"
    path.write_text(text)
    return load_config(str(path))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "params:\n  service-target-port-missing:\n    numeric: 5\n",
            ":3:5: params.service-target-port-missing.numeric: 5 is not of type 'boolean'",
        ),
        (
            "params:\n  service-target-port-missing:\n    numerc: true\n",
            ":3:5: params.service-target-port-missing: unknown option 'numerc' "
            "(did you mean 'numeric'?)",
        ),
        (
            "params:\n  sensitive-port-exposed:\n    sensitive-ports: [22, 1e400]\n",
            ":3:27: params.sensitive-port-exposed.sensitive-ports.1: inf is not of type",
        ),
        (
            "params:\n  bare-pod:\n    min-replicas: 2\n",
            ":3:5: params.bare-pod: unknown option 'min-replicas'; options: none",
        ),
    ],
    ids=["wrong-type", "did-you-mean", "out-of-range", "no-options"],
)
def test_config_params_are_validated_with_positions(
    tmp_path: Path, text: str, expected: str
) -> None:
    config = _config_file(tmp_path, text)
    with pytest.raises(RuleError) as err:
        active_rules(config)
    assert f"{tmp_path / '.k8snetlint.yaml'}{expected}" in str(err.value)


def test_unknown_rule_name_suggests_the_closest(tmp_path: Path) -> None:
    from k8snetlint.config import ConfigError

    with pytest.raises(ConfigError, match="did you mean 'sensitive-port-exposed'"):
        _config_file(tmp_path, "params:\n  sensitve-port-exposed: {}\n")


def test_custom_rule_params_are_validated(tmp_path: Path) -> None:
    config = _config_file(
        tmp_path,
        "custom-rules:\n- name: my-rule\n  summary: payments are not reachable\n"
        "  severity: error\n  enabled: true\n  check: reachability-assertion\n"
        "  confidence: certain\n  since: 0.1.0\n  params:\n"
        "    to: {namespace: shop}\n    ports: ['a-b']\n",
    )
    with pytest.raises(RuleError, match=r"\.k8snetlint\.yaml:11:13: params\.ports\.0"):
        all_rules(config)


def test_explain_renders_the_options_section(capsys: pytest.CaptureFixture[str]) -> None:
    from k8snetlint.cli import main

    with pytest.raises(SystemExit):
        main(["explain", "service-target-port-missing"])
    out = capsys.readouterr().out
    assert "## Options" in out
    assert "| `numeric` | boolean | `true` |" in out
    with pytest.raises(SystemExit):
        main(["explain", "bare-pod"])
    assert "This rule has no options." in capsys.readouterr().out


# A finding's severity is the report's business: a message that says "warning-level"
# while the finding is info (or capped) contradicts it. No message names a severity.
_SEVERITY_WORDS = re.compile(r"\b(error|warning|info)(-level)?\b|\bseverity\b", re.I)


def _golden_messages() -> list[tuple[str, str]]:
    out = []
    goldens = [
        *(FIXTURES / "rules").glob("*/expected.json"),
        *(FIXTURES / "scenarios").glob("*/expected-findings.json"),
        *(ROOT / "tests" / "realworld").glob("expected-findings.json"),
    ]
    for path in sorted(goldens):
        for f in json.loads(path.read_text(encoding="utf-8")):
            for text in (f["message"], *(r["message"] for r in f.get("related", []))):
                out.append((f"{path.relative_to(ROOT)} {f['rule']}", text))
    return out


def test_no_message_states_a_severity() -> None:
    messages = _golden_messages()
    assert len(messages) > 100
    bad = [(where, m) for where, m in messages if _SEVERITY_WORDS.search(m)]
    assert bad == []


def test_severity_word_check_catches_the_old_wording() -> None:
    old = "numeric targetPorts need no declaration, so this is a warning-level finding"
    assert _SEVERITY_WORDS.search(old)


def test_load_all_names_every_checks_module() -> None:
    """``load_all`` imports a fixed list of modules (no package listing at start-up):
    the list must be the package's modules, or a new module's checks never register."""
    import pkgutil

    import k8snetlint.checks as checks

    found = sorted(i.name for i in pkgutil.iter_modules(checks.__path__) if i.name[0] != "_")
    assert list(checks.MODULES) == found
