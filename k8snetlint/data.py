"""Locating the data folders (`rules/`, `schemas/`) shipped with the package.

In a wheel they live inside the package as ``k8snetlint/_rules`` and
``k8snetlint/_schemas``; in a source checkout (editable install, tests) they are the
top-level ``rules/`` and ``schemas/`` folders of the repository.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the folder holding the data set ``name`` ("rules" or "schemas")."""
    inside = _PACKAGE / f"_{name}"
    if inside.is_dir():
        return inside
    return _PACKAGE.parent / name
