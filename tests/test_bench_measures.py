"""bench/measures.py: the start-up figure says when an editable install flatters it."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchutil import bench_module

ROOT = Path(__file__).resolve().parents[1]


measures = bench_module("measures")


def _startup() -> object:
    res = measures.Startup()
    for name, secs in (
        ("python -c pass", 0.01),
        ('python -c "import yaml"', 0.04),
        ("check (one small valid file)", 0.1),
    ):
        res.samples[name] = [secs]
        res.cpu[name] = [secs]
    return res


@pytest.mark.parametrize("editable", [True, False])
def test_startup_notes_an_editable_install(monkeypatch: pytest.MonkeyPatch, editable: bool) -> None:
    monkeypatch.setattr(measures, "editable_install", lambda: editable)
    text = measures.render_startup(_startup())
    assert "check (one small valid file)" in text
    assert "2.50x" in text  # 0.1 / 0.04
    assert ("editable install" in text) is editable


def test_editable_install_looks_at_the_site_folders(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import site

    monkeypatch.setattr(site, "getsitepackages", lambda: [str(tmp_path)])
    assert measures.editable_install() is False
    (tmp_path / "__editable__.k8snetlint-0.1.0.pth").write_text("", encoding="utf-8")
    assert measures.editable_install() is True
