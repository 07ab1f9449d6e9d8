"""Kustomize rendering (k8snetlint.kustomize) with the real ``kubectl kustomize``."""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from k8snetlint import kustomize
from k8snetlint.config import Config
from k8snetlint.engine import resolve_version, run
from k8snetlint.findings import Finding
from k8snetlint.kustomize import (
    RULE,
    find_renderer,
    load_kustomization,
    origin_of,
    referenced_directories,
    render,
)
from k8snetlint.loader import LoadResult

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "kustomize"
KUBECTL = shutil.which("kubectl")
KUSTOMIZE = shutil.which("kustomize")

needs_renderer = pytest.mark.skipif(
    KUBECTL is None and KUSTOMIZE is None, reason="neither kubectl nor kustomize on PATH"
)
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl not on PATH")


@pytest.fixture(autouse=True)
def _in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    # display names are relative to the working directory
    monkeypatch.chdir(ROOT)


def _load(name: str) -> LoadResult:
    return load_kustomization(FIXTURES / name, f"fixtures/kustomize/{name}")


def _line_of(path: Path, text: str) -> int:
    """1-based number of the first line of ``path`` containing ``text``."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


def _findings(loaded: LoadResult, rule: str) -> list[Finding]:
    config = Config()
    report = run(loaded, config, resolve_version(config))
    return [f for f in report.findings if f.rule == rule]


def _fake_tool(folder: Path, name: str, script: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    tool = folder / name
    tool.write_text("#!/bin/sh\n" + textwrap.dedent(script), encoding="utf-8")
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return tool


# --------------------------------------------------------------------------- renderer


@needs_kubectl
def test_find_renderer_prefers_kubectl() -> None:
    command = find_renderer()
    assert command is not None
    assert Path(command[0]).name == "kubectl"
    assert command[1:] == ["kustomize"]


def test_find_renderer_falls_back_to_kustomize_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool = _fake_tool(tmp_path / "bin", "kustomize", "exit 0\n")
    monkeypatch.setenv("PATH", str(tool.parent))
    assert find_renderer() == [str(tool), "build"]


def test_find_renderer_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_renderer() is None


@needs_kubectl
def test_kustomize_build_is_used_when_kubectl_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a `kustomize` that delegates to the real kubectl, alone on PATH
    log = tmp_path / "calls"
    _fake_tool(
        tmp_path / "bin",
        "kustomize",
        f"""\
        echo "$@" >> '{log}'
        [ "$1" = build ] || exit 3
        exec '{KUBECTL}' kustomize "$2"
        """,
    )
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    loaded = _load("overlay")
    assert not loaded.issues
    assert sorted(m.name for m in loaded.manifests) == ["prod-web", "prod-web"]
    assert log.read_text(encoding="utf-8").startswith("build ")


# --------------------------------------------------------------------------- render


@needs_renderer
def test_render_overlay() -> None:
    result = render(FIXTURES / "overlay", origins=False)
    assert result.ok, result.error
    assert result.error is None
    assert result.text is not None
    assert "name: prod-web" in result.text
    assert "namespace: prod" in result.text
    assert "replicas: two" in result.text
    assert kustomize.ORIGIN_ANNOTATION not in result.text


@needs_renderer
def test_render_with_origins_does_not_touch_the_directory() -> None:
    before = {p: p.read_bytes() for p in FIXTURES.rglob("*") if p.is_file()}
    result = render(FIXTURES / "overlay")
    assert result.ok, result.error
    assert result.origins_added
    assert result.text is not None
    assert result.text.count(kustomize.ORIGIN_ANNOTATION) == 2
    after = {p: p.read_bytes() for p in FIXTURES.rglob("*") if p.is_file()}
    assert after == before


@needs_renderer
def test_render_broken_gives_first_error_line() -> None:
    result = render(FIXTURES / "broken")
    assert not result.ok
    assert result.text is None
    assert result.error is not None
    assert "\n" not in result.error
    assert "missing.yaml" in result.error
    assert result.error.startswith(("`kubectl kustomize ", "`kustomize build "))
    # the message names the user's directory, not the temporary wrapper
    assert "k8snetlint-kustomize-" not in result.error


def test_render_error_of_kustomize_build_style(tmp_path: Path) -> None:
    tool = _fake_tool(
        tmp_path,
        "kustomize",
        """\
        echo "# Warning: 'commonLabels' is deprecated." >&2
        echo "Error: invalid Kustomization: json: unknown field \\"resurces\\"" >&2
        exit 1
        """,
    )
    result = render(tmp_path, renderer=[str(tool), "build"])
    assert result.error == (
        f'`kustomize build {tmp_path}` failed: invalid Kustomization: json: unknown field "resurces"'
    )


def test_render_timeout(tmp_path: Path) -> None:
    tool = _fake_tool(tmp_path, "kustomize", "exec sleep 30\n")
    result = render(tmp_path, renderer=[str(tool), "build"], timeout=0.5)
    assert not result.ok
    assert result.error is not None
    assert "timed out after 0.5 s" in result.error


def test_render_missing_tool_never_raises(tmp_path: Path) -> None:
    result = render(tmp_path, renderer=[str(tmp_path / "nope"), "build"])
    assert not result.ok
    assert result.error is not None
    assert result.error.startswith("cannot run `nope build")


# --------------------------------------------------------------------------- origins


def _with_origin(text: str) -> dict[str, object]:
    return {"metadata": {"name": "x", "annotations": {kustomize.ORIGIN_ANNOTATION: text}}}


def test_origin_of() -> None:
    assert origin_of(_with_origin("path: ../base/service.yaml\n")) == "../base/service.yaml"
    generated = (
        "configuredIn: kustomization.yaml\n"
        "configuredBy:\n  apiVersion: builtin\n  kind: ConfigMapGenerator\n"
    )
    assert origin_of(_with_origin(generated)) == "kustomization.yaml"
    remote = "path: examples/svc.yaml\nrepo: https://github.com/x/y\nref: v1\n"
    assert origin_of(_with_origin(remote)) is None
    assert origin_of(_with_origin("path: [unclosed\n")) is None
    assert origin_of({"metadata": {"name": "x"}}) is None
    assert origin_of({"metadata": "nonsense"}) is None
    assert origin_of({}) is None


@needs_renderer
def test_overlay_objects_point_into_the_base_files() -> None:
    loaded = _load("overlay")
    assert not loaded.issues
    by_kind = {m.kind: m for m in loaded.manifests}
    deployment, service = by_kind["Deployment"], by_kind["Service"]
    # the rendered objects, as kustomize made them ...
    assert (deployment.name, deployment.namespace) == ("prod-web", "prod")
    assert deployment.get("spec", "selector", "matchLabels") == {"app": "web", "env": "prod"}
    assert deployment.get("spec", "replicas") == "two"
    # ... without the origin annotation k8snetlint asked for
    assert deployment.get("metadata", "annotations") is None
    assert deployment.extra["kustomization"] == "fixtures/kustomize/overlay/kustomization.yaml"
    # ... positioned in the files they came from
    base = FIXTURES / "base"
    assert deployment.file == "fixtures/kustomize/base/deployment.yaml"
    assert service.file == "fixtures/kustomize/base/service.yaml"
    assert deployment.span_at(("spec", "replicas")).line == _line_of(
        base / "deployment.yaml", "replicas:"
    )
    assert service.span_at(("spec", "ports", 0, "port")).line == _line_of(
        base / "service.yaml", "port: 80"
    )
    image = deployment.span_at(("spec", "template", "spec", "containers", 0, "image"))
    assert (image.line, image.column) == (_line_of(base / "deployment.yaml", "image:"), 16)
    # a field kustomize added points at its nearest ancestor in the source
    assert deployment.span_at(("metadata", "labels", "env")).line == _line_of(
        base / "deployment.yaml", "metadata:"
    )
    assert deployment.span_at(("metadata", "namespace")).line == _line_of(
        base / "deployment.yaml", "metadata:"
    )
    assert loaded.files == [
        "fixtures/kustomize/overlay/kustomization.yaml",
        "fixtures/kustomize/base/service.yaml",
        "fixtures/kustomize/base/deployment.yaml",
        "fixtures/kustomize/overlay/replicas.yaml",  # the patch that sets replicas
    ]


@needs_renderer
def test_finding_after_render_points_at_the_patch() -> None:
    # replicas: two only exists after the overlay's patch: it is reported at the patch,
    # with the field it overrides in the base as a related location
    [finding] = _findings(_load("overlay"), "schema-violation")
    assert finding.file == "fixtures/kustomize/overlay/replicas.yaml"
    assert (finding.line, finding.column) == (
        _line_of(FIXTURES / "overlay" / "replicas.yaml", "replicas:"),
        13,
    )
    [related] = finding.related
    assert related.file == "fixtures/kustomize/base/deployment.yaml"
    assert related.line == _line_of(FIXTURES / "base" / "deployment.yaml", "replicas:")
    assert related.message == "the base, before the patch"
    assert finding.object is not None
    assert (finding.object.namespace, finding.object.name) == ("prod", "prod-web")


@needs_kubectl
def test_json6902_and_inline_patches_are_located() -> None:
    loaded = _load("patched")
    [deployment] = [m for m in loaded.manifests if m.kind == "Deployment"]
    # the transformer annotation k8snetlint asked for is gone again
    assert deployment.get("metadata", "annotations") is None
    findings = {f.message.split(":")[0]: f for f in _findings(loaded, "schema-violation")}
    port = findings["spec.template.spec.containers[0].ports[0].containerPort"]
    assert (port.file, port.line, port.column) == ("fixtures/kustomize/patched/port.yaml", 3, 10)
    assert [(r.file, r.line) for r in port.related] == [
        ("fixtures/kustomize/base/deployment.yaml", 19)
    ]
    pull = findings["spec.template.spec.containers[0].imagePullPolicy"]
    kfile = FIXTURES / "patched" / "kustomization.yaml"
    assert (pull.file, pull.line, pull.column) == (
        "fixtures/kustomize/patched/kustomization.yaml",
        _line_of(kfile, "imagePullPolicy:"),
        30,
    )
    # fields no patch set stay in the base
    assert deployment.file == "fixtures/kustomize/base/deployment.yaml"
    assert set(deployment.extra["patched"]) == {
        ("spec", "template", "spec", "containers", 0, "ports", 0, "containerPort"),
        ("spec", "template", "spec", "containers", 0, "imagePullPolicy"),
    }
    assert "fixtures/kustomize/patched/port.yaml" in loaded.files


def test_patch_kustomizations_and_targets() -> None:
    data = _with_origin("path: base/deployment.yaml\n")
    data["metadata"]["annotations"][kustomize.TRANSFORMATIONS_ANNOTATION] = (  # type: ignore[index]
        "- configuredIn: ../overlay/kustomization.yaml\n"
        "  configuredBy: {apiVersion: builtin, kind: PatchTransformer}\n"
        "- configuredIn: ../overlay/kustomization.yaml\n"
        "  configuredBy: {apiVersion: builtin, kind: PrefixTransformer}\n"
        "- configuredIn: ../mid/kustomization.yaml\n"
        "  configuredBy: {apiVersion: builtin, kind: PatchStrategicMergeTransformer}\n"
    )
    assert kustomize.patch_kustomizations(data) == [
        "../overlay/kustomization.yaml",
        "../mid/kustomization.yaml",
    ]
    assert kustomize.patch_kustomizations({}) == []


def test_klog_multi_line_error_is_kept_whole(tmp_path: Path) -> None:
    tool = _fake_tool(
        tmp_path,
        "kubectl",
        """\
        printf 'E1202 19:34:13.110423    6837 run.go:72] "command failed" err=<\\n' >&2
        printf '\\ttrouble configuring builtin PatchTransformer with config: `\\n' >&2
        printf '\\tpath: missing.yaml\\n' >&2
        printf '\\t`: failed to get the patch file from path(missing.yaml): no such file\\n' >&2
        printf ' >\\n' >&2
        exit 1
        """,
    )
    result = render(tmp_path, renderer=[str(tool), "kustomize"], origins=False)
    assert result.error == (
        f"`kubectl kustomize {tmp_path}` failed: trouble configuring builtin PatchTransformer "
        "with config: ` path: missing.yaml `: failed to get the patch file from "
        "path(missing.yaml): no such file"
    )


@needs_renderer
def test_origin_annotations_of_the_kustomization_itself() -> None:
    loaded = _load("origin")
    assert not loaded.issues
    [finding] = _findings(loaded, "schema-violation")
    source = FIXTURES / "origin" / "service.yaml"
    assert (finding.file, finding.line, finding.column) == (
        "fixtures/kustomize/origin/service.yaml",
        _line_of(source, "port: 70000"),
        11,
    )
    assert "70000" in finding.message


@needs_renderer
def test_generated_objects_point_at_their_generator() -> None:
    loaded = _load("generated")
    [config_map] = [m for m in loaded.manifests if m.kind == "ConfigMap"]
    assert config_map.name.startswith("web-config-")
    assert config_map.file == "fixtures/kustomize/generated/kustomization.yaml"
    kfile = FIXTURES / "generated" / "kustomization.yaml"
    assert config_map.span_at(("data", "LOG_LEVEL")).line == _line_of(kfile, "name: web-config")
    others = {m.kind: m.file for m in loaded.manifests if m.kind != "ConfigMap"}
    assert others == {
        "Deployment": "fixtures/kustomize/base/deployment.yaml",
        "Service": "fixtures/kustomize/base/service.yaml",
    }


@needs_renderer
def test_without_origins_objects_point_at_the_kustomization(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # when the wrapper cannot be built the plain render has no origin annotations
    monkeypatch.setattr(kustomize, "_render_wrapped", lambda *args: None)
    loaded = _load("overlay")
    assert not loaded.issues
    assert {m.file for m in loaded.manifests} == {"fixtures/kustomize/overlay/kustomization.yaml"}
    [finding] = _findings(loaded, "schema-violation")
    assert (finding.file, finding.line, finding.column) == (
        "fixtures/kustomize/overlay/kustomization.yaml",
        1,
        1,
    )
    assert finding.object is not None
    assert (finding.object.kind, finding.object.name) == ("Deployment", "prod-web")


@needs_renderer
def test_line_comment_suppressions_in_source_files_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "kustomization.yaml").write_text(
        "resources:\n- svc.yaml\nnamespace: shop\n", encoding="utf-8"
    )
    (tmp_path / "app" / "svc.yaml").write_text(
        textwrap.dedent(
            """\
            apiVersion: v1
            kind: Service
            metadata:
              name: db
            spec:
              ports:
              - port: 70000  # k8snetlint: ignore[schema-violation]
              - port: 70001
            """
        ),
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    loaded = load_kustomization(Path("app"), "app")
    assert loaded.comments["app/svc.yaml"] == {7: frozenset({"schema-violation"})}
    findings = _findings(loaded, "schema-violation")
    assert [(f.file, f.line) for f in findings] == [("app/svc.yaml", 8)]


# --------------------------------------------------------------------------- failures


@needs_renderer
def test_broken_kustomization_is_one_clear_finding() -> None:
    loaded = _load("broken")
    assert loaded.manifests == []
    [issue] = loaded.issues
    assert (issue.rule, issue.file, issue.line, issue.column) == (
        RULE,
        "fixtures/kustomize/broken/kustomization.yaml",
        1,
        1,
    )
    assert "missing.yaml" in issue.message
    assert "\n" not in issue.message
    assert loaded.files == ["fixtures/kustomize/broken/kustomization.yaml"]


def test_no_renderer_says_how_to_render(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    loaded = _load("overlay")
    assert loaded.manifests == []
    [issue] = loaded.issues
    assert issue.rule == RULE
    assert issue.file == "fixtures/kustomize/overlay/kustomization.yaml"
    assert "neither `kubectl` nor `kustomize` is on PATH" in issue.message
    assert "`kubectl kustomize fixtures/kustomize/overlay | k8snetlint check -`" in issue.message
    assert "--no-kustomize" in issue.message
    assert render(FIXTURES / "overlay").error == kustomize.how_to_render(
        "fixtures/kustomize/overlay"
    )


def test_directory_without_kustomization(tmp_path: Path) -> None:
    loaded = load_kustomization(tmp_path, "plain")
    [issue] = loaded.issues
    assert (issue.rule, issue.file) == (RULE, "plain/kustomization.yaml")
    assert "holds no kustomization file" in issue.message


# --------------------------------------------------------------------------- walking


def test_referenced_directories() -> None:
    base = (FIXTURES / "base").resolve()
    assert referenced_directories(FIXTURES / "overlay") == [base]
    assert referenced_directories(FIXTURES / "generated") == [base]
    assert referenced_directories(FIXTURES / "base") == []
    assert referenced_directories(FIXTURES / "broken") == []
    assert referenced_directories(FIXTURES) == []


def test_referenced_directories_ignores_remote(tmp_path: Path) -> None:
    (tmp_path / "local").mkdir()
    (tmp_path / "Kustomization").write_text(
        textwrap.dedent(
            """\
            resources:
            - local
            - https://github.com/kubernetes-sigs/kustomize//examples/multibases?ref=v1.0.6
            - github.com/example/repo/deploy?ref=main
            - deployment.yaml
            components:
            - ./local
            """
        ),
        encoding="utf-8",
    )
    assert referenced_directories(tmp_path) == [(tmp_path / "local").resolve()]


# --------------------------------------------------------------------------- offline


def _remote_overlay(tmp_path: Path) -> Path:
    folder = tmp_path / "remote"
    folder.mkdir()
    (folder / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
        "- service.yaml\n- https://example.com/org/repo//base?ref=main\n"
        "- github.com/org/other/deploy\n"
    )
    (folder / "service.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n  - port: 80\n"
    )
    return folder


def test_remote_resources_are_refused_without_running_the_renderer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "calls"
    _fake_tool(tmp_path / "bin", "kubectl", f"echo \"$@\" >> '{log}'\nexit 0\n")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    folder = _remote_overlay(tmp_path)
    loaded = load_kustomization(folder, "remote")
    assert [(i.rule, i.line, i.column) for i in loaded.issues] == [(RULE, 5, 3), (RULE, 6, 3)]
    assert "--kustomize-allow-remote" in loaded.issues[0].message
    assert loaded.manifests == []
    assert not log.exists()


def test_remote_resources_of_a_local_base_are_refused(tmp_path: Path) -> None:
    base = _remote_overlay(tmp_path)
    top = tmp_path / "top"
    top.mkdir()
    (top / "kustomization.yaml").write_text("resources:\n- ../remote\n")
    issues = kustomize.remote_entries(top)
    assert {i.file.rsplit("/", 2)[-2] for i in issues} == {base.name}
    assert len(issues) == 2


def test_allow_remote_renders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_tool(
        tmp_path / "bin",
        "kubectl",
        "printf 'apiVersion: v1\\nkind: Service\\nmetadata:\\n  name: fetched\\n'\n",
    )
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    loaded = load_kustomization(_remote_overlay(tmp_path), "remote", allow_remote=True)
    assert [m.name for m in loaded.manifests] == ["fetched"]


def test_renderer_environment_holds_no_cluster_config_or_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dump = tmp_path / "env"
    _fake_tool(
        tmp_path / "bin",
        "kubectl",
        f"/usr/bin/env > '{dump}'\n/bin/cat \"$KUBECONFIG\" >> '{dump}'\n",
    )
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "real-kubeconfig"))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_secret")
    render(FIXTURES / "base", origins=False)
    env = dump.read_text()
    assert "secret" not in env and "10.0.0.1" not in env
    assert "real-kubeconfig" not in env
    assert "server: https://127.0.0.1:1" in env
    assert "HTTPS_PROXY=http://127.0.0.1:1" in env
    home = next(line.split("=", 1)[1] for line in env.splitlines() if line.startswith("HOME="))
    assert home.startswith(tempfile.gettempdir()) and not Path(home).exists()


def _unshare_works() -> bool:
    unshare = shutil.which("unshare")
    if unshare is None:
        return False
    try:
        proc = subprocess.run([unshare, "-rn", "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


@needs_renderer
@pytest.mark.skipif(not _unshare_works(), reason="unshare -rn is not available here")
def test_render_without_network_gives_identical_findings() -> None:
    argv = [sys.executable, "-m", "k8snetlint", "check", "fixtures/kustomize/overlay", "-f", "json"]
    online = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=ROOT)
    offline = subprocess.run(
        ["unshare", "-rn", *argv], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert online.returncode in (0, 1), online.stderr
    assert (offline.returncode, offline.stdout) == (online.returncode, online.stdout)
    assert json.loads(online.stdout)["findings"] is not None
