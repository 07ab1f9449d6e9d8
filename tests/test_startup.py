"""Start-up: what `k8snetlint check FILE` (a commit hook's call) imports and does.

No timing is asserted (machines are noisy; `bench/run.py --startup` measures it): these
tests pin down the causes of a slow start instead: heavy modules imported on the
all-valid path, and the plain `check PATH...` call answered exactly like the full
option parser would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import BAD_SERVICE, GOOD_SERVICE
from k8snetlint.cli import main


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


@pytest.mark.parametrize("text", [GOOD_SERVICE, BAD_SERVICE])
def test_plain_check_answers_like_the_option_parser(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    (tmp_path / "a.yaml").write_text(text)
    (tmp_path / "b.yaml").write_text(GOOD_SERVICE.replace("name: web", "name: api"))
    fast = _run(["check", "a.yaml", "b.yaml"], capsys)
    # "--format auto" is the default: the same call through the full option parser
    full = _run(["check", "--format", "auto", "a.yaml", "b.yaml"], capsys)
    assert fast == full
    assert fast[0] == (1 if text is BAD_SERVICE else 0)


def test_plain_check_reports_usage_errors_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(["check", "missing.yaml"], capsys)
    assert code == 2
    assert "missing.yaml" in err


_PROBE = """
import json, sys
from k8snetlint.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
heavy = ("jsonschema", "networkx", "pydantic", "referencing")
print(json.dumps({"code": code, "loaded": [m for m in heavy if m in sys.modules]}))
"""


def test_all_valid_check_imports_no_heavy_module(tmp_path: Path) -> None:
    f = tmp_path / "svc.yaml"
    f.write_text(GOOD_SERVICE)
    (tmp_path / "cache").mkdir()
    env = {**os.environ, "K8SNETLINT_CACHE_DIR": str(tmp_path / "cache")}
    runs = []
    for _ in range(2):  # the first run fills the rule cache, the second reads it
        proc = subprocess.run(
            [sys.executable, "-c", _PROBE, "check", str(f)],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            check=False,
        )
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    assert runs[1] == {"code": 0, "loaded": []}
