"""File discovery: layering, walks, skip rules, symlinks, devices and read caps."""

from __future__ import annotations

import ast
from pathlib import Path

import k8snetlint

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
