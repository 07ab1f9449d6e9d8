"""The loader: positions, multi-document files, hostile input, paths."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import time
from pathlib import Path
from types import ModuleType

import pytest
from lintutil import lint_paths

from conftest import FIXTURES
from k8snetlint.document import YMap, YSeq
from k8snetlint.loader import (
    expand_paths,
    load_bytes,
    load_paths,
    load_text,
    resolve_plain,
)

LOADER = FIXTURES / "loader"


def _hostile_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "hostile_generate", FIXTURES / "hostile" / "generate.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HOSTILE = _hostile_generator()


def _issues(result: object) -> list[tuple[str, int, int]]:
    return [(i.rule, i.line, i.column) for i in result.issues]  # type: ignore[attr-defined]


def test_positions_of_keys_values_and_items() -> None:
    text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 80\n    name: http\n"
    (m,) = load_text(text, "s.yaml").manifests
    assert m.span_at(("metadata", "name")).line == 4
    assert m.span_at(("metadata", "name")).column == 9
    assert m.span_at(("spec", "ports")).line == 6  # container value: the key
    assert m.span_at(("spec", "ports", 0)).line == 7
    assert m.span_at(("spec", "ports", 0, "name"), key=True).column == 5
    assert m.span_at(("spec", "ports", 0, "port")).end_column == 13
    assert isinstance(m.data["spec"], YMap)
    assert isinstance(m.data["spec"]["ports"], YSeq)


def test_missing_path_points_at_deepest_existing_step() -> None:
    (m,) = load_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n", "p.yaml").manifests
    assert m.span_at(("metadata", "labels", "app")).line == 3


def test_syntax_error_keeps_the_other_documents() -> None:
    r = load_paths([str(LOADER / "syntax-error-middle.yaml")])
    assert [m.name for m in r.manifests] == ["before", "after"]
    assert [(i.rule, i.line) for i in r.issues] == [("yaml-syntax-error", 14)]
    assert r.manifests[1].span_at(("metadata", "name")).line == 18


def test_tab_indentation_is_named() -> None:
    r = load_paths([str(LOADER / "tab-indent.yaml")])
    (issue,) = r.issues
    assert (issue.rule, issue.line, issue.column) == ("yaml-syntax-error", 6, 1)
    assert "tab" in issue.message


def test_duplicate_key_at_second_occurrence() -> None:
    r = load_paths([str(LOADER / "duplicate-key.yaml")])
    assert _issues(r) == [("yaml-duplicate-key", 10, 3)]
    assert "first at line 6" in r.issues[0].message
    assert r.manifests[0].data["spec"]["selector"] == {"app": "website"}


def test_unrendered_template_reported_and_document_skipped() -> None:
    r = load_paths([str(LOADER / "helm-template.yaml")])
    assert _issues(r) == [("unrendered-template", 4, 9)]
    assert r.manifests == []
    assert "helm template" in r.issues[0].message


def test_template_text_inside_strings_is_content() -> None:
    r = load_paths([str(LOADER / "template-text-is-content.yaml")])
    assert r.issues == []
    assert [m.name for m in r.manifests] == ["alert-templates"]


def test_quoted_helm_expression_is_a_template() -> None:
    r = load_text(
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "{{ .Release.Name }}"\n', "t.yaml"
    )
    assert _issues(r) == [("unrendered-template", 4, 10)]
    # a marker inside a string never costs the document
    assert [m.kind for m in r.manifests] == ["ConfigMap"]


def test_go_templates_that_are_not_helm_are_content() -> None:
    r = load_paths([str(LOADER / "alert-rules-go-templates.yaml")])
    assert r.issues == []
    assert [m.name for m in r.manifests] == ["storage-alerts"]


@pytest.mark.parametrize(
    "action", ['include "x" .', "tpl .Values.t .", 'required "m" .Values.x', "$.Chart.Name"]
)
def test_helm_functions_and_objects_in_strings_are_reported(action: str) -> None:
    text = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  k: 'a {{{{ {action} }}}}'\n"
    r = load_text(text, "t.yaml")
    assert _issues(r) == [("unrendered-template", 6, 9)]
    assert len(r.manifests) == 1


def test_template_in_a_comment_is_not_a_marker() -> None:
    r = load_text("apiVersion: v1\nkind: ConfigMap  # {{ .Values.x }}\nmetadata:\n  name: c\n", "t")
    assert r.issues == [] and len(r.manifests) == 1


def test_recovery_after_syntax_error_keeps_positions() -> None:
    text = "a: [\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\n---\nb: {\n"
    r = load_text(text, "t.yaml")
    assert [i.rule for i in r.issues] == ["yaml-syntax-error", "yaml-syntax-error"]
    assert r.issues[0].line == 2 and r.issues[1].line == 9
    (m,) = r.manifests
    assert m.span_at(("metadata", "name")).line == 6
    assert m.doc_index == 1


def test_documents_that_are_not_objects() -> None:
    r = load_paths([str(LOADER / "not-objects.yaml")])
    assert _issues(r) == [("not-a-kubernetes-object", 1, 1), ("not-a-kubernetes-object", 4, 1)]
    assert [m.name for m in r.manifests] == ["real"]


def test_list_is_flattened_with_positions() -> None:
    r = load_paths([str(LOADER / "list.yaml")])
    assert [(m.kind, m.name, m.item_path) for m in r.manifests] == [
        ("Service", "first", ("items", 0)),
        ("ConfigMap", "second", ("items", 1)),
    ]
    assert r.manifests[1].span_at(("metadata", "name")).line == 14


def test_json_file_with_tabs() -> None:
    r = load_paths([str(LOADER / "service.json")])
    assert r.issues == []
    (m,) = r.manifests
    assert (m.name, m.namespace) == ("json-svc", "shop")
    assert m.span_at(("spec", "ports", 0, "targetPort")).line == 5


def test_bom_and_crlf() -> None:
    data = "\ufeffapiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: crlf\r\n".encode()
    (m,) = load_bytes(data, "c.yaml").manifests
    assert m.name == "crlf"
    assert m.span_at(("metadata", "name")).line == 4


def test_undecodable_and_binary_content() -> None:
    bad = load_bytes(b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \xff\xfe\n", "b.yaml")
    assert _issues(bad) == [("yaml-syntax-error", 4, 9)]
    assert "UTF-8" in bad.issues[0].message
    binary = load_bytes(b"\x7fELF\x00\x00\x01", "bin.yaml")
    assert binary.issues[0].rule == "yaml-syntax-error"
    assert "binary" in binary.issues[0].message


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\n" + "\n".join(lines) + "\n"
    start = time.process_time()
    r = load_text(text, "bomb.yaml")
    assert time.process_time() - start < 10  # generous: expansion would take hours
    assert [i.rule for i in r.issues] == ["yaml-syntax-error"]
    assert "alias" in r.issues[0].message
    assert r.manifests == []


def test_large_ordinary_crd_counts_each_node_once() -> None:
    data = HOSTILE.large_crd()
    assert len(data) > 1_000_000
    r = load_bytes(data, "crd.yaml")
    assert r.issues == []
    assert [m.kind for m in r.manifests] == ["CustomResourceDefinition"]


def test_alias_expansion_is_counted_each_time() -> None:
    r = load_bytes(HOSTILE.alias_bomb(), "bomb.yaml")
    assert [i.rule for i in r.issues] == ["yaml-syntax-error"]
    assert "1,000,000 nodes" in r.issues[0].message


def _bare_parse_seconds(data: bytes) -> float:
    import _ruamel_yaml

    start = time.perf_counter()
    parser = _ruamel_yaml.CParser(data.decode())
    with contextlib.suppress(Exception):
        while parser.get_event() is not None:
            pass
    return time.perf_counter() - start


@pytest.mark.parametrize(
    "case", ["template_markers", "syntax_error_then_documents", "many_documents"]
)
def test_hostile_small_files_load_in_linear_time(case: str) -> None:
    """Issue 11 point 4: each took minutes (quadratic scans); now a few bare parses.
    The bare parse of the recovery case stops at the error, so it is measured on the
    same documents without the broken first line."""
    data = getattr(HOSTILE, case)()
    bare = _bare_parse_seconds(data.split(b"\n", 1)[1] if case.startswith("syntax") else data)
    start = time.perf_counter()
    load_bytes(data, f"{case}.yaml")
    elapsed = time.perf_counter() - start
    # generous for a loaded shared machine; quadratic behaviour took 50-400x longer
    assert elapsed < 25 * bare + 3.0, (elapsed, bare)


def test_deep_nesting_is_refused() -> None:
    depth = 5000
    text = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata: "
        + "[" * depth
        + "]" * depth
        + "\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n"
    )
    r = load_text(text, "deep.yaml")
    assert [i.rule for i in r.issues] == ["yaml-syntax-error"]
    assert "nesting" in r.issues[0].message
    assert [m.name for m in r.manifests] == ["ok"]


def test_multi_megabyte_file() -> None:
    doc = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n  k: "{v}"\n---\n'
    text = "".join(doc.format(i=i, v="x" * 200) for i in range(20000))
    assert len(text) > 4_000_000
    r = load_text(text, "big.yaml")
    assert len(r.manifests) == 20000
    assert r.manifests[-1].span_at(("metadata", "name")).line == 19999 * 7 + 4


def test_no_tag_constructs_objects() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tags\ndata:\n  a: !!python/object/apply:os.system ['echo pwned']\n  b: !custom 5\n"
    (m,) = load_text(text, "t.yaml").manifests
    assert m.data["data"]["a"] == ["echo pwned"]
    assert m.data["data"]["b"] == 5


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("yes", True),
        ("off", False),
        ("y", True),
        ("true", True),
        ("1.10", 1.1),
        ("0755", 493),
        ("0x1f", 31),
        ("1_000", 1000),
        ("~", None),
        ("", None),
        ("1e3", 1000.0),
        ("12abc", "12abc"),
        ("2001-12-14", "2001-12-14"),
        ("web", "web"),
    ],
)
def test_scalars_resolve_like_kubernetes_yaml_1_1(text: str, value: object) -> None:
    assert resolve_plain(text) == value


def test_quoted_scalars_stay_strings() -> None:
    (m,) = load_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: q\ndata:\n  a: \"yes\"\n  b: '1.10'\n",
        "q.yaml",
    ).manifests
    assert m.data["data"] == {"a": "yes", "b": "1.10"}


def test_merge_keys() -> None:
    text = "base: &b {x: 1, z: 2}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m\ndata:\n  <<: *b\n  z: 3\n"
    (m,) = load_text(text, "m.yaml").manifests
    assert m.data["data"] == {"z": 3, "x": 1}


def test_helm_source_comments_name_the_template() -> None:
    text = (
        "---\n# Source: shop/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n"
        "---\n# Source: shop/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n"
    )
    svc, cm = load_text(text, "-").manifests
    assert (svc.file, svc.span_at(("metadata", "name")).line) == ("shop/templates/svc.yaml", 4)
    assert (cm.file, cm.span_at(("kind",)).line) == ("shop/templates/cm.yaml", 2)
    # a rendered file saved on disk is itself the place to point at
    svc, _ = load_text(text, "rendered.yaml").manifests
    assert (svc.file, svc.span_at(("metadata", "name")).line) == ("rendered.yaml", 6)


def test_ignore_comments_are_collected() -> None:
    r = load_text(
        "apiVersion: v1  # k8snetlint: ignore[schema-violation, bare-pod]\nkind: Pod\n", "c.yaml"
    )
    assert r.comments["c.yaml"][1] == frozenset({"schema-violation", "bare-pod"})


def test_directory_walk_is_sorted_and_skips_non_manifests(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a").mkdir()
    (tmp_path / ".git").mkdir()
    for p in (
        "b/z.yaml",
        "a/y.yml",
        "a/x.json",
        ".git/config.yaml",
        "kustomization.yaml",
        "values-prod.yaml",
        "Chart.yaml",
        "notes.txt",
    ):
        (tmp_path / p).write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
    files, errors = expand_paths([str(tmp_path)])
    assert errors == []
    names = [Path(d).relative_to(tmp_path).as_posix() if os.path.isabs(d) else d for d, _ in files]
    assert [n.split("/")[-2:] for n in names] == [["a", "x.json"], ["a", "y.yml"], ["b", "z.yaml"]]


def test_symlink_loop_terminates(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "m.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
    )
    os.symlink(tmp_path, tmp_path / "d" / "loop")
    files, _ = expand_paths([str(tmp_path)])
    assert len(files) == 1


def test_missing_path_is_an_error() -> None:
    r = load_paths(["/no/such/path.yaml"])
    assert r.errors == ["/no/such/path.yaml: no such file or directory"]


def test_explicit_file_is_read_even_if_its_name_is_skipped(tmp_path: Path) -> None:
    p = tmp_path / "values.yaml"
    p.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")
    assert len(load_paths([str(p)]).manifests) == 1


def test_order_of_paths_does_not_matter() -> None:
    a = [str(LOADER / "list.yaml"), str(LOADER / "duplicate-key.yaml")]
    r1, r2 = load_paths(a), load_paths(a[::-1])
    assert [m.name for m in r1.manifests] == [m.name for m in r2.manifests]


def test_cluster_snapshot_typed_list_items_inherit_kind_and_api_version() -> None:
    r = load_paths([str(LOADER / "snapshot-podlist.yaml")])
    assert [(m.kind, m.api_version, m.name) for m in r.manifests] == [
        ("Pod", "v1", "web-7d4b9c-abcde"),
        ("Namespace", "v1", "shop"),
    ]
    pod = r.manifests[0]
    assert pod.item_path == ("items", 0)
    assert pod.span_at(("kind",)).line == 8  # the item's position
    # a plain List's item must carry its own kind and apiVersion
    assert [(i.rule, i.line) for i in r.issues] == [("not-a-kubernetes-object", 101)]


def test_cluster_snapshot_objects_have_no_findings_for_status_and_server_metadata() -> None:
    report = lint_paths([LOADER / "snapshot-podlist.yaml", LOADER / "snapshot-list.json"])
    rules = sorted({f.rule for f in report.findings})
    # only the plain List item without kind, and the Service that the deny-all
    # policy makes unreachable: nothing about status, uid, managedFields, ...
    assert rules == ["not-a-kubernetes-object", "service-unreachable"]


def test_kustomize_configuration_is_skipped_quietly() -> None:
    r = load_paths([str(LOADER / "kustomize-config.yaml")])
    assert r.issues == []
    assert [m.name for m in r.manifests] == ["real"]


def test_loading_does_not_freeze_the_heap_or_leave_gc_off() -> None:
    import gc

    gc.unfreeze()
    before = gc.get_freeze_count()
    load_paths([str(LOADER / "list.yaml")])
    assert gc.get_freeze_count() == before == 0
    assert gc.isenabled()


def test_reader_result_of_one_file_is_picklable() -> None:
    """For parallel loading: the reader's entry point returns data a worker can send."""
    import pickle

    from k8snetlint.reader import read_path

    path = LOADER / "list.yaml"
    result = read_path("list.yaml", path)
    again = pickle.loads(pickle.dumps(result))
    assert [m.name for m in again.manifests] == [m.name for m in result.manifests]
    assert again.manifests[0].span_at(("metadata", "name")) == result.manifests[0].span_at(
        ("metadata", "name")
    )
    assert isinstance(again.manifests[0].data, YMap)


def test_missing_compiled_extension_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not every file turned into a syntax error: the import failure is named."""
    import sys

    from k8snetlint.reader import MissingYamlExtension

    monkeypatch.setitem(sys.modules, "_ruamel_yaml", None)
    with pytest.raises(MissingYamlExtension, match=r"ruamel\.yaml\.clib"):
        load_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n", "a.yaml")
