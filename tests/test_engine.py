"""The pipeline of ``engine.run``: what it leaves behind in the process."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest
from lintutil import lint_text

TEXT = """\
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80}]
"""


@pytest.mark.parametrize("enabled", [True, False])
def test_run_restores_the_garbage_collector(enabled: bool) -> None:
    """The rules and the report are built with the cyclic collector paused; the caller's
    setting is back afterwards, also when it had paused it itself."""
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        report = lint_text(TEXT)
        assert report.objects
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_run_pauses_the_collector_while_rules_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Also while the report is assembled (sorting every object), not only in the rules."""
    from k8snetlint import engine

    seen: list[bool] = []
    real = engine.CheckedObject

    def spy(*args: object) -> object:
        seen.append(gc.isenabled())
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "CheckedObject", spy)
    assert gc.isenabled()
    lint_text(TEXT)
    assert seen == [False]


def test_lint_pauses_the_collector_between_loading_and_the_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``lint`` keeps the collector paused from reading to the report: a collection in
    between would traverse every object just read."""
    from k8snetlint import engine
    from k8snetlint.config import Config

    (tmp_path / "a.yaml").write_text(TEXT, encoding="utf-8")
    seen: list[bool] = []
    real = engine.run

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "run", spy)
    assert gc.isenabled()
    report = engine.lint([str(tmp_path)], Config())
    assert seen == [False] and gc.isenabled()
    assert len(report.objects) == 1
