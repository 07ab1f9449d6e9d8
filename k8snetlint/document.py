"""Parsed YAML values that remember where every key, value and item came from.

The loader builds :class:`YMap` and :class:`YSeq` (plain ``dict``/``list``
subclasses) and wraps every Kubernetes object in a :class:`Manifest`. Checks point at
an object and a *path* inside it (``("spec", "ports", 0, "targetPort")``); only the
framework turns that path into a line and column, through :meth:`Manifest.span_at`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from k8snetlint.findings import ObjectRef, Span

# (line, column, end_line, end_column), all 1-based.
Pos = tuple[int, int, int, int]
PathElem = str | int
Path = tuple[PathElem, ...]


class YMap(dict[str, Any]):
    """A mapping with the position of itself, of each key and of each value."""

    __slots__ = ("kpos", "pos", "vpos")

    def __init__(self) -> None:
        super().__init__()
        self.pos: Pos = (0, 0, 0, 0)
        self.kpos: dict[str, Pos] = {}
        self.vpos: dict[str, Pos] = {}


class YSeq(list[Any]):
    """A sequence with the position of itself and of each item."""

    __slots__ = ("ipos", "pos")

    def __init__(self) -> None:
        super().__init__()
        self.pos: Pos = (0, 0, 0, 0)
        self.ipos: list[Pos] = []


# Reading fields of unvalidated documents: a value of the wrong type reads as absent
# (the schema finding reports it), so the model never trusts a shape it did not check.


def as_int(value: Any) -> int | None:
    """``value`` if it is an integer (not a boolean), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def as_str(value: Any) -> str | None:
    """``value`` if it is a string, else None."""
    return value if isinstance(value, str) else None


def as_list(value: Any) -> list[Any]:
    """``value`` if it is a list, else an empty list."""
    return value if isinstance(value, list) else []


def as_map(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a mapping, else an empty one."""
    return value if isinstance(value, dict) else {}


def plain(value: Any) -> Any:
    """A deep copy made of plain ``dict``/``list`` (for JSON and compiled validators)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def get_path(value: Any, path: Sequence[PathElem]) -> Any:
    """The value at ``path`` or ``None`` when any step is missing."""
    cur = value
    for step in path:
        if isinstance(step, int):
            if not isinstance(cur, list) or not -len(cur) <= step < len(cur):
                return None
            cur = cur[step]
        else:
            if not isinstance(cur, dict) or step not in cur:
                return None
            cur = cur[step]
    return cur


def locate(root: Any, path: Sequence[PathElem], *, key: bool = False) -> Pos:
    """Position of ``path`` inside ``root``.

    A path to a scalar points at the value; a path to a mapping or sequence points at
    its key (or item) so that the location names the field. With ``key=True`` the key
    is always preferred. A path that does not exist fully points at the deepest
    existing step.
    """
    cur = root
    best: Pos = getattr(root, "pos", (1, 1, 0, 0))
    for step in path:
        if isinstance(cur, YMap) and isinstance(step, str) and step in cur:
            child = cur[step]
            if key or isinstance(child, (dict, list)):
                best = cur.kpos.get(step, best)
            else:
                best = cur.vpos.get(step, best)
            cur = child
        elif isinstance(cur, YSeq) and isinstance(step, int) and -len(cur) <= step < len(cur):
            best = cur.ipos[step] if step < len(cur.ipos) else best
            cur = cur[step]
        else:
            break
    return best


CLUSTER_SCOPED_KINDS = frozenset(
    {
        "APIService",
        "CSIDriver",
        "CSINode",
        "CertificateSigningRequest",
        "ClusterRole",
        "ClusterRoleBinding",
        "ComponentStatus",
        "CustomResourceDefinition",
        "FlowSchema",
        "IngressClass",
        "MutatingWebhookConfiguration",
        "Namespace",
        "Node",
        "PersistentVolume",
        "PriorityClass",
        "PriorityLevelConfiguration",
        "RuntimeClass",
        "StorageClass",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ValidatingWebhookConfiguration",
        "VolumeAttachment",
    }
)


@dataclass(eq=False)
class Manifest:
    """One Kubernetes object as read from the input, with its origin.

    ``file`` is the display name (a path relative to the working directory, ``-`` for
    stdin, or the template named by a Helm ``# Source:`` comment). ``line_base`` is
    subtracted from the stored stream lines so that positions are relative to what
    ``file`` names (0 for ordinary files).
    """

    file: str
    doc_index: int
    data: YMap
    api_version: str
    kind: str
    name: str
    namespace: str | None
    line_base: int = 0
    item_path: Path = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def cluster_scoped(self) -> bool:
        return self.kind in CLUSTER_SCOPED_KINDS or bool(self.extra.get("cluster_scoped"))

    def effective_namespace(self, default: str) -> str:
        if self.cluster_scoped:
            return ""
        return self.namespace or default

    def ref(self, default_namespace: str = "default") -> ObjectRef:
        return ObjectRef(
            self.api_version, self.kind, self.effective_namespace(default_namespace), self.name
        )

    def span_at(self, path: Sequence[PathElem] = (), *, key: bool = False) -> Span:
        line, col, end_line, end_col = locate(self.data, path, key=key)
        base = self.line_base
        return Span(line - base, col, end_line - base if end_line else 0, end_col)

    def get(self, *path: PathElem) -> Any:
        return get_path(self.data, path)
