"""The benchmark corpus generator (``bench/corpus.py``): deterministic, exact, valid.

The object count is exact (tolerance 0): the generator adds whole applications while
they fit and fills the remainder with ConfigMaps.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from benchutil import bench_module

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[1]
OBJECTS = 300


corpus = bench_module("corpus")
LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DNS_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?\Z")
DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\Z")
LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\Z")


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in corpus.iter_files(root)}


def _documents(root: Path) -> list[tuple[str, dict[str, Any]]]:
    docs: list[tuple[str, dict[str, Any]]] = []
    for path in corpus.iter_files(root):
        with path.open("rb") as fh:
            for doc in yaml.load_all(fh, Loader=LOADER):
                assert isinstance(doc, dict), f"{path}: a document is not a mapping"
                docs.append((path.relative_to(root).as_posix(), doc))
    return docs


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("corpus")
    counts = corpus.generate(out, OBJECTS, seed=0)
    return out, counts


def test_same_seed_gives_identical_files(
    generated: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    first, counts = generated
    again = corpus.generate(tmp_path / "again", OBJECTS, seed=0)
    assert again == counts
    assert _tree(tmp_path / "again") == _tree(first)


def test_other_seed_gives_other_files(
    generated: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    corpus.generate(tmp_path / "other", OBJECTS, seed=1)
    assert _tree(tmp_path / "other") != _tree(generated[0])


@pytest.mark.parametrize("objects", [0, 1, 7, 57, OBJECTS])
def test_exact_object_count(objects: int, tmp_path: Path) -> None:
    counts = corpus.generate(tmp_path, objects, seed=3)
    assert sum(counts.values()) == objects
    assert len(_documents(tmp_path)) == objects


def test_documents_are_kubernetes_objects(generated: tuple[Path, dict[str, int]]) -> None:
    root, counts = generated
    docs = _documents(root)
    assert Counter(str(d["kind"]) for _, d in docs) == Counter(counts)
    seen: set[tuple[str, str, str]] = set()
    for path, doc in docs:
        assert isinstance(doc.get("apiVersion"), str) and doc["apiVersion"], path
        assert isinstance(doc.get("kind"), str) and doc["kind"], path
        meta = doc["metadata"]
        name = meta["name"]
        assert len(name) <= 63 and DNS_SUBDOMAIN.match(name), (path, name)
        if doc["kind"] in ("Service", "Namespace"):
            assert DNS_LABEL.match(name), (path, name)
        for value in (meta.get("labels") or {}).values():
            assert isinstance(value, str) and len(value) <= 63 and LABEL_VALUE.match(value)
        key = (str(doc["kind"]), str(meta.get("namespace", "")), str(name))
        assert key not in seen, f"duplicate object {key}"
        seen.add(key)


def test_realistic_shape(generated: tuple[Path, dict[str, int]]) -> None:
    root, counts = generated
    for kind in (
        "Namespace",
        "Deployment",
        "Service",
        "StatefulSet",
        "Ingress",
        "NetworkPolicy",
        "ConfigMap",
    ):
        assert counts.get(kind, 0) > 0, kind
    files = list(corpus.iter_files(root))
    assert len(files) > OBJECTS // 10  # spread over many files
    assert any(len(p.relative_to(root).parts) >= 4 for p in files)  # nested directories
    docs = [d for _, d in _documents(root)]
    pods: dict[str, list[dict[str, str]]] = {}
    for d in docs:
        if d["kind"] in ("Deployment", "StatefulSet"):
            spec = d["spec"]
            labels = spec["template"]["metadata"]["labels"]
            assert spec["selector"]["matchLabels"].items() <= labels.items()
            pods.setdefault(d["metadata"]["namespace"], []).append(labels)
    for d in docs:
        if d["kind"] == "Service":
            sel = d["spec"]["selector"]
            ns = d["metadata"]["namespace"]
            assert any(sel.items() <= p.items() for p in pods.get(ns, [])), d["metadata"]
    policies = [d for d in docs if d["kind"] == "NetworkPolicy"]
    assert any(d["spec"]["podSelector"] == {} for d in policies)  # default deny
    ports = [
        p for d in policies for rule in d["spec"].get("egress", []) for p in rule.get("ports", [])
    ]
    assert {"protocol": "UDP", "port": 53} in ports
    assert any(
        "except" in peer.get("ipBlock", {})
        for d in policies
        for r in d["spec"].get("egress", [])
        for peer in r.get("to", [])
    )


def test_config_file_is_written_and_not_a_manifest(
    generated: tuple[Path, dict[str, int]],
) -> None:
    root = generated[0]
    config = yaml.load((root / ".k8snetlint.yaml").read_text(), Loader=LOADER)
    assert config["assume"]["ingress-controller"]["namespace"] == "ingress-nginx"
    assert all(not p.name.startswith(".") for p in corpus.iter_files(root))


def test_one_object_of_each_kind_is_schema_valid(
    generated: tuple[Path, dict[str, int]],
) -> None:
    kv = pytest.importorskip("kubernetes_validate")
    firsts: dict[str, dict[str, Any]] = {}
    for _, doc in _documents(generated[0]):
        firsts.setdefault(str(doc["kind"]), doc)
    for doc in firsts.values():
        kv.validate(doc, "1.30", strict=True)


# --------------------------------------------------------------------------- policy-dense


@pytest.fixture(scope="module")
def dense(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("dense")
    counts = corpus.generate_policy_dense(out, workloads=200, policies=100, services=180)
    return out, counts


def test_policy_dense_counts_are_exact(dense: tuple[Path, dict[str, int]]) -> None:
    root, counts = dense
    workload_kinds = ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job", "Pod")
    assert sum(counts.get(k, 0) for k in (*workload_kinds, "ReplicaSet")) == 200
    assert all(counts.get(k, 0) > 0 for k in workload_kinds)  # mixed kinds
    assert counts["NetworkPolicy"] == 100
    assert counts["Service"] == 180
    docs = _documents(root)
    assert Counter(str(d["kind"]) for _, d in docs) == Counter(counts)


def test_policy_dense_is_deterministic(dense: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    corpus.generate_policy_dense(tmp_path, workloads=200, policies=100, services=180)
    assert _tree(tmp_path) == _tree(dense[0])


def test_policy_dense_peers_are_varied(dense: tuple[Path, dict[str, int]]) -> None:
    peers = [
        peer
        for _, d in _documents(dense[0])
        if d["kind"] == "NetworkPolicy"
        for rule in d["spec"].get("ingress", [])
        for peer in rule.get("from", [])
    ]
    shapes = Counter(tuple(sorted(p)) for p in peers)
    assert shapes[("podSelector",)] > 0
    assert shapes[("namespaceSelector",)] > 0
    assert shapes[("namespaceSelector", "podSelector")] > 0  # AND peers
    assert any("matchExpressions" in p.get("namespaceSelector", {}) for p in peers)


def test_policy_dense_objects_are_schema_valid(dense: tuple[Path, dict[str, int]]) -> None:
    kv = pytest.importorskip("kubernetes_validate")
    firsts: dict[str, dict[str, Any]] = {}
    for _, doc in _documents(dense[0]):
        firsts.setdefault(str(doc["kind"]), doc)
    for doc in firsts.values():
        kv.validate(doc, "1.30", strict=True)
