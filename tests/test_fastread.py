"""The workers' fast reader (``k8snetlint.fastread``) against the reference path.

Whatever the fast path reads must be exactly what the reader plus the packer make
(values, sharing, every position, the manifests' fields, comments); whatever it does
not handle must fall back (``None``), and the reference path then reports it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import _ruamel_yaml
import pytest
from benchutil import bench_module, value_paths
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from k8snetlint import fastread, parallel
from k8snetlint.reader import load_bytes

ROOT = Path(__file__).resolve().parents[1]
SUFFIXES = (".yaml", ".yml", ".json")


def _fixture_files() -> list[Path]:
    out = []
    for top in ("fixtures", "tests"):
        for p in sorted((ROOT / top).rglob("*")):
            if p.is_file() and p.suffix in SUFFIXES and ".venv" not in p.parts:
                out.append(p)
    return out


FIXTURES = _fixture_files()


def _lazy(obj: fastread.Obj, name: str) -> parallel.LazyManifest:
    m = fastread.manifest(obj, name)
    lazy = parallel.LazyManifest(
        m.file, m.doc_index, m.data, m.api_version, m.kind, m.name, m.namespace
    )
    lazy._root = obj[2]
    lazy._packed = obj[3]
    return lazy


def _ints(blob: bytes) -> list[int]:
    return list(parallel.decode_table(blob))


def _agree(data: bytes, name: str) -> bool:
    """Assert the fast path equals the reference on ``data``; whether it was taken."""
    fast = fastread.read_bytes(data, name, {}, {})
    ref = load_bytes(data, name)
    if fast is None:
        return False
    objs, comments = fast
    assert ref.issues == [] and ref.files == [name] and ref.errors == []
    assert comments == ref.comments.get(name, {})
    assert len(objs) == len(ref.manifests)
    packer = parallel.Packer()
    for obj, m in zip(objs, ref.manifests, strict=True):
        plain, table = packer.pack(m.data)
        assert repr(obj[1]) == repr(plain)
        assert obj[2] == tuple(m.data.pos)
        assert _ints(obj[3]) == _ints(table)
        fm = fastread.manifest(obj, name)
        fields = ("file", "doc_index", "api_version", "kind", "name", "namespace")
        assert [getattr(fm, f) for f in fields] == [getattr(m, f) for f in fields]
        assert (m.line_base, m.item_path, m.extra) == (0, (), {})
        lazy = _lazy(obj, name)
        for path in value_paths(m.data):
            for key in (False, True):
                assert lazy.span_at(path, key=key) == m.span_at(path, key=key), (name, path)
    return True


def test_every_fixture_file_reads_as_the_reference_does() -> None:
    taken = 0
    for p in FIXTURES:
        if _agree(p.read_bytes(), str(p.relative_to(ROOT))):
            taken += 1
    # most fixture files are plain objects: the fast path is really exercised
    assert len(FIXTURES) > 100 and taken > len(FIXTURES) // 3


def test_bench_corpus_reads_as_the_reference_does(tmp_path: Path) -> None:
    module = bench_module("corpus")
    module.generate(tmp_path / "bench", 300, seed=3)
    files = [
        p
        for p in sorted(tmp_path.rglob("*"))
        if p.is_file() and p.suffix in SUFFIXES and not p.name.startswith(".")  # the config
    ]
    assert len(files) > 50
    assert all(_agree(p.read_bytes(), str(p)) for p in files)


# ------------------------------------------------------------------------ fallbacks

OBJ = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"

FALLBACK = {
    "anchor": OBJ + "data: &x {a: b}\n",
    "anchored scalar": OBJ + "data: {a: &x b}\n",
    "alias": OBJ + "data: &x {a: b}\nother: *x\n",
    "merge key": OBJ + "base: &b {a: 1}\ndata:\n  <<: *b\n",
    "merge key without alias": OBJ + "data:\n  <<: {a: 1}\n",
    "a key << of a scalar": OBJ + "data: {'<<': c}\n",  # no merge, but rare: not worth it
    "duplicate key": OBJ + "data: {a: '1', a: '2'}\n",
    "integer key": OBJ + "data: {1: a}\n",
    "boolean key": OBJ + "data: {yes: a}\n",
    "null key": OBJ + "data: {~: a}\n",
    "quoted key is a string": None,
    "mapping as key": OBJ + "data: {? {a: b} : c}\n",
    "sequence as key": OBJ + "data: {? [a] : c}\n",
    "template marker": OBJ + "data: {a: '{{ .Values.x }}'}\n",
    "List": "apiVersion: v1\nkind: List\nitems:\n  - " + OBJ.replace("\n", "\n    ").rstrip(),
    "PodList": "apiVersion: v1\nkind: PodList\nitems: []\n",
    "no kind": "apiVersion: v1\nmetadata: {name: a}\n",
    "empty kind": "apiVersion: v1\nkind: ''\n",
    "number apiVersion": "apiVersion: 1\nkind: Pod\n",
    "scalar document": OBJ + "---\njust text\n",
    "sequence document": OBJ + "---\n- a\n",
    "syntax error": OBJ + "data: {a: [\n",
    "syntax error later": OBJ + "---\n" + OBJ + "data: {a: [\n",
    "tab indentation": OBJ + "data:\n\ta: b\n",
    "too deep": OBJ + "data: " + "[" * 250 + "]" * 250 + "\n",
}


@pytest.mark.parametrize("case", sorted(k for k, v in FALLBACK.items() if v is not None))
def test_unusual_files_fall_back(case: str) -> None:
    text = FALLBACK[case]
    assert text is not None
    assert fastread.read_bytes(text.encode(), "f.yaml", {}, {}) is None


@pytest.mark.parametrize(
    "data",
    [
        "\ufeff".encode("utf-16-le") + OBJ.encode("utf-16-le"),
        b"\xfe\xff" + OBJ.encode("utf-16-be"),
        OBJ.encode() + b"\x00",
        OBJ.encode() + b"data: {a: \xff}\n",
    ],
    ids=["utf-16-le", "utf-16-be", "nul", "bad-utf-8"],
)
def test_unusual_encodings_fall_back(data: bytes) -> None:
    assert fastread.read_bytes(data, "f.yaml", {}, {}) is None


def test_stdin_falls_back() -> None:
    # Helm's `# Source:` comments name files only for stdin
    assert fastread.read_bytes(OBJ.encode(), "-", {}, {}) is None


@pytest.mark.parametrize(
    "text",
    [
        OBJ + "data: {'1': a, 'yes': b, '~': c}\n",  # quoted keys are strings
        OBJ + "data: {a: !!str 1, b: !!int '7', c: !custom x, d: ! 5, e: !!null ''}\n",
        "---\n---\n# nothing\n---\n" + OBJ + "---\n",  # empty documents count
        "\ufeff" + OBJ,
        "# k8snetlint: ignore\n" + OBJ + "# k8snetlint: ignore[a, b]\n",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n---\n" + OBJ,
        OBJ + "data: {a: 1.5, b: -0.0, c: .inf, d: 0755, e: 0x1F, f: 1_000, g: 1.10}\n",
        OBJ + "data: {a: [[], {}, [{}]], b: [[], {}, [{}]]}\n",
        OBJ + "spec: !tagged {a: 1}\nlist: !seq [1]\n",
        '{"apiVersion": "v1",\t"kind": "ConfigMap", "metadata": {"name": "j"}}\n',
        OBJ + "data: {a: '{ {not a template} }'}\n",
        OBJ + "items: [1]\n",  # not a List kind
        "apiVersion: v1\nkind: ServiceList\nitems: {}\n",  # items is no sequence
        "apiVersion: v1\nkind: Pod\nmetadata: {generateName: gen-, namespace: ''}\n",
        "apiVersion: v1\nkind: Pod\nmetadata: [1]\n",
        # columns past 65,535 (one long line): the table takes 32-bit numbers
        '{"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "' + "x" * 70_000 + '", "b": 1}}',
    ],
    ids=lambda text: text[:40],
)
def test_usual_files_take_the_fast_path(text: str) -> None:
    name = "f.json" if text.startswith("{") else "f.yaml"
    assert _agree(text.encode(), name)


def test_a_fallback_puts_the_event_classes_back() -> None:
    before = {n: getattr(_ruamel_yaml, n) for n in fastread._EVENT_NAMES}
    assert fastread.read_bytes(FALLBACK["syntax error"].encode(), "f.yaml", {}, {}) is None  # type: ignore[union-attr]
    assert fastread.read_bytes(OBJ.encode(), "f.yaml", {}, {}) is not None
    assert {n: getattr(_ruamel_yaml, n) for n in fastread._EVENT_NAMES} == before


def test_sharing_spans_files_and_matches_the_packer() -> None:
    shared: dict[tuple[Any, ...], tuple[Any, int]] = {}
    text = OBJ + "data: {p: {s: ['1', 1, true, ~]}, q: {s: ['1', 1, true, ~]}}\n"
    a = fastread.read_bytes(text.encode(), "a.yaml", shared, {})
    b = fastread.read_bytes(text.encode(), "b.yaml", shared, {})
    assert a is not None and b is not None
    da, db = a[0][0][1]["data"], b[0][0][1]["data"]
    assert da["p"] is da["q"] is db["p"]
    # a file read by the packer in the same chunk shares with the fast files
    packer = parallel.Packer()
    packer._shared = shared
    plain, _ = packer.pack(load_bytes(text.encode(), "c.yaml").manifests[0].data)
    assert plain["data"]["p"] is da["p"]
    # equal in Python, different in a report: never one object
    odd = OBJ + "data: {i: {v: 1}, f: {v: 1.0}, t: {v: true}, s: {v: '1'}, l: [[]], m: [0]}\n"
    c = fastread.read_bytes(odd.encode(), "c.yaml", shared, {})
    assert c is not None
    data = c[0][0][1]["data"]
    assert [type(data[k]["v"]) for k in "ifts"] == [int, float, bool, str]
    assert data["l"] != data["m"]


# ------------------------------------------------------------- version detection


@contextlib.contextmanager
def _probe_again() -> Iterator[None]:
    saved = fastread._state
    fastread._state = None
    try:
        yield
    finally:
        fastread._state = saved


def test_probe_accepts_the_installed_clib() -> None:
    with _probe_again():
        assert fastread.available()


def test_a_clib_that_ignores_the_event_names_disables_the_fast_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the C parser no longer looks the classes up: real event objects come back
    @contextlib.contextmanager
    def ignored(module: Any, handlers: Any) -> Iterator[None]:
        yield

    monkeypatch.setattr(fastread, "_install", ignored)
    with _probe_again():
        assert not fastread.available()
        assert fastread.read_bytes(OBJ.encode(), "f.yaml", {}, {}) is None


def test_a_clib_with_other_event_arguments_disables_the_fast_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the C parser passes its arguments in another order: the probe sees other values
    install = fastread._install

    @contextlib.contextmanager
    def swapped(module: Any, handlers: dict[str, Any]) -> Iterator[None]:
        scalar = handlers["ScalarEvent"]

        def other(*args: Any) -> Any:
            anchor, tag, implicit, value, start, end, style = args
            return scalar(anchor, tag, implicit, value, end, start, style)

        with install(module, {**handlers, "ScalarEvent": other}):
            yield

    monkeypatch.setattr(fastread, "_install", swapped)
    with _probe_again():
        assert not fastread.available()
        assert fastread.read_bytes(OBJ.encode(), "f.yaml", {}, {}) is None


def test_no_clib_disables_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastread, "_module", lambda: None)
    with _probe_again():
        assert not fastread.available()


# ------------------------------------------------------------------ generated YAML

_PLAIN = st.sampled_from(
    [
        "a",
        "yes",
        "No",
        "on",
        "OFF",
        "y",
        "~",
        "null",
        "",
        "0755",
        "0o17",
        "0x1F",
        "0b101",
        "1_000",
        "-1",
        "+7",
        "1.10",
        "1e3",
        "-.inf",
        ".NaN",
        ".5",
        "1.",
        "true",
        "x y",
        "80",
        "0",
        "-0",
        "-0.0",
        "2001-12-14",
        "a:b",
        "3.14",
    ]
)
_KEYS = st.sampled_from(["a", "b", "name", "port", "spec", "x-y", "yes", "1", "<<", "~"])


def _scalar(draw: Any) -> str:
    text = draw(_PLAIN)
    style = draw(st.sampled_from(["plain", "plain", "single", "double"]))
    if style == "single" or (style == "plain" and text in ("", "a:b")):
        return "'" + text + "'"
    if style == "double":
        return '"' + text + '"'
    return text


def _key(draw: Any) -> str:
    key = draw(_KEYS)
    return key if draw(st.booleans()) else "'" + key + "'"


def _flow(draw: Any, depth: int) -> str:
    kind = draw(st.sampled_from(["scalar", "map", "seq"] if depth < 3 else ["scalar"]))
    if kind == "scalar":
        return _scalar(draw)
    n = draw(st.integers(0, 3))
    if kind == "seq":
        return "[" + ", ".join(_flow(draw, depth + 1) for _ in range(n)) + "]"
    return "{" + ", ".join(f"{_key(draw)}: {_flow(draw, depth + 1)}" for _ in range(n)) + "}"


def _block(draw: Any, indent: int, depth: int) -> list[str]:
    """Lines of a block mapping at ``indent``."""
    pad = " " * indent
    lines: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        key = _key(draw)
        kind = draw(st.sampled_from(["flow", "map", "seq", "literal"] if depth < 3 else ["flow"]))
        if kind == "flow":
            comment = "  # k8snetlint: ignore[x]" if draw(st.integers(0, 9)) == 0 else ""
            lines.append(f"{pad}{key}: {_flow(draw, depth)}{comment}")
        elif kind == "map":
            lines.append(f"{pad}{key}:")
            lines.extend(_block(draw, indent + 2, depth + 1))
        elif kind == "literal":
            lines.append(f"{pad}{key}: |")
            lines.append(f"{pad}  line {draw(_PLAIN)}")
        else:
            lines.append(f"{pad}{key}:")
            for _ in range(draw(st.integers(1, 3))):
                if draw(st.booleans()):
                    lines.append(f"{pad}- {_flow(draw, depth + 1)}")
                else:
                    inner = _block(draw, indent + 4, depth + 1)
                    lines.append(f"{pad}  - {inner[0].lstrip()}")
                    lines.extend(inner[1:])
    return lines


@st.composite
def _documents(draw: Any) -> str:
    docs = []
    for _ in range(draw(st.integers(1, 3))):
        head = ["apiVersion: v1", f"kind: {draw(st.sampled_from(['ConfigMap', 'Pod', 'Thing']))}"]
        if draw(st.booleans()):
            head.append("metadata: {name: " + _scalar(draw) + "}")
        docs.append("\n".join(head + _block(draw, 0, 0)) + "\n")
    return "---\n".join(docs)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_documents())
def test_generated_documents(text: str) -> None:
    data = text.encode()
    took = _agree(data, "g.yaml")
    ref = load_bytes(data, "g.yaml")
    # without a load issue, only a "<<" key (a merge key or its look-alike), a key
    # that is no string or a List keeps a file off the fast path
    if not ref.issues and "<<" not in text and "List" not in text:
        plain_keys = ("yes:", "1:", "~:", "- yes:", "- 1:", "- ~:")
        if not any(f" {k}" in text or f"\n{k}" in text or f"{{{k}" in text for k in plain_keys):
            assert took, text


def test_node_budget_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    from k8snetlint import reader

    text = (OBJ + "data: {" + ", ".join(f"k{i}: v" for i in range(40)) + "}\n").encode()
    assert fastread.read_bytes(text, "f.yaml", {}, {}) is not None
    monkeypatch.setattr(reader, "MAX_NODES_PER_DOCUMENT", 30)
    assert fastread.read_bytes(text, "f.yaml", {}, {}) is None
    assert load_bytes(text, "f.yaml").issues  # the reference path reports it
