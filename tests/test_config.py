"""`.k8snetlint.yaml`: discovery, validation with line numbers, values."""

from __future__ import annotations

from pathlib import Path

import pytest

from k8snetlint.config import ConfigError, discover, load_config


def test_full_config_is_read(tmp_path: Path) -> None:
    p = tmp_path / ".k8snetlint.yaml"
    p.write_text(
        "select: [schema-violation]\n"
        "ignore: [unknown-kind]\n"
        "severity: {schema-violation: warning}\n"
        "params: {schema-violation: {x: 1}}\n"
        "exclude: ['gen/*']\n"
        "per-path-ignores: {'legacy/*': [schema-violation]}\n"
        "fail-on: warning\n"
        "kubernetes-version: '1.36'\n"
        "assume:\n"
        "  default-namespace: apps\n"
        "  namespace-labels: {ingress-nginx: {team: platform}}\n"
        "  ingress-controller: {namespace: ingress-nginx, labels: {app: nginx}}\n"
        "  pod-cidr: 10.244.0.0/16\n"
        "  ipblock-matches-pods: true\n"
        "  node-port-range: 30000-31000\n"
    )
    cfg = load_config(str(p))
    assert cfg.select == ("schema-violation",)
    assert cfg.severity == {"schema-violation": "warning"}
    assert cfg.per_path_ignores == {"legacy/*": ("schema-violation",)}
    assert cfg.fail_on == "warning"
    assert cfg.kubernetes_version == "1.36"
    assert cfg.default_namespace == "apps"
    assert cfg.assume.namespace_labels == {"ingress-nginx": {"team": "platform"}}
    assert cfg.assume.ingress_controller.namespace == "ingress-nginx"
    assert cfg.assume.ingress_controller.labels == {"app": "nginx"}
    assert cfg.assume.pod_cidr == ("10.244.0.0/16",)
    assert cfg.assume.ipblock_matches_pods is True
    assert cfg.assume.node_port_range == (30000, 31000)


def test_errors_name_line_and_column(tmp_path: Path) -> None:
    p = tmp_path / "c.yaml"
    p.write_text("select: [a]\nassume:\n  pod-cidr: 10.0.0.0/8\n  colour: blue\n")
    with pytest.raises(ConfigError) as exc:
        load_config(str(p))
    assert f"{p}:4:3: unknown key 'colour' in assume (known: default-namespace," in str(exc.value)


def test_yaml_errors_are_config_errors(tmp_path: Path) -> None:
    p = tmp_path / "c.yaml"
    p.write_text("select: [a\n")
    with pytest.raises(ConfigError, match=r"c\.yaml:2:1:"):
        load_config(str(p))


def test_empty_config_is_default(tmp_path: Path) -> None:
    p = tmp_path / "c.yaml"
    p.write_text("# nothing\n")
    assert load_config(str(p)).fail_on == "error"


def test_discovery_stops_at_repository_root(tmp_path: Path) -> None:
    (tmp_path / ".k8snetlint.yaml").write_text("{}\n")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "k8s" / "apps").mkdir(parents=True)
    assert discover([str(repo / "k8s" / "apps")]) is None
    (repo / ".k8snetlint.yml").write_text("{}\n")
    assert discover([str(repo / "k8s" / "apps")]) == str(repo / ".k8snetlint.yml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('assume:\n  node-port-range: "32767-30000"\n', ":2:20: assume.node-port-range:"),
        ('assume:\n  pod-cidr: "x"\n', ":2:13: assume.pod-cidr: 'x' is not a CIDR"),
        ("assume:\n  service-cidr: [10.0.0.0/8, zz]\n", ":2:30: assume.service-cidr: 'zz'"),
        ("select: [bare-pod]\n---\nignore: [x]\n", ": holds 2 YAML documents"),
    ],
    ids=["reversed-node-port-range", "pod-cidr", "service-cidr-item", "two-documents"],
)
def test_semantic_config_errors_are_usage_errors(tmp_path: Path, text: str, expected: str) -> None:

    path = tmp_path / ".k8snetlint.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(str(path))
    assert f"{path}{expected}" in str(err.value)


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    p = tmp_path / ".k8snetlint.yaml"
    p.write_text("# settings\nfail_on: warning\nexlude: [gen/*]\n")
    with pytest.raises(ConfigError) as exc:
        load_config(str(p))
    assert str(exc.value).splitlines() == [
        f"{p}:2:1: unknown key 'fail_on'; did you mean 'fail-on'?",
        f"{p}:3:1: unknown key 'exlude'; did you mean 'exclude'?",
    ]


def test_unknown_rule_names_in_config_are_located(tmp_path: Path) -> None:
    p = tmp_path / ".k8snetlint.yaml"
    p.write_text(
        "select:\n  - bare-pod\n  - bare-pods\nseverity:\n  node-port-servce: info\n"
        "per-path-ignores:\n  'legacy/*': ['*', nodeport-service]\n"
    )
    with pytest.raises(ConfigError) as exc:
        load_config(str(p))
    assert str(exc.value).splitlines() == [
        f"{p}:3:5: unknown rule 'bare-pods'; did you mean 'bare-pod'?",
        f"{p}:5:3: unknown rule 'node-port-servce'; did you mean 'node-port-service'?",
        f"{p}:7:21: unknown rule 'nodeport-service'; did you mean 'node-port-service'?",
    ]


@pytest.mark.parametrize(
    ("file", "pattern", "expected"),
    [
        ("cfg/generated/a.yaml", "generated/*", True),
        ("cfg/generated/sub/a.yaml", "generated/", True),
        ("cfg/generated/a.yaml", "./generated/*", True),
        ("generated/a.yaml", "generated/*", False),  # outside the config's folder
        ("cfg/x/generated/a.yaml", "generated/*", False),  # anchored
        ("cfg/x/generated/a.yaml", "**/generated/*", True),
        ("cfg/generated/a.yaml", "**/generated/*", True),
        ("cfg/x/a.gen.yaml", "*.gen.yaml", True),  # no slash: any depth
        ("cfg/vendor/x/a.yaml", "vendor", True),
        ("cfg/x/a.yaml", "*.gen.yaml", False),
        ("-", "*", False),
    ],
)
def test_patterns_are_relative_to_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, file: str, pattern: str, expected: bool
) -> None:
    from k8snetlint.config import path_matches

    (tmp_path / "cfg").mkdir()
    (tmp_path / "elsewhere").mkdir()
    for cwd in (tmp_path, tmp_path / "elsewhere"):
        monkeypatch.chdir(cwd)
        name = file if file == "-" else str(tmp_path / file)
        assert path_matches(name, pattern, str(tmp_path / "cfg")) is expected
