"""The shipped CRD schemas (``schemas/crds/``) regenerate byte for byte and validate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from k8snetlint import crdgen
from k8snetlint.validate import shipped_crd_schema, validate_object

# the repository's copies (the installed package has no tests/ folder beside it)
SOURCE = Path(__file__).resolve().parent / "data" / "crds"
SHIPPED = crdgen.default_output()
# the project brief's shared folder lies beside the checkout (CI lays a copy there)
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "crds"


def test_regeneration_is_byte_identical(tmp_path: Path) -> None:
    assert crdgen.main(["--source", str(SOURCE), "--output", str(tmp_path)]) == 0
    fresh = {p.name: p.read_bytes() for p in sorted(tmp_path.iterdir())}
    shipped = {p.name: p.read_bytes() for p in sorted(SHIPPED.glob("*.json"))}
    assert sorted(fresh) == sorted(shipped)
    for name, content in fresh.items():
        assert content == shipped[name], f"{name} differs: run python -m k8snetlint.crdgen"


def test_every_served_version_of_every_crd_is_indexed() -> None:
    yaml = YAML(typ="safe")
    index = json.loads((SHIPPED / "index.json").read_text(encoding="utf-8"))["kinds"]
    seen = 0
    for path in sorted(SOURCE.glob("*.yaml")):
        doc = yaml.load(path.read_text(encoding="utf-8"))
        spec = doc["spec"]
        for version in spec["versions"]:
            entry = index[f"{spec['group']}/{version['name']}"][spec["names"]["kind"]]
            assert entry["served"] is version["served"]
            assert entry["scope"] == spec["scope"]
            seen += 1
    assert seen == 22
    kinds = {k for by_kind in index.values() for k in by_kind}
    for kind in (
        "AdminNetworkPolicy",
        "BaselineAdminNetworkPolicy",
        "ClusterNetworkPolicy",
        "Gateway",
        "GatewayClass",
        "HTTPRoute",
        "GRPCRoute",
        "TLSRoute",
        "TCPRoute",
        "UDPRoute",
        "ReferenceGrant",
        "ListenerSet",
        "BackendTLSPolicy",
    ):
        assert kind in kinds


@pytest.mark.skipif(not SHARED.is_dir(), reason="no shared CRD folder on this machine")
def test_repository_copies_equal_the_shared_crds() -> None:
    for path in sorted(SHARED.glob("*.yaml")):
        assert (SOURCE / path.name).read_bytes() == path.read_bytes(), path.name


def test_readme_states_provenance_and_licence() -> None:
    text = (SOURCE / "README.md").read_text(encoding="utf-8")
    for words in ("Apache-2.0", "network-policy-api", "gateway-api", "v1.6.1", "crdgen"):
        assert words in text


def test_schemas_are_strict() -> None:
    schema = shipped_crd_schema("policy.networking.k8s.io/v1alpha1", "AdminNetworkPolicy")
    assert schema is not None
    assert schema["additionalProperties"] is False
    spec: dict[str, Any] = schema["properties"]["spec"]
    assert spec["additionalProperties"] is False
    assert spec["properties"]["priority"]["maximum"] == 1000
    assert shipped_crd_schema("policy.networking.k8s.io/v1", "AdminNetworkPolicy") is None
    assert shipped_crd_schema("example.com/v1", "Widget") is None


ANP: dict[str, Any] = {
    "apiVersion": "policy.networking.k8s.io/v1alpha1",
    "kind": "AdminNetworkPolicy",
    "metadata": {"name": "cluster-deny"},
    "spec": {
        "priority": 10,
        "subject": {"namespaces": {}},
        "ingress": [
            {
                "name": "deny-from-guests",
                "action": "Deny",
                "from": [{"namespaces": {"matchLabels": {"tenant": "guest"}}}],
                "ports": [{"portNumber": {"protocol": "TCP", "port": 80}}],
            }
        ],
    },
}

GOOD = [
    ANP,
    {
        "apiVersion": "policy.networking.k8s.io/v1alpha1",
        "kind": "BaselineAdminNetworkPolicy",
        "metadata": {"name": "default"},
        "spec": {
            "subject": {"pods": {"namespaceSelector": {}, "podSelector": {}}},
            "egress": [{"action": "Deny", "to": [{"networks": ["0.0.0.0/0"]}]}],
        },
    },
    {
        "apiVersion": "policy.networking.k8s.io/v1alpha2",
        "kind": "ClusterNetworkPolicy",
        "metadata": {"name": "guard"},
        "spec": {
            "tier": "Admin",
            "priority": 5,
            "subject": {"namespaces": {}},
            "ingress": [
                {
                    "name": "web",
                    "action": "Accept",
                    "from": [{"namespaces": {}}],
                    "protocols": [{"tcp": {"destinationPort": {"number": 80}}}],
                }
            ],
        },
    },
    {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "parentRefs": [{"name": "gw"}],
            "rules": [{"backendRefs": [{"name": "web", "port": 80}]}],
        },
    },
    {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "Gateway",
        "metadata": {"name": "gw", "namespace": "shop"},
        "spec": {
            "gatewayClassName": "example",
            "listeners": [{"name": "http", "port": 80, "protocol": "HTTP"}],
        },
    },
    {
        "apiVersion": "gateway.networking.k8s.io/v1beta1",
        "kind": "ReferenceGrant",
        "metadata": {"name": "g", "namespace": "backend"},
        "spec": {
            "from": [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "namespace": "x"}],
            "to": [{"group": "", "kind": "Service"}],
        },
    },
]


@pytest.mark.parametrize("obj", GOOD, ids=lambda o: f"{o['kind']}-{o['apiVersion']}")
def test_valid_objects_have_no_violation(obj: dict[str, Any]) -> None:
    assert validate_object(obj) == []


def _bad(path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    obj = json.loads(json.dumps(ANP))
    node = obj
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return obj


@pytest.mark.parametrize(
    ("path", "value", "words"),
    [
        (("spec", "priority"), 1001, "spec.priority: must be at most 1000"),
        (("spec", "ingress", 0, "action"), "Allowed", 'unsupported value "Allowed"'),
        (("spec", "ingress", 0, "form"), [], 'unknown field "form"'),
        (
            ("spec", "ingress", 0, "ports", 0, "portNumber", "port"),
            99999,
            "portNumber.port: must be at most 65535",
        ),
    ],
)
def test_violations_are_located(path: tuple[str | int, ...], value: Any, words: str) -> None:
    found = validate_object(_bad(path, value))
    assert any(words in v.message for v in found), found
    assert all(v.rule == "schema-violation" for v in found)


def test_missing_required_field_is_reported() -> None:
    obj = json.loads(json.dumps(ANP))
    del obj["spec"]["subject"]
    found = validate_object(obj)
    assert [v.message for v in found] == ['spec.subject: required field "subject" is missing']


def test_gateway_kinds_are_no_longer_unknown() -> None:
    route = {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"parentRefs": [{"nam": "gw"}]},
    }
    found = validate_object(route)
    assert [v.rule for v in found] == ["schema-violation", "schema-violation"]
    assert any('unknown field "nam"' in v.message for v in found)


def test_unknown_version_of_a_shipped_kind() -> None:
    obj = dict(ANP, apiVersion="policy.networking.k8s.io/v1")
    (found,) = validate_object(obj)
    assert found.path == ("apiVersion",)
    assert "versions: v1alpha1" in found.message


def test_a_crd_in_the_input_wins_over_the_shipped_schema() -> None:
    from k8snetlint.document import Manifest
    from k8snetlint.validate import default_version, validate_all

    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "adminnetworkpolicies.policy.networking.k8s.io"},
        "spec": {
            "group": "policy.networking.k8s.io",
            "names": {"kind": "AdminNetworkPolicy", "plural": "adminnetworkpolicies"},
            "scope": "Cluster",
            "versions": [
                {
                    "name": "v1alpha1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                }
            ],
        },
    }
    objs = [crd, _bad(("spec", "ingress", 0, "form"), [])]
    manifests = [
        Manifest(
            file="-",
            doc_index=i,
            data=o,
            api_version=o["apiVersion"],
            kind=o["kind"],
            name=o["metadata"]["name"],
            namespace=None,
        )
        for i, o in enumerate(objs)
    ]
    assert list(validate_all(manifests, default_version())) == []


def test_bad_source_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "x.yaml").write_text("kind: CustomResourceDefinition\nspec: [\n")
    assert crdgen.main(["--source", str(tmp_path), "--output", str(tmp_path / "o")]) == 2
    assert "error:" in capsys.readouterr().err
    assert crdgen.main(["--source", str(tmp_path / "missing")]) == 2


@pytest.mark.parametrize(
    "address",
    [
        {"value": "192.0.2.1"},
        {"type": "IPAddress", "value": "192.0.2.1"},
        {"type": "Hostname", "value": "gw.example.com"},
        {"type": "NamedAddress", "value": "my-pool"},
    ],
)
def test_a_defaulted_property_chooses_its_one_of_branch(address: dict[str, str]) -> None:
    # The API server defaults spec.addresses[].type to IPAddress before it validates, so an
    # entry without a type matches only the IPAddress branch of the oneOf (the upstream
    # example examples/standard/gateway-addresses.yaml was reported as matching both).
    gateway = {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "Gateway",
        "metadata": {"name": "gw", "namespace": "infra"},
        "spec": {
            "gatewayClassName": "example",
            "listeners": [{"name": "http", "port": 80, "protocol": "HTTP"}],
            "addresses": [address],
        },
    }
    assert validate_object(gateway) == []
