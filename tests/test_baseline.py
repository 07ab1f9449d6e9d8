"""--write-baseline / --baseline: only new findings are reported."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from lintutil import lint_paths

from conftest import FIXTURES
from k8snetlint.baseline import BaselineError, apply, key, load, render
from k8snetlint.cli import main

BAD = FIXTURES / "rules" / "schema-violation" / "fail-service.yaml"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def test_baseline_hides_recorded_findings_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifests = tmp_path / "k8s"
    manifests.mkdir()
    shutil.copy(BAD, manifests / "svc.yaml")
    base = tmp_path / "baseline.json"
    code, _, _ = run(["check", "-f", "json", "--write-baseline", str(base), str(manifests)], capsys)
    assert code == 1
    recorded = json.loads(base.read_text())["findings"]
    assert recorded and all("line" not in e for e in recorded)

    code, out, _ = run(["check", "-f", "json", "--baseline", str(base), str(manifests)], capsys)
    report = json.loads(out)
    assert code == 0
    assert report["findings"] == []
    assert report["summary"]["baselined"] == len(recorded)

    # an edit above the old findings moves their lines but they stay baselined; a new
    # problem is reported
    text = (manifests / "svc.yaml").read_text()
    (manifests / "svc.yaml").write_text(
        "# moved\n\n"
        + text
        + "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: new\nspec:\n  ports:\n  - port: 0\n"
    )
    code, out, _ = run(["check", "-f", "json", "--baseline", str(base), str(manifests)], capsys)
    new = json.loads(out)["findings"]
    assert code == 1
    assert [f["object"]["name"] for f in new] == ["new"]


def test_identical_findings_are_counted(tmp_path: Path) -> None:
    f = lint_paths([BAD]).findings[0]
    p = tmp_path / "b.json"
    p.write_text(render([f]))
    kept, hidden = apply([f, f], load(str(p)))
    assert (len(kept), hidden) == (1, 1)
    assert key(f).count("\x1f") == 3


def test_bad_baseline_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = tmp_path / "b.json"
    p.write_text("[1, 2]")
    with pytest.raises(BaselineError):
        load(str(p))
    code, _, err = run(["check", "--baseline", str(p), str(BAD)], capsys)
    assert code == 2 and "not a k8snetlint baseline" in err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"version": 1, "findings": 5}', "'findings' is not a list"),
        ('{"version": 1, "findings": ' + "[" * 100_000 + "]" * 100_000 + "}", "cannot read"),
    ],
)
def test_malformed_baselines_are_usage_errors(tmp_path: Path, text: str, message: str) -> None:

    path = tmp_path / "b.json"
    path.write_text(text)
    with pytest.raises(BaselineError, match=message):
        load(str(path))


def test_baseline_read_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    from k8snetlint import discovery

    monkeypatch.setattr(discovery.read_capped, "__defaults__", (1 << 12,))
    with pytest.raises(BaselineError, match="limit"):
        load("/dev/zero")


def test_fifo_without_writer_as_baseline_does_not_hang(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    fifo = tmp_path / "baseline.json"
    os.mkfifo(fifo)
    (tmp_path / "svc.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n")
    proc = subprocess.run(
        [sys.executable, "-m", "k8snetlint", "check", str(tmp_path / "svc.yaml")]
        + ["--baseline", str(fifo)],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert proc.returncode == 2
    assert "cannot read baseline" in proc.stderr
