"""The shipped Kubernetes schema data is complete, consistent and small."""

from __future__ import annotations

import gzip
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from k8snetlint import schemagen
from k8snetlint.data import data_dir

SCHEMAS = data_dir("schemas")
KUBE = SCHEMAS / "kubernetes"
VERSION_DIRS = sorted(
    (p for p in KUBE.iterdir() if re.fullmatch(r"v\d+\.\d+", p.name)),
    key=lambda p: tuple(int(x) for x in p.name[1:].split(".")),
)
SIZE_BUDGET = 3 * 1024 * 1024


def _vkey(text: str) -> tuple[int, int]:
    major, minor = text.split(".")
    return int(major), int(minor)


def load_defs(folder: Path) -> dict[str, Any]:
    with gzip.open(folder / "definitions.json.gz", "rt", encoding="utf-8") as fh:
        payload = json.load(fh)
    assert payload["kubernetes"] == folder.name[1:]
    defs: dict[str, Any] = payload["definitions"]
    return defs


def load_index(folder: Path) -> dict[str, dict[str, str]]:
    doc = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    assert doc["kubernetes"] == folder.name[1:]
    assert doc["source"].startswith("kubernetes-validate ")
    kinds: dict[str, dict[str, str]] = doc["kinds"]
    return kinds


def removed_entries() -> list[dict[str, Any]]:
    doc = json.loads((KUBE / "removed-apis.json").read_text(encoding="utf-8"))
    entries: list[dict[str, Any]] = doc["removed"]
    return entries


def test_versions_back_to_1_30_are_shipped() -> None:
    assert [p.name for p in VERSION_DIRS] == [f"v1.{n}" for n in range(30, 38)]
    assert len(VERSION_DIRS) == schemagen.DEFAULT_COUNT


@pytest.mark.parametrize("folder", VERSION_DIRS, ids=lambda p: p.name)
def test_version_folder_is_complete(folder: Path) -> None:
    assert sorted(p.name for p in folder.iterdir()) == ["definitions.json.gz", "index.json"]
    defs = load_defs(folder)
    index = load_index(folder)
    for api_version, kind in [
        ("apps/v1", "Deployment"),
        ("apps/v1", "StatefulSet"),
        ("apps/v1", "DaemonSet"),
        ("v1", "Service"),
        ("v1", "Pod"),
        ("v1", "Namespace"),
        ("v1", "ConfigMap"),
        ("networking.k8s.io/v1", "Ingress"),
        ("networking.k8s.io/v1", "NetworkPolicy"),
        ("batch/v1", "CronJob"),
        ("batch/v1", "Job"),
        ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
    ]:
        assert kind in index[api_version], (api_version, kind)
    for api_version, kinds in index.items():
        for kind, name in kinds.items():
            assert name in defs, (api_version, kind, name)
            gvks = defs[name]["x-kubernetes-group-version-kind"]
            group = api_version.rpartition("/")[0]
            version = api_version.rpartition("/")[2]
            assert {"group": group, "kind": kind, "version": version} in gvks


@pytest.mark.parametrize("folder", VERSION_DIRS, ids=lambda p: p.name)
def test_refs_resolve_and_docs_are_stripped(folder: Path) -> None:
    defs = load_defs(folder)
    refs: set[str] = set()

    def walk(node: Any, names: bool = False) -> None:
        if isinstance(node, dict):
            if not names:
                assert not (set(node) & schemagen.DOC_KEYS), sorted(set(node) & schemagen.DOC_KEYS)
                ref = node.get("$ref")
                if isinstance(ref, str):
                    assert ref.startswith("#/$defs/")
                    refs.add(ref[len("#/$defs/") :])
            for key, value in node.items():
                walk(value, names=key in ("properties", "patternProperties") and not names)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for schema in defs.values():
        walk(schema)
    assert refs <= set(defs)


@pytest.mark.parametrize("folder", VERSION_DIRS, ids=lambda p: p.name)
def test_strict_flavour(folder: Path) -> None:
    defs = load_defs(folder)
    for name in (
        "io.k8s.api.apps.v1.Deployment",
        "io.k8s.api.apps.v1.DeploymentSpec",
        "io.k8s.api.core.v1.Container",
        "io.k8s.api.core.v1.ServicePort",
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
    ):
        assert defs[name]["additionalProperties"] is False, name
    # A field literally called "description" survives the stripping.
    assert "description" in defs["io.k8s.api.scheduling.v1.PriorityClass"]["properties"]


def test_size_budget() -> None:
    total = sum(p.stat().st_size for p in SCHEMAS.rglob("*") if p.is_file())
    assert total < SIZE_BUDGET, f"schemas/ holds {total} bytes"


def test_readme_states_provenance() -> None:
    text = (SCHEMAS / "README.md").read_text(encoding="utf-8")
    for words in ("kubernetes-validate", "Apache-2.0", "python -m k8snetlint.schemagen"):
        assert words in text
    for folder in VERSION_DIRS:
        assert folder.name[1:] in text


def test_removed_table_is_consistent() -> None:
    entries = removed_entries()
    indexes = {folder.name[1:]: load_index(folder) for folder in VERSION_DIRS}
    newest = indexes[max(indexes, key=_vkey)]
    seen: set[tuple[str, str]] = set()
    for entry in entries:
        pair = (entry["apiVersion"], entry["kind"])
        assert pair not in seen, pair
        seen.add(pair)
        assert entry["source"] in ("deprecation-guide", "release-notes", "openapi-diff")
        assert re.fullmatch(r"1\.\d+", entry["removedIn"])
        # Removed means not served from then on.
        for version, index in indexes.items():
            served = entry["kind"] in index.get(entry["apiVersion"], {})
            if _vkey(version) >= _vkey(entry["removedIn"]):
                assert not served, (pair, version)
        replacement = entry["replacement"]
        if replacement is None:
            assert entry.get("note") or entry["source"] == "openapi-diff", pair
        elif entry["source"] == "deprecation-guide":
            assert replacement in newest, pair


@pytest.mark.parametrize(
    ("api_version", "kind"),
    [
        ("extensions/v1beta1", "Ingress"),
        ("extensions/v1beta1", "Deployment"),
        ("extensions/v1beta1", "DaemonSet"),
        ("extensions/v1beta1", "ReplicaSet"),
        ("extensions/v1beta1", "NetworkPolicy"),
        ("extensions/v1beta1", "PodSecurityPolicy"),
        ("apps/v1beta1", "Deployment"),
        ("apps/v1beta2", "StatefulSet"),
        ("networking.k8s.io/v1beta1", "Ingress"),
        ("networking.k8s.io/v1beta1", "IngressClass"),
        ("batch/v1beta1", "CronJob"),
        ("policy/v1beta1", "PodDisruptionBudget"),
        ("policy/v1beta1", "PodSecurityPolicy"),
        ("autoscaling/v2beta1", "HorizontalPodAutoscaler"),
        ("autoscaling/v2beta2", "HorizontalPodAutoscaler"),
        ("rbac.authorization.k8s.io/v1beta1", "RoleBinding"),
        ("admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration"),
        ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition"),
        ("storage.k8s.io/v1beta1", "CSIStorageCapacity"),
        ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema"),
        ("flowcontrol.apiserver.k8s.io/v1beta2", "PriorityLevelConfiguration"),
        ("flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema"),
    ],
)
def test_removed_table_names_the_well_known_pairs(api_version: str, kind: str) -> None:
    pairs = {(e["apiVersion"], e["kind"]) for e in removed_entries()}
    assert (api_version, kind) in pairs


# --------------------------------------------------------------------------------------
# The generator's pieces


def test_strip_docs_keeps_field_names() -> None:
    schema = {
        "description": "drop me",
        "type": "object",
        "properties": {
            "description": {"type": "string", "description": "drop me too"},
            "x": {"x-kubernetes-patch-strategy": "merge", "type": "integer"},
        },
        "x-kubernetes-list-type": "map",
    }
    assert schemagen.strip_docs(schema) == {
        "type": "object",
        "properties": {"description": {"type": "string"}, "x": {"type": "integer"}},
        "x-kubernetes-list-type": "map",
    }


def test_build_index_skips_api_machinery() -> None:
    defs = {
        "io.k8s.api.apps.v1.Deployment": {
            "x-kubernetes-group-version-kind": [
                {"group": "apps", "kind": "Deployment", "version": "v1"}
            ]
        },
        "io.k8s.api.core.v1.Pod": {
            "x-kubernetes-group-version-kind": [{"group": "", "kind": "Pod", "version": "v1"}]
        },
        "io.k8s.apimachinery.pkg.apis.meta.v1.Status": {
            "x-kubernetes-group-version-kind": [{"group": "", "kind": "Status", "version": "v1"}]
        },
    }
    assert schemagen.build_index(defs) == {
        "apps/v1": {"Deployment": "io.k8s.api.apps.v1.Deployment"},
        "v1": {"Pod": "io.k8s.api.core.v1.Pod"},
    }


def test_derive_and_merge_removals() -> None:
    old = {"x.io/v1beta1": {"Thing": "a", "ThingList": "b"}, "x.io/v1": {"Thing": "c"}}
    new = {"x.io/v1": {"Thing": "c"}, "x.io/v2": {"Thing": "d"}}
    derived = schemagen.derive_removals([((1, 30), old), ((1, 31), new)])
    assert derived == [
        {
            "apiVersion": "x.io/v1beta1",
            "kind": "Thing",
            "removedIn": "1.31",
            "replacement": "x.io/v2",
            "source": "openapi-diff",
        }
    ]
    curated = {
        "apiVersion": "x.io/v1beta1",
        "kind": "Thing",
        "removedIn": "1.31",
        "replacement": "x.io/v1",
        "source": "deprecation-guide",
    }
    stale = {**derived[0], "apiVersion": "y.io/v1", "removedIn": "1.20"}
    merged = schemagen.merge_removals([curated, stale], derived)
    assert merged == [curated]


def test_check_curated_reports_disagreement() -> None:
    derived = [{"apiVersion": "a/v1beta1", "kind": "K", "removedIn": "1.30"}]
    curated = [
        {"apiVersion": "a/v1beta1", "kind": "K", "removedIn": "1.29", "source": "deprecation-guide"}
    ]
    (problem,) = schemagen.check_curated(curated, derived)
    assert "1.29" in problem and "1.30" in problem
    assert schemagen.check_curated(removed_entries(), []) == []


def test_parse_version() -> None:
    assert schemagen.parse_version("v1.37.2") == (1, 37)
    with pytest.raises(Exception, match="not a Kubernetes version"):
        schemagen.parse_version("next")


def test_regeneration_is_reproducible(tmp_path: Path) -> None:
    """Regenerating one version from the installed package gives the shipped bytes."""
    pytest.importorskip("kubernetes_validate")
    newest = VERSION_DIRS[-1]
    source = json.loads((newest / "index.json").read_text(encoding="utf-8"))["source"]
    if not source.startswith(f"kubernetes-validate {schemagen.package_version()},"):
        pytest.skip(f"installed kubernetes-validate differs from the one that made {source}")
    shutil.copy(KUBE / "removed-apis.json", tmp_path / "removed-apis.json")
    assert schemagen.main(["--output", str(tmp_path), "--versions", newest.name]) == 0
    for name in ("definitions.json.gz", "index.json"):
        assert (tmp_path / newest.name / name).read_bytes() == (newest / name).read_bytes()
    assert (tmp_path / "removed-apis.json").read_bytes() == (
        KUBE / "removed-apis.json"
    ).read_bytes()
