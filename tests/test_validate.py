"""Tests of k8snetlint.validate: schema choice, every violation at its field, wording."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from k8snetlint import validate as V
from k8snetlint.document import Manifest, YMap, YSeq, get_path
from k8snetlint.validate import Violation

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "validate"
VERSIONS = V.available_versions()


# --------------------------------------------------------------------------------------
# Helpers: Manifests without the loader. PyYAML reads YAML 1.1 like Kubernetes does
# (``1.10`` is the float 1.1, ``yes`` is true).


def ydata(value: Any) -> Any:
    if isinstance(value, dict):
        m = YMap()
        for k, v in value.items():
            m[k] = ydata(v)
        return m
    if isinstance(value, list):
        s = YSeq()
        s.extend(ydata(v) for v in value)
        return s
    return value


def manifest(data: dict[str, Any], index: int = 0, file: str = "test.yaml") -> Manifest:
    meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    return Manifest(
        file=file,
        doc_index=index,
        data=ydata(data),
        api_version=str(data.get("apiVersion", "")),
        kind=str(data.get("kind", "")),
        name=str((meta or {}).get("name", "")),
        namespace=(meta or {}).get("namespace"),
    )


def load(name: str) -> list[Manifest]:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    docs = [d for d in yaml.safe_load_all(text) if isinstance(d, dict)]
    return [manifest(d, i, name) for i, d in enumerate(docs)]


def check(data: dict[str, Any], version: str | None = None) -> list[Violation]:
    return [v for _, v in V.validate_all([manifest(data)], version or V.default_version())]


def deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {
                            "name": "web",
                            "image": "nginx",
                            "ports": [{"name": "http", "containerPort": 8080}],
                            "readinessProbe": {"httpGet": {"port": "http", "path": "/"}},
                        }
                    ]
                },
            },
        },
    }


def service() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"app": "web"},
            "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def network_policy() -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "db"},
        "spec": {
            "podSelector": {"matchLabels": {"app": "db"}},
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": [{"podSelector": {"matchLabels": {"app": "web"}}}],
                    "ports": [{"port": 5432, "protocol": "TCP"}],
                }
            ],
        },
    }


def ingress() -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "web"},
        "spec": {
            "rules": [
                {
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "web", "port": {"number": 80}}},
                            }
                        ]
                    }
                }
            ]
        },
    }


def pvc() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }


def setp(data: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    cur: Any = data
    for step in path[:-1]:
        cur = cur[step]
    cur[path[-1]] = value
    return data


CONTAINER = ("spec", "template", "spec", "containers", 0)
POD = ("spec", "template", "spec")


# --------------------------------------------------------------------------------------
# Versions


def test_available_versions() -> None:
    assert [f"1.{n}" for n in range(30, 38)] == VERSIONS
    assert V.default_version() == "1.37"


@pytest.mark.parametrize("text", ["1.36", "v1.36", "1.36.2", "v1.36.4-gke.100", " 1.36 "])
def test_version_spellings(text: str) -> None:
    assert V.resolve_version(text) == "1.36"


def test_version_outside_shipped_range() -> None:
    assert V.resolve_version("1.99") == "1.37"
    assert V.resolve_version("1.20") == "1.30"
    assert V.resolve_version("") == "1.37"
    assert V.resolve_version(None) == "1.37"
    with pytest.raises(ValueError, match="not a Kubernetes version"):
        V.resolve_version("latest")


def test_validate_all_accepts_version_spellings() -> None:
    bad = setp(deployment(), ("spec", "replicas"), "two")
    for text in ("1.37", "v1.37", "1.37.2"):
        assert [v.path for v in check(bad, text)] == [("spec", "replicas")]


# --------------------------------------------------------------------------------------
# Valid input produces nothing


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(
    "name",
    ["seed-examples.yaml", "valid-rich-deployment.yaml", "valid-network.yaml", "valid-misc.yaml"],
)
def test_valid_fixtures_have_no_violation(name: str, version: str) -> None:
    manifests = load(name)
    assert manifests
    found = [(m.kind, m.name, v.message) for m, v in V.validate_all(manifests, version)]
    assert found == []


def test_seed_examples_count() -> None:
    assert len(load("seed-examples.yaml")) == 8


@pytest.mark.parametrize(
    "make", [deployment, service, network_policy, ingress, pvc], ids=lambda f: f.__name__
)
def test_builders_are_valid(make: Callable[[], dict[str, Any]]) -> None:
    assert check(make()) == []


# --------------------------------------------------------------------------------------
# Every violation, at its field, in plain words


def test_every_violation_is_reported() -> None:
    data = deployment()
    setp(data, ("spec", "replicas"), "two")
    setp(data, (*CONTAINER, "foo"), 1)
    del data["spec"]["selector"]
    found = check(data)
    assert len(found) == 3
    by_path = {v.path: v for v in found}
    assert by_path[("spec", "replicas")] == Violation(
        "schema-violation",
        ("spec", "replicas"),
        'spec.replicas: expected an integer, got the string "two"',
    )
    assert by_path[CONTAINER + ("foo",)] == Violation(
        "schema-violation",
        (*CONTAINER, "foo"),
        'spec.template.spec.containers[0].foo: unknown field "foo"',
        key=True,
    )
    assert by_path[("spec",)] == Violation(
        "schema-violation",
        ("spec",),
        'spec.selector: required field "selector" is missing',
        key=True,
    )


def test_many_problems_in_many_places() -> None:
    data = deployment()
    container = get_path(data, CONTAINER)
    container["ports"] = [
        {"containerPort": 70000, "protocol": "TCPX", "name": "HTTP"},
        {"containerPort": 0},
    ]
    container["imagePullPolicy"] = "always"
    data["spec"]["template"]["spec"]["restartPolicy"] = "Sometimes"
    found = check(data)
    paths = sorted(str(v.path) for v in found)
    assert len(found) == 6, [v.message for v in found]
    assert str((*CONTAINER, "ports", 0, "containerPort")) in paths
    assert str((*CONTAINER, "ports", 1, "containerPort")) in paths
    assert all(v.rule == "schema-violation" for v in found)


def test_wrong_types() -> None:
    data = deployment()
    setp(data, (*CONTAINER, "image"), 42)
    setp(data, (*POD, "hostNetwork"), "yes please")
    setp(data, ("spec", "template", "spec", "containers", 0, "args"), "--flag")
    msgs = {v.path: v.message for v in check(data)}
    assert msgs[CONTAINER + ("image",)] == (
        "spec.template.spec.containers[0].image: expected a string, got the number 42; quote it"
    )
    assert msgs[POD + ("hostNetwork",)].startswith(
        "spec.template.spec.hostNetwork: expected a boolean"
    )
    assert msgs[CONTAINER + ("args",)] == (
        'spec.template.spec.containers[0].args: expected a list, got the string "--flag"'
    )


def test_quoted_number_hint() -> None:
    (v,) = check(setp(deployment(), ("spec", "replicas"), "3"))
    assert v.message == 'spec.replicas: expected an integer, got the string "3"; remove the quotes'


def test_list_where_mapping_expected() -> None:
    found = check(setp(deployment(), ("spec", "template", "spec"), ["a", "b"]))
    assert [v.path for v in found] == [("spec", "template", "spec")]
    assert "expected a mapping, got a list" in found[0].message


def test_missing_required_fields() -> None:
    data = deployment()
    del data["spec"]["template"]["spec"]["containers"][0]["name"]
    data["spec"]["template"]["spec"]["containers"][0]["ports"][0].pop("containerPort")
    found = check(data)
    assert {(v.path, v.message, v.key) for v in found} == {
        (
            CONTAINER,
            'spec.template.spec.containers[0].name: required field "name" is missing',
            True,
        ),
        (
            (*CONTAINER, "ports", 0),
            "spec.template.spec.containers[0].ports[0].containerPort: required field "
            '"containerPort" is missing',
            True,
        ),
    }


def test_missing_spec_of_deployment() -> None:
    data = deployment()
    del data["spec"]
    (v,) = check(data)
    assert v.path == () and v.key
    assert v.message == 'spec: required field "spec" is missing'


def test_missing_name_unless_generate_name() -> None:
    data: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"labels": {"a": "b"}},
    }
    (v,) = check(data)
    assert v.path == ("metadata",) and v.key
    assert v.message.startswith('metadata.name: required field "name" is missing')
    data["metadata"]["generateName"] = "cfg-"
    assert check(data) == []
    (v,) = check({"apiVersion": "v1", "kind": "ConfigMap"})
    assert v.message == 'metadata: required field "metadata" is missing'


def test_unknown_field_with_suggestion() -> None:
    data = deployment()
    setp(data, (*CONTAINER, "imagePullpolicy"), "Always")
    setp(data, ("spec", "replica"), 3)
    msgs = {v.path: (v.message, v.key) for v in check(data)}
    assert msgs[CONTAINER + ("imagePullpolicy",)] == (
        'spec.template.spec.containers[0].imagePullpolicy: unknown field "imagePullpolicy"; '
        'did you mean "imagePullPolicy"?',
        True,
    )
    assert msgs[("spec", "replica")][0].startswith('spec.replica: unknown field "replica"')


def test_unknown_top_level_field() -> None:
    data = service()
    data["specs"] = {}
    (v,) = check(data)
    assert v.path == ("specs",) and v.key
    assert v.message.startswith('specs: unknown field "specs"; did you mean "spec"?')


def test_int_or_string_wording() -> None:
    data = service()
    setp(data, ("spec", "ports", 0, "targetPort"), {"port": 80})
    (v,) = check(data)
    assert v.message == "spec.ports[0].targetPort: expected an integer or a string, got a mapping"


def test_quantity() -> None:
    data = deployment()
    setp(data, (*CONTAINER, "resources"), {"limits": {"memory": "1Gb", "cpu": 0.5}})
    (v,) = check(data)
    assert v.path == (*CONTAINER, "resources", "limits", "memory")
    assert '"1Gb" is not a valid quantity' in v.message


def test_int32_range_and_negative_replicas() -> None:
    (v,) = check(setp(deployment(), ("spec", "replicas"), 2**40))
    assert "does not fit in a 32-bit integer" in v.message
    (v,) = check(setp(deployment(), ("spec", "replicas"), -1))
    assert v.message == "spec.replicas: must not be negative, got -1"


# --------------------------------------------------------------------------------------
# Value checks the OpenAPI schemas lack


PORT_CASES: list[tuple[str, Callable[[], dict[str, Any]], tuple[str | int, ...], Any]] = [
    ("containerPort 0", deployment, (*CONTAINER, "ports", 0, "containerPort"), 0),
    ("containerPort high", deployment, (*CONTAINER, "ports", 0, "containerPort"), 70000),
    ("hostPort", deployment, (*CONTAINER, "ports", 0, "hostPort"), 65536),
    ("service port", service, ("spec", "ports", 0, "port"), 0),
    ("targetPort number", service, ("spec", "ports", 0, "targetPort"), 70000),
    ("nodePort", service, ("spec", "ports", 0, "nodePort"), 99999),
    ("policy port", network_policy, ("spec", "ingress", 0, "ports", 0, "port"), 0),
    ("policy endPort", network_policy, ("spec", "ingress", 0, "ports", 0, "endPort"), 70000),
    ("httpGet port", deployment, (*CONTAINER, "readinessProbe", "httpGet", "port"), 123456),
    (
        "ingress backend",
        ingress,
        ("spec", "rules", 0, "http", "paths", 0, "backend", "service", "port", "number"),
        0,
    ),
]


@pytest.mark.parametrize(
    ("make", "path", "value"), [c[1:] for c in PORT_CASES], ids=[c[0] for c in PORT_CASES]
)
def test_port_ranges(
    make: Callable[[], dict[str, Any]], path: tuple[str | int, ...], value: Any
) -> None:
    (v,) = check(setp(make(), path, value))
    assert v.rule == "schema-violation"
    assert v.path == path
    assert v.message.endswith(f"{value} is not a valid port number; it must be between 1 and 65535")


def test_probe_ports_tcp_and_grpc() -> None:
    data = deployment()
    container = get_path(data, CONTAINER)
    container["livenessProbe"] = {"tcpSocket": {"port": 0}}
    container["startupProbe"] = {"grpc": {"port": 70000}}
    assert sorted(v.path[-2] for v in check(data)) == ["grpc", "tcpSocket"]


def test_zero_host_and_node_port_mean_unset() -> None:
    assert check(setp(deployment(), (*CONTAINER, "ports", 0, "hostPort"), 0)) == []
    assert check(setp(service(), ("spec", "ports", 0, "nodePort"), 0)) == []


ENUM_CASES: list[tuple[Callable[[], dict[str, Any]], tuple[str | int, ...], Any, str]] = [
    (service, ("spec", "type"), "Nodeport", "NodePort"),
    (service, ("spec", "ports", 0, "protocol"), "TCPX", "TCP"),
    (deployment, (*CONTAINER, "ports", 0, "protocol"), "tcp", "TCP"),
    (network_policy, ("spec", "ingress", 0, "ports", 0, "protocol"), "HTTP", "SCTP"),
    (deployment, (*CONTAINER, "imagePullPolicy"), "always", "IfNotPresent"),
    (deployment, (*POD, "restartPolicy"), "Sometimes", "OnFailure"),
    (deployment, (*POD, "dnsPolicy"), "ClusterFirstWithHostnet", "ClusterFirstWithHostNet"),
    (service, ("spec", "externalTrafficPolicy"), "Global", "Local"),
    (service, ("spec", "internalTrafficPolicy"), "Node", "Cluster"),
    (service, ("spec", "sessionAffinity"), "Sticky", "ClientIP"),
    (service, ("spec", "ipFamilyPolicy"), "DualStack", "RequireDualStack"),
    (ingress, ("spec", "rules", 0, "http", "paths", 0, "pathType"), "prefix", "Prefix"),
    (network_policy, ("spec", "policyTypes", 0), "ingress", "Egress"),
    (pvc, ("spec", "accessModes", 0), "ReadWriteAll", "ReadOnlyMany"),
    (deployment, ("spec", "strategy"), {"type": "BlueGreen"}, "Recreate"),
]


@pytest.mark.parametrize(("make", "path", "value", "allowed"), ENUM_CASES)
def test_closed_enums(
    make: Callable[[], dict[str, Any]], path: tuple[str | int, ...], value: Any, allowed: str
) -> None:
    (v,) = check(setp(make(), path, value))
    assert v.rule == "schema-violation"
    where = path if not isinstance(value, dict) else (*path, "type")
    assert v.path == where
    shown = value["type"] if isinstance(value, dict) else value
    assert f'unsupported value "{shown}"; expected one of' in v.message
    assert f'"{allowed}"' in v.message


def test_enum_suggests_right_case() -> None:
    (v,) = check(setp(service(), ("spec", "type"), "nodeport"))
    assert v.message == (
        'spec.type: unsupported value "nodeport"; expected one of "ClusterIP", "NodePort", '
        '"LoadBalancer", "ExternalName" (did you mean "NodePort"?)'
    )


def test_init_container_restart_policy_always_is_valid() -> None:
    data = deployment()
    data["spec"]["template"]["spec"]["initContainers"] = [
        {"name": "sidecar", "image": "envoy", "restartPolicy": "Always"}
    ]
    assert check(data) == []
    data["spec"]["template"]["spec"]["initContainers"][0]["restartPolicy"] = "always"
    assert len(check(data)) == 1


NAME_CASES: list[tuple[str, Callable[[], dict[str, Any]], tuple[str | int, ...], Any, str]] = [
    ("deployment upper", deployment, ("metadata", "name"), "My_App", "DNS-1123 subdomain"),
    ("deployment too long", deployment, ("metadata", "name"), "a" * 254, "254 characters"),
    ("service digit", service, ("metadata", "name"), "1web", "DNS-1035 label"),
    ("service dot", service, ("metadata", "name"), "web.v1", "DNS-1035 label"),
    ("container", deployment, (*CONTAINER, "name"), "Web", "DNS-1123 label"),
    (
        "port name long",
        deployment,
        (*CONTAINER, "ports", 0, "name"),
        "http-metrics-port",
        "IANA service name",
    ),
    ("port name digits", deployment, (*CONTAINER, "ports", 0, "name"), "8080", "no letter"),
    ("port name dashes", deployment, (*CONTAINER, "ports", 0, "name"), "web--http", "'--'"),
    ("targetPort name", service, ("spec", "ports", 0, "targetPort"), "Http", "IANA service name"),
    (
        "probe port name",
        deployment,
        (*CONTAINER, "readinessProbe", "httpGet", "port"),
        "-http",
        "IANA service name",
    ),
    ("service port name", service, ("spec", "ports", 0, "name"), "HTTP", "DNS-1123 label"),
    ("namespace field", deployment, ("metadata", "namespace"), "Prod", "DNS-1123 label"),
]


@pytest.mark.parametrize(
    ("make", "path", "value", "words"), [c[1:] for c in NAME_CASES], ids=[c[0] for c in NAME_CASES]
)
def test_names(
    make: Callable[[], dict[str, Any]], path: tuple[str | int, ...], value: Any, words: str
) -> None:
    (v,) = check(setp(make(), path, value))
    assert v.path == path
    assert words in v.message
    assert v.message.startswith(V._dotted(path) + ": ")


def test_namespace_object_name_is_a_label() -> None:
    data = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team.a"}}
    (v,) = check(data)
    assert "not a valid Namespace name" in v.message and "DNS-1123 label" in v.message


def test_rbac_names_are_path_segments() -> None:
    data: dict[str, Any] = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "system:controller:Thing"},
    }
    assert check(data) == []
    data["metadata"]["name"] = "a/b"
    (v,) = check(data)
    assert "path segment" in v.message


def test_cronjob_name_limit() -> None:
    data: dict[str, Any] = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "n" * 53},
        "spec": {
            "schedule": "* * * * *",
            "jobTemplate": {
                "spec": {
                    "template": {
                        "spec": {
                            "restartPolicy": "Never",
                            "containers": [{"name": "c", "image": "busybox"}],
                        }
                    }
                }
            },
        },
    }
    (v,) = check(data)
    assert "53 characters long (at most 52)" in v.message
    data["metadata"]["name"] = "n" * 52
    assert check(data) == []


def test_float_label_value() -> None:
    (m,) = [m for m in load("invalid-yaml11.yaml") if m.kind == "ConfigMap"]
    assert m.data["metadata"]["labels"]["version"] == 1.1  # YAML 1.1 read it as a float
    msgs = {v.path: v.message for _, v in V.validate_all([m], "1.37")}
    assert msgs[("metadata", "labels", "version")] == (
        "metadata.labels.version: label value must be a string, got the number 1.1; quote it"
    )
    assert msgs[("metadata", "labels", "enabled")] == (
        "metadata.labels.enabled: label value must be a string, got the boolean true; quote it"
    )
    assert msgs[("metadata", "annotations", "feature/flag")] == (
        'metadata.annotations["feature/flag"]: annotation value must be a string, '
        "got the boolean true; quote it"
    )


def test_yaml11_booleans_in_template_and_env() -> None:
    (m,) = [m for m in load("invalid-yaml11.yaml") if m.kind == "Deployment"]
    msgs = {v.path: v.message for _, v in V.validate_all([m], "1.37")}
    assert set(msgs) == {
        ("spec", "template", "metadata", "labels", "release"),
        (*CONTAINER, "env", 0, "value"),
    }
    assert msgs[CONTAINER + ("env", 0, "value")].endswith(
        "expected a string, got the boolean true; quote it"
    )


LABEL_CASES: list[tuple[str, tuple[str | int, ...]]] = [
    ("object labels", ("metadata", "labels")),
    ("template labels", ("spec", "template", "metadata", "labels")),
    ("selector", ("spec", "selector", "matchLabels")),
]


@pytest.mark.parametrize("where", [c[1] for c in LABEL_CASES], ids=[c[0] for c in LABEL_CASES])
def test_label_syntax_everywhere(where: tuple[str | int, ...]) -> None:
    data = deployment()
    labels = {"app": "web", "bad key": "x", "ok": "-starts-with-dash", "long": "v" * 64}
    setp(data, where, labels)
    found = [v for v in check(data) if v.path[: len(where)] == where]
    by_path = {v.path: v for v in found}
    assert set(by_path) == {(*where, "bad key"), (*where, "ok"), (*where, "long")}
    key = by_path[where + ("bad key",)]
    assert key.key and 'invalid label key "bad key"' in key.message
    assert "invalid label value" in by_path[where + ("ok",)].message
    assert "64 characters long (at most 63)" in by_path[where + ("long",)].message


@pytest.mark.parametrize(
    "key",
    ["app", "app.kubernetes.io/name", "example.com/Team_Name.v2", "a" * 63, "x/" + "b" * 63],
)
def test_good_label_keys(key: str) -> None:
    assert check(setp(deployment(), ("metadata", "labels"), {key: "v"})) == []


@pytest.mark.parametrize(
    "key", ["/app", "Example.com/app", "a/b/c", "app/", "-app", "a" * 64, "x/" + "b" * 64]
)
def test_bad_label_keys(key: str) -> None:
    (v,) = check(setp(deployment(), ("metadata", "labels"), {key: "v"}))
    assert v.path == ("metadata", "labels", key) and v.key
    assert "invalid label key" in v.message


def test_label_checks_in_other_selectors() -> None:
    data = network_policy()
    setp(data, ("spec", "ingress", 0, "from", 0, "podSelector", "matchLabels"), {"tier": 2})
    data["spec"]["podSelector"]["matchExpressions"] = [
        {"key": "bad key", "operator": "In", "values": ["ok", "not ok"]}
    ]
    svc = setp(service(), ("spec", "selector"), {"app": True})
    found = check(data) + check(svc)
    assert {v.path for v in found} == {
        ("spec", "ingress", 0, "from", 0, "podSelector", "matchLabels", "tier"),
        ("spec", "podSelector", "matchExpressions", 0, "key"),
        ("spec", "podSelector", "matchExpressions", 0, "values", 1),
        ("spec", "selector", "app"),
    }


def test_annotation_keys() -> None:
    data = service()
    data["metadata"]["annotations"] = {
        "example.com/-x": "a",
        "fine.example.com/x-y_z": "b",
        "Upper.Example.com/Case": "c",  # checked lower-cased by the API server
    }
    (v,) = check(data)
    assert v.path == ("metadata", "annotations", "example.com/-x") and v.key
    assert "invalid annotation key" in v.message


def test_each_violation_path_exists() -> None:
    data = deployment()
    setp(data, ("metadata", "labels"), {"v": 1.1, "bad key": "x"})
    setp(data, (*CONTAINER, "ports", 0, "containerPort"), 0)
    setp(data, (*CONTAINER, "bogus"), True)
    del data["spec"]["selector"]
    for v in check(data):
        assert get_path(data, v.path) is not None or v.path == ()
        assert v.message.split(":", 1)[0]


# --------------------------------------------------------------------------------------
# Kinds: removed, unknown, built-in group, custom resources


def test_removed_api_version() -> None:
    found = [(m.kind, v) for m, v in V.validate_all(load("removed-apis.yaml"), "1.37")]
    assert [v.rule for _, v in found] == ["removed-api-version"] * 3
    ingress_v = dict(found)["Ingress"]
    assert ingress_v.path == ("apiVersion",)
    assert ingress_v.message == (
        "apiVersion: extensions/v1beta1 Ingress was removed in Kubernetes 1.22 and is not "
        "served by 1.37; use apiVersion networking.k8s.io/v1"
    )
    assert "batch/v1" in dict(found)["CronJob"].message
    assert "no replacement" in dict(found)["PodSecurityPolicy"].message


@pytest.mark.parametrize(
    ("api_version", "kind", "removed_in", "replacement"),
    [
        ("extensions/v1beta1", "Deployment", "1.16", "apps/v1"),
        ("apps/v1beta2", "DaemonSet", "1.16", "apps/v1"),
        ("extensions/v1beta1", "NetworkPolicy", "1.16", "networking.k8s.io/v1"),
        ("networking.k8s.io/v1beta1", "Ingress", "1.22", "networking.k8s.io/v1"),
        ("networking.k8s.io/v1beta1", "IngressClass", "1.22", "networking.k8s.io/v1"),
        (
            "rbac.authorization.k8s.io/v1beta1",
            "ClusterRole",
            "1.22",
            "rbac.authorization.k8s.io/v1",
        ),
        (
            "apiextensions.k8s.io/v1beta1",
            "CustomResourceDefinition",
            "1.22",
            "apiextensions.k8s.io/v1",
        ),
        ("policy/v1beta1", "PodDisruptionBudget", "1.25", "policy/v1"),
        ("autoscaling/v2beta1", "HorizontalPodAutoscaler", "1.25", "autoscaling/v2"),
        ("autoscaling/v2beta2", "HorizontalPodAutoscaler", "1.26", "autoscaling/v2"),
        ("storage.k8s.io/v1beta1", "CSIStorageCapacity", "1.27", "storage.k8s.io/v1"),
        (
            "flowcontrol.apiserver.k8s.io/v1beta3",
            "FlowSchema",
            "1.32",
            "flowcontrol.apiserver.k8s.io/v1",
        ),
    ],
)
def test_removed_table(api_version: str, kind: str, removed_in: str, replacement: str) -> None:
    (v,) = check({"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}}, "1.34")
    assert v.rule == "removed-api-version" and v.path == ("apiVersion",)
    assert f"removed in Kubernetes {removed_in}" in v.message
    assert f"use apiVersion {replacement}" in v.message


# Kinds that no served apiVersion offers any more, removed in Kubernetes 1.14 or later
# (release notes and the deprecation guide): each must be removed-api-version, never
# "unknown kind" (issue 13 item 6).
REMOVED_KINDS = [
    ("admissionregistration.k8s.io/v1alpha1", "InitializerConfiguration", "1.14"),
    ("extensions/v1beta1", "PodSecurityPolicy", "1.16"),
    ("auditregistration.k8s.io/v1alpha1", "AuditSink", "1.19"),
    ("settings.k8s.io/v1alpha1", "PodPreset", "1.20"),
    ("policy/v1beta1", "PodSecurityPolicy", "1.25"),
    ("resource.k8s.io/v1alpha1", "PodScheduling", "1.27"),
    ("resource.k8s.io/v1alpha1", "ResourceClass", "1.27"),
    ("networking.k8s.io/v1alpha1", "ClusterCIDR", "1.29"),
    ("resource.k8s.io/v1alpha2", "ResourceClaimParameters", "1.31"),
    ("resource.k8s.io/v1alpha2", "ResourceClassParameters", "1.31"),
    ("resource.k8s.io/v1alpha3", "PodSchedulingContext", "1.32"),
]


@pytest.mark.parametrize(("api_version", "kind", "removed_in"), REMOVED_KINDS)
def test_removed_kind_is_a_removed_api(api_version: str, kind: str, removed_in: str) -> None:
    (v,) = check({"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}}, "1.34")
    assert v.rule == "removed-api-version" and v.path == ("apiVersion",)
    assert f"removed in Kubernetes {removed_in}" in v.message


def test_removed_between_shipped_versions() -> None:
    data = {
        "apiVersion": "networking.k8s.io/v1beta1",
        "kind": "ServiceCIDR",
        "metadata": {"name": "x"},
        "spec": {"cidrs": ["10.96.0.0/16"]},
    }
    assert check(data, "1.36") == []
    (v,) = check(data, "1.37")
    assert v.rule == "removed-api-version" and "removed in Kubernetes 1.37" in v.message


def test_unknown_kind_without_crd() -> None:
    data = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"anything": "goes"},
    }
    (v,) = check(data)
    assert v.rule == "unknown-kind" and v.path == ("kind",)
    assert "Widget" in v.message


@pytest.mark.parametrize(
    ("api_version", "kind", "path", "words"),
    [
        ("apps/v1", "Deploymnt", ("kind",), 'did you mean "Deployment"?'),
        ("v1", "Deployment", ("kind",), "Deployment is served as apps/v1"),
        ("apps/v2", "Deployment", ("apiVersion",), "Deployment is served as apps/v1"),
        ("networking.k8s.io/v1", "Gateway", ("kind",), "unknown kind Gateway"),
        ("extensions/v1beta1", "Gizmo", ("kind",), "unknown kind Gizmo"),
    ],
)
def test_unknown_kind_of_builtin_group(
    api_version: str, kind: str, path: tuple[str, ...], words: str
) -> None:
    (v,) = check({"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}})
    assert v.rule == "schema-violation" and v.path == path
    assert f"unknown kind {kind} for apiVersion {api_version}" in v.message
    assert words in v.message


def test_crd_supplies_schema() -> None:
    manifests = load("crd-widgets.yaml")
    found = [(m.name, v) for m, v in V.validate_all(manifests, "1.37")]
    names = {n for n, _ in found}
    assert "widgets.example.com" not in names  # the CRD itself is valid
    assert "good" not in names
    bad = {v.path: v.message for n, v in found if n == "bad"}
    assert bad == {
        ("spec", "size"): "spec.size: must be at most 10, got the number 30",
        ("spec", "color"): 'spec.color: unsupported value "green"; expected one of "red", "blue"',
        ("spec", "colour"): 'spec.colour: unknown field "colour"; did you mean "color"?',
        ("spec", "tags", 0): 'spec.tags[0]: the string "Alpha" does not match the pattern ^[a-z]+$',
    }
    (future,) = [v for n, v in found if n == "future"]
    assert future.path == ("apiVersion",) and "versions: v1" in future.message


def test_crd_schema_details() -> None:
    crd, good, _, _ = load("crd-widgets.yaml")
    cases: list[tuple[tuple[str | int, ...], Any, str]] = [
        (("spec", "port"), 8080, ""),
        (("spec", "port"), 1.5, "expected an integer or a string, got the number 1.5"),
        (("spec", "note"), None, ""),
        (("spec", "settings", "nested"), {"x": [1]}, ""),
        (("spec", "size"), None, "expected an integer, got null"),
        (("metadata", "labels", "bad key"), "x", "invalid label key"),
    ]
    for path, value, words in cases:
        data = copy.deepcopy(good.data)
        setp(data, path, value)
        found = [v for m, v in V.validate_all([crd, manifest(data)], "1.37") if m.kind == "Widget"]
        if words:
            assert len(found) == 1 and words in found[0].message, (path, found)
        else:
            assert found == [], (path, found)
    data = copy.deepcopy(good.data)
    del data["spec"]["size"]
    (v,) = [v for m, v in V.validate_all([crd, manifest(data)], "1.37") if m.kind == "Widget"]
    assert v.message == 'spec.size: required field "size" is missing'


def test_crd_translation() -> None:
    schema = V.crd_to_jsonschema(
        {
            "type": "object",
            "properties": {
                "a": {"type": "integer", "minimum": 0, "exclusiveMinimum": True},
                "b": {"type": "string", "nullable": True, "enum": ["x"]},
                "c": {"x-kubernetes-int-or-string": True},
                "d": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                "e": {"type": "string", "pattern": "([unclosed"},
                "f": {"type": "string", "pattern": "^[[:alpha:]]+$"},
                "g": {"type": "string", "pattern": "^[a-z]+$"},
            },
        }
    )
    props = schema["properties"]
    assert schema["additionalProperties"] is False
    assert props["a"] == {"type": "integer", "exclusiveMinimum": 0}
    assert props["b"] == {"type": ["string", "null"], "enum": ["x", None]}
    assert props["c"] == {"type": ["integer", "string"]}
    assert props["d"] == {"type": "object"}
    assert props["e"] == {"type": "string"}
    assert props["f"] == {"type": "string"}
    assert props["g"] == {"type": "string", "pattern": "^[a-z]+$"}


def test_crd_served_false_and_odd_crds() -> None:
    crd, good, _, _ = load("crd-widgets.yaml")
    data = copy.deepcopy(crd.data)
    data["spec"]["versions"][0]["served"] = False
    found = [v for m, v in V.validate_all([manifest(data), good], "1.37") if m.kind == "Widget"]
    assert len(found) == 1 and "not served" in found[0].message
    broken = copy.deepcopy(crd.data)
    broken["spec"]["versions"] = "v1"
    found = [v for m, v in V.validate_all([manifest(broken), good], "1.37") if m.kind == "Widget"]
    assert len(found) == 1 and found[0].path == ("apiVersion",)


# --------------------------------------------------------------------------------------
# Robustness


GARBAGE: list[dict[str, Any]] = [
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}, "spec": "yes"},
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["x"], "spec": []},
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": None, "spec": None},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": 12}, "spec": {"ports": {"a": 1}}},
    {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "x", "labels": {1: 2, None: True}},
    },
    {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "x"},
        "spec": {"containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 10**40}]}]},
    },
    {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "x"},
        "spec": {
            "containers": [{"name": "c", "image": "i", "ports": [{"containerPort": -(10**40)}]}]
        },
    },
    {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "x"},
        "data": {"when": __import__("datetime").date(2024, 1, 1)},
    },
    {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "x"},
        "data": {"n": float("nan")},
    },
    {"apiVersion": "", "kind": "", "metadata": {}},
    {"apiVersion": "v1", "kind": "List", "items": []},
    {"apiVersion": "example.com/v1", "kind": "X"},
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "\u00e9t\u00e9\n"}},
]


@pytest.mark.parametrize("data", GARBAGE, ids=range(len(GARBAGE)))
def test_never_raises(data: dict[str, Any]) -> None:
    found = check(data)
    for v in found:
        assert isinstance(v, Violation) and v.message


def test_deep_nesting_does_not_raise() -> None:
    deep: Any = "leaf"
    for _ in range(5000):
        deep = {"a": deep}
    data = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": deep}
    m = Manifest("t", 0, data, "v1", "ConfigMap", "x", None)  # type: ignore[arg-type]
    found = [v for _, v in V.validate_all([m], "1.37")]
    assert len(found) == 1 and "nested" in found[0].message
    crd_like: Any = {}
    cur = crd_like
    for _ in range(150):
        cur["type"] = "object"
        cur["properties"] = {"a": {}}
        cur = cur["properties"]["a"]
    wide = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "as.example.com"},
        "spec": {
            "group": "example.com",
            "scope": "Namespaced",
            "names": {"kind": "A", "plural": "as"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": crd_like},
                }
            ],
        },
    }
    for _, v in V.validate_all([manifest(wide)], "1.37"):
        assert isinstance(v, Violation)


def test_violation_is_frozen_and_hashable() -> None:
    v = Violation("schema-violation", ("a", 0), "a[0]: x")
    assert v.key is False
    with pytest.raises(AttributeError):
        v.message = "y"  # type: ignore[misc]
    assert len({v, Violation("schema-violation", ("a", 0), "a[0]: x")}) == 1


def test_validators_are_cached() -> None:
    store = V._store("1.37")
    first = store.validator("apps/v1", "Deployment")
    assert first is not None and first is store.validator("apps/v1", "Deployment")
    assert V._store("1.37") is store
    assert store.validator("apps/v1", "Nope") is None


def test_kind_schemas_have_only_local_refs() -> None:
    store = V._store("1.37")
    compiled = store.validator("apps/v1", "Deployment")
    assert compiled is not None
    refs = set(V._refs(compiled.schema))
    assert refs and refs <= set(compiled.schema["$defs"])


@pytest.mark.parametrize("version", VERSIONS)
def test_overlay_targets_exist(version: str) -> None:
    """Every field the overlay constrains exists in every shipped version (no typos)."""
    defs = V._store(version).defs
    targets = [*V.CLOSED_ENUMS, *V.FIELD_CHECKS, *V.NON_NEGATIVE]
    missing = [
        (name, prop)
        for name, prop in targets
        if prop.removesuffix("[]") not in defs.get(name, {}).get("properties", {})
    ]
    # Fields younger than the oldest shipped version are allowed to be missing there.
    allowed = {("io.k8s.api.batch.v1.JobSpec", "podReplacementPolicy")}
    assert set(missing) <= allowed


# --------------------------------------------------------------------------------------
# The compiled fast path and the jsonschema path agree


def _variants() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name in (
        "seed-examples.yaml",
        "valid-rich-deployment.yaml",
        "valid-network.yaml",
        "valid-misc.yaml",
        "invalid-yaml11.yaml",
    ):
        out.extend(V.to_json(m.data) for m in load(name))
    for make, path, value in [c[1:] for c in PORT_CASES]:
        out.append(setp(make(), path, value))
    for make, path, value, _ in ENUM_CASES:
        out.append(setp(make(), path, value))
    for make, path, value, _ in [c[1:] for c in NAME_CASES]:
        out.append(setp(make(), path, value))
    for key in ["/app", "a/b/c", "x/" + "b" * 64, "ok", "a.b/c", "é"]:
        out.append(setp(deployment(), ("metadata", "labels"), {key: "v\n"}))
        out.append(setp(deployment(), ("metadata", "labels"), {"k": key + "\n"}))
    out.append(setp(deployment(), ("metadata", "name"), "web\n"))
    out.append(setp(deployment(), (*CONTAINER, "resources"), {"limits": {"cpu": "1\n"}}))
    out.extend(GARBAGE[:7])
    return out


def test_fast_and_slow_paths_agree() -> None:
    store = V._store(V.default_version())
    checked = valid = 0
    for data in _variants():
        compiled = store.validator(str(data.get("apiVersion")), str(data.get("kind")))
        if compiled is None:
            continue
        instance = V.to_json(data)
        fast = compiled.is_valid(instance)
        slow = not compiled.errors(instance)
        assert fast is not None
        assert fast == slow, json.dumps(data, default=str)[:300]
        checked += 1
        valid += slow
    assert checked > 60 and 20 < valid < checked - 20


def test_fast_path_rejects_then_words_every_error() -> None:
    for data in _variants():
        found = check(data)
        store = V._store(V.default_version())
        compiled = store.validator(str(data.get("apiVersion")), str(data.get("kind")))
        if compiled is not None and compiled.is_valid(V.to_json(data)) is False:
            assert found, json.dumps(data, default=str)[:300]
        for v in found:
            assert v.message.startswith(V._dotted(v.path)) or v.key


def test_crd_one_of_and_any_of_wording() -> None:
    crd, good, _, _ = load("crd-widgets.yaml")
    data = copy.deepcopy(crd.data)
    spec_schema = data["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    del spec_schema["required"]
    spec_schema["anyOf"] = [{"required": ["size"]}, {"required": ["color"]}]
    spec_schema["properties"]["port"] = {
        "oneOf": [
            {"type": "integer", "minimum": 1},
            {"type": "string", "pattern": "^[a-z]+$"},
        ]
    }
    cr = copy.deepcopy(good.data)
    cr["spec"] = {"port": "ABC"}
    found = {
        v.path: v.message
        for m, v in V.validate_all([manifest(data), manifest(cr)], "1.37")
        if m.kind == "Widget"
    }
    assert found[("spec",)] == 'spec: one of the fields "color", "size" must be set'
    assert (
        found[("spec", "port")] == 'spec.port: the string "ABC" does not match the pattern ^[a-z]+$'
    )
    cr["spec"] = {"size": 1, "port": True}
    found = {
        v.path: v.message
        for m, v in V.validate_all([manifest(data), manifest(cr)], "1.37")
        if m.kind == "Widget"
    }
    assert found == {
        ("spec", "port"): "spec.port: expected an integer or a string, got the boolean true"
    }


@pytest.mark.parametrize(
    ("api_version", "kind", "version", "removed"),
    [
        ("policy/v1beta1", "PodSecurityPolicy", "1.24", False),
        ("policy/v1beta1", "PodSecurityPolicy", "1.25", True),
        ("flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema", "1.28", False),
        ("flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema", "1.29", True),
        ("flowcontrol.apiserver.k8s.io/v1beta2", "FlowSchema", "1.30", True),
    ],
)
def test_versions_older_than_the_schemas_use_their_own_removals(
    api_version: str, kind: str, version: str, removed: bool
) -> None:
    found = check({"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}}, version)
    assert [v.rule for v in found] == (["removed-api-version"] if removed else [])
    if removed:
        assert f"is not served by {version}" in found[0].message


# --------------------------------------------------------------------------------------
# Failures of our own: named, contained on their object, never passed off as the input's


def test_a_bug_on_one_object_is_an_internal_error_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def boom(*args: Any, **kwargs: Any) -> Iterator[Violation]:
        raise RuntimeError("boom")

    monkeypatch.setattr(V, "_validate_one", boom)
    found = check(deployment())
    assert len(found) == 1
    assert "internal error" in found[0].message
    assert "Deployment web" in found[0].message and "RuntimeError: boom" in found[0].message


def test_an_unexpected_compiled_validator_failure_is_not_taken_for_undecided() -> None:
    """Only what the compiled validator is known to raise (ValueError: a value it
    cannot convert) means "let the pure-Python validator decide"; anything else is a
    bug and reaches the object's internal-error finding."""

    class Broken:
        def is_valid(self, instance: Any) -> bool:
            raise RuntimeError("compiled validator bug")

    compiled = V._Compiled({"type": "object"})
    compiled._fast = Broken()
    with pytest.raises(RuntimeError):
        compiled.is_valid({})

    class Unconvertible:
        def is_valid(self, instance: Any) -> bool:
            raise ValueError("Unsupported type: 'date'")

    compiled._fast = Unconvertible()
    assert compiled.is_valid({}) is None


# --------------------------------------------------------------------------------------
# The label-key pattern: its length lookaheads name the characters they measure (cheap
# to compile) and match exactly what the ``[^/]`` lookaheads matched.

_OLD_LABEL_KEY = (
    r"^(?:(?=[^/]{1,253}/)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
    r"(?=[^/]{1,63}(?!\n)$)[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?(?!\n)$"
)


def _label_key_samples() -> Iterator[str]:
    yield from ("", "/", "a", "a/", "/a", "a/b", "a.b/c", "A/b", "a/b/c", "a\n", "a/b\n")
    yield from ("é/a", "a/é", "-a/b", "a-/b", "a..b/c", "a/_b", "a/b_", "a/b.c", "ab/c d")
    for n in (1, 62, 63, 64, 252, 253, 254):
        yield "a" * n
        yield "a" * n + "/b"
        yield "b/" + "a" * n
        yield "x" * n + "/" + "y" * n
        yield "a." * (n // 2) + "a/b"
        yield "é" * n + "/b"
        yield "b/" + "é" * n
        yield "a" * n + "\n/b"


def _hypothesis_label_keys() -> list[str]:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    found: list[str] = []
    piece = st.text(alphabet="aZ09-._/é\n ", max_size=6)
    run = st.tuples(st.sampled_from("aZ9.-_/é\n"), st.sampled_from([1, 62, 63, 64, 252, 253, 254]))

    @settings(max_examples=300, database=None, derandomize=True)
    @given(st.lists(st.one_of(piece, run.map(lambda cn: cn[0] * cn[1])), max_size=4))
    def collect(parts: list[str]) -> None:
        found.append("".join(parts))

    collect()
    return found


@pytest.mark.parametrize("fmt", ["label-key", "annotation-key"])
def test_label_key_pattern_matches_as_the_unicode_lookaheads_did(fmt: str) -> None:
    import re

    import jsonschema_rs

    old = _OLD_LABEL_KEY
    if fmt == "annotation-key":
        old = old.replace("a-z0-9", "a-zA-Z0-9")
    new = V._PATTERNS[fmt][0]
    assert new != old
    fast = jsonschema_rs.Draft202012Validator({"type": "string", "pattern": new})
    fast_old = jsonschema_rs.Draft202012Validator({"type": "string", "pattern": old})
    for text in [*_label_key_samples(), *_hypothesis_label_keys()]:
        expected = re.search(old, text) is not None
        assert (re.search(new, text) is not None) == expected, text
        assert fast.is_valid(text) == fast_old.is_valid(text) == expected, text


# --------------------------------------------------------------------------------------
# Per-kind schemas cached by content hash: a run of cached kinds loads no other definition


def _fresh_store(version: str) -> V._Store:
    V._store.cache_clear()
    try:
        return V._store(version)
    finally:
        V._store.cache_clear()


def test_cached_kind_schemas_equal_fresh_ones_and_spare_the_definitions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    version = V.default_version()
    monkeypatch.setenv("K8SNETLINT_CACHE_DIR", str(tmp_path))
    cold = _fresh_store(version)
    kinds = [("v1", "Service"), ("apps/v1", "Deployment"), ("v1", "Nope")]
    built = {k: cold.validator(*k) for k in kinds}
    assert len(list(tmp_path.glob("kind-schema-*.marshal"))) == 2  # not for an unknown kind
    warm = _fresh_store(version)
    for k in kinds:
        found = warm.validator(*k)
        before = built[k]
        assert (found is None) == (before is None)
        if found is not None and before is not None:
            assert found.schema == before.schema
    assert warm._defs is None  # every schema came from the cache
    monkeypatch.setenv("K8SNETLINT_CACHE_DIR", "off")
    off = _fresh_store(version)
    compiled = off.validator("apps/v1", "Deployment")
    before = built[("apps/v1", "Deployment")]
    assert compiled is not None and before is not None and compiled.schema == before.schema
    assert off._defs is not None


def test_a_damaged_kind_schema_cache_file_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import marshal

    version = V.default_version()
    monkeypatch.setenv("K8SNETLINT_CACHE_DIR", str(tmp_path))
    first = _fresh_store(version).validator("v1", "Service")
    assert first is not None
    (path,) = tmp_path.glob("kind-schema-*.marshal")
    for damage in (b"garbage", marshal.dumps(("other", "Service", {})), b""):
        path.write_bytes(damage)
        store = _fresh_store(version)
        again = store.validator("v1", "Service")
        assert again is not None and again.schema == first.schema
        assert store._defs is not None  # rebuilt from the definitions
