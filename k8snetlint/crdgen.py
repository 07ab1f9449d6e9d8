"""Regenerate ``schemas/crds/`` from the CustomResourceDefinitions kept in the repository.

Run it as ``python -m k8snetlint.crdgen``. The network APIs that are not built into
Kubernetes (AdminNetworkPolicy, BaselineAdminNetworkPolicy and ClusterNetworkPolicy of
``policy.networking.k8s.io``; the Gateway API kinds of ``gateway.networking.k8s.io``)
are defined by CRDs. Their upstream YAML files are copied unchanged into
``tests/data/crds/`` (provenance and licence in its README); this script translates the
``openAPIV3Schema`` of every served version of each of them into the strict JSON Schema
that :mod:`k8snetlint.validate` uses for CRDs found in the input
(:func:`k8snetlint.validate.crd_to_jsonschema`: unknown fields rejected, ``nullable``
and ``x-kubernetes-int-or-string`` honoured, documentation dropped) and writes::

    schemas/crds/index.json                         apiVersion -> kind -> file
    schemas/crds/<plural>.<group>.json              one file per CRD, every version

CEL rules (``x-kubernetes-validations``) are not translated: they need a CEL
evaluator; the checks in :mod:`k8snetlint.checks` cover the ones that matter for
connectivity. The output is deterministic (sorted keys, sorted files): running the
script twice changes no byte, which ``tests/test_crdgen.py`` checks.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from k8snetlint.data import data_dir
from k8snetlint.validate import crd_to_jsonschema

_REPO = Path(__file__).resolve().parent.parent


def default_source() -> Path:
    """The folder of upstream CRD files kept in the repository."""
    return _REPO / "tests" / "data" / "crds"


def default_output() -> Path:
    return data_dir("schemas") / "crds"


@dataclass(frozen=True)
class CrdSchemas:
    """The translated schemas of one CRD."""

    source: str
    group: str
    kind: str
    plural: str
    scope: str
    bundle: str
    versions: dict[str, dict[str, Any]]  # name -> {"served", "storage", "schema"}

    @property
    def filename(self) -> str:
        return f"{self.plural}.{self.group}.json"

    def payload(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "bundleVersion": self.bundle,
            "group": self.group,
            "kind": self.kind,
            "plural": self.plural,
            "scope": self.scope,
            "versions": self.versions,
        }


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def translate(doc: Mapping[str, Any], source: str) -> CrdSchemas:
    """The schemas of one CRD document (``apiextensions.k8s.io/v1``)."""
    if doc.get("kind") != "CustomResourceDefinition":
        raise ValueError(f"{source}: not a CustomResourceDefinition")
    spec = doc.get("spec")
    if not isinstance(spec, Mapping):
        raise ValueError(f"{source}: no spec")
    names = spec.get("names") if isinstance(spec.get("names"), Mapping) else {}
    assert isinstance(names, Mapping)
    annotations = (doc.get("metadata") or {}).get("annotations") or {}
    bundle = next(
        (_text(v) for k, v in sorted(annotations.items()) if k.endswith("/bundle-version")),
        "",
    )
    versions: dict[str, dict[str, Any]] = {}
    for item in spec.get("versions") or []:
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            continue
        schema = item.get("schema")
        openapi = schema.get("openAPIV3Schema") if isinstance(schema, Mapping) else None
        versions[item["name"]] = {
            "served": item.get("served") is not False,
            "storage": item.get("storage") is True,
            "schema": crd_to_jsonschema(openapi) if isinstance(openapi, Mapping) else None,
        }
    crd = CrdSchemas(
        source=source,
        group=_text(spec.get("group")),
        kind=_text(names.get("kind")),
        plural=_text(names.get("plural")),
        scope=_text(spec.get("scope")) or "Namespaced",
        bundle=bundle,
        versions={k: versions[k] for k in sorted(versions)},
    )
    if not crd.group or not crd.kind or not crd.plural:
        raise ValueError(f"{source}: spec.group, spec.names.kind or spec.names.plural missing")
    return crd


def load_sources(source: Path) -> list[CrdSchemas]:
    yaml = YAML(typ="safe")
    out: list[CrdSchemas] = []
    for path in sorted(source.glob("*.yaml")):
        with path.open(encoding="utf-8") as fh:
            for doc in yaml.load_all(fh):
                if isinstance(doc, Mapping) and doc.get("kind") == "CustomResourceDefinition":
                    out.append(translate(doc, path.name))
    return sorted(out, key=lambda c: (c.group, c.kind))


def _dump(value: Any) -> str:
    return json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def render(crds: Sequence[CrdSchemas]) -> dict[str, str]:
    """File name -> content of everything the generator writes."""
    files: dict[str, str] = {}
    index: dict[str, dict[str, dict[str, Any]]] = {}
    for crd in crds:
        files[crd.filename] = _dump(crd.payload())
        for version, entry in crd.versions.items():
            index.setdefault(f"{crd.group}/{version}", {})[crd.kind] = {
                "file": crd.filename,
                "served": entry["served"],
                "scope": crd.scope,
            }
    files["index.json"] = _dump(
        {
            "generator": "python -m k8snetlint.crdgen",
            "source": "tests/data/crds (see its README.md)",
            "kinds": index,
        }
    )
    return files


def write(out: Path, files: Mapping[str, str], *, prune: bool = True) -> None:
    out.mkdir(parents=True, exist_ok=True)
    if prune:
        for old in sorted(out.glob("*.json")):
            if old.name not in files:
                old.unlink()
    for name in sorted(files):
        target = out / name
        if not target.is_file() or target.read_text(encoding="utf-8") != files[name]:
            target.write_text(files[name], encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m k8snetlint.crdgen",
        description="Regenerate schemas/crds/ from the CRD files in tests/data/crds/.",
    )
    parser.add_argument("--source", type=Path, default=None, help="folder of CRD YAML files")
    parser.add_argument("--output", type=Path, default=None, help="target folder")
    args = parser.parse_args(argv)
    source: Path = args.source or default_source()
    out: Path = args.output or default_output()
    if not source.is_dir():
        print(f"error: {source} is not a folder", file=sys.stderr)
        return 2
    try:
        crds = load_sources(source)
    except (OSError, ValueError, YAMLError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    files = render(crds)
    write(out, files)
    for crd in crds:
        served = [v for v, e in crd.versions.items() if e["served"]]
        print(f"{crd.group}/{crd.kind}: {', '.join(served)}")
    print(f"{out}: {len(files)} files, {sum(len(t.encode()) for t in files.values())} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
