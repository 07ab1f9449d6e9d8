"""Reading and validating in worker processes (``k8snetlint.parallel``, ``--jobs``).

The report must be byte for byte the serial one, in every format; positions unpacked
from what workers send must equal the reader's.
"""

from __future__ import annotations

import itertools
import marshal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from benchutil import bench_module, value_paths

from k8snetlint import parallel
from k8snetlint.cli import render_report
from k8snetlint.config import Config, discover, load_config
from k8snetlint.engine import lint
from k8snetlint.loader import load_paths

ROOT = Path(__file__).resolve().parents[1]

ODD_FILES = {
    # a syntax error, a duplicate key, a schema violation
    "zz-odd/broken.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [\n",
    "zz-odd/dupe.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n",
    "zz-odd/bad-port.yaml": (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: bad\n  namespace: odd\n"
        "spec:\n  selector:\n    app: nothing\n  ports:\n    - port: 70000\n"
    ),
    # a CRD and a custom resource validated against it (main-side validation)
    "zz-odd/crd.yaml": (
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
        "metadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n"
        "  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}\n"
        "  scope: Namespaced\n  versions:\n    - name: v1\n      served: true\n"
        "      storage: true\n      schema:\n        openAPIV3Schema:\n"
        "          type: object\n          properties:\n            spec:\n"
        "              type: object\n              properties:\n"
        "                size: {type: integer}\n"
    ),
    "zz-odd/widget.yaml": (
        "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: odd\n"
        "spec:\n  size: big\n"
    ),
    # a List, a Helm Source comment, a suppression comment
    "zz-odd/list.yaml": (
        "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Service\n"
        "    metadata: {name: listed, namespace: odd}\n    spec:\n"
        "      selector: {app: nowhere}\n      ports: [{port: 80}]\n"
    ),
    "zz-odd/helm.yaml": (
        "---\n# Source: chart/templates/svc.yaml\napiVersion: v1\nkind: Service\n"
        "metadata:\n  name: helmed\n  namespace: odd\nspec:\n"
        "  selector:\n    app: ghost  # k8snetlint: ignore[service-selector-matches-nothing]\n"
        "  ports:\n    - port: 80\n"
    ),
    # anchors, aliases and merge keys, a duplicate key, flow style, equal containers at
    # different places (shared in the main process, positions still their own)
    "zz-odd/aliases.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: anchors\n  namespace: odd\n"
        "  labels: &l {app: a, tier: web}\n  annotations:\n    <<: *l\n    extra: 'x'\n"
        "data:\n  a: '1'\n  a: '2'\n  b: &s shared\n  c: *s\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: twin\n  namespace: odd\n"
        "  labels: {app: a, tier: web}\n  annotations:\n    tier: web\n    app: a\n"
        "data: {list: '[1, 2]'}\n"
    ),
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("par")
    module = bench_module("corpus")
    module.generate(root / "bench", 400, seed=1)
    module.generate_policy_dense(root / "dense", workloads=120, policies=60, services=100)
    for rel, text in ODD_FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def _config(root: Path) -> Config:
    found = discover([str(root / "bench")])
    return load_config(found) if found else Config()


@pytest.mark.parametrize("fmt", ["json", "text", "sarif", "junit", "github"])
def test_report_is_byte_identical_with_workers(corpus: Path, fmt: str) -> None:
    cfg = _config(corpus)
    serial = lint([str(corpus)], cfg, jobs=1)
    workers = lint([str(corpus)], cfg, jobs=2)
    assert len(serial.objects) > 500 and serial.findings
    assert render_report(workers, fmt) == render_report(serial, fmt)


def test_workers_really_ran(corpus: Path) -> None:
    cfg = _config(corpus)
    loaded = parallel.load_paths([str(corpus)], cfg.exclude, "1.35", jobs=2)
    assert isinstance(loaded, parallel.ParallelLoad)
    assert all(isinstance(m, parallel.LazyManifest) for m in loaded.manifests)
    serial = load_paths([str(corpus)], cfg.exclude)
    assert [m.ref() for m in loaded.manifests] == [m.ref() for m in serial.manifests]
    assert loaded.issues == serial.issues
    assert loaded.comments == serial.comments
    assert loaded.files == serial.files
    # the custom resource is left to the main process, which knows the CRDs
    undecided = [m for m in loaded.manifests if id(m) not in loaded.validated]
    assert [m.kind for m in undecided] == ["Widget"]


def test_unpacked_positions_equal_the_readers(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "MIN_FILES", 0)
    paths = [str(corpus / "dense"), str(corpus / "zz-odd")]
    loaded = parallel.load_paths(paths, (), "1.35", jobs=2)
    assert isinstance(loaded, parallel.ParallelLoad)
    serial = load_paths(paths, ())
    checked = 0
    for a, b in zip(loaded.manifests, serial.manifests, strict=True):
        assert (a.file, a.doc_index, a.item_path, a.line_base) == (
            b.file,
            b.doc_index,
            b.item_path,
            b.line_base,
        )
        assert a.data == b.data
        for path in value_paths(b.data):
            for key in (False, True):
                assert a.span_at(path, key=key) == b.span_at(path, key=key), (a.file, path)
                checked += 1
    assert checked > 10_000


def test_few_files_stay_serial(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(ODD_FILES["zz-odd/bad-port.yaml"])
    loaded = parallel.load_paths([str(tmp_path)], (), "1.35", jobs=2)
    assert not isinstance(loaded, parallel.ParallelLoad)


def test_cli_jobs_option(corpus: Path) -> None:
    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "k8snetlint", "check", "--format", "json", *extra, str(corpus)],
            capture_output=True,
            text=True,
            check=False,
            cwd=corpus,
        )

    one, two = run("--jobs", "1"), run("--jobs", "2")
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout and one.stdout
    bad = run("--jobs", "0")
    assert bad.returncode == 2 and "--jobs" in bad.stderr


def test_packer_shares_equal_containers_and_nothing_else() -> None:
    packer = parallel.Packer()
    plain, positions = packer.pack({"a": {"x": [1, "s"]}, "b": {"x": [1, "s"]}})
    assert plain == {"a": {"x": [1, "s"]}, "b": {"x": [1, "s"]}}
    assert plain["a"] is plain["b"]
    assert positions
    # equal in Python, different in a report: never one object
    other, _ = packer.pack({"i": {"v": 1}, "f": {"v": 1.0}, "t": {"v": True}, "z": {"v": -0.0}})
    assert [type(other[k]["v"]) for k in "iftz"] == [int, float, bool, float]
    assert other["i"] is not other["t"]
    again, _ = packer.pack({"f": {"v": 0.0}, "z": {"v": -0.0}})
    assert str(again["z"]["v"]) == "-0.0" and str(again["f"]["v"]) == "0.0"
    # across objects of one packer; a dict and a list of the same items differ
    third, _ = packer.pack({"c": {"x": [1, "s"]}, "d": {}, "e": []})
    assert third["c"] is plain["a"]
    assert third["d"] == {} and third["e"] == []


def test_packed_strings_are_interned() -> None:
    key = "".join(["inter", "ned-key"])
    plain, _ = parallel.pack({key: "".join(["va", "lue"])})
    ((k, v),) = plain.items()
    assert k is sys.intern("interned-key") and v is sys.intern("value")


@pytest.mark.parametrize(
    "ints",
    [[], [1, 1, 0, 0, 5], [1, 2, 65535, 4], [1, 2, 65536, 4], [70_000] * 9, list(range(3000))],
)
def test_position_tables_round_trip(ints: list[int]) -> None:
    blob = parallel.encode_table(ints)
    assert list(parallel.decode_table(blob)) == ints
    # 16-bit numbers when they all fit
    assert parallel.decode_table(blob).typecode == ("H" if max(ints, default=0) < 65536 else "i")


def test_worker_output_is_the_same_with_and_without_the_fast_reader(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from k8snetlint import fastread

    files = sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix == ".yaml")
    pairs = [(str(p.relative_to(corpus)), str(p)) for p in files]
    assert fastread.available()
    # the fast path really reads the plain files
    taken = sum(
        fastread.read_bytes(p.read_bytes(), d, {}, {}) is not None
        for d, p in pairs_files(pairs, files)
    )
    assert taken > len(files) * 0.9
    fast = parallel._read_chunk(pairs, "1.35")
    monkeypatch.setattr(fastread, "_state", False)
    slow = parallel._read_chunk(pairs, "1.35")
    assert fast[0] == slow[0]  # rows (fields, positions, violations), issues, comments
    assert repr(marshal.loads(fast[1])) == repr(marshal.loads(slow[1]))
    # sharing is the same too: as many distinct containers
    assert len(fast[1]) == len(slow[1])


def pairs_files(pairs: list[tuple[str, str]], files: list[Path]) -> Iterator[tuple[str, Path]]:
    for (d, _), p in zip(pairs, files, strict=True):
        yield d, p


def test_chunks_are_consecutive_and_shrink(tmp_path: Path) -> None:
    files = []
    for i in range(200):
        p = tmp_path / f"f{i:03}.yaml"
        p.write_text("x" * 1000)
        files.append((p.name, p))
    chunks = parallel._chunks(files, 2)
    assert [d for chunk in chunks for d, _ in chunk] == [d for d, _ in files]
    sizes = [len(c) for c in chunks]
    # half of what is left per worker first, then down to a sixteenth of the whole
    # per worker (the last one takes the rest)
    assert sizes[0] == 50 and sizes[1] == 38
    assert all(a >= b for a, b in itertools.pairwise(sizes[:-1]))
    assert min(sizes[:-1]) >= 200 // 32
    assert parallel._chunks([], 2) == [[]]
