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

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from k8snetlint.discovery import FileTooLarge, read_capped
from k8snetlint.document import Manifest, Pos, YMap, YSeq

# Limits that keep hostile input cheap.
MAX_DEPTH = 200
MAX_NODES_PER_DOCUMENT = 1_000_000

_IGNORE_COMMENT = re.compile(r"#\s*k8snetlint:\s*ignore(?:\[([^\]]*)\])?")
_SOURCE_COMMENT = re.compile(r"^# Source: (\S.*?)\s*$")
_DOC_MARKER = re.compile(r"^(?:---|\.\.\.)(?:[ \t]|$)")
_HELM_ACTION = re.compile(
    r"\{\{-?\s*(?:[^}]*?\.(?:Values|Release|Chart|Capabilities|Files|Template)\b"
    r"|(?:include|template|tpl|toYaml|required|if|else|end|range|with|define)\b|/\*)"
)
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
    root: Any
    start_line: int  # 1-based line of the document start (the `---` or first content)
    end_line: int
    templated: tuple[int, int] | None = None


@dataclass
class _Parsed:
    docs: list[_Doc]
    issues: list[LoadIssue]
    # (start (line, col), end (line, col), style) of scalars that contain "{{"
    brace_scalars: list[tuple[tuple[int, int], tuple[int, int], str]]


def _mark(m: Any) -> tuple[int, int]:
    return (int(m.line) + 1, int(m.column) + 1)


def _parse_stream(text: str, name: str) -> _Parsed:
    """Parse every document of ``text``; raise on the first syntax error.

    A hot loop: one iteration per libyaml event. Event classes are compared by
    identity and marks read inline, since that is where the time goes.
    """
    import _ruamel_yaml
    from ruamel.yaml import events as ev

    scalar_event = ev.ScalarEvent
    mapping_start = ev.MappingStartEvent
    sequence_start = ev.SequenceStartEvent
    mapping_end = ev.MappingEndEvent
    sequence_end = ev.SequenceEndEvent
    alias_event = ev.AliasEvent
    document_start = ev.DocumentStartEvent
    document_end = ev.DocumentEndEvent
    stream_end = ev.StreamEndEvent

    get_event = _ruamel_yaml.CParser(text).get_event
    docs: list[_Doc] = []
    issues: list[LoadIssue] = []
    braces: list[tuple[tuple[int, int], tuple[int, int], str]] = []

    # Each frame: [container, pending_key, key_pos, weight, merges, anchor]
    stack: list[list[Any]] = []
    anchors: dict[str, tuple[Any, int]] = {}
    root: Any = None
    nodes = 0
    doc_start = 1

    def attach(value: Any, pos: Pos, weight: int) -> None:
        nonlocal root, nodes
        nodes += weight
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
            pos = (sm.line + 1, sm.column + 1, em.line + 1, em.column + 1)
            value = event.value
            style = event.style
            tag = event.tag
            if tag and tag != "!":
                resolved: Any = _resolve_tagged(value, tag)
            elif style:
                resolved = value
            else:
                resolved = resolve_plain(value)
            if "{{" in value:
                braces.append(((pos[0], pos[1]), (pos[2], pos[3]), style or ""))
            if event.anchor:
                anchors[event.anchor] = (resolved, 1)
            attach(resolved, pos, 1)
        elif cls is mapping_start or cls is sequence_start:
            sm = event.start_mark
            if len(stack) >= MAX_DEPTH:
                raise _Abort(f"nesting deeper than {MAX_DEPTH} levels", sm.line + 1, sm.column + 1)
            if cls is mapping_start:
                container: Any = YMap()
                stack.append([container, None, None, 1, [], event.anchor])
            else:
                container = YSeq()
                stack.append([container, None, False, 1, [], event.anchor])
            container.pos = (sm.line + 1, sm.column + 1, 0, 0)
        elif cls is mapping_end or cls is sequence_end:
            frame = stack.pop()
            container = frame[0]
            em = event.end_mark
            container.pos = (container.pos[0], container.pos[1], em.line + 1, em.column + 1)
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
            attach(container, container.pos, frame[3])
        elif cls is alias_event:
            sm = event.start_mark
            em = event.end_mark
            target = anchors.get(event.anchor)
            if target is None:  # pragma: no cover - libyaml rejects unknown aliases
                raise _Abort(f'unknown alias "*{event.anchor}"', sm.line + 1, sm.column + 1)
            attach(target[0], (sm.line + 1, sm.column + 1, em.line + 1, em.column + 1), target[1])
        elif cls is document_start:
            root = None
            nodes = 0
            anchors = {}
            doc_start = event.start_mark.line + 1
        elif cls is document_end:
            docs.append(_Doc(root, doc_start, event.end_mark.line + 1))
            root = None
        elif cls is stream_end:
            break
    return _Parsed(docs, issues, braces)


def _syntax_issue(exc: BaseException, name: str, text: str) -> LoadIssue:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem_text = str(getattr(exc, "problem", "") or "")
    if "end of stream" in problem_text and getattr(exc, "context_mark", None) is not None:
        # "unexpected end of stream": the opening quote or bracket is the useful place
        mark = exc.context_mark  # type: ignore[attr-defined]
    line, col = _mark(mark) if mark is not None else (1, 1)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0] if str(exc) else ""
    context = getattr(exc, "context", None)
    lines = text.splitlines()
    src_line = lines[line - 1] if 0 < line <= len(lines) else ""
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


def _template_markers(text: str, parsed: _Parsed | None) -> list[tuple[int, int]]:
    """Positions of unrendered Helm/Go template markers in ``text``.

    A ``{{`` in the YAML structure (outside any scalar) is a template marker. Inside a
    block scalar it is content (a config file in a ConfigMap). Inside a quoted or plain
    scalar it is a marker only when it reads like Helm (``.Values``, ``.Release``,
    ``include`` ...), since ``"{{ $labels.instance }}"`` is legitimate Prometheus text.
    """
    if "{{" not in text:
        return []
    spans = parsed.brace_scalars if parsed is not None else []
    out: list[tuple[int, int]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if "{{" not in line or line.lstrip().startswith("#"):
            continue
        for m in re.finditer(r"\{\{", line):
            pos = (lineno, m.start() + 1)
            inside = None
            for start, end, style in spans:
                if start <= pos < end:
                    inside = style
                    break
            if inside is None:
                out.append(pos)
            elif inside in ("|", ">"):
                continue
            elif _HELM_ACTION.match(line, m.start()):
                out.append(pos)
    return out


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


def _object(
    data: YMap, index: int, file: str, base: int, item_path: tuple[Any, ...], result: LoadResult
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
    items = data.get("items")
    if kind.endswith("List") and isinstance(items, YSeq):
        for i, item in enumerate(items):
            if isinstance(item, YMap):
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
        parsed = _parse_stream(text, name)
    except Exception:
        _load_chunks(text, name, sources, result)
        return result
    markers = _template_markers(text, parsed)
    result.issues.extend(parsed.issues)
    for index, doc in enumerate(parsed.docs):
        marker = next((m for m in markers if doc.start_line <= m[0] <= doc.end_line), None)
        if marker is not None:
            result.issues.append(_template_issue(name, marker))
            continue
        _objects(doc, index, name, sources, result)
    return result


def _template_issue(name: str, marker: tuple[int, int]) -> LoadIssue:
    return LoadIssue(
        "unrendered-template",
        name,
        marker[0],
        marker[1],
        "unrendered Helm/Go template marker '{{'; render the chart first, e.g. "
        "`helm template RELEASE CHART | k8snetlint check -`",
    )


def _load_chunks(text: str, name: str, sources: dict[int, str], result: LoadResult) -> None:
    """Slow path after a syntax error: parse document by document."""
    index = 0
    for first_line, chunk in _chunks(text):
        padded = "\n" * first_line + chunk
        try:
            parsed = _parse_stream(padded, name)
        except _Abort as abort:
            result.issues.append(
                LoadIssue("yaml-syntax-error", name, abort.line, abort.column, abort.message)
            )
            index += 1
            continue
        except Exception as exc:
            markers = _template_markers(padded, None)
            if markers:
                result.issues.append(_template_issue(name, markers[0]))
            else:
                result.issues.append(_syntax_issue(exc, name, padded))
            index += 1
            continue
        markers = _template_markers(padded, parsed)
        result.issues.extend(parsed.issues)
        for doc in parsed.docs:
            marker = next((m for m in markers if doc.start_line <= m[0] <= doc.end_line), None)
            if marker is not None:
                result.issues.append(_template_issue(name, marker))
            else:
                _objects(doc, index, name, sources, result)
            index += 1


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
    except Exception as exc:
        return [], [_syntax_issue(exc, name, text)]
    return [d.root for d in parsed.docs], parsed.issues
