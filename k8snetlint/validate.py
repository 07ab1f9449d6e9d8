"""Validate Kubernetes objects against the schemas of a Kubernetes version.

The schemas are the offline data in ``schemas/kubernetes/`` (see
:mod:`k8snetlint.schemagen`): per Kubernetes minor version every OpenAPI definition in
the *strict* flavour (unknown fields rejected) and an index from apiVersion/kind to its
definition. On top of them this module adds the value constraints that the OpenAPI
documents lack but the API server enforces: port ranges, closed enums (Service type,
protocol, pull and restart policies, ...), DNS-1123/IANA names, label and annotation
syntax, quantities and integer ranges. They are written into the schemas themselves
(an *overlay*, applied once when a version is loaded), so one compiled validator per
kind checks everything.

Speed: every object goes through a compiled ``jsonschema_rs`` validator built from a
per-kind schema whose ``$ref``\\ s are all local. Only the objects it rejects go
through the pure-Python ``jsonschema`` ``iter_errors``, which yields every error with
the path of the offending field; those errors are then worded for people.

Public API: :class:`Violation`, :func:`available_versions`, :func:`default_version`,
:func:`resolve_version` and :func:`validate_all`.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from k8snetlint.data import cached_build, data_dir
from k8snetlint.document import Manifest, YMap

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

RULE_SCHEMA = "schema-violation"
RULE_UNKNOWN_KIND = "unknown-kind"
RULE_REMOVED = "removed-api-version"

PathElem = str | int
Path_ = tuple[PathElem, ...]


@dataclass(frozen=True)
class Violation:
    """One problem of one object.

    ``path`` leads to the offending field inside the object. ``message`` is a sentence
    that starts with the dotted field path. ``key`` asks for the location of the
    field's key rather than its value (an unknown field; a missing required field,
    whose ``path`` is then the parent object).
    """

    rule: str
    path: tuple[str | int, ...]
    message: str
    key: bool = False


# --------------------------------------------------------------------------------------
# Versions


_VERSION_RE = re.compile(r"^\s*v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+][0-9A-Za-z.+-]*)?\s*$")
_DIR_RE = r"^v(\d+)\.(\d+)$"  # text: compiled (and cached by re) when folders are listed
_DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _schemas_root() -> Path:
    return data_dir("schemas") / "kubernetes"


def _vkey(version: str) -> tuple[int, int]:
    major, _, minor = version.partition(".")
    return int(major), int(minor)


@functools.lru_cache(maxsize=1)
def _available() -> tuple[str, ...]:
    root = _schemas_root()
    found: list[str] = []
    if root.is_dir():
        for child in root.iterdir():
            m = re.match(_DIR_RE, child.name)
            if m and (child / "index.json").is_file() and (child / "definitions.json.gz").is_file():
                found.append(f"{m.group(1)}.{m.group(2)}")
    return tuple(sorted(found, key=_vkey))


def available_versions() -> list[str]:
    """Kubernetes minor versions with shipped schemas, oldest first (``["1.34", ...]``)."""
    return list(_available())


def default_version() -> str:
    """The newest shipped Kubernetes version."""
    versions = _available()
    if not versions:
        raise RuntimeError(f"no Kubernetes schemas found under {_schemas_root()}")
    return versions[-1]


def resolve_version(version: str | None) -> str:
    """The shipped schema version to use for ``version``.

    Accepts ``"1.37"``, ``"v1.37"``, ``"1.37.2"`` (and build suffixes such as
    ``"v1.30.4-gke.1"``); empty or ``None`` means :func:`default_version`. A minor
    version that is not shipped maps to the newest shipped version not newer than it,
    or to the oldest shipped one when it predates them all. Raises ``ValueError`` for
    text that is not a version.
    """
    if version is None or not str(version).strip():
        return default_version()
    m = _VERSION_RE.match(str(version))
    if not m:
        raise ValueError(f"not a Kubernetes version: {version!r} (expected e.g. 1.37)")
    wanted = (int(m.group(1)), int(m.group(2)))
    versions = _available()
    if not versions:
        raise RuntimeError(f"no Kubernetes schemas found under {_schemas_root()}")
    older = [v for v in versions if _vkey(v) <= wanted]
    return older[-1] if older else versions[0]


# --------------------------------------------------------------------------------------
# Value constraints the OpenAPI schemas lack (the overlay)

_MARK = "x-k8snetlint"  # which explainer words the errors of a subschema
_WHAT = "x-k8snetlint-what"  # what the checked string is ("Service name", ...)
_END = r"(?!\n)$"  # Python's "$" also matches before a final newline; Rust's does not

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN = rf"{_LABEL}(\.{_LABEL})*"
_QNAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?"
_QUANTITY = (
    r"^[+-]?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))"
    r"(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?" + _END
)

_PATTERNS: dict[str, tuple[str, int]] = {
    "dns-label": (rf"^{_LABEL}{_END}", 63),
    "dns-1035-label": (rf"^[a-z]([-a-z0-9]*[a-z0-9])?{_END}", 63),
    "dns-subdomain": (rf"^{_SUBDOMAIN}{_END}", 253),
    "iana-svc-name": (rf"^(?=[^\n]*[a-z])(?![^\n]*--){_LABEL}{_END}", 15),
    "path-segment": (r"^(?!\.\.?$)[^/%]+$", 0),
    # The length lookaheads name the characters of the part they measure (the prefix
    # and the name can hold no other): the same matches as ``[^/]{1,253}/`` and
    # ``[^/]{1,63}$``, and a regex compiled in a fraction of the time (a counted
    # repetition of a Unicode class is a large automaton: compiling it was a tenth of
    # a small run's start-up).
    "label-key": (
        rf"^(?:(?=[-.a-z0-9]{{1,253}}/){_SUBDOMAIN}/)?(?=[-A-Za-z0-9_.]{{1,63}}{_END})"
        rf"{_QNAME}{_END}",
        317,
    ),
    "label-value": (rf"^({_QNAME})?{_END}", 63),
}
# Annotation keys are checked lower-cased, so their prefix may use upper case letters.
_PATTERNS["annotation-key"] = (
    _PATTERNS["label-key"][0].replace("a-z0-9", "a-zA-Z0-9"),
    _PATTERNS["label-key"][1],
)

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
PORT_MAX = 65535


def _name_schema(fmt: str, what: str, max_len: int | None = None, nullable: bool = True) -> Any:
    pattern, default_max = _PATTERNS[fmt]
    schema: dict[str, Any] = {
        "type": ["string", "null"] if nullable else "string",
        "pattern": pattern,
        _MARK: fmt,
        _WHAT: what,
    }
    limit = max_len or default_max
    if limit:
        schema["maxLength"] = limit
    return schema


def _port_schema(lowest: int = 1, nullable: bool = True) -> dict[str, Any]:
    return {
        "type": ["integer", "null"] if nullable else "integer",
        "minimum": lowest,
        "maximum": PORT_MAX,
        _MARK: "port",
    }


def _port_or_name_schema() -> dict[str, Any]:
    pattern, limit = _PATTERNS["iana-svc-name"]
    return {
        "type": ["integer", "string", "null"],
        "minimum": 1,
        "maximum": PORT_MAX,
        "pattern": pattern,
        "maxLength": limit,
        _MARK: "port-or-name",
        _WHAT: "port name",
    }


def _labels_schema() -> dict[str, Any]:
    return {
        "type": ["object", "null"],
        "propertyNames": _name_schema("label-key", "label key", nullable=False),
        "additionalProperties": _name_schema("label-value", "label value"),
    }


def _annotations_schema() -> dict[str, Any]:
    key = _name_schema("annotation-key", "annotation key", nullable=False)
    return {
        "type": ["object", "null"],
        "propertyNames": key,
        "additionalProperties": {"type": ["string", "null"], _MARK: "annotation-value"},
    }


_CORE = "io.k8s.api.core.v1."
_META = "io.k8s.apimachinery.pkg.apis.meta.v1."
_APPS = "io.k8s.api.apps.v1."
_BATCH = "io.k8s.api.batch.v1."
_NET = "io.k8s.api.networking.v1."

#: Closed sets of values the API server accepts (definition, field) -> values.
#: Fields named with a trailing ``[]`` are lists whose items take the values.
CLOSED_ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    (_CORE + "ServiceSpec", "type"): ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"),
    (_CORE + "ServiceSpec", "externalTrafficPolicy"): ("Cluster", "Local"),
    (_CORE + "ServiceSpec", "internalTrafficPolicy"): ("Cluster", "Local"),
    (_CORE + "ServiceSpec", "sessionAffinity"): ("ClientIP", "None"),
    (_CORE + "ServiceSpec", "ipFamilyPolicy"): (
        "SingleStack",
        "PreferDualStack",
        "RequireDualStack",
    ),
    (_CORE + "ServiceSpec", "ipFamilies[]"): ("IPv4", "IPv6"),
    (_CORE + "Container", "imagePullPolicy"): ("Always", "IfNotPresent", "Never"),
    (_CORE + "Container", "terminationMessagePolicy"): ("File", "FallbackToLogsOnError"),
    (_CORE + "Container", "restartPolicy"): ("Always", "OnFailure", "Never"),
    (_CORE + "EphemeralContainer", "imagePullPolicy"): ("Always", "IfNotPresent", "Never"),
    (_CORE + "EphemeralContainer", "terminationMessagePolicy"): ("File", "FallbackToLogsOnError"),
    (_CORE + "PodSpec", "restartPolicy"): ("Always", "OnFailure", "Never"),
    (_CORE + "PodSpec", "dnsPolicy"): (
        "ClusterFirst",
        "ClusterFirstWithHostNet",
        "Default",
        "None",
    ),
    (_CORE + "PodSpec", "preemptionPolicy"): ("PreemptLowerPriority", "Never"),
    (_CORE + "HTTPGetAction", "scheme"): ("HTTP", "HTTPS"),
    (_CORE + "Toleration", "operator"): ("Exists", "Equal"),
    (_CORE + "Toleration", "effect"): ("NoSchedule", "PreferNoSchedule", "NoExecute", ""),
    (_CORE + "Taint", "effect"): ("NoSchedule", "PreferNoSchedule", "NoExecute"),
    (_CORE + "TopologySpreadConstraint", "whenUnsatisfiable"): ("DoNotSchedule", "ScheduleAnyway"),
    (_CORE + "TopologySpreadConstraint", "nodeAffinityPolicy"): ("Honor", "Ignore"),
    (_CORE + "TopologySpreadConstraint", "nodeTaintsPolicy"): ("Honor", "Ignore"),
    (_CORE + "NodeSelectorRequirement", "operator"): (
        "In",
        "NotIn",
        "Exists",
        "DoesNotExist",
        "Gt",
        "Lt",
    ),
    (_CORE + "SeccompProfile", "type"): ("RuntimeDefault", "Unconfined", "Localhost"),
    (_CORE + "PersistentVolumeClaimSpec", "accessModes[]"): (
        "ReadWriteOnce",
        "ReadOnlyMany",
        "ReadWriteMany",
        "ReadWriteOncePod",
    ),
    (_CORE + "PersistentVolumeClaimSpec", "volumeMode"): ("Filesystem", "Block"),
    (_CORE + "PersistentVolumeSpec", "accessModes[]"): (
        "ReadWriteOnce",
        "ReadOnlyMany",
        "ReadWriteMany",
        "ReadWriteOncePod",
    ),
    (_CORE + "PersistentVolumeSpec", "volumeMode"): ("Filesystem", "Block"),
    (_CORE + "PersistentVolumeSpec", "persistentVolumeReclaimPolicy"): (
        "Retain",
        "Delete",
        "Recycle",
    ),
    (_META + "LabelSelectorRequirement", "operator"): ("In", "NotIn", "Exists", "DoesNotExist"),
    (_APPS + "DeploymentStrategy", "type"): ("RollingUpdate", "Recreate"),
    (_APPS + "StatefulSetUpdateStrategy", "type"): ("RollingUpdate", "OnDelete"),
    (_APPS + "StatefulSetSpec", "podManagementPolicy"): ("OrderedReady", "Parallel"),
    (_APPS + "DaemonSetUpdateStrategy", "type"): ("RollingUpdate", "OnDelete"),
    (_BATCH + "CronJobSpec", "concurrencyPolicy"): ("Allow", "Forbid", "Replace"),
    (_BATCH + "JobSpec", "completionMode"): ("NonIndexed", "Indexed"),
    (_BATCH + "JobSpec", "podReplacementPolicy"): ("TerminatingOrFailed", "Failed"),
    (_NET + "HTTPIngressPath", "pathType"): ("Exact", "Prefix", "ImplementationSpecific"),
    (_NET + "NetworkPolicySpec", "policyTypes[]"): ("Ingress", "Egress"),
}

PROTOCOLS = ("TCP", "UDP", "SCTP")

#: (definition, field) -> replacement schema (a factory, so each use is a fresh dict).
FIELD_CHECKS: dict[tuple[str, str], Any] = {
    (_CORE + "ContainerPort", "containerPort"): lambda: _port_schema(1, nullable=False),
    (_CORE + "ContainerPort", "hostPort"): lambda: _port_schema(0),  # 0: not set
    (_CORE + "ContainerPort", "name"): lambda: _name_schema("iana-svc-name", "port name"),
    (_CORE + "ServicePort", "port"): lambda: _port_schema(1, nullable=False),
    (_CORE + "ServicePort", "targetPort"): _port_or_name_schema,
    (_CORE + "ServicePort", "nodePort"): lambda: _port_schema(0),  # 0: allocate one
    (_CORE + "ServicePort", "name"): lambda: _name_schema("dns-label", "Service port name"),
    (_CORE + "EndpointPort", "port"): lambda: _port_schema(1, nullable=False),
    (_NET + "NetworkPolicyPort", "port"): _port_or_name_schema,
    (_NET + "NetworkPolicyPort", "endPort"): lambda: _port_schema(1),
    (_NET + "ServiceBackendPort", "number"): lambda: _port_schema(1),
    (_NET + "ServiceBackendPort", "name"): lambda: _name_schema("iana-svc-name", "port name"),
    (_CORE + "HTTPGetAction", "port"): _port_or_name_schema,
    (_CORE + "TCPSocketAction", "port"): _port_or_name_schema,
    (_CORE + "GRPCAction", "port"): lambda: _port_schema(1, nullable=False),
    (_CORE + "Container", "name"): lambda: _name_schema(
        "dns-label", "container name", nullable=False
    ),
    (_CORE + "EphemeralContainer", "name"): lambda: _name_schema(
        "dns-label", "container name", nullable=False
    ),
    (_CORE + "Volume", "name"): lambda: _name_schema("dns-label", "volume name", nullable=False),
    (_CORE + "PodSpec", "nodeSelector"): _labels_schema,
    (_CORE + "ServiceSpec", "selector"): _labels_schema,
    (_META + "ObjectMeta", "labels"): _labels_schema,
    (_META + "ObjectMeta", "annotations"): _annotations_schema,
    (_META + "ObjectMeta", "namespace"): lambda: _name_schema("dns-label", "namespace name"),
    (_META + "LabelSelector", "matchLabels"): _labels_schema,
    (_META + "LabelSelectorRequirement", "key"): lambda: _name_schema(
        "label-key", "label key", nullable=False
    ),
}

#: Counters that must not be negative (definition, field).
NON_NEGATIVE: tuple[tuple[str, str], ...] = (
    (_APPS + "DeploymentSpec", "replicas"),
    (_APPS + "StatefulSetSpec", "replicas"),
    (_APPS + "ReplicaSetSpec", "replicas"),
    (_CORE + "ReplicationControllerSpec", "replicas"),
)

_INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
_QUANTITY_DEF = "io.k8s.apimachinery.pkg.api.resource.Quantity"
_OBJECT_META = _META + "ObjectMeta"


def _nullable(schema: Any) -> bool:
    t = schema.get("type") if isinstance(schema, dict) else None
    return t == "null" or (isinstance(t, list) and "null" in t)


def _walk_int_ranges(node: Any) -> None:
    """Give every int32/int64 field the range its Go type can hold."""
    if isinstance(node, dict):
        fmt = node.get("format")
        if fmt in ("int32", "int64") and "minimum" not in node and "maximum" not in node:
            low, high = INT32 if fmt == "int32" else INT64
            node["minimum"], node["maximum"] = low, high
            node[_MARK] = "int-range"
        for value in node.values():
            _walk_int_ranges(value)
    elif isinstance(node, list):
        for value in node:
            _walk_int_ranges(value)


def apply_overlay(defs: dict[str, Any]) -> None:
    """Add k8snetlint's value constraints to ``defs`` (in place)."""
    _walk_int_ranges(defs)
    defs[_INT_OR_STRING] = {"type": ["integer", "string", "null"]}
    defs[_QUANTITY_DEF] = {
        "type": ["string", "number", "null"],
        "pattern": _QUANTITY,
        _MARK: "quantity",
    }
    for name, schema in defs.items():
        props = schema.get("properties") if isinstance(schema, dict) else None
        if not isinstance(props, dict):
            continue
        short = name.rpartition(".")[2]
        proto = props.get("protocol")
        if "Port" in short and isinstance(proto, dict) and "$ref" not in proto:
            protocols: list[str | None] = list(PROTOCOLS)
            if _nullable(proto):
                protocols.append(None)
            proto["enum"] = protocols
    for (name, prop), values in CLOSED_ENUMS.items():
        field_schema = _prop(defs, name, prop.removesuffix("[]"))
        if field_schema is None:
            continue
        if prop.endswith("[]"):
            field_schema = field_schema.get("items")
            if not isinstance(field_schema, dict):
                continue
        allowed: list[str | None] = list(values)
        if _nullable(field_schema):
            allowed.append(None)
        field_schema["enum"] = allowed
    for (name, prop), factory in FIELD_CHECKS.items():
        if _prop(defs, name, prop) is not None:
            defs[name]["properties"][prop] = factory()
    for name, prop in NON_NEGATIVE:
        field_schema = _prop(defs, name, prop)
        if field_schema is not None:
            field_schema["minimum"] = 0
            field_schema[_MARK] = "int-range"
    label_value = _prop(defs, _META + "LabelSelectorRequirement", "values")
    if label_value is not None:
        label_value["items"] = _name_schema("label-value", "label value")


def _prop(defs: Mapping[str, Any], name: str, prop: str) -> dict[str, Any] | None:
    schema = defs.get(name)
    props = schema.get("properties") if isinstance(schema, dict) else None
    value = props.get(prop) if isinstance(props, dict) else None
    return value if isinstance(value, dict) else None


#: metadata.name format per kind; every other kind: DNS-1123 subdomain.
NAME_FORMATS: dict[str, tuple[str, int | None]] = {
    "Service": ("dns-1035-label", None),
    "Namespace": ("dns-label", None),
    "Role": ("path-segment", None),
    "ClusterRole": ("path-segment", None),
    "RoleBinding": ("path-segment", None),
    "ClusterRoleBinding": ("path-segment", None),
    "APIService": ("path-segment", None),
    "FlowSchema": ("path-segment", None),
    "PriorityLevelConfiguration": ("path-segment", None),
    "CronJob": ("dns-subdomain", 52),
    "Job": ("dns-subdomain", 63),
}


#: Kinds sent to the API server as requests, not stored: they need no name.
NAMELESS_KINDS = frozenset(
    {
        "TokenReview",
        "TokenRequest",
        "SubjectAccessReview",
        "LocalSubjectAccessReview",
        "SelfSubjectAccessReview",
        "SelfSubjectRulesReview",
        "SelfSubjectReview",
    }
)


def _metadata_schema(kind: str) -> dict[str, Any]:
    fmt, limit = NAME_FORMATS.get(kind, ("dns-subdomain", None))
    return {
        "$ref": f"#/$defs/{_OBJECT_META}",
        "type": "object",
        "properties": {"name": _name_schema(fmt, f"{kind} name", limit)},
        "anyOf": [{"required": ["name"]}, {"required": ["generateName"]}],
        _MARK: "name-required",
    }


# --------------------------------------------------------------------------------------
# Loaded versions and compiled validators


class _Compiled:
    """A per-kind schema with its compiled (fast) and pure-Python (located) validators."""

    __slots__ = ("_fast", "_fast_failed", "_slow", "schema")

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self._fast: Any = None
        self._fast_failed = False
        self._slow: Any = None

    def fast(self) -> Any:
        if self._fast is None and not self._fast_failed:
            try:
                import jsonschema_rs

                self._fast = jsonschema_rs.Draft202012Validator(self.schema)
            except ImportError:  # the compiled validator is optional: pure Python then
                self._fast_failed = True
            except ValueError:  # a schema it cannot take (jsonschema_rs.ValidationError,
                # a regex of another dialect): the pure-Python validator rules instead
                self._fast_failed = True
        return self._fast

    def is_valid(self, instance: Any) -> bool | None:
        """The compiled verdict, or ``None`` when the compiled path cannot decide."""
        validator = self.fast()
        if validator is None:
            return None
        try:
            return bool(validator.is_valid(instance))
        except ValueError:  # a value it cannot convert (a YAML date, a non-string key)
            return None

    def slow(self) -> Any:
        if self._slow is None:
            from jsonschema import Draft202012Validator

            self._slow = Draft202012Validator(self.schema)
        return self._slow

    def errors(self, instance: Any) -> list[ValidationError]:
        return list(self.slow().iter_errors(instance))


@dataclass
class _Store:
    """The schemas of one Kubernetes version, compiled per kind on first use."""

    version: str
    kinds: dict[str, dict[str, str]]
    #: reads the overlaid definitions (every kind's): called on first use of ``defs``
    load: Callable[[], dict[str, Any]] = field(repr=False)
    #: the content hash of the definitions and of this module, naming the cached
    #: per-kind schemas (``None``: no cache)
    cache_key: str | None = None
    compiled: dict[tuple[str, str], _Compiled] = field(default_factory=dict)
    _defs: dict[str, Any] | None = None
    _groups: frozenset[str] | None = None
    _kind_homes: dict[str, list[str]] | None = None

    @property
    def defs(self) -> dict[str, Any]:
        if self._defs is None:
            self._defs = self.load()
        return self._defs

    @property
    def groups(self) -> frozenset[str]:
        if self._groups is None:
            self._groups = frozenset(_group(av) for av in self.kinds)
        return self._groups

    def homes(self, kind: str) -> list[str]:
        """apiVersions that serve ``kind`` in this version."""
        if self._kind_homes is None:
            homes: dict[str, list[str]] = {}
            for av, kinds in self.kinds.items():
                for k in kinds:
                    homes.setdefault(k, []).append(av)
            self._kind_homes = homes
        return self._kind_homes.get(kind, [])

    def validator(self, api_version: str, kind: str) -> _Compiled | None:
        key = (api_version, kind)
        found = self.compiled.get(key)
        if found is None:
            def_name = self.kinds.get(api_version, {}).get(kind)
            if def_name is None:
                return None
            schema = self.cached_kind_schema(def_name, kind)
            if schema is None:
                return None
            found = _Compiled(schema)
            self.compiled[key] = found
        return found

    def cached_kind_schema(self, def_name: str, kind: str) -> dict[str, Any] | None:
        """:meth:`kind_schema`, or ``None`` when ``def_name`` is not defined; kept in the
        cache folder under :attr:`cache_key`, so that a run whose kinds are all cached
        never loads the definitions of every other kind (most of validation's start-up)."""
        path = _kind_schema_file(self.cache_key, def_name, kind)
        if path is not None:
            import marshal

            from k8snetlint.rulecache import read_own

            raw = read_own(path)
            try:
                stored = marshal.loads(raw) if raw is not None else None
            except (ValueError, EOFError, TypeError):
                stored = None
            if (
                isinstance(stored, tuple)
                and len(stored) == 3
                and stored[:2] == (def_name, kind)
                and (stored[2] is None or isinstance(stored[2], dict))
            ):
                return stored[2]
        schema = self.kind_schema(def_name, kind) if def_name in self.defs else None
        if path is not None:
            import marshal

            from k8snetlint.rulecache import write_atomic

            with contextlib.suppress(OSError, ValueError):
                write_atomic(path, marshal.dumps((def_name, kind, schema)), ".kind-schema-")
        return schema

    def kind_schema(self, def_name: str, kind: str) -> dict[str, Any]:
        root = dict(self.defs[def_name])
        root.pop("x-kubernetes-group-version-kind", None)
        props = dict(root.get("properties") or {})
        if "metadata" in props and not kind.endswith("List") and kind not in NAMELESS_KINDS:
            props["metadata"] = _metadata_schema(kind)
            root["properties"] = props
            required = list(root.get("required") or [])
            if "metadata" not in required:
                required.append("metadata")
            root["required"] = required
        names = _closure(self.defs, [def_name, _OBJECT_META])
        return {"$schema": _DRAFT, **root, "$defs": {n: self.defs[n] for n in sorted(names)}}


def _closure(defs: Mapping[str, Any], roots: Iterable[str]) -> set[str]:
    """Names of the definitions reachable from ``roots`` through ``$ref``."""
    seen: set[str] = set()
    stack = [r for r in roots if r in defs]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        for ref in _refs(defs[name]):
            if ref in defs and ref not in seen:
                stack.append(ref)
    return seen


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            yield ref[len("#/$defs/") :]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


@functools.cache
def _store(version: str) -> _Store:
    folder = _schemas_root() / f"v{version}"

    def build() -> dict[str, Any]:
        import gzip  # here, not at the top: the definitions are read on a cache miss only

        with gzip.open(folder / "definitions.json.gz", "rt", encoding="utf-8") as fh:
            payload = json.load(fh)
        defs: dict[str, Any] = payload["definitions"]
        apply_overlay(defs)
        return defs

    sources = (folder / "definitions.json.gz", Path(__file__))

    def load() -> dict[str, Any]:
        # the overlaid definitions are cached by the content of their file and of this
        # module
        return cached_build("schema-defs", sources, build)

    index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    return _Store(version=version, kinds=index["kinds"], load=load, cache_key=_digest(sources))


#: Bumped when the per-kind schema cache's content changes shape.
_KIND_SCHEMA_FORMAT = 1


def _digest(sources: Sequence[Path]) -> str | None:
    """The content hash of ``sources``, the tool's version and the Python version, or
    ``None`` when the cache is off or a source cannot be read."""
    from k8snetlint.data import sources_digest
    from k8snetlint.rulecache import cache_dir

    if cache_dir() is None:
        return None
    return sources_digest(f"kind-schema {_KIND_SCHEMA_FORMAT}", sources)


def _kind_schema_file(cache_key: str | None, def_name: str, kind: str) -> Path | None:
    """The cache file of one kind's schema: ``kind-schema-<kind hash>-<cache key>.marshal``
    (older versions of it are pruned, see :func:`k8snetlint.rulecache.prune`)."""
    from k8snetlint.rulecache import cache_dir, content_hash

    folder = cache_dir() if cache_key is not None else None
    if folder is None or cache_key is None:
        return None
    which = content_hash(f"{def_name}\0{kind}".encode()).hexdigest()[:16]
    return folder / f"kind-schema-{which}-{cache_key[:32]}.marshal"


@dataclass(frozen=True)
class Removal:
    """An apiVersion of a kind that Kubernetes removed, and what replaces it."""

    api_version: str
    kind: str
    removed_in: str
    replacement: str | None
    note: str | None


@functools.lru_cache(maxsize=1)
def removed_apis() -> dict[tuple[str, str], Removal]:
    """``(apiVersion, kind) -> Removal`` from ``schemas/kubernetes/removed-apis.json``."""
    path = _schemas_root() / "removed-apis.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    out: dict[tuple[str, str], Removal] = {}
    for entry in doc.get("removed", []):
        removal = Removal(
            str(entry["apiVersion"]),
            str(entry["kind"]),
            str(entry["removedIn"]),
            entry.get("replacement"),
            entry.get("note"),
        )
        out[(removal.api_version, removal.kind)] = removal
    return out


def _group(api_version: str) -> str:
    return api_version.rpartition("/")[0]


# --------------------------------------------------------------------------------------
# Custom resources


@dataclass
class _Crd:
    """A CustomResourceDefinition: its served versions and their compiled schemas."""

    name: str
    group: str
    kind: str
    versions: dict[str, tuple[bool, Any]]  # name -> (served, openAPIV3Schema or None)
    compiled: dict[str, _Compiled | None] = field(default_factory=dict)
    #: The schemas k8snetlint ships (``schemas/crds/``), already JSON Schema.
    shipped: bool = False


def _crds_root() -> Path:
    return data_dir("schemas") / "crds"


@functools.cache
def _shipped_index() -> dict[str, dict[str, dict[str, Any]]]:
    """``apiVersion -> kind -> {"file", "served", "scope"}`` of ``schemas/crds/``."""
    try:
        doc = json.loads((_crds_root() / "index.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    kinds = doc.get("kinds") if isinstance(doc, dict) else None
    return kinds if isinstance(kinds, dict) else {}


@functools.cache
def _shipped_crd(group: str, kind: str, store_version: str) -> _Crd | None:
    """The shipped schemas of ``group``/``kind`` (generated by :mod:`k8snetlint.crdgen`).

    One :class:`_Crd` per Kubernetes version, since the ObjectMeta schema comes from it.
    """
    files = {
        entry.get("file")
        for av, kinds in _shipped_index().items()
        if _group(av) == group
        for k, entry in kinds.items()
        if k == kind and isinstance(entry, dict)
    }
    name = next((f for f in sorted(str(f) for f in files if f)), None)
    if name is None:
        return None
    try:
        doc = json.loads((_crds_root() / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    versions = {
        str(v): (entry.get("served") is not False, entry.get("schema"))
        for v, entry in (doc.get("versions") or {}).items()
        if isinstance(entry, dict)
    }
    return _Crd(name.removesuffix(".json"), group, kind, versions, shipped=True)


def shipped_crd_schema(api_version: str, kind: str) -> dict[str, Any] | None:
    """The strict JSON Schema k8snetlint ships for a CRD-defined kind, or ``None``.

    The ``metadata`` schema and its ``$defs`` come from the default Kubernetes version.
    """
    store = _store(default_version())
    crd = _shipped_crd(_group(api_version), kind, store.version)
    version = api_version.rpartition("/")[2]
    if crd is None or version not in crd.versions:
        return None
    compiled = _cr_validator(store, crd, version)
    return compiled.schema if compiled is not None else None


def _collect_crds(manifests: Sequence[Manifest]) -> dict[tuple[str, str], _Crd]:
    out: dict[tuple[str, str], _Crd] = {}
    for m in manifests:
        if m.kind != "CustomResourceDefinition" or m.api_version != "apiextensions.k8s.io/v1":
            continue
        spec = m.data.get("spec") if isinstance(m.data, dict) else None
        if not isinstance(spec, dict):
            continue
        group, names = spec.get("group"), spec.get("names")
        kind = names.get("kind") if isinstance(names, dict) else None
        if not isinstance(group, str) or not isinstance(kind, str):
            continue
        versions: dict[str, tuple[bool, Any]] = {}
        raw_versions = spec.get("versions")
        for item in raw_versions if isinstance(raw_versions, list) else []:
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                continue
            schema = item.get("schema")
            openapi = schema.get("openAPIV3Schema") if isinstance(schema, dict) else None
            versions[item["name"]] = (item.get("served") is not False, openapi)
        out.setdefault((group, kind), _Crd(m.name, group, kind, versions))
    return out


_CR_KEEP_NUMBERS = ("minimum", "maximum", "multipleOf")
_CR_KEEP_COUNTS = (
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
)


def _python_reads_like_go(pattern: str) -> bool:
    """Whether Python's ``re`` takes ``pattern`` without error or warning.

    CRD patterns are Go (RE2) regexes; ones that Python rejects, or accepts with a
    warning (``[[:alpha:]]`` and other constructs it reads differently), are skipped
    rather than misapplied.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            re.compile(pattern)
        except (re.error, Warning, RecursionError, OverflowError):
            return False
    return True


def crd_to_jsonschema(node: Any, *, branch: bool = False, depth: int = 0) -> dict[str, Any]:
    """Translate a CRD's structural OpenAPI v3 schema to JSON Schema 2020-12.

    ``nullable`` adds ``null``; ``x-kubernetes-int-or-string`` means integer or string;
    objects with ``properties`` reject unknown fields (as ``kubectl`` does with strict
    field validation) unless ``x-kubernetes-preserve-unknown-fields`` is set. Schemas
    inside ``allOf``/``anyOf``/``oneOf``/``not`` (``branch``) only constrain values.
    Anything unusable is dropped rather than trusted.
    """
    if not isinstance(node, dict) or depth > 64:
        return {}
    out: dict[str, Any] = {}
    nullable = node.get("nullable") is True
    preserve = node.get("x-kubernetes-preserve-unknown-fields") is True
    raw_type = node.get("type")
    types: list[str] = []
    if node.get("x-kubernetes-int-or-string") is True:
        types = ["integer", "string"]
    elif isinstance(raw_type, str) and raw_type in (
        "object",
        "array",
        "string",
        "integer",
        "number",
        "boolean",
    ):
        types = [raw_type]
    if types:
        if nullable:
            types.append("null")
        out["type"] = types[0] if len(types) == 1 else types
    enum = node.get("enum")
    if isinstance(enum, list):
        out["enum"] = [*enum, None] if nullable and None not in enum else list(enum)
    pattern = node.get("pattern")
    if isinstance(pattern, str) and _python_reads_like_go(pattern):
        out["pattern"] = pattern
    for kw in _CR_KEEP_NUMBERS:
        value = node.get(kw)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[kw] = value
    for kw in _CR_KEEP_COUNTS:
        value = node.get(kw)
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            out[kw] = value
    for kw, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = node.get(kw)
        if value is True and bound in out:
            out[kw] = out.pop(bound)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out[kw] = value
    if node.get("uniqueItems") is True:
        out["uniqueItems"] = True
    required = node.get("required")
    if isinstance(required, list):
        out["required"] = [r for r in required if isinstance(r, str)]
    props = node.get("properties")
    if isinstance(props, dict):
        out["properties"] = {
            str(k): crd_to_jsonschema(v, depth=depth + 1) for k, v in props.items()
        }
        if node.get("x-kubernetes-embedded-resource") is True:
            for embedded in ("apiVersion", "kind", "metadata"):
                out["properties"].setdefault(embedded, {})
    additional = node.get("additionalProperties")
    if isinstance(additional, dict):
        out["additionalProperties"] = crd_to_jsonschema(additional, depth=depth + 1)
    elif isinstance(additional, bool):
        out["additionalProperties"] = additional
    items = node.get("items")
    if isinstance(items, dict):
        out["items"] = crd_to_jsonschema(items, depth=depth + 1)
    for kw in ("allOf", "anyOf", "oneOf"):
        options = node.get(kw)
        if isinstance(options, list) and options:
            out[kw] = [
                _defaulted_branch(crd_to_jsonschema(o, branch=True, depth=depth + 1), props)
                for o in options
            ]
    if isinstance(node.get("not"), dict):
        out["not"] = crd_to_jsonschema(node["not"], branch=True, depth=depth + 1)
    if not branch and not preserve and "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def _defaulted_branch(branch: dict[str, Any], props: Any) -> dict[str, Any]:
    """Make a ``oneOf``/``anyOf`` branch see the API server's defaults.

    The API server applies a property's ``default`` before it validates, so an absent
    property is its default. A branch that constrains such a property and rejects the
    default cannot match when the property is absent: it gets the property as required.
    (Gateway ``spec.addresses[]``: ``type`` defaults to ``IPAddress``; without this an
    entry without ``type`` would match both branches of the ``oneOf``.)
    """
    constrained = branch.get("properties")
    if not isinstance(props, dict) or not isinstance(constrained, dict):
        return branch
    needed = []
    for name, schema in constrained.items():
        declared = props.get(name)
        if not isinstance(declared, dict) or "default" not in declared:
            continue
        from jsonschema import Draft202012Validator

        if not Draft202012Validator(schema).is_valid(declared["default"]):
            needed.append(name)
    if needed:
        have = branch.get("required", [])
        branch["required"] = [*have, *(n for n in needed if n not in have)]
    return branch


def _cr_schema(store: _Store, openapi: Any, kind: str, translated: bool = False) -> dict[str, Any]:
    body = json.loads(json.dumps(openapi)) if translated else crd_to_jsonschema(openapi)
    props = body.get("properties")
    if isinstance(props, dict):
        props["apiVersion"] = {"type": "string"}
        props["kind"] = {"type": "string"}
    else:
        body.setdefault("properties", {})
    body["properties"]["metadata"] = _metadata_schema(kind)
    required = [r for r in body.get("required", []) if r not in ("apiVersion", "kind")]
    body["required"] = [*required, "metadata"] if "metadata" not in required else required
    names = _closure(store.defs, [_OBJECT_META])
    return {"$schema": _DRAFT, **body, "$defs": {n: store.defs[n] for n in sorted(names)}}


def _cr_validator(store: _Store, crd: _Crd, version: str) -> _Compiled | None:
    if version in crd.compiled:
        return crd.compiled[version]
    _, openapi = crd.versions[version]
    compiled: _Compiled | None = None
    if isinstance(openapi, dict):
        # When the compiled engine cannot take the schema (a regex dialect issue), every
        # object of the kind goes through the pure-Python path: slower, still complete.
        compiled = _Compiled(_cr_schema(store, openapi, crd.kind, crd.shipped))
        from jsonschema.exceptions import SchemaError

        try:
            compiled.slow()
        except (SchemaError, TypeError, ValueError):  # a schema the validator refuses
            compiled = None
    crd.compiled[version] = compiled
    return compiled


# --------------------------------------------------------------------------------------
# Validation


MAX_DEPTH = 200


class _TooDeep(Exception):
    """An object nests deeper than :data:`MAX_DEPTH`."""


_SCALARS = frozenset({str, int, float, bool, type(None)})


def to_json(value: Any, depth: int = 0) -> Any:
    """What the API server would see: plain JSON types, string keys (like ``plain``).

    Non-JSON scalars (timestamps and the like) become their text; non-string keys
    become strings, as Kubernetes' YAML-to-JSON conversion does. Raises ``_TooDeep``
    past :data:`MAX_DEPTH` levels (the compiled validator recurses natively).
    """
    if isinstance(value, dict):
        if depth >= MAX_DEPTH:
            raise _TooDeep()
        scalars = _SCALARS
        return {
            (k if type(k) is str else _key(k)): (v if type(v) in scalars else to_json(v, depth + 1))
            for k, v in value.items()
        }
    if isinstance(value, list):
        if depth >= MAX_DEPTH:
            raise _TooDeep()
        scalars = _SCALARS
        return [v if type(v) in scalars else to_json(v, depth + 1) for v in value]
    if type(value) in _SCALARS:
        return value
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    return str(value)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key if type(key) is str else str(key)
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    return str(key)


def validate_all(
    manifests: Sequence[Manifest],
    version: str,
    done: Mapping[int, Sequence[Violation]] | None = None,
    schema_locations: Sequence[str] = (),
) -> Iterator[tuple[Manifest, Violation]]:
    """Every violation of every manifest against Kubernetes ``version``.

    Violations of one object come sorted by path. Never raises on any manifest content.
    ``schema_locations`` are folders of custom resources' JSON schemas
    (:class:`LocatedSchemas`). ``done`` maps ``id(manifest)`` to violations already found by :func:`validate_alone`
    (in a worker process); those manifests are not validated again.
    """
    store = _store(resolve_version(version))
    # a version older than the shipped schemas: its own removed-API verdicts
    m = _VERSION_RE.match(str(version or ""))
    target = (int(m.group(1)), int(m.group(2))) if m else _vkey(store.version)
    target = min(target, _vkey(store.version))
    crds = _collect_crds(manifests)
    located = LocatedSchemas(tuple(schema_locations))
    for manifest in manifests:
        found = done.get(id(manifest)) if done is not None else None
        if found is None:
            found = _validate_guarded(manifest, store, crds, target, located)
        for violation in found:
            yield manifest, violation


def _validate_guarded(
    manifest: Manifest,
    store: _Store,
    crds: Mapping[tuple[str, str], _Crd],
    target: tuple[int, int] | None = None,
    located: LocatedSchemas | None = None,
) -> list[Violation]:
    try:
        return list(_validate_one(manifest, store, crds, target, located))
    except Exception as exc:
        # Kept broad on purpose: what fails here is a bug of ours (or of a validator
        # library) on one object, not a property of the input, so nothing narrower can
        # name it. One object must not stop the run: the failure is reported on that
        # object as an internal error, not passed off as a schema violation.
        name = f"{manifest.kind or '?'} {manifest.name or '?'}"
        return [
            Violation(
                RULE_SCHEMA,
                (),
                f"(object): internal error while validating {name}: could not be "
                f"validated ({type(exc).__name__}: {exc}); please report it",
            )
        ]


def validate_alone(manifest: Manifest, version: str) -> list[Violation] | None:
    """The violations of ``manifest`` when they do not depend on the rest of the input
    (no CustomResourceDefinition can change them: a built-in kind, or nothing to
    validate); ``None`` when they might (see :func:`validate_all`'s ``done``)."""
    store = _store(resolve_version(version))
    api_version, kind = manifest.api_version, manifest.kind
    if not api_version or not kind or not isinstance(manifest.data, dict):
        return []
    if kind == "List" and api_version == "v1":
        return []
    if store.validator(api_version, kind) is None:
        return None
    return _validate_guarded(manifest, store, {})


def validate_object(data: Any, version: str | None = None) -> list[Violation]:
    """Violations of one object given as plain data (tests, tools)."""
    m = Manifest(
        file="-",
        doc_index=0,
        data=data,
        api_version=str(data.get("apiVersion", "")) if isinstance(data, dict) else "",
        kind=str(data.get("kind", "")) if isinstance(data, dict) else "",
        name="",
        namespace=None,
    )
    return [v for _, v in validate_all([m], version or default_version())]


def _validate_one(
    manifest: Manifest,
    store: _Store,
    crds: Mapping[tuple[str, str], _Crd],
    target: tuple[int, int] | None = None,
    located: LocatedSchemas | None = None,
) -> Iterator[Violation]:
    api_version, kind = manifest.api_version, manifest.kind
    if not api_version or not kind or not isinstance(manifest.data, dict):
        return
    if kind == "List" and api_version == "v1":
        return
    compiled = store.validator(api_version, kind)
    if compiled is not None:
        yield from _check(compiled, manifest.data)
        return

    removal = removed_apis().get((api_version, kind))
    limit = target or _vkey(store.version)
    if removal is not None and _vkey(removal.removed_in) <= limit:
        yield Violation(
            RULE_REMOVED,
            ("apiVersion",),
            _removed_message(removal, store, f"{limit[0]}.{limit[1]}"),
        )
        return
    if removal is not None and limit < _vkey(store.version):
        return  # still served by the (older) target version; no schema of it is shipped

    group = _group(api_version)
    crd = crds.get((group, kind))
    if crd is None and located is not None:
        schema = located.find(api_version, kind)
        if schema is not None:
            yield from located.check(schema, manifest.data)
            return
    if crd is None:
        crd = _shipped_crd(group, kind, store.version)
    if crd is not None:
        yield from _check_custom(manifest, store, crd)
        return

    builtin = group in store.groups or any(_group(av) == group for av, _ in removed_apis())
    if builtin:
        yield _unknown_builtin(api_version, kind, store)
        return

    yield Violation(
        RULE_UNKNOWN_KIND,
        ("kind",),
        f"kind: no schema for {kind} ({api_version}); it is not a built-in kind of "
        f"Kubernetes {store.version} and no CustomResourceDefinition in the input "
        "defines it, so its fields are not checked (--schema-location DIR adds JSON "
        "schemas of custom resources)",
    )


class LocatedSchemas:
    """JSON schemas of custom resources from ``--schema-location DIR`` (kubeconform's
    habit). A kind ``Certificate`` of ``cert-manager.io/v1`` is looked up as
    ``DIR/cert-manager.io/certificate_v1.json`` (the CRDs-catalog layout), then
    ``DIR/certificate_v1.json`` and ``DIR/certificate-cert-manager-v1.json`` (the
    openapi2jsonschema names); the first folder that has it wins."""

    def __init__(self, folders: tuple[str, ...]) -> None:
        self.folders = folders
        self._cache: dict[tuple[str, str], Any] = {}

    def candidates(self, api_version: str, kind: str) -> list[Path]:
        group, _, version = api_version.rpartition("/")
        low = kind.lower()
        names = [f"{low}_{version}.json"]
        if group:
            names.insert(0, f"{group}/{low}_{version}.json")
            names.append(f"{low}-{group.split('.')[0]}-{version}.json")
        return [Path(folder) / name for folder in self.folders for name in names]

    def find(self, api_version: str, kind: str) -> Any:
        """The validator of the schema for ``api_version``/``kind``, or None."""
        key = (api_version, kind)
        if key not in self._cache:
            self._cache[key] = None
            for path in self.candidates(api_version, kind):
                try:
                    schema = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    continue
                import jsonschema

                try:
                    cls = jsonschema.validators.validator_for(schema, jsonschema.Draft7Validator)
                    cls.check_schema(schema)
                # a broken schema file: say so on the object (TypeError: a JSON document
                # that is not a schema at all, a number say)
                except (jsonschema.exceptions.SchemaError, TypeError) as exc:
                    self._cache[key] = (path, exc)
                    break
                self._cache[key] = (path, cls(schema))
                break
        return self._cache[key]

    def check(self, found: Any, data: Any) -> Iterator[Violation]:
        from k8snetlint.document import plain

        path, validator = found
        if isinstance(validator, Exception):
            yield Violation(
                RULE_SCHEMA, ("kind",), f"kind: the schema {path} is not valid: {validator}"
            )
            return
        errors = sorted(validator.iter_errors(plain(data)), key=lambda e: list(e.absolute_path))
        for err in errors:
            where: tuple[str | int, ...] = tuple(err.absolute_path)
            dotted = "".join(
                f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p))
                for i, p in enumerate(where)
            )
            yield Violation(
                RULE_SCHEMA, where, f"{dotted or '(object)'}: {err.message} (schema {path.name})"
            )


def _removed_message(removal: Removal, store: _Store, served_by: str | None = None) -> str:
    text = (
        f"apiVersion: {removal.api_version} {removal.kind} was removed in Kubernetes "
        f"{removal.removed_in} and is not served by {served_by or store.version}"
    )
    if removal.replacement:
        text += f"; use apiVersion {removal.replacement}"
        if removal.replacement in store.kinds and removal.kind not in store.kinds.get(
            removal.replacement, {}
        ):
            text += " (check the kind's new name)"
        if removal.note:
            text += f" ({removal.note})"
    else:
        text += (
            f"; there is no replacement: {removal.note}"
            if removal.note
            else "; there is no replacement"
        )
    return text


def _unknown_builtin(api_version: str, kind: str, store: _Store) -> Violation:
    homes = store.homes(kind)
    same_group = [av for av in homes if _group(av) == _group(api_version)]
    text = f"unknown kind {kind} for apiVersion {api_version} in Kubernetes {store.version}"
    if same_group:
        return Violation(
            RULE_SCHEMA,
            ("apiVersion",),
            f"apiVersion: {text}; {kind} is served as {_or_list(same_group)}",
        )
    if homes:
        return Violation(
            RULE_SCHEMA, ("kind",), f"kind: {text}; {kind} is served as {_or_list(homes)}"
        )
    known = sorted(store.kinds.get(api_version, {}))
    import difflib  # only for a hint: imported when one is worded

    close = difflib.get_close_matches(kind, known, n=1, cutoff=0.6) or [
        k for k in known if k.lower() == kind.lower()
    ]
    if close:
        text += f'; did you mean "{close[0]}"?'
    return Violation(RULE_SCHEMA, ("kind",), f"kind: {text}")


def _or_list(items: Sequence[str]) -> str:
    items = sorted(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _check_custom(manifest: Manifest, store: _Store, crd: _Crd) -> Iterator[Violation]:
    version = manifest.api_version.rpartition("/")[2]
    definer = (
        f"the upstream CustomResourceDefinition {crd.name} (as shipped with k8snetlint)"
        if crd.shipped
        else f"CustomResourceDefinition {crd.name}"
    )
    if version not in crd.versions:
        defined = ", ".join(sorted(crd.versions)) or "none"
        yield Violation(
            RULE_SCHEMA,
            ("apiVersion",),
            f"apiVersion: version {version} of {crd.group}/{crd.kind} is not defined by "
            f"{definer} (versions: {defined})",
        )
        return
    served, _ = crd.versions[version]
    if not served:
        yield Violation(
            RULE_SCHEMA,
            ("apiVersion",),
            f"apiVersion: version {version} of {crd.group}/{crd.kind} is not served "
            f"({definer} sets served: false)",
        )
        return
    compiled = _cr_validator(store, crd, version)
    if compiled is not None:
        yield from _check(compiled, manifest.data)


def _check(compiled: _Compiled, data: Any) -> Iterator[Violation]:
    if type(data) is YMap and compiled.is_valid(data):
        # The reader's values are plain JSON scalars at most MAX_DEPTH deep, so the
        # compiled validator can read them as they are (a non-string key makes it
        # refuse, then the copy below decides); no copy for the valid majority.
        return
    try:
        instance = to_json(data)
    except (_TooDeep, RecursionError):
        yield Violation(
            RULE_SCHEMA,
            (),
            f"(object): nested more than {MAX_DEPTH} levels deep; the object was not validated",
        )
        return
    if compiled.is_valid(instance):
        return
    try:
        errors = compiled.errors(instance)
    except RecursionError:
        yield Violation(RULE_SCHEMA, (), "(object): too deeply nested to validate")
        return
    yield from _sorted(_unique(_translate(errors)))


def _sorted(violations: Iterable[Violation]) -> list[Violation]:
    def key(v: Violation) -> tuple[tuple[tuple[int, int, str], ...], str]:
        return (tuple((0, p, "") if isinstance(p, int) else (1, 0, p) for p in v.path), v.message)

    return sorted(violations, key=key)


def _unique(violations: Iterable[Violation]) -> Iterator[Violation]:
    seen: set[Violation] = set()
    for v in violations:
        if v not in seen:
            seen.add(v)
            yield v


# --------------------------------------------------------------------------------------
# Wording


# text: compiled (and cached by re) on first use, when a violation is worded
_SIMPLE_KEY = r"^[A-Za-z_$][A-Za-z0-9_$-]*$"


def _dotted(path: Sequence[PathElem]) -> str:
    """``spec.template.spec.containers[0].ports[1].name``; odd keys as ``["a.b/c"]``."""
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        elif re.match(_SIMPLE_KEY, step):
            out += f".{step}" if out else step
        else:
            out += f"[{json.dumps(step, ensure_ascii=False)}]"
    return out or "(object)"


def _quote(text: str, limit: int = 60) -> str:
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return json.dumps(text, ensure_ascii=False)


def _number(value: int | float) -> str:
    return repr(value)


def describe(value: Any) -> str:
    """``the string "two"``, ``the number 1.1``, ``the boolean true``, ``a list``..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if isinstance(value, (int, float)):
        return f"the number {_number(value)}"
    if isinstance(value, str):
        return f"the string {_quote(value)}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"


_TYPE_WORDS = {
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "boolean": "a boolean (true or false)",
    "object": "a mapping",
    "array": "a list",
    "null": "null",
}


def _expected(types: Iterable[str]) -> str:
    words = [_TYPE_WORDS.get(t, t) for t in types if t != "null"] or ["null"]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _type_message(types: Sequence[str], value: Any) -> str:
    text = f"expected {_expected(types)}, got {describe(value)}"
    wants = set(types)
    if wants - {"null"} == {"string"} and isinstance(value, (bool, int, float)):
        text += "; quote it"
    elif isinstance(value, str):
        stripped = value.strip()
        numeric = wants & {"integer", "number"} and re.fullmatch(r"[+-]?\d+(\.\d+)?", stripped)
        boolean = "boolean" in wants and stripped.lower() in ("true", "false")
        if numeric or boolean:
            text += "; remove the quotes"
    return text


def _types_of(schema: Any) -> list[str]:
    t = schema.get("type") if isinstance(schema, dict) else None
    if isinstance(t, str):
        return [t]
    if isinstance(t, list):
        return [x for x in t if isinstance(x, str)]
    return []


_RULES: dict[str, str] = {
    "dns-label": (
        "a DNS-1123 label: at most 63 lower case letters, digits and '-', "
        "starting and ending with a letter or digit"
    ),
    "dns-1035-label": (
        "a DNS-1035 label: at most 63 lower case letters, digits and '-', "
        "starting with a letter and ending with a letter or digit"
    ),
    "dns-subdomain": (
        "a DNS-1123 subdomain: lower case letters, digits, '-' and '.', "
        "each dot-separated part starting and ending with a letter or digit"
    ),
    "iana-svc-name": (
        "an IANA service name: at most 15 lower case letters, digits and '-', "
        "with at least one letter, no '--', and no '-' at either end"
    ),
    "path-segment": "a path segment: not '.' or '..', and without '/' or '%'",
    "label-key": (
        "an optional DNS subdomain prefix and '/', then a name of at most 63 letters, "
        "digits, '-', '_' and '.' that starts and ends with a letter or digit"
    ),
    "label-value": (
        "at most 63 letters, digits, '-', '_' and '.', starting and ending with a "
        "letter or digit (or empty)"
    ),
}

_ALLOWED_CHARS: dict[str, str] = {
    "dns-label": "abcdefghijklmnopqrstuvwxyz0123456789-",
    "dns-1035-label": "abcdefghijklmnopqrstuvwxyz0123456789-",
    "dns-subdomain": "abcdefghijklmnopqrstuvwxyz0123456789-.",
    "iana-svc-name": "abcdefghijklmnopqrstuvwxyz0123456789-",
    "label-value": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.",
}


def _problem(fmt: str, value: str, limit: int) -> str:
    """The first concrete thing wrong with ``value`` for format ``fmt``."""
    if fmt == "annotation-key":
        return _problem("label-key", value.lower(), limit)
    if fmt == "label-key":
        prefix, slash, name = value.rpartition("/")
        if slash and not prefix:
            return "the prefix before '/' is empty"
        if slash and "/" in prefix:
            return "it contains more than one '/'"
        if slash and not re.fullmatch(_SUBDOMAIN, prefix):
            return f"the prefix {_quote(prefix)} is not a DNS subdomain"
        if slash and len(prefix) > 253:
            return f"the prefix is {len(prefix)} characters long (at most 253)"
        if not name:
            return "the name is empty"
        if len(name) > 63:
            return f"the name is {len(name)} characters long (at most 63)"
        bad = sorted({c for c in name if not (c.isascii() and (c.isalnum() or c in "-_."))})
        if bad:
            return f"it contains {_chars(bad)}"
        return "the name must start and end with a letter or digit"
    if fmt == "path-segment":
        if value in (".", ".."):
            return f"it is {_quote(value)}"
        bad = sorted({c for c in value if c in "/%"})
        return f"it contains {_chars(bad)}" if bad else "it is empty"
    if value == "" and fmt != "label-value":
        return "it is empty"
    if limit and len(value) > limit:
        return f"it is {len(value)} characters long (at most {limit})"
    allowed = _ALLOWED_CHARS.get(fmt, "")
    if fmt != "label-value" and any(c.isupper() for c in value):
        return "it contains upper case letters"
    bad = sorted({c for c in value if c not in allowed})
    if bad:
        return f"it contains {_chars(bad)}"
    if fmt == "iana-svc-name":
        if "--" in value:
            return "it contains '--'"
        if not any(c.isalpha() for c in value):
            return "it contains no letter"
    if fmt == "dns-1035-label" and not value[0].isalpha():
        return "it does not start with a letter"
    if fmt == "dns-subdomain" and any(not part for part in value.split(".")):
        return "it has an empty part between dots"
    return "it must start and end with a letter or digit"


def _chars(chars: Sequence[str]) -> str:
    shown = [json.dumps(c) if c.isprintable() and c != " " else repr(c) for c in chars[:5]]
    return ", ".join(shown)


def _format_message(fmt: str, value: Any, schema: Mapping[str, Any]) -> str | None:
    if not isinstance(value, str):
        return None
    what = str(schema.get(_WHAT, "name"))
    limit = int(schema.get("maxLength", 0) or _PATTERNS.get(fmt, ("", 0))[1])
    problem = _problem(fmt, value, limit)
    rule = _RULES.get(fmt, "")
    if fmt in ("label-key", "annotation-key"):
        rule = _RULES["label-key"]
        return f"invalid {what} {_quote(value)}: {problem}; a key is {rule}"
    if fmt == "label-value":
        return f"invalid {what} {_quote(value)}: {problem}; a label value is {rule}"
    if fmt == "dns-subdomain" and limit != 253:
        rule += f", at most {limit} characters for a {what.removesuffix(' name')}"
    elif fmt == "dns-subdomain":
        rule += ", at most 253 characters"
    return f"{_quote(value)} is not a valid {what}: {problem}; it must be {rule}"


def _explain(marker: str, value: Any, err: ValidationError) -> str | None:
    """Words for an error of a subschema marked by the overlay (``None``: no opinion)."""
    schema = err.schema if isinstance(err.schema, dict) else {}
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if marker in ("port", "port-or-name") and number:
        return f"{_number(value)} is not a valid port number; it must be between 1 and {PORT_MAX}"
    if marker == "port-or-name" and isinstance(value, str):
        return _format_message("iana-svc-name", value, schema)
    if marker == "int-range" and number:
        low, high = schema.get("minimum"), schema.get("maximum")
        if isinstance(low, int) and value < low and low == 0:
            return f"must not be negative, got {_number(value)}"
        for bits, (small, big) in ((32, INT32), (64, INT64)):
            if (isinstance(high, int) and high == big and value > big) or (
                isinstance(low, int) and low == small and value < small
            ):
                return f"{_number(value)} does not fit in a {bits}-bit integer ({small} to {big})"
        return None
    if marker == "quantity" and isinstance(value, str):
        return (
            f"{_quote(value)} is not a valid quantity; write a number with an optional "
            "suffix, such as 250m, 0.5, 128Mi or 2Gi"
        )
    if marker == "label-value" and value is not None and not isinstance(value, str):
        return f"label value must be a string, got {describe(value)}; quote it"
    if marker == "annotation-value" and value is not None and not isinstance(value, str):
        return f"annotation value must be a string, got {describe(value)}; quote it"
    if marker in _PATTERNS:
        return _format_message(marker, value, schema)
    return None


def _translate(errors: Iterable[ValidationError]) -> Iterator[Violation]:
    marked: set[tuple[Path_, str]] = set()
    missing: set[tuple[Path_, str]] = set()
    for err in errors:
        yield from _translate_one(err, marked, missing)


def _translate_one(
    err: ValidationError, marked: set[tuple[Path_, str]], missing: set[tuple[Path_, str]]
) -> Iterator[Violation]:
    path: Path_ = tuple(err.absolute_path)
    schema = err.schema if isinstance(err.schema, dict) else {}
    schema_path = list(err.absolute_schema_path)
    is_key = len(schema_path) >= 2 and schema_path[-2] == "propertyNames"
    if is_key:
        path = (*path, str(err.instance))
    marker = schema.get(_MARK)
    if isinstance(marker, str):
        if marker == "name-required" and err.validator == "anyOf":
            if (path, marker) not in marked:
                marked.add((path, marker))
                name_at = _dotted((*path, "name"))
                generate = _dotted((*path, "generateName"))
                yield Violation(
                    RULE_SCHEMA,
                    path,
                    f'{name_at}: required field "name" is missing (or set {generate})',
                    key=True,
                )
            return
        if (path, marker) in marked:
            return
        text = _explain(marker, err.instance, err)
        if text is not None:
            marked.add((path, marker))
            yield Violation(RULE_SCHEMA, path, f"{_dotted(path)}: {text}", key=is_key)
            return

    kw = err.validator
    instance = err.instance
    if kw == "required":
        names = [n for n in err.validator_value if isinstance(instance, dict) and n not in instance]
        for name in names:
            if (path, name) in missing:
                continue
            missing.add((path, name))
            yield Violation(
                RULE_SCHEMA,
                path,
                f'{_dotted((*path, name))}: required field "{name}" is missing',
                key=True,
            )
        return
    if kw == "additionalProperties" and isinstance(instance, dict):
        known = schema.get("properties") or {}
        patterns = list((schema.get("patternProperties") or {}).keys())
        for extra in instance:
            if extra in known or any(re.search(p, extra) for p in patterns):
                continue
            where = (*path, extra)
            text = f'{_dotted(where)}: unknown field "{extra}"'
            import difflib  # only for a hint: imported when one is worded

            close = difflib.get_close_matches(extra, list(known), n=1, cutoff=0.7)
            close = close or [k for k in known if k.lower() == extra.lower()]
            if close:
                text += f'; did you mean "{close[0]}"?'
            yield Violation(RULE_SCHEMA, where, text, key=True)
        return
    yield Violation(RULE_SCHEMA, path, f"{_dotted(path)}: {_words(err)}", key=is_key)


def _words(err: ValidationError) -> str:
    """A sentence (without the path) for one jsonschema error."""
    kw, value, instance = err.validator, err.validator_value, err.instance
    if kw == "type":
        return _type_message(_types_of({"type": value}), instance)
    if kw == "enum" and isinstance(value, list):
        options = [v for v in value if v is not None]
        shown = _quote(instance) if isinstance(instance, str) else describe(instance)
        text = f"unsupported value {shown}; expected one of " + ", ".join(
            json.dumps(v, ensure_ascii=False) for v in options
        )
        if isinstance(instance, str):
            same = [v for v in options if isinstance(v, str) and v.lower() == instance.lower()]
            if same:
                text += f' (did you mean "{same[0]}"?)'
        return text
    if kw == "const":
        return f"must be {json.dumps(value, ensure_ascii=False)}, got {describe(instance)}"
    if kw in ("oneOf", "anyOf"):
        return _alternatives(err)
    if kw == "minimum":
        return f"must be at least {value}, got {describe(instance)}"
    if kw == "maximum":
        return f"must be at most {value}, got {describe(instance)}"
    if kw == "exclusiveMinimum":
        return f"must be greater than {value}, got {describe(instance)}"
    if kw == "exclusiveMaximum":
        return f"must be less than {value}, got {describe(instance)}"
    if kw == "multipleOf":
        return f"must be a multiple of {value}, got {describe(instance)}"
    if kw == "minLength":
        return f"must be at least {value} characters long, got {describe(instance)}"
    if kw == "maxLength":
        return f"must be at most {value} characters long, got {describe(instance)}"
    if kw == "pattern":
        return f"{describe(instance)} does not match the pattern {value}"
    if kw == "minItems":
        return f"must have at least {value} item{'s' if value != 1 else ''}"
    if kw == "maxItems":
        return f"must have at most {value} item{'s' if value != 1 else ''}"
    if kw == "uniqueItems":
        return "items must be unique"
    if kw == "minProperties":
        return f"must have at least {value} field{'s' if value != 1 else ''}"
    if kw == "maxProperties":
        return f"must have at most {value} field{'s' if value != 1 else ''}"
    if kw == "not":
        return f"{describe(instance)} is not allowed here"
    return str(err.message)


def _alternatives(err: ValidationError) -> str:
    """One readable sentence for a failed ``oneOf``/``anyOf``.

    Branches whose type does not fit the value are set aside: when none fits, the
    message lists the accepted types; when one fits, its own complaint is the message.
    """
    context = list(err.context or [])
    if not context:
        return f"{describe(err.instance)} matches more than one of the allowed forms"
    if all(e.validator == "required" for e in context):
        fields = [n for e in context for n in e.validator_value if isinstance(n, str)]
        uniq = sorted(dict.fromkeys(fields))
        return "one of the fields " + ", ".join(f'"{f}"' for f in uniq) + " must be set"
    by_branch: dict[Any, list[ValidationError]] = {}
    for sub in context:
        branch = sub.relative_schema_path[0] if sub.relative_schema_path else None
        by_branch.setdefault(branch, []).append(sub)
    fitting = [
        errs
        for errs in by_branch.values()
        if not any(e.validator == "type" and not e.relative_path for e in errs)
    ]
    if not fitting:
        branches = err.validator_value if isinstance(err.validator_value, list) else []
        types: list[str] = []
        for branch in branches:
            types.extend(t for t in _types_of(branch) if t not in types)
        if types:
            return _type_message(types, err.instance)
        fitting = list(by_branch.values())
    from jsonschema.exceptions import best_match

    best = best_match([e for errs in fitting for e in errs])
    if best is None:
        return "does not match any of the allowed forms"
    where = tuple(best.relative_path)
    inner = (f"{_dotted(where)}: " if where else "") + _words(best)
    if len(fitting) == 1:
        return inner
    return f"does not match any of the allowed forms (closest: {inner})"
