"""Shared pytest configuration: the ``--update-goldens`` switch and paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

# Tests that install packages (pip, pre-commit): run by default and in CI, skippable.
slow = pytest.mark.skipif(
    os.environ.get("K8SNETLINT_SKIP_SLOW") == "1", reason="K8SNETLINT_SKIP_SLOW=1"
)

# A manifest with one schema violation (port 70000), and the same one fixed.
BAD_SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: 70000
    targetPort: 8080
"""
GOOD_SERVICE = BAD_SERVICE.replace("port: 70000", "port: 80")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="Rewrite golden files from the current output instead of comparing.",
    )


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))
