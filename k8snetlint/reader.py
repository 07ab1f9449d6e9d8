"""The YAML reader: text or bytes of one file into positioned values.

The reader knows YAML, not Kubernetes (beyond recognising apiVersion/kind and
flattening ``kind: List``). It drives ruamel.yaml's C parser (libyaml) event by event
and builds :class:`~k8snetlint.document.YMap`/:class:`~k8snetlint.document.YSeq`
values that record the 1-based position of every key, value and item. No YAML tag ever
constructs a Python object: tags are read as plain data.

Scalars are resolved the way Kubernetes' YAML reader (go-yaml v2, YAML 1.1) resolves
them, because that is what the API server sees: unquoted ``yes``/``no``/``on``/``off``
are booleans, ``0755`` is octal, ``1.10`` is the float 1.1.

Every problem becomes a :class:`LoadIssue` at its position and reading goes on with
the other documents of the same file.

Finding files (walking directories, skip rules, symlinks, devices, size caps) is
:mod:`k8snetlint.discovery`; :mod:`k8snetlint.loader` puts both together with
:mod:`k8snetlint.kustomize`. The public entry point :func:`read_path` is a plain
function over one file that returns a :class:`LoadResult`.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ruamel.yaml.error import YAMLError

from k8snetlint.discovery import FileTooLarge, read_capped
from k8snetlint.document import Manifest, Pos, YMap, YSeq

# Limits that keep hostile input cheap.
MAX_DEPTH = 200
MAX_NODES_PER_DOCUMENT = 1_000_000
MAX_ISSUES_PER_RULE = 100  # per file; the rest are counted in one more issue
_PLAIN_CACHE_SIZE = 4096

_IGNORE_COMMENT = re.compile(r"#\s*k8snetlint:\s*ignore(?:\[([^\]]*)\])?")
_SOURCE_COMMENT = re.compile(r"^# Source: (\S.*?)\s*$")
_DOC_MARKER = re.compile(r"^(?:---|\.\.\.)(?:[ \t]|$)")
# A template action that references Helm's objects or Helm-only functions (text:
# compiled, and cached by re, on first use; only a file with "{{" needs it).
_HELM_REF = r"\.(?:Values|Release|Chart|Capabilities|Files|Template)\b|\b(?:include|tpl|required)\b"
_MAX_ACTION = 4096
_FLOAT_RE = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INT_RE = re.compile(r"^[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|0o?[0-7_]+|[0-9][0-9_]*)$")

_BOOL_TRUE = frozenset({"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})
_BOOL_FALSE = frozenset(
    {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"}
)
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})


@dataclass(frozen=True)
class LoadIssue:
    """A problem found while reading input, before any Kubernetes semantics."""

    rule: str
    file: str
    line: int
    column: int
    message: str
    end_line: int = 0
    end_column: int = 0


@dataclass
class LoadResult:
    """Everything read from the input of one run."""

    manifests: list[Manifest] = field(default_factory=list)
    issues: list[LoadIssue] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    # file -> line -> rule names of `# k8snetlint: ignore[...]` ("*" = every rule)
    comments: dict[str, dict[int, frozenset[str]]] = field(default_factory=dict)
    # usage problems (a path that does not exist): reported as exit 2 by the CLI
    errors: list[str] = field(default_factory=list)

    def extend(self, other: LoadResult) -> None:
        self.manifests.extend(other.manifests)
        self.issues.extend(other.issues)
        self.files.extend(other.files)
        self.comments.update(other.comments)
        self.errors.extend(other.errors)


class _Abort(Exception):
    """A document is too large or too deep to be read safely."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


# --------------------------------------------------------------------------- scalars


def resolve_plain(value: str) -> Any:
    """Resolve an unquoted scalar as go-yaml v2 (YAML 1.1) does."""
    if not value:
        return None
    first = value[0]
    if first in "0123456789+-.":
        if _INT_RE.match(value):
            text = value.replace("_", "")
            sign = -1 if text[0] == "-" else 1
            digits = text.lstrip("+-")
            try:
                if digits.startswith("0b"):
                    return sign * int(digits[2:], 2)
                if digits.startswith("0x"):
                    return sign * int(digits[2:], 16)
                if digits.startswith("0o"):
                    return sign * int(digits[2:], 8)
                if len(digits) > 1 and digits[0] == "0":
                    return sign * int(digits, 8)
                return sign * int(digits)
            except ValueError:
                return value
        if _FLOAT_RE.match(value):
            try:
                return float(value)
            except ValueError:  # pragma: no cover - the regex admits only floats
                return value
        low = value.lower()
        if low in (".inf", "+.inf"):
            return math.inf
        if low == "-.inf":
            return -math.inf
        if low == ".nan":
            return math.nan
        return value
    if value in _NULLS:
        return None
    if value in _BOOL_TRUE:
        return True
    if value in _BOOL_FALSE:
        return False
    return value


def _resolve_tagged(value: str, tag: str) -> Any:
    if tag.endswith(":str"):
        return value
    if tag.endswith((":int", ":float", ":bool", ":null")):
        resolved = resolve_plain(value)
        return resolved
    # Any other tag (including !!python/... ) is read as the plain value it carries.
    return resolve_plain(value)


def _key_text(key: Any) -> str:
    if isinstance(key, str):
        return key
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    return str(key)


# --------------------------------------------------------------------------- parsing


@dataclass
class _Doc:
    """One YAML document of a file: its parsed root and its lines."""

    root: Any
    start_line: int  # 1-based line of the document start (the `---` or first content)
    end_line: int
    templated: tuple[int, int] | None = None


@dataclass
class _Parsed:
    """A parsed file: its documents, the issues met, the scalars holding "{{"."""

    docs: list[_Doc]
    issues: list[LoadIssue]
    # (start (line, col), end (line, col), style) of scalars that contain "{{"
    brace_scalars: list[tuple[tuple[int, int], tuple[int, int], str]]


class MissingYamlExtension(RuntimeError):
    """ruamel.yaml's compiled libyaml extension is not installed."""


def _c_parser() -> Any:
    try:
        import _ruamel_yaml
    except ImportError as exc:
        raise MissingYamlExtension(
            "ruamel.yaml's compiled extension (package ruamel.yaml.clib, module "
            f"_ruamel_yaml) cannot be imported: {exc}; reinstall k8snetlint with a "
            "Python for which ruamel.yaml.clib has a wheel"
        ) from exc
    return _ruamel_yaml.CParser


def _mark(m: Any) -> tuple[int, int]:
    return (int(m.line) + 1, int(m.column) + 1)


def _parse_stream(
    text: str, name: str, first_line: int = 0, sink: Callable[[_Doc], None] | None = None
) -> _Parsed:
    """Parse every document of ``text``; raise on the first syntax error.

    ``first_line`` (0-based) is the line of the whole file that ``text`` starts at:
    every position is shifted by it. With ``sink``, each document is handed to it as
    soon as it ends instead of being kept (memory stays that of one document).

    A hot loop: one iteration per libyaml event. Event classes are compared by
    identity and marks read inline, since that is where the time goes.
    """
    from ruamel.yaml import events as ev

    get_event = _c_parser()(text).get_event

    scalar_event = ev.ScalarEvent
    mapping_start = ev.MappingStartEvent
    sequence_start = ev.SequenceStartEvent
    mapping_end = ev.MappingEndEvent
    sequence_end = ev.SequenceEndEvent
    alias_event = ev.AliasEvent
    document_start = ev.DocumentStartEvent
    document_end = ev.DocumentEndEvent
    stream_end = ev.StreamEndEvent

    docs: list[_Doc] = []
    issues: list[LoadIssue] = []
    braces: list[tuple[tuple[int, int], tuple[int, int], str]] = []

    # Each frame: [container, pending_key, key_pos, weight, merges, anchor]
    stack: list[list[Any]] = []
    anchors: dict[str, tuple[Any, int]] = {}
    root: Any = None
    nodes = 0
    container: Any = None
    plain_cache: dict[str, Any] = {}
    lo = first_line + 1
    doc_start = lo

    def attach(value: Any, pos: Pos, weight: int, new: int) -> None:
        # ``weight``: the nodes ``value`` stands for (an alias: its whole target);
        # ``new``: the nodes counted now (each node once, each alias expansion again).
        nonlocal root, nodes
        nodes += new
        if nodes > MAX_NODES_PER_DOCUMENT:
            raise _Abort(
                f"document expands to more than {MAX_NODES_PER_DOCUMENT:,} nodes "
                "(alias expansion or sheer size); refusing to read it",
                pos[0],
                pos[1],
            )
        if not stack:
            root = value
            return
        frame = stack[-1]
        container = frame[0]
        frame[3] += weight
        if frame[2] is False:  # a sequence
            container.append(value)
            container.ipos.append(pos)
            return
        key_pos = frame[2]
        if key_pos is None:
            # ``value`` is a key.
            frame[1] = value
            frame[2] = pos
            return
        key = frame[1]
        frame[1] = None
        frame[2] = None
        if key == "<<" and isinstance(value, (dict, list)):
            frame[4].append(value)
            return
        k = key if type(key) is str else _key_text(key)
        if k in container:
            first = container.kpos[k]
            issues.append(
                LoadIssue(
                    "yaml-duplicate-key",
                    name,
                    key_pos[0],
                    key_pos[1],
                    f'duplicate key "{k}" (first at line {first[0]}); Kubernetes would '
                    "silently keep only one of the values",
                    key_pos[2],
                    key_pos[3],
                )
            )
            del container[k]
        container[k] = value
        container.kpos[k] = key_pos
        container.vpos[k] = pos

    while True:
        event = get_event()
        cls = type(event)
        if cls is scalar_event:
            sm = event.start_mark
            em = event.end_mark
            pos = (sm.line + lo, sm.column + 1, em.line + lo, em.column + 1)
            value = event.value
            style = event.style
            tag = event.tag
            if tag and tag != "!":
                resolved: Any = _resolve_tagged(value, tag)
            elif style:
                resolved = value
            else:
                # the same plain scalars (names, ports, booleans) come back again and
                # again: resolved once (results are immutable)
                resolved = plain_cache.get(value, plain_cache)
                if resolved is plain_cache:
                    resolved = resolve_plain(value)
                    if len(plain_cache) >= _PLAIN_CACHE_SIZE:
                        plain_cache.clear()
                    plain_cache[value] = resolved
            if "{{" in value:
                braces.append(((pos[0], pos[1]), (pos[2], pos[3]), style or ""))
            if event.anchor:
                anchors[event.anchor] = (resolved, 1)
            if stack and nodes < MAX_NODES_PER_DOCUMENT:
                # attach() inlined for the commonest node: a scalar key, or a scalar
                # item, or a scalar value of a key that is neither a duplicate nor "<<"
                nodes += 1
                frame = stack[-1]
                frame[3] += 1
                key_pos = frame[2]
                if key_pos is False:
                    container = frame[0]
                    container.append(resolved)
                    container.ipos.append(pos)
                    continue
                if key_pos is None:
                    frame[1] = resolved
                    frame[2] = pos
                    continue
                key = frame[1]
                k = key if type(key) is str else _key_text(key)
                container = frame[0]
                if k not in container:
                    frame[1] = None
                    frame[2] = None
                    container[k] = resolved
                    container.kpos[k] = key_pos
                    container.vpos[k] = pos
                    continue
                nodes -= 1
                frame[3] -= 1
            attach(resolved, pos, 1, 1)
        elif cls is mapping_start or cls is sequence_start:
            sm = event.start_mark
            if len(stack) >= MAX_DEPTH:
                raise _Abort(f"nesting deeper than {MAX_DEPTH} levels", sm.line + lo, sm.column + 1)
            if cls is mapping_start:
                container = YMap()
                stack.append([container, None, None, 1, [], event.anchor])
            else:
                container = YSeq()
                stack.append([container, None, False, 1, [], event.anchor])
            container.pos = (sm.line + lo, sm.column + 1, 0, 0)
        elif cls is mapping_end or cls is sequence_end:
            frame = stack.pop()
            container = frame[0]
            em = event.end_mark
            container.pos = (container.pos[0], container.pos[1], em.line + lo, em.column + 1)
            for merged in frame[4]:
                sources = merged if isinstance(merged, list) else [merged]
                for src in sources:
                    if isinstance(src, YMap):
                        for k, v in src.items():
                            if k not in container:
                                container[k] = v
                                container.kpos[k] = src.kpos.get(k, container.pos)
                                container.vpos[k] = src.vpos.get(k, container.pos)
            if frame[5]:
                anchors[frame[5]] = (container, frame[3])
            attach(container, container.pos, frame[3], 1)
        elif cls is alias_event:
            sm = event.start_mark
            em = event.end_mark
            target = anchors.get(event.anchor)
            if target is None:  # pragma: no cover - libyaml rejects unknown aliases
                raise _Abort(f'unknown alias "*{event.anchor}"', sm.line + lo, sm.column + 1)
            apos = (sm.line + lo, sm.column + 1, em.line + lo, em.column + 1)
            attach(target[0], apos, target[1], target[1])
        elif cls is document_start:
            root = None
            nodes = 0
            anchors = {}
            doc_start = event.start_mark.line + lo
        elif cls is document_end:
            done = _Doc(root, doc_start, event.end_mark.line + lo)
            if sink is None:
                docs.append(done)
            else:
                sink(done)
            root = None
        elif cls is stream_end:
            break
    return _Parsed(docs, issues, braces)


def _syntax_issue(exc: YAMLError, name: str, text: str, first_line: int = 0) -> LoadIssue:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem_text = str(getattr(exc, "problem", "") or "")
    if "end of stream" in problem_text and getattr(exc, "context_mark", None) is not None:
        # "unexpected end of stream": the opening quote or bracket is the useful place
        mark = exc.context_mark  # type: ignore[attr-defined]
    line, col = _mark(mark) if mark is not None else (1, 1)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0] if str(exc) else ""
    context = getattr(exc, "context", None)
    src_line = _line_of(text, line)
    line += first_line
    if "\t" in src_line[: max(col, 1)] or (problem and "tab" in str(problem)):
        tab_col = src_line.find("\t") + 1 if "\t" in src_line else col
        return LoadIssue(
            "yaml-syntax-error",
            name,
            line,
            tab_col,
            "tab character used for indentation; YAML allows only spaces",
        )
    msg = str(problem or "invalid YAML")
    if context:
        msg = f"{msg} ({context})"
    return LoadIssue("yaml-syntax-error", name, line, col, msg)


def _line_of(text: str, line: int) -> str:
    """Line ``line`` (1-based) of ``text`` without splitting all of it."""
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            return ""
    end = text.find("\n", start)
    return text[start:] if end < 0 else text[start:end]


def _chunks(text: str) -> Iterator[tuple[int, str]]:
    """Split ``text`` at document markers; yield (0-based first line, chunk text)."""
    lines = text.splitlines(keepends=True)
    start = 0
    for i, line in enumerate(lines):
        if i > start and _DOC_MARKER.match(line):
            yield start, "".join(lines[start:i])
            start = i
    if start < len(lines):
        yield start, "".join(lines[start:])


# --------------------------------------------------------------------------- templates


@dataclass(frozen=True)
class _Marker:
    """Where a template action starts, and whether it breaks the YAML structure."""

    line: int
    column: int
    # outside every scalar: the template breaks the YAML structure, the document is
    # not what Kubernetes would get. Else a string that references Helm's objects.
    structural: bool


def _template_markers(text: str, parsed: _Parsed | None, first_line: int = 0) -> list[_Marker]:
    """Unrendered Helm template markers in ``text``, in order (linear time).

    A ``{{`` in the YAML structure (outside any scalar and comment) is a marker. Inside
    a block scalar it is always content (a Go template in a ConfigMap). Inside a quoted
    or plain scalar it is content (Prometheus' ``{{ $labels.instance }}``) unless its
    action references Helm's objects or functions (``.Values``,
    ``.Release``, ``.Chart``, ``.Capabilities``, ``.Files``, ``.Template``,
    ``include``, ``tpl``, ``required``).
    """
    if "{{" not in text:
        return []
    spans = parsed.brace_scalars if parsed is not None else []
    nspans = len(spans)
    j = 0
    out: list[_Marker] = []
    for lineno, line in enumerate(text.split("\n"), start=first_line + 1):
        if "{{" not in line:
            continue
        stripped = line.lstrip()
        if stripped.startswith("#"):
            continue
        col = line.find("{{")
        while col >= 0:
            pos = (lineno, col + 1)
            while j < nspans and spans[j][1] <= pos:
                j += 1
            inside = j < nspans and spans[j][0] <= pos
            if inside:
                # A block scalar (``|``, ``>``) is file content: a config template
                # in a ConfigMap, Alertmanager templates. Never a marker.
                if spans[j][2] not in ("|", ">") and _helm_action(line, col):
                    out.append(_Marker(lineno, col + 1, False))
            elif not _in_comment(line, col):
                out.append(_Marker(lineno, col + 1, True))
            col = line.find("{{", col + 2)
    return out


def _helm_action(line: str, col: int) -> bool:
    """Whether the template action starting at ``line[col]`` references Helm."""
    end = line.find("}}", col + 2, col + 2 + _MAX_ACTION)
    action = line[col + 2 : end if end >= 0 else col + 2 + _MAX_ACTION]
    return re.search(_HELM_REF, action) is not None


def _in_comment(line: str, col: int) -> bool:
    """Whether ``col`` is inside a ``# comment`` (approximation outside scalars)."""
    hash_at = line.find(" #", 0, col)
    return hash_at >= 0 or line.startswith("#")


def _markers_between(
    markers: list[_Marker], lines: list[int], first: int, last: int
) -> list[_Marker]:
    lo = bisect.bisect_left(lines, first)
    hi = bisect.bisect_right(lines, last)
    return markers[lo:hi]


# --------------------------------------------------------------------------- documents


def _comments(text: str) -> dict[int, frozenset[str]]:
    out: dict[int, frozenset[str]] = {}
    if "k8snetlint:" not in text:
        return out
    for lineno, line in enumerate(text.splitlines(), start=1):
        m = _IGNORE_COMMENT.search(line)
        if m:
            names = m.group(1)
            if names is None:
                out[lineno] = frozenset({"*"})
            else:
                out[lineno] = frozenset(n.strip() for n in names.split(",") if n.strip())
    return out


def _sources(text: str) -> dict[int, str]:
    """Lines of Helm's ``# Source: chart/templates/x.yaml`` comments."""
    out: dict[int, str] = {}
    if "# Source: " not in text:
        return out
    for lineno, line in enumerate(text.splitlines(), start=1):
        m = _SOURCE_COMMENT.match(line)
        if m:
            out[lineno] = m.group(1)
    return out


def _objects(doc: _Doc, index: int, name: str, sources: dict[int, str], result: LoadResult) -> None:
    root = doc.root
    if root is None:
        return
    file = name
    base = 0
    if sources:
        first = root.pos[0] if isinstance(root, (YMap, YSeq)) else doc.start_line
        for line in range(first - 1, doc.start_line - 1, -1):
            if line in sources:
                file, base = sources[line], line
                break
    if not isinstance(root, YMap):
        line = root.pos[0] if isinstance(root, YSeq) else doc.start_line
        result.issues.append(
            LoadIssue(
                "not-a-kubernetes-object",
                file,
                max(line - base, 1),
                1,
                f"document {index + 1} is a {_type_name(root)}, not a mapping with "
                "apiVersion and kind",
            )
        )
        return
    _object(root, index, file, base, (), result)


def _type_name(value: Any) -> str:
    if isinstance(value, list):
        return "sequence"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return "string" if isinstance(value, str) else type(value).__name__


# Kustomize's own configuration (kustomizations, components, builtin transformer and
# generator configs) is never a Kubernetes object: skipped quietly.
KUSTOMIZE_CONFIG_KINDS = frozenset(
    {
        "AnnotationsTransformer",
        "ConfigMapGenerator",
        "HashTransformer",
        "HelmChartInflationGenerator",
        "ImageTagTransformer",
        "LabelTransformer",
        "NamespaceTransformer",
        "PatchJson6902Transformer",
        "PatchStrategicMergeTransformer",
        "PatchTransformer",
        "PrefixSuffixTransformer",
        "PrefixTransformer",
        "ReplacementTransformer",
        "ReplicaCountTransformer",
        "SecretGenerator",
        "SortOrderTransformer",
        "SuffixTransformer",
        "ValueAddTransformer",
    }
)


def is_kustomize_config(api_version: str, kind: str) -> bool:
    """``apiVersion: builtin``, ``kustomize.config.k8s.io/*``, or a builtin
    transformer/generator kind in a group that is not a Kubernetes API group."""
    if api_version == "builtin" or api_version.startswith("kustomize.config.k8s.io/"):
        return True
    return kind in KUSTOMIZE_CONFIG_KINDS and "." not in api_version.split("/", 1)[0]


def _inherit(item: YMap, api_version: str, kind: str, pos: Pos) -> None:
    """Give a ``<Kind>List`` item without ``apiVersion``/``kind`` the list's (as
    ``kubectl get -o yaml`` writes them), positioned at the item."""
    for key, value in (("apiVersion", api_version), ("kind", kind)):
        if key not in item:
            item[key] = value
            item.kpos[key] = pos
            item.vpos[key] = pos


def name_and_namespace(data: dict[str, Any]) -> tuple[str, str | None]:
    """An object's name (``metadata.name``, else ``generateName``, else empty) and its
    namespace as written (``None`` when absent or empty)."""
    meta = data.get("metadata")
    name = ""
    namespace: str | None = None
    if isinstance(meta, dict):
        n = meta.get("name")
        if isinstance(n, str):
            name = n
        elif isinstance(meta.get("generateName"), str):
            name = str(meta["generateName"])
        ns = meta.get("namespace")
        if isinstance(ns, str) and ns:
            namespace = ns
    return name, namespace


def _object(
    data: YMap,
    index: int,
    file: str,
    base: int,
    item_path: tuple[Any, ...],
    result: LoadResult,
) -> None:
    api_version = data.get("apiVersion")
    kind = data.get("kind")
    line = data.pos[0] - base
    if not isinstance(api_version, str) or not api_version or not isinstance(kind, str) or not kind:
        missing = [
            k
            for k, v in (("apiVersion", api_version), ("kind", kind))
            if not isinstance(v, str) or not v
        ]
        where = f"item {item_path[-1]}" if item_path else f"document {index + 1}"
        result.issues.append(
            LoadIssue(
                "not-a-kubernetes-object",
                file,
                max(line, 1),
                data.pos[1],
                f"{where} has no {' and no '.join(missing)}; not a Kubernetes object",
            )
        )
        return
    if is_kustomize_config(api_version, kind):
        return
    items = data.get("items")
    if kind.endswith("List") and isinstance(items, YSeq):
        # `kubectl get pods -o yaml`: a PodList's items carry no kind/apiVersion and
        # are Pods of the list's apiVersion; a plain List's items must carry their own.
        item_kind = kind[: -len("List")]
        for i, item in enumerate(items):
            if isinstance(item, YMap):
                if item_kind:
                    _inherit(item, api_version, item_kind, items.ipos[i])
                _object(item, index, file, base, (*item_path, "items", i), result)
            else:
                ipos = items.ipos[i]
                result.issues.append(
                    LoadIssue(
                        "not-a-kubernetes-object",
                        file,
                        ipos[0] - base,
                        ipos[1],
                        f"item {i} of {kind} is a {_type_name(item)}, not an object",
                    )
                )
        return
    name, namespace = name_and_namespace(data)
    result.manifests.append(
        Manifest(
            file=file,
            doc_index=index,
            data=data,
            api_version=api_version,
            kind=kind,
            name=name,
            namespace=namespace,
            line_base=base,
            item_path=item_path,
        )
    )


def load_text(text: str, name: str) -> LoadResult:
    """Load every document of one YAML (or JSON) text named ``name``."""
    result = LoadResult(files=[name])
    if text.startswith("\ufeff"):
        text = text[1:]
    if name.endswith(".json"):
        # JSON allows tabs as whitespace; YAML does not. Tabs inside valid JSON
        # strings are escaped, so replacing them keeps every position.
        text = text.replace("\t", " ")
    comments = _comments(text)
    if comments:
        result.comments[name] = comments
    # Helm's `# Source:` comments name the template only for piped input: a rendered
    # file saved on disk is itself the file to point at.
    sources = _sources(text) if name == "-" else {}
    try:
        if "{{" in text:
            parsed = _parse_stream(text, name)
            result.issues.extend(parsed.issues)
            _documents(parsed, _template_markers(text, parsed), 0, name, sources, result)
        else:
            # No template markers: each document becomes objects as soon as it is
            # parsed. A syntax error later in the file starts over document by
            # document, so what this pass produced is dropped first.
            streamed = LoadResult()
            counter = iter(range(1 << 62))

            def sink(doc: _Doc) -> None:
                _objects(doc, next(counter), name, sources, streamed)

            parsed = _parse_stream(text, name, sink=sink)
            result.issues.extend(parsed.issues)
            result.issues.extend(streamed.issues)
            result.manifests.extend(streamed.manifests)
    except (_Abort, YAMLError):
        result.manifests.clear()
        result.issues.clear()
        _load_chunks(text, name, sources, result)
    if len(result.issues) > MAX_ISSUES_PER_RULE:
        result.issues = _capped(result.issues)
    return result


def _capped(issues: list[LoadIssue]) -> list[LoadIssue]:
    """At most :data:`MAX_ISSUES_PER_RULE` issues of one rule per file, then one that
    counts the rest (a file of a million broken documents stays one screen)."""
    counts: dict[tuple[str, str], int] = {}
    last: dict[tuple[str, str], LoadIssue] = {}
    out: list[LoadIssue] = []
    for issue in issues:
        key = (issue.rule, issue.file)
        n = counts.get(key, 0) + 1
        counts[key] = n
        if n <= MAX_ISSUES_PER_RULE:
            out.append(issue)
        else:
            last[key] = issue
    for key, issue in last.items():
        more = counts[key] - MAX_ISSUES_PER_RULE
        out.append(
            replace(
                issue,
                message=f"{more:,} more {issue.rule} problems in this file (the first "
                f"{MAX_ISSUES_PER_RULE} are reported; this is the last): {issue.message}",
            )
        )
    return out


def _documents(
    parsed: _Parsed,
    markers: list[_Marker],
    index: int,
    name: str,
    sources: dict[int, str],
    result: LoadResult,
) -> int:
    """Turn parsed documents into objects; returns the next document index."""
    lines = [m.line for m in markers]
    for doc in parsed.docs:
        found = _markers_between(markers, lines, doc.start_line, doc.end_line) if markers else []
        structural = next((m for m in found if m.structural), None)
        if structural is not None:
            result.issues.append(_template_issue(name, structural))
        else:
            if found:
                result.issues.append(_template_issue(name, found[0]))
            _objects(doc, index, name, sources, result)
        index += 1
    return index


def _template_issue(name: str, marker: _Marker) -> LoadIssue:
    if marker.structural:
        message = (
            "unrendered Helm/Go template marker '{{' in the YAML structure; the document "
            "is not read. Render the chart first, e.g. "
            "`helm template RELEASE CHART | k8snetlint check -`"
        )
    else:
        message = (
            "unrendered Helm template in a string (it references Helm's objects); render "
            "the chart first, e.g. `helm template RELEASE CHART | k8snetlint check -`"
        )
    return LoadIssue("unrendered-template", name, marker.line, marker.column, message)


def _load_chunks(text: str, name: str, sources: dict[int, str], result: LoadResult) -> None:
    """Slow path after a syntax error: parse document by document (linear time: each
    chunk is parsed on its own, its positions shifted by its first line)."""
    index = 0
    for first_line, chunk in _chunks(text):
        try:
            parsed = _parse_stream(chunk, name, first_line)
        except _Abort as abort:
            result.issues.append(
                LoadIssue("yaml-syntax-error", name, abort.line, abort.column, abort.message)
            )
            index += 1
            continue
        except YAMLError as exc:
            markers = _template_markers(chunk, None, first_line)
            if markers:
                result.issues.append(_template_issue(name, markers[0]))
            else:
                result.issues.append(_syntax_issue(exc, name, chunk, first_line))
            index += 1
            continue
        result.issues.extend(parsed.issues)
        index = _documents(
            parsed, _template_markers(chunk, parsed, first_line), index, name, sources, result
        )


def load_bytes(data: bytes, name: str) -> LoadResult:
    """Decode ``data`` (UTF-8 with or without BOM, or UTF-16 with BOM) and load it."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return load_text(data.decode("utf-16"), name)
        except UnicodeDecodeError:
            pass
    head = data[:8192]
    if b"\x00" in head:
        return unreadable(name, "binary content (NUL bytes); not a YAML or JSON text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        return unreadable(
            name,
            f"invalid UTF-8 byte 0x{data[exc.start]:02x}; manifests must be UTF-8 text",
            line,
            col,
        )
    return load_text(text, name)


def unreadable(name: str, message: str, line: int = 1, column: int = 1) -> LoadResult:
    """The result for a file that cannot be read as text: one syntax-error issue."""
    return LoadResult(
        files=[name], issues=[LoadIssue("yaml-syntax-error", name, line, column, message)]
    )


def read_path(display: str, path: Path | None) -> LoadResult:
    """Read one file (or stdin for ``None``) into a LoadResult; never raises."""
    try:
        data = read_capped(path)
    except FileTooLarge as exc:
        return unreadable(display, str(exc))
    except OSError as exc:
        return unreadable(display, f"cannot read file: {exc.strerror}")
    return load_bytes(data, display)


def parse_yaml(text: str, name: str) -> tuple[list[Any], list[LoadIssue]]:
    """Parse any YAML text (a config file) into positioned documents and issues."""
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        parsed = _parse_stream(text, name)
    except _Abort as abort:
        return [], [LoadIssue("yaml-syntax-error", name, abort.line, abort.column, abort.message)]
    except YAMLError as exc:
        return [], [_syntax_issue(exc, name, text)]
    return [d.root for d in parsed.docs], parsed.issues
