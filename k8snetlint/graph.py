"""Compatibility re-export: the engine now lives in :mod:`k8snetlint.net`.

Kept so that code written against the former single module keeps importing; new code
imports from :mod:`k8snetlint.net`.
"""

from __future__ import annotations

from k8snetlint.net import (
    INGRESS_CONTROLLER_CONNLIST,
    Connectivity,
    analyze,
    connlist_text,
    range_name,
)

__all__ = [
    "INGRESS_CONTROLLER_CONNLIST",
    "Connectivity",
    "analyze",
    "connlist_text",
    "range_name",
]
