"""Every hostile fixture runs through check, graph and reach without an internal error."""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest
from benchutil import bench_module

from conftest import FIXTURES

HOSTILE = FIXTURES / "hostile"


def _module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


FUZZ = bench_module("fuzz")
GENERATE = _module(HOSTILE / "generate.py", "hostile_generate")

COMMITTED = sorted(p.name for p in HOSTILE.iterdir() if p.suffix == ".yaml" or p.is_dir())


def _run_all(path: Path) -> list[tuple[str, int, str]]:
    out = []
    for argv in (
        ["check", str(path), "-f", "json", "--allow-empty"],
        ["graph", str(path), "-f", "json"],
        ["reach", str(path), "--from", "shop/a", "--to", "shop/b", "-f", "json"],
    ):
        code, stdout, stderr = FUZZ.run_cli(argv)
        assert "internal error" not in stderr and "Traceback" not in stderr, (argv, stderr)
        assert code in (0, 1, 2), (argv, code, stderr)
        if code in (0, 1):
            json.loads(stdout)
        out.append((argv[0], code, stderr))
    return out


@pytest.mark.parametrize("name", COMMITTED)
def test_committed_hostile_fixture(name: str) -> None:
    results = _run_all(HOSTILE / name)
    check_code = results[0][1]
    assert check_code == 1  # each holds problems that are findings


def test_remote_kustomization_is_refused_not_fetched() -> None:
    code, stdout, _ = FUZZ.run_cli(["check", str(HOSTILE / "kustomize-remote"), "-f", "json"])
    assert code == 1
    findings = json.loads(stdout)["findings"]
    assert [(f["rule"], f["line"]) for f in findings] == [
        ("kustomize-render-error", 5),
        ("kustomize-render-error", 6),
    ]


@pytest.mark.parametrize("case", sorted(GENERATE.CASES))
def test_generated_hostile_file_runs_in_bounded_time(case: str, tmp_path: Path) -> None:
    path = tmp_path / case
    path.write_bytes(GENERATE.CASES[case](1))
    start = time.perf_counter()
    _run_all(path)
    assert time.perf_counter() - start < 120
