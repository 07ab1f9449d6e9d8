"""The workers' fast reader: one pass from libyaml events to what a worker sends.

:mod:`k8snetlint.reader` builds positioned values (:class:`~k8snetlint.document.YMap`,
:class:`~k8snetlint.document.YSeq`) and :class:`~k8snetlint.parallel.Packer` then walks
them again to make the plain values and the packed position table a worker sends. For
the common file (plain YAML objects, nothing unusual), this module builds the plain
values, shared and interned as the packer does, and the packed table directly in the
event loop, in one pass.

Two things make it cheap:

* ruamel.yaml's C parser builds one Python event object per event (classes with
  ``__init__`` chains in ``ruamel.yaml.events``), which costs more than libyaml's
  parsing. The C parser looks the event classes up in its module's namespace on each
  event, so while a file is read here they are replaced by functions that do this
  module's work with the event's fields as arguments (:func:`_parse`), and put back
  afterwards. Whether that still works with the installed ruamel.yaml.clib is checked
  once per process against the reference reader (:func:`available`); if not, every
  file takes the reference path.
* Anything unusual makes the whole file fall back (``None``) to
  :func:`k8snetlint.reader.load_bytes` plus the packer, which reports it as before:
  anchors and aliases (and so merge keys), duplicate keys, keys that are not strings,
  ``<<`` keys, template markers ``{{``, documents that are not objects or lack
  ``apiVersion``/``kind``, ``List`` kinds, syntax errors, nesting or node limits,
  unusual encodings. What the fast path reads, the reference path would read with no
  load issue at all.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from sys import intern
from typing import Any

from k8snetlint import reader
from k8snetlint.document import Manifest
from k8snetlint.parallel import encode_table

# the ruamel.yaml.clib module-level names the C parser calls per event
_EVENT_NAMES = (
    "StreamStartEvent",
    "StreamEndEvent",
    "DocumentStartEvent",
    "DocumentEndEvent",
    "MappingStartEvent",
    "MappingEndEvent",
    "SequenceStartEvent",
    "SequenceEndEvent",
    "ScalarEvent",
    "AliasEvent",
)


@contextlib.contextmanager
def _install(module: Any, handlers: dict[str, Any]) -> Iterator[None]:
    """While inside, ``module``'s C parser calls ``handlers`` (by event class name)
    instead of building event objects."""
    saved = {name: getattr(module, name) for name in _EVENT_NAMES}
    try:
        for name in _EVENT_NAMES:
            setattr(module, name, handlers[name])
        yield
    finally:
        for name, value in saved.items():
            setattr(module, name, value)


class _Fallback(Exception):
    """This file needs the reference reader."""


# A plain object: (doc_index, data, root position, compressed position table)
Obj = tuple[int, dict[str, Any], tuple[int, int, int, int], bytes]

# what the handler of the end of the stream returns (every other handler: None)
_DONE = object()


def _parse(
    text: str,
    module: Any,
    shared: dict[tuple[Any, ...], tuple[Any, int]],
    cache: dict[str, Any],
) -> list[Obj]:
    """Every non-empty document of ``text`` as a plain object (see :data:`Obj`).

    Raises :class:`_Fallback` (or the parser's error) for whatever the fast path does
    not handle. Values, sharing and the position table are those of
    :class:`k8snetlint.parallel.Packer` over the reader's values: a container's
    signature is its kind (0 mapping, 1 sequence) then per entry its key and a tag of
    its value (a container's number, a string itself, ``(type, value)`` of another
    scalar; a float makes the container unshareable); its table is its position and
    the table's length, then per key the key's and the value's positions, per item
    the item's, each followed by the table of a container value.

    The work is done by the handlers the C parser calls per event, with the event's
    fields as arguments (no event object is built; the loop only asks for the next
    event). The innermost container's state is kept in closure variables, pushed on
    ``stack`` when a child starts.
    """
    resolve_plain = reader.resolve_plain
    resolve_tagged = reader._resolve_tagged
    max_depth = reader.MAX_DEPTH
    max_ints = 4 * reader.MAX_NODES_PER_DOCUMENT
    cache_size = reader._PLAIN_CACHE_SIZE
    nokey = _Fallback  # a sentinel: no key pending in a mapping
    out: list[Obj] = []
    index = 0
    ints: list[int] = []
    root: Any = None
    # the innermost container: its value, signature, whether it may be shared, its
    # pending key (``nokey``: none yet; always None in a sequence), where its table
    # starts in ``ints`` and where its own position as a value or item is (-1: root)
    cont: Any = None
    sig: list[Any] = []
    share = True
    key: Any = None
    head = 0
    at = -1
    stack: list[tuple[Any, list[Any], bool, Any, int, int]] = []

    def scalar(
        anchor: Any, tag: Any, implicit: Any, value: str, sm: Any, em: Any, style: str
    ) -> None:
        nonlocal ints, share, key
        if anchor is not None or tag is not None:
            if anchor or cont is None:
                raise _Fallback
            if tag and tag != "!":
                resolved: Any = resolve_tagged(value, tag)
            elif style:
                resolved = value
            else:
                resolved = resolve_plain(value)
            if type(resolved) is str:
                resolved = intern(resolved)
        elif style:
            resolved = intern(value)
        else:
            try:
                resolved = cache[value]
            except KeyError:
                resolved = resolve_plain(value)
                if type(resolved) is str:
                    resolved = intern(resolved)
                if len(cache) >= cache_size:
                    cache.clear()
                cache[value] = resolved
        if cont is None:
            if resolved is None:
                return  # an empty document
            raise _Fallback  # a scalar document
        ints += (sm.line + 1, sm.column + 1, em.line + 1, em.column + 1)
        cls = type(resolved)
        if key is nokey:
            # a key
            if cls is not str or resolved == "<<" or resolved in cont:
                raise _Fallback
            key = resolved
            return
        if cls is str:
            tagged: Any = resolved
        elif cls is float:
            tagged = None
            share = False
        else:
            tagged = (cls, resolved)
        if key is None:
            cont.append(resolved)
            sig.append(tagged)
        else:
            cont[key] = resolved
            sig.append(key)
            sig.append(tagged)
            key = nokey

    def map_start(anchor: Any, tag: Any, implicit: Any, sm: Any, em: Any, flow: Any) -> None:
        nonlocal ints, cont, sig, share, key, head, at
        if anchor or len(stack) >= max_depth:
            raise _Fallback  # an anchor, or too deep
        if cont is not None:
            if key is nokey:
                raise _Fallback  # a mapping as a key
            stack.append((cont, sig, share, key, head, at))
            at = len(ints)
            ints += (0, 0, 0, 0)
        else:
            at = -1
        head = len(ints)
        ints += (sm.line + 1, sm.column + 1, 0, 0, 0)
        share = True
        cont = {}
        sig = [0]
        key = nokey

    def seq_start(anchor: Any, tag: Any, implicit: Any, sm: Any, em: Any, flow: Any) -> None:
        nonlocal ints, cont, sig, share, key, head, at
        if anchor or len(stack) >= max_depth:
            raise _Fallback  # an anchor, or too deep
        if cont is not None:
            if key is nokey:
                raise _Fallback  # a sequence as a key
            stack.append((cont, sig, share, key, head, at))
            at = len(ints)
            ints += (0, 0, 0, 0)
        else:
            at = -1
        head = len(ints)
        ints += (sm.line + 1, sm.column + 1, 0, 0, 0)
        share = True
        cont = []
        sig = [1]
        key = None

    def end(sm: Any, em: Any) -> None:
        nonlocal cont, sig, share, key, head, at, root
        ints[head + 2] = em.line + 1
        ints[head + 3] = em.column + 1
        ints[head + 4] = len(ints) - head
        if at >= 0:
            ints[at : at + 4] = ints[head : head + 4]
        number: int | None = None
        child = cont
        if share:
            signature = tuple(sig)
            found = shared.get(signature)
            if found is None:
                found = shared[signature] = (child, len(shared))
            child, number = found
        if len(ints) > max_ints:
            # more nodes than the reader takes, maybe (at least 4 integers per node)
            raise _Fallback
        if not stack:
            root = child
            cont = None
            return
        cont, sig, share, key, head, at = stack.pop()
        if number is None:
            share = False
        if key is None:
            cont.append(child)
            sig.append(number)
        else:
            cont[key] = child
            sig.append(key)
            sig.append(number)
            key = nokey

    def doc_start(sm: Any, em: Any, explicit: Any, version: Any, tags: Any) -> None:
        nonlocal ints, root
        ints = []
        root = None

    def doc_end(sm: Any, em: Any, explicit: Any) -> None:
        nonlocal index, root
        if root is not None:
            if type(root) is not dict:
                raise _Fallback
            blob = encode_table(ints)
            out.append((index, root, (ints[0], ints[1], ints[2], ints[3]), blob))
        index += 1
        root = None

    def stream_start(sm: Any, em: Any, encoding: Any) -> None:
        return None

    def stream_end(sm: Any, em: Any) -> object:
        return _DONE

    def alias(anchor: Any, sm: Any, em: Any) -> None:
        raise _Fallback

    handlers = {
        "StreamStartEvent": stream_start,
        "StreamEndEvent": stream_end,
        "DocumentStartEvent": doc_start,
        "DocumentEndEvent": doc_end,
        "MappingStartEvent": map_start,
        "MappingEndEvent": end,
        "SequenceStartEvent": seq_start,
        "SequenceEndEvent": end,
        "ScalarEvent": scalar,
        "AliasEvent": alias,
    }
    with _install(module, handlers):
        get_event = module.CParser(text).get_event
        while True:
            event = get_event()
            if event is not None:
                if event is _DONE:
                    return out
                raise _Fallback  # not our handlers' doing: an unknown C parser


# A file is a list of objects and its suppression comments (line -> rule names).
Fast = tuple[list[Obj], dict[int, frozenset[str]]]


def read_bytes(
    data: bytes,
    name: str,
    shared: dict[tuple[Any, ...], tuple[Any, int]],
    cache: dict[str, Any],
) -> Fast | None:
    """The objects of one file's bytes, or None when the reference path must read it
    (:func:`k8snetlint.reader.load_bytes` then :class:`~k8snetlint.parallel.Packer`).

    ``shared`` is the packer's table of shared containers (so that sharing spans fast
    and reference files alike); ``cache`` maps plain scalars to their values."""
    if _state is not True and not available():
        return None
    if name == "-" or data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:8192]:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return read_text(text, name, shared, cache)


def read_text(
    text: str,
    name: str,
    shared: dict[tuple[Any, ...], tuple[Any, int]],
    cache: dict[str, Any],
) -> Fast | None:
    """:func:`read_bytes` of a decoded text (as :func:`k8snetlint.reader.load_text`
    takes it)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if name.endswith(".json"):
        text = text.replace("\t", " ")
    if "{{" in text:
        return None
    module = _module()
    if module is None:
        return None
    try:
        objs = _parse(text, module, shared, cache)
    except Exception:  # anything unusual: the reference path reads and reports it
        return None
    out: list[Obj] = []
    for obj in objs:
        data = obj[1]
        api_version = data.get("apiVersion")
        kind = data.get("kind")
        if not (type(api_version) is str and api_version and type(kind) is str and kind):
            return None  # not a Kubernetes object: a load issue
        if reader.is_kustomize_config(api_version, kind):
            continue
        if kind.endswith("List") and isinstance(data.get("items"), list):
            return None  # items become objects of their own
        out.append(obj)
    return out, reader._comments(text)


def manifest(obj: Obj, name: str) -> Manifest:
    """The :class:`~k8snetlint.document.Manifest` of a fast object (as
    :func:`k8snetlint.reader._object` makes it) of file ``name``."""
    index, data, _, _ = obj
    title, namespace = reader.name_and_namespace(data)
    return Manifest(name, index, data, data["apiVersion"], data["kind"], title, namespace)  # type: ignore[arg-type]


def _module() -> Any:
    try:
        import _ruamel_yaml
    except ImportError:
        return None
    return _ruamel_yaml


# None: not checked yet; then whether the fast path agrees with the reference reader
_state: bool | None = None

_PROBE = (
    "# k8snetlint: ignore[a, b]\n"
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: probe\n  namespace: 'ns'\n"
    'spec:\n  ports: [{port: 80, name: "x"}, {port: 0x1F, weight: 1.5}]\n'
    "  flags: [yes, ~, !!str 7, -1]\n  selector: {app: a}\n"
    "  empty: {}\n  none: []\n  text: |\n    a\n    b\n"
    "---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: probe}\n"
    "data: {a: '1', b: {app: a}}\n"
)


def available() -> bool:
    """Whether the fast path may be used: the cheap events work with the installed
    ruamel.yaml.clib and the fast path reads a sample exactly as the reference path
    does (checked once per process)."""
    global _state
    if _state is None:
        _state = False  # while probing, and if the probe fails
        _state = _agrees(_PROBE)
    return _state


def _agrees(text: str) -> bool:
    """Whether :func:`read_text` of ``text`` equals the reference reader's result."""
    from k8snetlint.parallel import Packer, decode_table

    try:
        fast = read_text(text, "probe.yaml", {}, {})
    except Exception:  # a probe never raises: any failure means "not available"
        return False
    ref = reader.load_text(text, "probe.yaml")
    if fast is None or ref.issues:
        return False
    objs, comments = fast
    packer = Packer()
    want = []
    for m in ref.manifests:
        data, table = packer.pack(m.data)
        want.append((m.doc_index, data, tuple(m.data.pos), table))
    got = [(i, repr(d), r, decode_table(t)) for i, d, r, t in objs]
    return got == [(i, repr(d), r, decode_table(t)) for i, d, r, t in want] and (
        comments == ref.comments.get("probe.yaml", {})
    )
