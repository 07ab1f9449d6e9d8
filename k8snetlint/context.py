"""What checks see: the loaded input plus lazily computed, shared analyses."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from k8snetlint.config import Config
from k8snetlint.document import Manifest

if TYPE_CHECKING:
    from k8snetlint.loader import LoadIssue
    from k8snetlint.model import Inventory
    from k8snetlint.net import Connectivity
    from k8snetlint.validate import Violation


@dataclass(eq=False)
class Context:
    """The input of one run. Expensive analyses are computed once, on first use."""

    manifests: tuple[Manifest, ...]
    load_issues: tuple[LoadIssue, ...]
    config: Config
    kubernetes_version: str
    cache: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def violations(self) -> tuple[tuple[Manifest, Violation], ...]:
        """Schema and value violations of every object (see :mod:`k8snetlint.validate`)."""
        from k8snetlint.validate import validate_all

        return tuple(
            validate_all(
                self.manifests,
                self.kubernetes_version,
                schema_locations=self.config.schema_locations,
            )
        )

    @cached_property
    def inventory(self) -> Inventory:
        from k8snetlint.model import build_inventory

        return build_inventory(self.manifests, self.config)

    @cached_property
    def connectivity(self) -> Connectivity:
        from k8snetlint.net import analyze

        return analyze(self.inventory, self.config, per_ordinal=False)
