"""Golden-file comparison honouring ``pytest --update-goldens``."""

from __future__ import annotations

from pathlib import Path


def check_golden(path: Path, actual: str, update: bool) -> None:
    """Compare ``actual`` with the golden file, or rewrite it under --update-goldens."""
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), (
        f"golden file {path} missing: run pytest --update-goldens and read the diff"
    )
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, (
        f"{path} differs from the output (pytest --update-goldens rewrites it)"
    )
