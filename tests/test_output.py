"""Report writing: devices, FIFOs, symlinks, modes, clashes and any file name."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import pytest

from conftest import BAD_SERVICE
from k8snetlint.output import OutputError, check_distinct, write_output


def _cli(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "k8snetlint", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
    )


def _device(tmp_path: Path, name: str, minor: int) -> Path:
    """A private copy of /dev/null (minor 3) or /dev/full (7): the tests never touch
    the system's devices (the bug they guard against replaced /dev/null for
    everyone on the machine)."""
    node = tmp_path / name
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    except OSError:
        pytest.skip("cannot create device nodes here")
    return node


def test_character_device_stays_a_device(tmp_path: Path) -> None:
    null = _device(tmp_path, "null", 3)
    write_output("report\n", str(null))
    assert stat.S_ISCHR(os.stat(null).st_mode)


def test_full_device_is_a_clean_error(tmp_path: Path) -> None:
    full = _device(tmp_path, "full", 7)
    with pytest.raises(OutputError, match="No space left on device"):
        write_output("report\n", str(full))
    assert stat.S_ISCHR(os.stat(full).st_mode)


def test_fifo_is_streamed(tmp_path: Path) -> None:
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    got: list[str] = []

    def reader() -> None:
        with open(fifo) as fh:
            got.append(fh.read())

    t = threading.Thread(target=reader)
    t.start()
    write_output("streamed\n", str(fifo))
    t.join(5)
    assert got == ["streamed\n"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_symlinked_report_replaces_the_target_and_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "reports" / "out.json"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "out.json"
    link.symlink_to(real)
    write_output("new\n", str(link))
    assert link.is_symlink()
    assert real.read_text() == "new\n"


def test_existing_mode_is_kept_and_new_files_follow_the_umask(tmp_path: Path) -> None:
    old = tmp_path / "old.txt"
    old.write_text("x")
    old.chmod(0o640)
    write_output("y\n", str(old))
    assert stat.S_IMODE(old.stat().st_mode) == 0o640
    mask = os.umask(0o027)
    try:
        write_output("z\n", str(tmp_path / "new.txt"))
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o640


def test_unwritable_folder_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(OutputError, match=r"cannot write .*Permission denied"):
        write_output("x", str(tmp_path / "r.txt"))


def test_two_outputs_on_one_path_are_a_usage_error(tmp_path: Path) -> None:
    target = str(tmp_path / "r.json")
    with pytest.raises(OutputError, match="--output and --output-sarif"):
        check_distinct([("--output", target), ("--output-sarif", target)])
    check_distinct([("--output", "/dev/null"), ("--output-sarif", "/dev/null")])
    (tmp_path / "svc.yaml").write_text(BAD_SERVICE)
    proc = _cli(["check", str(tmp_path / "svc.yaml"), "-o", target, "--output-sarif", target])
    assert proc.returncode == 2
    assert "name the same file" in proc.stderr
    assert not Path(target).exists()


def test_cli_report_to_a_device(tmp_path: Path) -> None:
    null = _device(tmp_path, "null", 3)
    (tmp_path / "svc.yaml").write_text(BAD_SERVICE)
    proc = _cli(["check", str(tmp_path / "svc.yaml"), "-o", str(null), "-f", "json"])
    assert proc.returncode == 1, proc.stderr
    assert stat.S_ISCHR(os.stat(null).st_mode)


def test_any_file_name_is_valid_in_json_sarif_and_baselines(tmp_path: Path) -> None:
    raw = os.fsencode(str(tmp_path)) + b"/bad-\xff-\xc3\xa9.yaml"
    with open(raw, "w") as fh:
        fh.write(BAD_SERVICE)
    out = tmp_path / "out"
    out.mkdir()
    proc = _cli(
        [
            "check",
            str(tmp_path),
            "-f",
            "json",
            "-o",
            str(out / "r.json"),
            "--output-sarif",
            str(out / "r.sarif"),
            "--write-baseline",
            str(out / "b.json"),
        ],
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr  # --write-baseline exits 0
    report = json.loads((out / "r.json").read_bytes().decode("utf-8"))
    assert {f["file"] for f in report["findings"]} == {"bad-\\xff-é.yaml"}
    sarif = json.loads((out / "r.sarif").read_bytes().decode("utf-8"))
    uris = {
        loc["physicalLocation"]["artifactLocation"].get("uri")
        for res in sarif["runs"][0]["results"]
        for loc in res["locations"]
    }
    assert uris == {"bad-%FF-%C3%A9.yaml"}
    again = _cli(["check", str(tmp_path), "--baseline", str(out / "b.json")], cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr


def test_dev_stdout_into_a_pipe(tmp_path: Path) -> None:
    (tmp_path / "svc.yaml").write_text(BAD_SERVICE)
    proc = _cli(["check", str(tmp_path / "svc.yaml"), "-o", "/dev/stdout", "-f", "json"])
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["findings"]
