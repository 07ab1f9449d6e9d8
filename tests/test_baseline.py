"""--write-baseline / --baseline: only new findings are reported."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from lintutil import lint_paths

from conftest import FIXTURES
from k8snetlint.baseline import BaselineError, apply, key, load, message_key, render
from k8snetlint.cli import main

BAD = FIXTURES / "rules" / "schema-violation" / "fail-service.yaml"
SEED = FIXTURES / "scenarios" / "seed" / "seed-examples.yaml"

DEPLOYMENT = """---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-extra
  namespace: default
spec:
  replicas: 2
  selector:
    matchLabels: {app: web-extra}
  template:
    metadata:
      labels: {app: web-extra}
    spec:
      containers:
      - name: c
        image: nginx:1.27
"""


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
    code, out, err = run(["check", "--write-baseline", str(base), str(manifests)], capsys)
    recorded = json.loads(base.read_text())["findings"]
    assert code == 0 and out == ""
    assert err == f"k8snetlint: {len(recorded)} findings recorded in {base}\n"
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


def test_baseline_survives_an_unrelated_change_and_another_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    (repo / "k8s").mkdir(parents=True)
    shutil.copy(SEED, repo / "k8s" / "seed.yaml")
    monkeypatch.chdir(repo)
    code, _, err = run(["check", "--write-baseline", ".k8snetlint-baseline.json", "k8s"], capsys)
    assert code == 0 and "11 findings recorded in .k8snetlint-baseline.json" in err
    base = repo / ".k8snetlint-baseline.json"
    # a messages with a count ("2 workloads") is recorded without it
    assert any("# workloads" in e["key"] for e in json.loads(base.read_text())["findings"])

    # one more Deployment changes "2 workloads" to "3 workloads": nothing comes back.
    # (namespace-missing-default-deny is anchored at the namespace's first workload by
    # name when the input has no Namespace object; "web-extra" does not sort first.)
    with (repo / "k8s" / "seed.yaml").open("a") as fh:
        fh.write(DEPLOYMENT)
    monkeypatch.chdir(repo / "k8s")
    code, out, _ = run(["check", "-f", "json", "--baseline", str(base), "."], capsys)
    report = json.loads(out)
    assert report["summary"]["baselined"] == 11
    assert {f["object"]["name"] for f in report["findings"]} <= {"web-extra"}

    # the whole repository, from the repository root: the baseline is not read as a manifest
    monkeypatch.chdir(repo)
    code, out, _ = run(["check", "-f", "json", "--baseline", str(base), "."], capsys)
    report = json.loads(out)
    assert [f["file"] for f in report["findings"]] == []
    assert report["summary"]["files"] == 1


def test_message_key_drops_counts_asides_and_hints() -> None:
    assert message_key("namespace default has 3 workloads and no policy") == (
        "namespace default has # workloads and no policy"
    )
    assert message_key("port 80 (named http) is closed; did you mean 8080?") == ("port # is closed")
    assert message_key("names a, b, c and 4 more") == "names a, b, c"


def test_identical_findings_are_counted(tmp_path: Path) -> None:
    f = lint_paths([BAD]).findings[0]
    p = tmp_path / "b.json"
    p.write_text(render([f], str(p)))
    kept, hidden = apply([f, f], load(str(p)), str(p))
    assert (len(kept), hidden) == (1, 1)
    assert f.field_path and f.field_path in key(f, str(tmp_path))


def test_bad_baseline_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = tmp_path / "b.json"
    p.write_text("[1, 2]")
    with pytest.raises(BaselineError):
        load(str(p))
    code, _, err = run(["check", "--baseline", str(p), str(BAD)], capsys)
    assert code == 2 and "not a k8snetlint baseline" in err
    p.write_text('{"version": 1, "findings": []}')
    code, _, err = run(["check", "--baseline", str(p), str(BAD)], capsys)
    assert code == 2 and f"write it again with --write-baseline {p}" in err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"version": 2, "findings": 5}', "'findings' is not a list"),
        ('{"version": 2, "findings": ' + "[" * 100_000 + "]" * 100_000 + "}", "cannot read"),
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


def test_reports_and_baselines_of_earlier_runs_are_not_manifests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(BAD, tmp_path / "svc.yaml")
    monkeypatch.chdir(tmp_path)
    run(["check", "-f", "json", "-o", "report.json", "svc.yaml"], capsys)
    run(["check", "--write-baseline", "recorded.json", "svc.yaml"], capsys)
    assert json.loads(Path("recorded.json").read_text())["kind"] == "k8snetlint-baseline"
    Path("other.json").write_text(
        '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}'
    )
    _, out, _ = run(["check", "-f", "json", "."], capsys)
    report = json.loads(out)
    assert report["summary"]["files"] == 2  # svc.yaml and other.json
    assert "not-a-kubernetes-object" not in {f["rule"] for f in report["findings"]}
