"""Run configuration: command-line options merged over `.k8snetlint.yaml`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class IngressController:
    """Where the ingress controller runs (semantics point 27).

    ``namespace=None`` and ``labels=None`` mean unknown: the controller is then a pod
    in an unknown namespace with unknown labels.
    """

    namespace: str | None = None
    namespace_labels: dict[str, str] | None = None
    labels: dict[str, str] | None = None

    @property
    def known(self) -> bool:
        return self.namespace is not None or self.labels is not None


@dataclass(frozen=True)
class GatewayPods:
    """Where Gateways' data-plane pods run when the input holds none (Gateway API).

    ``None`` means unknown. ``{gateway}`` and ``{namespace}`` in a value stand for the
    Gateway's name and namespace (semantics GW-8, docs/semantics.md).
    """

    namespace: str | None = None
    labels: dict[str, str] | None = None

    @property
    def known(self) -> bool:
        return self.namespace is not None or self.labels is not None


@dataclass(frozen=True)
class Assume:
    """Facts about the cluster that the manifests do not state."""

    namespace_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    ingress_controller: IngressController = field(default_factory=IngressController)
    pod_cidr: tuple[str, ...] = ()
    service_cidr: tuple[str, ...] = ()
    ipblock_matches_pods: bool = False
    node_port_range: tuple[int, int] = (30000, 32767)
    gateway_pods: GatewayPods = field(default_factory=GatewayPods)


@dataclass(frozen=True)
class Config:
    """Everything that shapes a run. Immutable once built."""

    kubernetes_version: str | None = None
    default_namespace: str = "default"
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: dict[str, str] = field(default_factory=dict)
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    custom_rules: tuple[dict[str, Any], ...] = ()
    exclude: tuple[str, ...] = ()
    per_path_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    fail_on: str = "error"
    assume: Assume = field(default_factory=Assume)
    kustomize: bool = True
    config_file: str | None = None
    # Folders of JSON schemas for custom resources (``--schema-location``)
    schema_locations: tuple[str, ...] = ()
    # Folder that ``exclude`` and ``per-path-ignores`` patterns are relative to: the
    # folder of the config file that declares them (``None``: the current folder).
    base_dir: str | None = None

    def excluded(self, file: str) -> bool:
        """Whether ``exclude`` names ``file`` (a path as reported)."""
        return any(path_matches(file, pat, self.base_dir) for pat in self.exclude)

    def path_ignored_rules(self, file: str) -> list[tuple[str, str]]:
        """``(pattern, rule)`` pairs of ``per-path-ignores`` that apply to ``file``."""
        return [
            (pat, rule)
            for pat, rules in self.per_path_ignores.items()
            if path_matches(file, pat, self.base_dir)
            for rule in rules
        ]

    # ``workloads:``: pods outside the input (positioned mappings of the config file)
    workloads: tuple[Any, ...] = ()
    # ``operators:``: rows added to the shipped operator table (schemas/operators.json)
    operators: tuple[dict[str, Any], ...] = ()


CONFIG_NAMES = (".k8snetlint.yaml", ".k8snetlint.yml")


def path_matches(file: str, pattern: str, base_dir: str | None = None) -> bool:
    """Whether the glob ``pattern`` names ``file``, read relative to ``base_dir``.

    A pattern with a ``/`` is anchored at ``base_dir`` (the config file's folder;
    default the current folder) and names the file or a folder above it
    (``generated/*``, ``generated/``, ``legacy/**/*.yaml``); a leading ``**/`` matches
    at any depth. A pattern without ``/`` names a file or folder name at any depth
    (``*.generated.yaml``, ``vendor``). ``*`` crosses ``/``, as in ``fnmatch``.
    """
    import fnmatch
    import os

    if not file or file == "-":
        return False
    target = os.path.abspath(file)
    base = os.path.abspath(base_dir if base_dir is not None else os.getcwd())
    try:
        inside = os.path.commonpath([base, target]) == base
    except ValueError:
        inside = False
    rel = os.path.relpath(target, base).replace(os.sep, "/") if inside else None
    pat = pattern.strip()
    while pat.startswith("./"):
        pat = pat[2:]
    pat = pat.rstrip("/") or pat
    if "/" not in pat:
        parts = rel.split("/") if rel is not None else [os.path.basename(target)]
        return any(fnmatch.fnmatch(part, pat) for part in parts if part)
    if os.path.isabs(pat):
        candidates = [target.replace(os.sep, "/")]
    elif rel is None:
        return False
    else:
        candidates = [rel]
    pats = [pat]
    if pat.startswith("**/"):
        pats.append(pat[3:])
    return any(
        fnmatch.fnmatch(c, p) or fnmatch.fnmatch(c, p + "/*") for c in candidates for p in pats
    )


class ConfigError(Exception):
    """The configuration file is unreadable or invalid (exit code 2)."""


def discover(paths: list[str]) -> str | None:
    """The config file found from the first path upwards to the repository root."""
    from pathlib import Path

    first = next((p for p in paths if p != "-"), ".")
    start = Path(first).resolve()
    if not start.is_dir():
        start = start.parent
    for folder in (start, *start.parents):
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file():
                return str(candidate)
        if (folder / ".git").exists():
            break
    return None


def did_you_mean(name: str, known: Iterable[str]) -> str | None:
    """The known name closest to ``name`` (``fail_on`` -> ``fail-on``), if any is close."""
    import difflib

    choices = list(known)
    normal = name.strip().lower().replace("_", "-")
    if normal in choices and normal != name:
        return normal
    close = difflib.get_close_matches(normal, choices, n=1, cutoff=0.6)
    return close[0] if close else None


def _check_rule_names(root: Any, data: dict[str, Any], path: str) -> None:
    """Rule names in the config must exist: each unknown one at file:line:col."""
    from k8snetlint.document import locate
    from k8snetlint.registry import builtin_rules

    known = {r.name for r in builtin_rules()}
    known.update(str(c.get("name")) for c in data.get("custom-rules", []) if isinstance(c, dict))
    places: list[tuple[list[Any], str]] = []
    for key in ("select", "ignore"):
        value = data.get(key)
        items = [value] if isinstance(value, str) else list(value or [])
        places += [([key, i], str(name)) for i, name in enumerate(items)]
    for key in ("severity", "params"):
        places += [([key, name], str(name)) for name in data.get(key, {})]
    for glob, names in data.get("per-path-ignores", {}).items():
        items = [names] if isinstance(names, str) else list(names or [])
        places += [(["per-path-ignores", glob, i], str(n)) for i, n in enumerate(items)]
    problems = []
    for where, name in places:
        if name in known or name == "*":
            continue
        line, col, _, _ = locate(root, where, key=isinstance(where[-1], str))
        hint = did_you_mean(name, known)
        text = f"{path}:{max(line, 1)}:{max(col, 1)}: unknown rule {name!r}"
        text += f"; did you mean {hint!r}?" if hint else " (see `k8snetlint rules`)"
        problems.append(text)
    if problems:
        raise ConfigError("\n".join(problems))


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _semantic_problems(root: Any) -> list[tuple[tuple[int, int], str, str]]:
    """What the schema cannot say: CIDRs that do not parse, a reversed port range."""
    import ipaddress

    from k8snetlint.document import locate

    out: list[tuple[tuple[int, int], str, str]] = []
    assume = root.get("assume") if isinstance(root, dict) else None
    if not isinstance(assume, dict):
        return out
    for key in ("pod-cidr", "service-cidr"):
        value = assume.get(key)
        items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        for i, item in enumerate(items):
            try:
                ipaddress.ip_network(str(item), strict=False)
            except ValueError:
                p = ["assume", key] if isinstance(value, str) else ["assume", key, i]
                line, col, _, _ = locate(root, p)
                out.append(((line, col), f"assume.{key}", f"{item!r} is not a CIDR"))
    npr = assume.get("node-port-range")
    if isinstance(npr, str) and "-" in npr:
        lo, _, hi = npr.partition("-")
        if lo.isdigit() and hi.isdigit() and not 1 <= int(lo) <= int(hi) <= 65535:
            line, col, _, _ = locate(root, ["assume", "node-port-range"])
            out.append(
                (
                    (line, col),
                    "assume.node-port-range",
                    f"{npr!r} is not LOW-HIGH with 1 <= LOW <= HIGH <= 65535",
                )
            )
    return out


def _surely_valid(schema: dict[str, Any], instance: Any) -> bool:
    """The compiled validator's yes (a no, or no compiled validator, decides nothing:
    the pure-Python validator then rules and words the errors)."""
    try:
        import jsonschema_rs

        return bool(jsonschema_rs.Draft202012Validator(schema).is_valid(instance))
    except ImportError:  # the compiled validator is optional
        return False
    except ValueError:  # a schema or a value it cannot take (jsonschema_rs.ValidationError)
        return False


def load_config(path: str) -> Config:
    """Read and validate a config file; errors name the file, line and column."""
    import json
    from pathlib import Path

    from k8snetlint.data import data_dir
    from k8snetlint.discovery import FileTooLarge, read_capped
    from k8snetlint.document import locate, plain
    from k8snetlint.loader import parse_yaml

    try:
        text = read_capped(Path(path), what="config").decode("utf-8")
    except (OSError, UnicodeDecodeError, FileTooLarge) as exc:
        raise ConfigError(f"{path}: cannot read config: {exc}") from exc
    docs, issues = parse_yaml(text, path)
    for issue in issues:
        raise ConfigError(f"{issue.file}:{issue.line}:{issue.column}: {issue.message}")
    if len(docs) > 1:
        raise ConfigError(
            f"{path}: holds {len(docs)} YAML documents; a config file is one document"
        )
    root = docs[0] if docs else None
    if root is None:
        root = {}
    schema = json.loads((data_dir("schemas") / "config.schema.json").read_text())
    errors: list[Any] = []
    if not _surely_valid(schema, plain(root)):
        import jsonschema  # located messages; only for a config the fast path doubts

        validator = jsonschema.Draft202012Validator(schema)
        errors = sorted(validator.iter_errors(plain(root)), key=lambda e: list(e.path))
    if errors:
        lines = []
        for err in errors:
            where = ".".join(str(p) for p in err.path) or "(top level)"
            if err.validator == "additionalProperties" and isinstance(err.instance, dict):
                known = sorted(err.schema.get("properties", {}))
                for extra in err.instance:
                    if extra in known:
                        continue
                    line, col, _, _ = locate(root, [*err.path, extra], key=True)
                    text = f"unknown key {extra!r}"
                    if err.path:
                        text += f" in {where}"
                    hint = did_you_mean(str(extra), known)
                    text += f"; did you mean {hint!r}?" if hint else f" (known: {', '.join(known)})"
                    lines.append(f"{path}:{max(line, 1)}:{max(col, 1)}: {text}")
                continue
            line, col, _, _ = locate(root, list(err.path))
            lines.append(f"{path}:{max(line, 1)}:{max(col, 1)}: {where}: {err.message}")
        raise ConfigError("\n".join(lines))
    semantic = _semantic_problems(root)
    if semantic:
        raise ConfigError(
            "\n".join(
                f"{path}:{max(line, 1)}:{max(col, 1)}: {where}: {message}"
                for (line, col), where, message in semantic
            )
        )
    data: dict[str, Any] = plain(root)
    _check_rule_names(root, data, path)
    assume = data.get("assume", {})
    ic = assume.get("ingress-controller", {})
    gp = assume.get("gateway-pods", {})
    npr = assume.get("node-port-range")
    node_port_range = (30000, 32767)
    if npr:
        lo, hi = (int(x) for x in str(npr).split("-", 1))
        node_port_range = (lo, hi)
    return Config(
        kubernetes_version=data.get("kubernetes-version"),
        default_namespace=assume.get("default-namespace", "default"),
        select=_as_tuple(data.get("select")),
        ignore=_as_tuple(data.get("ignore")),
        severity=dict(data.get("severity", {})),
        params={k: dict(v) for k, v in data.get("params", {}).items()},
        custom_rules=tuple(data.get("custom-rules", [])),
        exclude=_as_tuple(data.get("exclude")),
        per_path_ignores={k: _as_tuple(v) for k, v in data.get("per-path-ignores", {}).items()},
        fail_on=data.get("fail-on", "error"),
        assume=Assume(
            namespace_labels={k: dict(v) for k, v in assume.get("namespace-labels", {}).items()},
            ingress_controller=IngressController(
                namespace=ic.get("namespace"),
                namespace_labels=ic.get("namespace-labels"),
                labels=ic.get("labels"),
            ),
            pod_cidr=_as_tuple(assume.get("pod-cidr")),
            service_cidr=_as_tuple(assume.get("service-cidr")),
            ipblock_matches_pods=bool(assume.get("ipblock-matches-pods", False)),
            node_port_range=node_port_range,
            gateway_pods=GatewayPods(
                namespace=gp.get("namespace"),
                labels=gp.get("labels"),
            ),
        ),
        config_file=path,
        base_dir=str(Path(path).resolve().parent),
        schema_locations=tuple(
            str(Path(path).resolve().parent / d) for d in _as_tuple(data.get("schema-location"))
        ),
        workloads=tuple(root.get("workloads") or ()) if isinstance(root, dict) else (),
        operators=tuple(data.get("operators", [])),
    )
