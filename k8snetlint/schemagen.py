"""Regenerate ``schemas/kubernetes/`` from the PyPI package ``kubernetes-validate``.

Run it as ``python -m k8snetlint.schemagen`` (needs ``pip install kubernetes-validate``,
the ``schemas`` extra; nothing else at run time depends on that package).

``kubernetes-validate`` ships, per Kubernetes minor version, a folder
``kubernetes-json-schema/vX.Y.0-local-strict/`` holding ``_definitions.json`` (every
OpenAPI definition as a JSON Schema 2020-12 ``$defs`` entry with local ``$ref``\\ s and
``additionalProperties: false`` on every object, the *strict* flavour) plus one thin
file per type. From it this script writes, for each selected version::

    schemas/kubernetes/v1.37/definitions.json.gz   every definition, documentation stripped
    schemas/kubernetes/v1.37/index.json            served apiVersion -> kind -> definition

and merges into ``schemas/kubernetes/removed-apis.json`` the apiVersion/kind pairs that
disappear between consecutive versions shipped by the package (``"source":
"openapi-diff"``), keeping the hand-written entries (``"source": "deprecation-guide"``)
as they are. The output is deterministic: running it twice changes nothing.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from k8snetlint.data import data_dir

#: Keys that only document a schema and never change a verdict.
DOC_KEYS = frozenset(
    {
        "description",
        "x-kubernetes-patch-strategy",
        "x-kubernetes-patch-merge-key",
        "x-kubernetes-unions",
        "externalDocs",
        "example",
        "title",
    }
)

#: Keywords whose value is a mapping of *names* to schemas (names are never stripped).
_NAMED_SCHEMAS = frozenset({"properties", "$defs", "patternProperties", "definitions"})

#: Definitions that carry ``x-kubernetes-group-version-kind`` but are API machinery
#: (responses, watch events, options), not objects anyone writes in a manifest.
_NOT_MANIFEST_PREFIX = "io.k8s.apimachinery.pkg.apis.meta."

DEFAULT_COUNT = 8
_DIR_RE = re.compile(r"^v(\d+)\.(\d+)\.0-local-strict$")


def source_root() -> Path:
    """The ``kubernetes-json-schema`` folder of the installed ``kubernetes-validate``."""
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(
            "kubernetes-validate is not installed: pip install 'k8snetlint[schemas]' "
            "(or pip install kubernetes-validate)"
        )
    root = Path(next(iter(spec.submodule_search_locations))) / "kubernetes-json-schema"
    if not root.is_dir():
        raise SystemExit(f"{root} not found: unexpected kubernetes-validate layout")
    return root


def package_version() -> str:
    try:
        return metadata.version("kubernetes-validate")
    except metadata.PackageNotFoundError:
        return "unknown"


def shipped_versions(root: Path) -> list[tuple[int, int]]:
    """Every (major, minor) with a strict folder under ``root``, oldest first."""
    found: list[tuple[int, int]] = []
    for child in root.iterdir():
        m = _DIR_RE.match(child.name)
        if m and (child / "_definitions.json").is_file():
            found.append((int(m.group(1)), int(m.group(2))))
    return sorted(found)


def parse_version(text: str) -> tuple[int, int]:
    m = re.match(r"^v?(\d+)\.(\d+)(?:\.\d+)?$", text.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"not a Kubernetes version: {text!r} (try 1.37)")
    return int(m.group(1)), int(m.group(2))


def vname(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


def load_definitions(root: Path, version: tuple[int, int]) -> dict[str, Any]:
    path = root / f"v{vname(version)}.0-local-strict" / "_definitions.json"
    with path.open(encoding="utf-8") as fh:
        doc = json.load(fh)
    defs = doc.get("$defs", doc.get("definitions"))
    if not isinstance(defs, dict):
        raise SystemExit(f"{path}: no $defs")
    return defs


def strip_docs(node: Any, *, names: bool = False) -> Any:
    """A copy of ``node`` without documentation-only keys.

    ``names`` is true for the value of ``properties``/``$defs``: there the keys are
    field names (a field may well be called ``description``) and are all kept.
    """
    if isinstance(node, dict):
        return {
            k: strip_docs(v, names=k in _NAMED_SCHEMAS and not names)
            for k, v in node.items()
            if names or k not in DOC_KEYS
        }
    if isinstance(node, list):
        return [strip_docs(v) for v in node]
    return node


def api_version_of(group: str, version: str) -> str:
    return f"{group}/{version}" if group else version


def build_index(defs: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """``apiVersion -> kind -> definition name`` for every manifest-able kind."""
    index: dict[str, dict[str, str]] = {}
    for name in sorted(defs):
        if name.startswith(_NOT_MANIFEST_PREFIX):
            continue
        schema = defs[name]
        gvks = schema.get("x-kubernetes-group-version-kind") if isinstance(schema, dict) else None
        if not isinstance(gvks, list):
            continue
        for gvk in gvks:
            if not isinstance(gvk, dict):
                continue
            api_version = api_version_of(str(gvk.get("group", "")), str(gvk.get("version", "")))
            index.setdefault(api_version, {}).setdefault(str(gvk.get("kind", "")), name)
    return {av: dict(sorted(kinds.items())) for av, kinds in sorted(index.items())}


def _group_of(api_version: str) -> str:
    return api_version.rpartition("/")[0]


def _stability(api_version: str) -> tuple[int, int, int]:
    """Sort key: GA above beta above alpha, then by number (v2 > v1, v1beta2 > v1beta1)."""
    m = re.match(r"^v(\d+)(?:(alpha|beta)(\d+))?$", api_version.rpartition("/")[2])
    if not m:
        return (0, 0, 0)
    level = {"alpha": 1, "beta": 2, None: 3}[m.group(2)]
    return (level, int(m.group(1)), int(m.group(3) or 0))


def derive_removals(
    indexes: Sequence[tuple[tuple[int, int], Mapping[str, Mapping[str, str]]]],
) -> list[dict[str, Any]]:
    """Pairs served by some version and by no later one: removed in the next version.

    ``indexes`` runs oldest to newest. The replacement is the most stable apiVersion of
    the same group that serves the kind in the newest version (none if there is none).
    """
    if not indexes:
        return []
    newest = indexes[-1][1]
    last_seen: dict[tuple[str, str], int] = {}
    for pos, (_, index) in enumerate(indexes):
        for api_version, kinds in index.items():
            for kind in kinds:
                if kind.endswith("List"):
                    continue
                last_seen[(api_version, kind)] = pos
    out: list[dict[str, Any]] = []
    for (api_version, kind), pos in sorted(last_seen.items()):
        if pos == len(indexes) - 1:
            continue
        group = _group_of(api_version)
        candidates = [
            av for av, kinds in newest.items() if kind in kinds and _group_of(av) == group
        ]
        replacement = max(candidates, key=_stability) if candidates else None
        out.append(
            {
                "apiVersion": api_version,
                "kind": kind,
                "removedIn": vname(indexes[pos + 1][0]),
                "replacement": replacement,
                "source": "openapi-diff",
            }
        )
    return out


def merge_removals(
    existing: Iterable[Mapping[str, Any]], derived: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Hand-written entries win; derived ones fill in pairs the table does not name."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in existing:
        if entry.get("source") == "openapi-diff":
            continue
        merged[(str(entry["apiVersion"]), str(entry["kind"]))] = dict(entry)
    for entry in derived:
        merged.setdefault((str(entry["apiVersion"]), str(entry["kind"])), dict(entry))

    def key(item: tuple[tuple[str, str], dict[str, Any]]) -> tuple[tuple[int, ...], str, str]:
        (api_version, kind), entry = item
        return (tuple(int(p) for p in str(entry["removedIn"]).split(".")), api_version, kind)

    return [entry for _, entry in sorted(merged.items(), key=key)]


def check_curated(
    existing: Iterable[Mapping[str, Any]], derived: Iterable[Mapping[str, Any]]
) -> list[str]:
    """Hand-written entries whose removal version disagrees with the OpenAPI history."""
    seen = {(str(e["apiVersion"]), str(e["kind"])): str(e["removedIn"]) for e in derived}
    problems: list[str] = []
    for entry in existing:
        if entry.get("source") == "openapi-diff":
            continue
        pair = (str(entry["apiVersion"]), str(entry["kind"]))
        if pair in seen and seen[pair] != str(entry["removedIn"]):
            problems.append(
                f"{pair[0]} {pair[1]}: removed-apis.json says {entry['removedIn']}, "
                f"the OpenAPI history says {seen[pair]}"
            )
    return problems


def _dump(value: Any) -> str:
    return json.dumps(value, indent=1, sort_keys=False, ensure_ascii=False) + "\n"


def write_version(
    out: Path, version: tuple[int, int], defs: Mapping[str, Any], provenance: str
) -> dict[str, dict[str, str]]:
    folder = out / f"v{vname(version)}"
    folder.mkdir(parents=True, exist_ok=True)
    stripped = {name: strip_docs(defs[name]) for name in sorted(defs)}
    index = build_index(stripped)
    payload = {"kubernetes": vname(version), "source": provenance, "definitions": stripped}
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    # mtime=0 keeps the file byte-for-byte reproducible.
    (folder / "definitions.json.gz").write_bytes(gzip.compress(raw.encode("utf-8"), 9, mtime=0))
    (folder / "index.json").write_text(
        _dump({"kubernetes": vname(version), "source": provenance, "kinds": index}),
        encoding="utf-8",
    )
    return index


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m k8snetlint.schemagen",
        description="Regenerate schemas/kubernetes/ from the kubernetes-validate package.",
    )
    parser.add_argument(
        "--versions",
        nargs="+",
        type=parse_version,
        metavar="X.Y",
        help=f"Kubernetes minor versions to write (default: the {DEFAULT_COUNT} newest shipped)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="target folder (default: schemas/kubernetes of this checkout)",
    )
    parser.add_argument(
        "--source", type=Path, default=None, help="a kubernetes-json-schema folder to read"
    )
    parser.add_argument(
        "--prune", action="store_true", help="delete version folders not written by this run"
    )
    args = parser.parse_args(argv)

    root: Path = args.source or source_root()
    out: Path = args.output or data_dir("schemas") / "kubernetes"
    shipped = shipped_versions(root)
    if not shipped:
        raise SystemExit(f"no vX.Y.0-local-strict folders under {root}")
    wanted: list[tuple[int, int]] = sorted(set(args.versions or shipped[-DEFAULT_COUNT:]))
    missing = [vname(v) for v in wanted if v not in shipped]
    if missing:
        raise SystemExit(
            f"kubernetes-validate {package_version()} has no schemas for {', '.join(missing)}; "
            f"it ships {', '.join(vname(v) for v in shipped)}"
        )

    out.mkdir(parents=True, exist_ok=True)
    pkg = package_version()
    for version in wanted:
        defs = load_definitions(root, version)
        provenance = (
            f"kubernetes-validate {pkg}, v{vname(version)}.0-local-strict/_definitions.json"
        )
        index = write_version(out, version, defs, provenance)
        kinds = sum(len(k) for k in index.values())
        print(f"v{vname(version)}: {len(defs)} definitions, {kinds} apiVersion/kind pairs")

    if args.prune:
        keep = {f"v{vname(v)}" for v in wanted}
        for child in sorted(out.iterdir()):
            if child.is_dir() and re.match(r"^v\d+\.\d+$", child.name) and child.name not in keep:
                for f in child.iterdir():
                    f.unlink()
                child.rmdir()
                print(f"removed {child}")

    # Removals seen between consecutive versions the package ships (all of them, not only
    # the written ones: a pair that left in 1.29 is still worth naming for 1.37).
    all_indexes = [(v, build_index(load_definitions(root, v))) for v in shipped]
    derived = derive_removals(all_indexes)
    removed_path = out / "removed-apis.json"
    doc: dict[str, Any] = {}
    if removed_path.is_file():
        doc = json.loads(removed_path.read_text(encoding="utf-8"))
    for warning in check_curated(doc.get("removed", []), derived):
        print(f"warning: {warning}", file=sys.stderr)
    entries = merge_removals(doc.get("removed", []), derived)
    doc["removed"] = entries
    removed_path.write_text(_dump(doc), encoding="utf-8")
    print(f"removed-apis.json: {len(entries)} entries ({len(derived)} derived)")
    print(f"{out}: {folder_size(out)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
