"""File discovery: layering, walks, skip rules, symlinks, devices and read caps."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

import k8snetlint
from k8snetlint import discovery
from k8snetlint.discovery import FileTooLarge, display_name, read_capped
from k8snetlint.loader import LoadResult, load_paths

PKG = Path(k8snetlint.__file__).parent


def _imports(module: str) -> set[str]:
    tree = ast.parse((PKG / f"{module}.py").read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("k8snetlint")
        ):
            out.add(node.module.removeprefix("k8snetlint."))
    return out


def test_layers_discovery_below_reader_below_kustomize_below_loader() -> None:
    assert not {"reader", "kustomize", "loader"} & _imports("discovery")
    assert not {"kustomize", "loader"} & _imports("reader")
    assert "loader" not in _imports("kustomize")
    assert {"discovery", "reader", "kustomize"} <= _imports("loader")


# --------------------------------------------------------------------------- walks

SERVICE = "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n  - port: 80\n"


def _load(paths: list[str], **kwargs: Any) -> LoadResult:
    return load_paths(paths, **kwargs)


def _skips(result: LoadResult) -> list[tuple[str, str]]:
    return [(i.file, i.message) for i in result.issues]


def test_fifo_in_a_walked_directory_is_skipped_with_a_finding(tmp_path: Path) -> None:
    (tmp_path / "svc.yaml").write_text(SERVICE)
    os.mkfifo(tmp_path / "pipe.yaml")
    r = _load([str(tmp_path)])  # would block forever if the FIFO were opened
    assert [m.name for m in r.manifests] == ["s"]
    ((name, message),) = _skips(r)
    assert name.endswith("pipe.yaml") and "not a regular file (a FIFO)" in message
    assert r.issues[0].rule == "not-a-kubernetes-object"


def test_symlink_leaving_the_roots_is_not_followed(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    outside = tmp_path / "outside"
    tree.mkdir()
    outside.mkdir()
    (outside / "secret.yaml").write_text(SERVICE)
    (tree / "etc").symlink_to(outside)
    (tree / "z.yaml").symlink_to("/dev/zero")
    (tree / "inside.yaml").symlink_to(tree / "real.yaml")
    (tree / "real.yaml").write_text(SERVICE)
    r = _load([str(tree)])
    assert sorted(r.files) == [display_name(tree / n) for n in ("inside.yaml", "real.yaml")]
    messages = sorted(m for _, m in _skips(r))
    assert len(messages) == 2
    assert all("outside the paths given" in m and "--follow-symlinks" in m for m in messages)
    # naming the outside folder too makes it a root
    r2 = _load([str(tree), str(outside)])
    assert display_name(outside / "secret.yaml") in r2.files


def test_follow_symlinks_still_refuses_devices(tmp_path: Path) -> None:
    (tmp_path / "z.yaml").symlink_to("/dev/zero")
    (tmp_path / "d").symlink_to(Path(__file__).parent.parent / "fixtures" / "loader")
    r = _load([str(tmp_path)], follow_symlinks=True)
    assert any("a character device" in m for _, m in _skips(r))
    assert r.manifests  # the followed folder was read


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any directory")
def test_unreadable_directory_gets_a_finding(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        r = _load([str(tmp_path)])
    finally:
        locked.chmod(0o755)
    assert [(i.rule, "cannot read directory" in i.message) for i in r.issues] == [
        ("yaml-syntax-error", True)
    ]


def test_unreadable_directory_finding_without_privileges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "locked").mkdir()
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    r = _load([str(tmp_path)])
    assert [i.rule for i in r.issues] == ["yaml-syntax-error"]
    assert "cannot read directory: Permission denied" in r.issues[0].message


# --------------------------------------------------------------------------- reads


def test_reads_are_capped_by_bytes_read_not_st_size() -> None:
    with pytest.raises(FileTooLarge):
        read_capped(Path("/dev/zero"), limit=1 << 16)


def test_device_named_on_the_command_line_is_read_with_the_cap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(discovery, "MAX_FILE_BYTES", 1 << 16)
    monkeypatch.setattr(discovery.read_capped, "__defaults__", (1 << 16,))
    r = _load(["/dev/zero"])
    assert [i.rule for i in r.issues] == ["yaml-syntax-error"]
    assert "limit" in r.issues[0].message


def test_fifo_named_on_the_command_line_is_read(tmp_path: Path) -> None:
    fifo = tmp_path / "rendered.yaml"
    os.mkfifo(fifo)

    def writer() -> None:
        with open(fifo, "w") as fh:
            fh.write(SERVICE)

    t = threading.Thread(target=writer)
    t.start()
    r = _load([str(fifo)])
    t.join(5)
    assert [m.name for m in r.manifests] == ["s"]


def _cli(args: list[str], stdin: Any = subprocess.DEVNULL) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "k8snetlint", *args],
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_stdin_is_capped() -> None:
    with open("/dev/zero", "rb") as zero:
        proc = _cli(["check", "-", "-f", "json"], stdin=zero)
    assert proc.returncode == 1, proc.stderr
    assert "67,108,864-byte limit" in proc.stdout


def test_empty_stdin_is_an_error() -> None:
    proc = _cli(["check", "-"])
    assert proc.returncode == 2
    assert "stdin was empty: did the command before the pipe fail?" in proc.stderr
    allowed = _cli(["check", "-", "--allow-empty"])
    assert allowed.returncode == 0, allowed.stderr


def test_paths_without_objects_are_an_error_unless_allowed(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("nothing here\n")
    proc = _cli(["check", str(tmp_path)])
    assert proc.returncode == 2
    assert "no Kubernetes object found" in proc.stderr
    assert _cli(["check", "--allow-empty", str(tmp_path)]).returncode == 0


def test_walked_fifo_does_not_hang_the_cli(tmp_path: Path) -> None:
    (tmp_path / "svc.yaml").write_text(SERVICE)
    os.mkfifo(tmp_path / "pipe.yaml")
    proc = _cli(["check", str(tmp_path), "-f", "text"])
    assert proc.returncode == 0, proc.stderr
    assert "pipe.yaml:1:1: info not-a-kubernetes-object" in proc.stdout


def test_walked_names_equal_display_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # names of walked files come from their folder, resolved once: the same names as
    # resolving each file, inside and outside the working directory, through a
    # symlinked folder (followed) and for a symlinked file
    (tmp_path / "repo" / "a" / "b").mkdir(parents=True)
    (tmp_path / "repo" / "a" / "b" / "x.yaml").write_text("{}\n")
    (tmp_path / "repo" / "top.yml").write_text("{}\n")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "y.yaml").write_text("{}\n")
    (tmp_path / "repo" / "linked").symlink_to(tmp_path / "elsewhere")
    (tmp_path / "repo" / "a" / "alias.yaml").symlink_to(tmp_path / "repo" / "top.yml")
    monkeypatch.chdir(tmp_path / "repo" / "a")
    for arg in (".", "..", str(tmp_path / "repo"), "../a/b"):
        found = discovery.expand([arg], follow_symlinks=True)
        assert found.files
        for shown, path in found.files.items():
            assert path is not None and shown == display_name(path), (arg, shown)


@pytest.mark.parametrize(
    "name",
    [
        "values.yaml",
        "values-prod.yml",
        "x.schema.json",
        "Chart.yaml",
        "chart.yaml",
        "deploy.yaml",
        "my-values.yaml",
        "docker-compose.override.yml",
        "a.schema.jsonx",
    ],
)
def test_skip_patterns_match_as_fnmatch(name: str) -> None:
    import fnmatch

    expected = any(fnmatch.fnmatchcase(name, p) for p in discovery.SKIP_FILE_PATTERNS)
    assert discovery._skipped(name) == expected
