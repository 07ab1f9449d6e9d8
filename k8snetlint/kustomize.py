"""Rendering Kustomize directories, and mapping rendered objects back to their sources.

A directory holding a kustomization file (``kustomization.yaml``, ``kustomization.yml``
or ``Kustomization``) is rendered with ``kubectl kustomize DIR`` when ``kubectl`` is on
``PATH``, else with ``kustomize build DIR``; the rendered objects are then checked
instead of the files of the directory. The user's files are never modified.

Findings point back to the source file when the render can tell where an object came
from: k8snetlint builds a throw-away kustomization in a temporary folder that has the
user's directory as its only resource and asks for ``buildMetadata:
[originAnnotations]``, so every rendered object carries a ``config.kubernetes.io/origin``
annotation naming its file. The object is then found in that file (by kind and name,
allowing for ``namePrefix``/``nameSuffix``) and every field of the rendered object takes
the position of the same field in the source; a field the render added (a common label,
the namespace) takes the position of its nearest ancestor that the source has. A value
that a patch set is located in the patch (``transformerAnnotations`` name the
kustomizations whose patches touched the object; see :func:`patched_fields`); a value
another transformer changed keeps the position of the field it overrides. The
annotations themselves are removed again, so the objects are exactly what the directory
renders to. Objects without a local origin (remote bases, or when the wrapper cannot be
built) point at line 1 of the kustomization file; generated ConfigMaps and Secrets
point at their generator entry. Either way the finding names the object.

API (all functions return; none raises on bad input or a failing tool):

* :func:`kustomization_file` -- the kustomization file of a directory, or ``None``.
* :func:`find_renderer` -- the command prefix (``["kubectl", "kustomize"]`` or
  ``["kustomize", "build"]``), or ``None`` when neither tool is on ``PATH``.
* :func:`render` -- run the renderer on one directory: :class:`RenderResult` with the
  rendered YAML text, or an error message (60 s timeout).
* :func:`origin_of` -- the source path named by an object's origin annotation.
* :func:`load_kustomization` -- render and load one directory into a
  :class:`~k8snetlint.reader.LoadResult`, exactly like the reader's result for plain
  files; a failure (no renderer, broken kustomization, timeout) becomes one
  ``kustomize-render-error`` issue at line 1 of the kustomization file.
* :func:`referenced_directories` -- local directories a kustomization uses as
  resources, bases or components (for a directory walk that renders only the
  top-level kustomizations).

This module sits above :mod:`k8snetlint.discovery` and :mod:`k8snetlint.reader` and
below :mod:`k8snetlint.loader`, which calls :func:`load_kustomization`.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from k8snetlint.discovery import FileTooLarge, display_name, read_capped
from k8snetlint.document import Manifest, Pos, YMap, YSeq
from k8snetlint.reader import LoadIssue, LoadResult, load_text, parse_yaml, read_path

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
RULE = "kustomize-render-error"
TIMEOUT = 60.0
ORIGIN_ANNOTATION = "config.kubernetes.io/origin"

_LINE_1: Pos = (1, 1, 0, 0)
_KLOG_ERR = re.compile(r'\berr="((?:[^"\\]|\\.)*)"')
_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@|github\.com/|gitlab\.com/|bitbucket\.org/)")


@dataclass(frozen=True)
class RenderResult:
    """The outcome of one render: ``text`` on success, else ``error``.

    ``origin_root`` is the folder that the paths in origin annotations are relative
    to (``None`` when the objects carry no annotations that k8snetlint asked for).
    """

    command: tuple[str, ...]
    text: str | None = None
    error: str | None = None
    origin_root: Path | None = None
    origins_added: bool = False

    @property
    def ok(self) -> bool:
        return self.text is not None


def kustomization_file(directory: Path) -> Path | None:
    """The kustomization file directly inside ``directory``, or ``None``."""
    for name in KUSTOMIZATION_FILES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def find_renderer() -> list[str] | None:
    """``kubectl kustomize`` when kubectl is on PATH, else ``kustomize build``, else None."""
    import shutil  # here, not at the top: only a kustomization needs it

    kubectl = shutil.which("kubectl")
    if kubectl:
        return [kubectl, "kustomize"]
    kustomize = shutil.which("kustomize")
    if kustomize:
        return [kustomize, "build"]
    return None


def how_to_render(display: str) -> str:
    """The advice given when no renderer is available."""
    return (
        f"cannot render Kustomize directory {display!r}: neither `kubectl` nor `kustomize` "
        "is on PATH; install one of them, or render it yourself and pipe the result in "
        f"(`kubectl kustomize {display} | k8snetlint check -`), or pass --no-kustomize to "
        "check its files as plain manifests"
    )


def render(
    directory: Path,
    *,
    origins: bool = True,
    renderer: Sequence[str] | None = None,
    timeout: float = TIMEOUT,
    allow_remote: bool = False,
) -> RenderResult:
    """Render the kustomization in ``directory``; never raises.

    The renderer runs offline (see :func:`renderer_env`) unless ``allow_remote``.

    With ``origins`` the directory is rendered through a temporary wrapper
    kustomization that adds origin annotations (falling back to a plain render when the
    wrapper fails); the error of a failed render is always that of the plain render,
    so it names the user's files only.
    """
    command = list(renderer) if renderer is not None else find_renderer()
    if command is None:
        return RenderResult((), error=how_to_render(display_name(directory)))
    if origins:
        wrapped = _render_wrapped(directory, command, timeout, allow_remote)
        if wrapped is not None and wrapped.ok:
            return wrapped
    plain = _run([*command, str(directory.resolve())], timeout, allow_remote=allow_remote)
    if plain.ok:
        return replace(plain, origin_root=directory.resolve())
    return plain


def _render_wrapped(
    directory: Path,
    command: list[str],
    timeout: float,
    allow_remote: bool,
    metadata: str = "originAnnotations, transformerAnnotations",
) -> RenderResult | None:
    import tempfile  # here, not at the top: only a kustomization needs it

    target = directory.resolve()
    try:
        with tempfile.TemporaryDirectory(prefix="k8snetlint-kustomize-") as tmp:
            wrapper = Path(tmp).resolve()
            relative = Path(os.path.relpath(target, wrapper)).as_posix()
            (wrapper / "kustomization.yaml").write_text(
                "apiVersion: kustomize.config.k8s.io/v1beta1\n"
                "kind: Kustomization\n"
                f"resources:\n- {json.dumps(relative)}\n"
                f"buildMetadata: [{metadata}]\n",
                encoding="utf-8",
            )
            result = _run([*command, str(wrapper)], timeout, allow_remote=allow_remote)
    except (OSError, ValueError):
        return None
    if not result.ok and "transformerAnnotations" in (result.error or "") and "," in metadata:
        # a kustomize too old for transformer annotations: origins only
        return _render_wrapped(directory, command, timeout, allow_remote, "originAnnotations")
    return replace(result, origin_root=wrapper, origins_added=True)


# Environment variables passed to the renderer as they are; everything else (cloud
# credentials, tokens, KUBECONFIG, KUBERNETES_SERVICE_HOST, proxies) is left out.
_KEPT_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "SYSTEMROOT")

# A kubeconfig whose only server cannot be reached: port 1 of the loopback address,
# refused at once, so `kubectl kustomize` never talks to a cluster.
_OFFLINE_KUBECONFIG = """\
apiVersion: v1
kind: Config
clusters:
- name: offline
  cluster:
    server: https://127.0.0.1:1
contexts:
- name: offline
  context:
    cluster: offline
    user: nobody
current-context: offline
users:
- name: nobody
  user: {}
"""


def renderer_env(home: Path, *, allow_remote: bool = False) -> dict[str, str]:
    """The renderer's environment: no cluster configuration, no credentials.

    ``HOME`` is an empty folder (no ``~/.kube/config``, no git or SSH credentials),
    ``KUBECONFIG`` names a kubeconfig whose server refuses every connection, and
    unless ``allow_remote`` every HTTP(S) request goes to a proxy that does not exist,
    so nothing leaves the machine.
    """
    env = {k: os.environ[k] for k in _KEPT_ENV if k in os.environ}
    kubeconfig = home / "kubeconfig"
    if not kubeconfig.exists():
        kubeconfig.write_text(_OFFLINE_KUBECONFIG, encoding="utf-8")
    env.update(
        {
            "HOME": str(home),
            "KUBECONFIG": str(kubeconfig),
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_CONFIG_NOSYSTEM": "1",
        }
    )
    if not allow_remote:
        dead = "http://127.0.0.1:1"
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
            env[name] = dead
        env["NO_PROXY"] = env["no_proxy"] = ""
    return env


def _run(argv: list[str], timeout: float, *, allow_remote: bool = False) -> RenderResult:
    # here, not at the top: only a kustomization needs them (a tenth of a small run)
    import subprocess
    import tempfile

    command = tuple(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="k8snetlint-home-") as home:
            proc = subprocess.run(
                argv,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=timeout,
                check=False,
                env=renderer_env(Path(home), allow_remote=allow_remote),
                cwd=home,
            )
    except subprocess.TimeoutExpired:
        return RenderResult(command, error=f"`{_shown(argv)}` timed out after {timeout:g} s")
    except OSError as exc:
        return RenderResult(command, error=f"cannot run `{_shown(argv)}`: {exc.strerror or exc}")
    stdout = proc.stdout.decode("utf-8", "replace")
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        reason = _error_line(stderr) or f"exit code {proc.returncode}"
        return RenderResult(command, error=f"`{_shown(argv)}` failed: {reason}")
    return RenderResult(command, text=stdout)


def _shown(argv: Sequence[str]) -> str:
    """The command as the user would type it (tool name, not its full path)."""
    return " ".join([Path(argv[0]).name, *argv[1:]])


def _error_line(stderr: str) -> str:
    """The message of a failed render, whole and on one line: kubectl's klog
    ``err="..."`` or multi-line ``err=<`` block, kustomize's ``Error:``."""
    raw = stderr.splitlines()
    for i, line in enumerate(raw):
        if line.rstrip().endswith("err=<"):
            block: list[str] = []
            for more in raw[i + 1 :]:
                if more.strip() == ">":
                    break
                if more.strip():
                    block.append(more.strip())
            if block:
                return " ".join(block)
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        m = _KLOG_ERR.search(line)
        if m:
            try:
                return str(json.loads(f'"{m.group(1)}"'))
            except ValueError:
                return m.group(1)
    for line in lines:
        if line.startswith("Error:"):
            return line[len("Error:") :].strip()
    for line in lines:
        if not line.startswith("# Warning"):
            return line
    return ""


def origin_of(manifest_data: Mapping[str, Any]) -> str | None:
    """The local source path in an object's ``config.kubernetes.io/origin`` annotation.

    ``path`` for an object read from a file, ``configuredIn`` (a kustomization file) for
    a generated one; ``None`` without the annotation or for a remote origin (``repo``).
    The path is relative to the root of the kustomization that was built.
    """
    meta = manifest_data.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, Mapping) else None
    text = annotations.get(ORIGIN_ANNOTATION) if isinstance(annotations, Mapping) else None
    if not isinstance(text, str):
        return None
    docs, issues = parse_yaml(text, ORIGIN_ANNOTATION)
    if issues or len(docs) != 1 or not isinstance(docs[0], Mapping):
        return None
    origin = docs[0]
    if origin.get("repo"):
        return None
    for key in ("path", "configuredIn"):
        value = origin.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _kustomization_root(directory: Path) -> tuple[Path, Any] | None:
    """The kustomization file of ``directory`` and its parsed first document."""
    kfile = kustomization_file(directory)
    if kfile is None:
        return None
    try:
        text = read_capped(kfile, what="kustomization").decode("utf-8")
    except (OSError, UnicodeDecodeError, FileTooLarge):
        return None
    docs, _ = parse_yaml(text, str(kfile))
    if not docs or not isinstance(docs[0], Mapping):
        return None
    return kfile, docs[0]


def is_remote(entry: str, directory: Path) -> bool:
    """Whether a ``resources``/``bases``/``components`` entry names something to fetch
    (a URL, ``git@...``, ``host.tld/org/repo//path?ref=...``) rather than a local path."""
    if _REMOTE.match(entry) or "?ref=" in entry or "?version=" in entry:
        return True
    first = entry.split("/", 1)[0]
    return "/" in entry and "." in first.strip(".") and not (directory / first).exists()


def referenced_directories(directory: Path) -> list[Path]:
    """Local directories that ``directory``'s kustomization lists as resources, bases or
    components (resolved, existing ones only; remote and file entries are left out)."""
    found = _kustomization_root(directory)
    if found is None:
        return []
    out: list[Path] = []
    for key in ("resources", "bases", "components"):
        entries = found[1].get(key)
        if not isinstance(entries, list):
            continue
        for entry in entries:
            if not isinstance(entry, str) or is_remote(entry, directory):
                continue
            candidate = (directory / entry).resolve()
            if candidate.is_dir() and candidate not in out:
                out.append(candidate)
    return out


def remote_entries(directory: Path) -> list[LoadIssue]:
    """A ``kustomize-render-error`` issue for each remote entry of ``directory``'s
    kustomization and of the local kustomizations it uses, at the entry."""
    out: list[LoadIssue] = []
    seen: set[Path] = set()
    todo = [directory.resolve()]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        found = _kustomization_root(current)
        if found is None:
            continue
        kfile, root = found
        for key in ("resources", "bases", "components"):
            entries = root.get(key)
            if not isinstance(entries, YSeq):
                continue
            for i, entry in enumerate(entries):
                if not isinstance(entry, str):
                    continue
                if is_remote(entry, current):
                    pos = entries.ipos[i] if i < len(entries.ipos) else _LINE_1
                    out.append(
                        LoadIssue(
                            RULE,
                            display_name(kfile),
                            pos[0],
                            pos[1],
                            f"remote {key[:-1] if key != 'bases' else 'base'} {entry!r} is "
                            "not fetched: rendering it would run `git fetch` or an HTTP "
                            "download from a location the input names; vendor it, or pass "
                            "--kustomize-allow-remote to fetch it",
                        )
                    )
                else:
                    candidate = (current / entry).resolve()
                    if candidate.is_dir():
                        todo.append(candidate)
    return sorted(out, key=lambda i: (i.file, i.line, i.column))


# --------------------------------------------------------------------------- loading


def load_kustomization(directory: Path, display: str, *, allow_remote: bool = False) -> LoadResult:
    """Render ``directory`` and load the objects, positioned in their source files.

    ``display`` is the directory's display name (as the loader shows paths). The
    result names the kustomization file and every source file it used in ``files``,
    carries the ``# k8snetlint: ignore[...]`` comments of those source files, and on
    failure holds one ``kustomize-render-error`` issue instead of objects. A
    kustomization that uses remote resources is not rendered (one issue per remote
    entry) unless ``allow_remote``; the render itself runs offline otherwise.
    """
    kfile = kustomization_file(directory)
    kname = _join(display, kfile.name if kfile is not None else KUSTOMIZATION_FILES[0])
    if kfile is None:
        return _failure(kname, f"{display!r} holds no kustomization file")
    if find_renderer() is None:
        return _failure(kname, how_to_render(display))
    if not allow_remote:
        remote = remote_entries(directory)
        if remote:
            return LoadResult(files=[kname], issues=remote)
    rendered = render(directory, allow_remote=allow_remote)
    if rendered.text is None:
        return _failure(kname, rendered.error or "render failed")
    loaded = load_text(rendered.text, kname)
    result = LoadResult(files=[kname])
    for issue in loaded.issues:
        result.issues.append(
            LoadIssue(issue.rule, kname, 1, 1, f"rendered output: {issue.message}")
        )
    sources = _Sources()
    for manifest in loaded.manifests:
        result.manifests.append(_relocate(manifest, rendered, kname, sources))
    for name, comments in sources.comments.items():
        result.comments[name] = comments
    result.files.extend(name for name in sources.used if name != kname)
    return result


def _join(display: str, name: str) -> str:
    if display in ("", "."):
        return name
    return f"{display.rstrip('/')}/{name}"


def _failure(kname: str, message: str) -> LoadResult:
    return LoadResult(files=[kname], issues=[LoadIssue(RULE, kname, 1, 1, message)])


class _Sources:
    """Source files read for mapping, each once."""

    def __init__(self) -> None:
        self.loaded: dict[Path, LoadResult] = {}
        self.used: list[str] = []
        self.comments: dict[str, dict[int, frozenset[str]]] = {}

    def get(self, path: Path) -> LoadResult | None:
        if path not in self.loaded:
            if not path.is_file():
                return None
            self.loaded[path] = read_path(display_name(path), path)
        return self.loaded[path]

    def use(self, result: LoadResult) -> None:
        for name in result.files:
            if name not in self.used:
                self.used.append(name)
        self.comments.update(result.comments)


def _relocate(
    manifest: Manifest, rendered: RenderResult, kname: str, sources: _Sources
) -> Manifest:
    origin = origin_of(manifest.data)
    patching = patch_kustomizations(manifest.data)
    if rendered.origins_added:
        _strip_origin(manifest.data)
    extra = {**manifest.extra, "kustomization": kname}
    if origin is not None and rendered.origin_root is not None:
        path = Path(os.path.normpath(rendered.origin_root / origin))
        source = sources.get(path)
        if source is not None:
            if path.name in KUSTOMIZATION_FILES:
                # a generated object (configMapGenerator, secretGenerator, ...)
                pos = _generator_pos(path, manifest)
                _flatten(manifest.data, pos)
                sources.use(LoadResult(files=[display_name(path)]))
                return replace(manifest, file=display_name(path), line_base=0, extra=extra)
            match = _match(manifest, source.manifests)
            if match is not None:
                _graft(manifest.data, match.data, match.data.pos)
                sources.use(source)
                kfiles = [Path(os.path.normpath(rendered.origin_root / k)) for k in patching]
                patched = patched_fields(manifest, match.name, kfiles) if kfiles else {}
                if patched:
                    extra["patched"] = patched
                    sources.use(LoadResult(files=sorted({f for f, *_ in patched.values()})))
                return replace(manifest, file=match.file, line_base=match.line_base, extra=extra)
    _flatten(manifest.data, _LINE_1)
    return replace(manifest, file=kname, line_base=0, extra=extra)


def _strip_origin(data: YMap) -> None:
    meta = data.get("metadata")
    if not isinstance(meta, YMap):
        return
    annotations = meta.get("annotations")
    if not isinstance(annotations, YMap):
        return
    for key in (ORIGIN_ANNOTATION, TRANSFORMATIONS_ANNOTATION):
        if key in annotations:
            del annotations[key]
            annotations.kpos.pop(key, None)
            annotations.vpos.pop(key, None)
    if not annotations:
        del meta["annotations"]
        meta.kpos.pop("annotations", None)
        meta.vpos.pop("annotations", None)


def _match(rendered: Manifest, candidates: Sequence[Manifest]) -> Manifest | None:
    """The source object that ``rendered`` was made from (same kind; the name equal or
    grown by a prefix/suffix; the only object of its kind in the file otherwise)."""
    same_kind = [c for c in candidates if c.kind == rendered.kind]
    for c in same_kind:
        if c.name == rendered.name:
            return c
    grown = [c for c in same_kind if c.name and c.name in rendered.name]
    if grown:
        return max(grown, key=lambda c: len(c.name))
    return same_kind[0] if len(same_kind) == 1 else None


def _generator_pos(path: Path, rendered: Manifest) -> Pos:
    """Position of the generator entry (``- name: x``) that produced ``rendered``."""
    try:
        text = read_capped(path, what="kustomization").decode("utf-8")
    except (OSError, UnicodeDecodeError, FileTooLarge):
        return _LINE_1
    docs, _ = parse_yaml(text, str(path))
    if not docs or not isinstance(docs[0], YMap):
        return _LINE_1
    root = docs[0]
    key = "secretGenerator" if rendered.kind == "Secret" else "configMapGenerator"
    entries = root.get(key)
    if not isinstance(entries, YSeq):
        return _LINE_1
    for i, entry in enumerate(entries):
        if not isinstance(entry, YMap):
            continue
        name = entry.get("name")
        if isinstance(name, str) and name and name in rendered.name:
            found: Pos = entry.kpos.get("name", entries.ipos[i])
            return found
    return root.kpos.get(key, _LINE_1)


def _flatten(node: Any, pos: Pos) -> None:
    """Give every key, value and item of ``node`` the position ``pos``."""
    if isinstance(node, YMap):
        node.pos = pos
        for key, value in node.items():
            node.kpos[key] = pos
            node.vpos[key] = pos
            _flatten(value, pos)
    elif isinstance(node, YSeq):
        node.pos = pos
        node.ipos = [pos] * len(node)
        for item in node:
            _flatten(item, pos)


def _graft(dst: Any, src: Any, fallback: Pos) -> None:
    """Copy positions from the source tree ``src`` onto the rendered tree ``dst``.

    What the source lacks gets ``fallback``: the position of the nearest ancestor it
    has.
    """
    if isinstance(dst, YMap):
        if not isinstance(src, YMap):
            _flatten(dst, fallback)
            return
        dst.pos = src.pos
        for key, value in dst.items():
            if key in src:
                kpos = src.kpos.get(key, fallback)
                dst.kpos[key] = kpos
                dst.vpos[key] = src.vpos.get(key, kpos)
                _graft(value, src[key], kpos)
            else:
                dst.kpos[key] = fallback
                dst.vpos[key] = fallback
                _flatten(value, fallback)
    elif isinstance(dst, YSeq):
        if not isinstance(src, YSeq):
            _flatten(dst, fallback)
            return
        dst.pos = src.pos
        ipos: list[Pos] = []
        for index, item in enumerate(dst):
            j = _item_match(item, src, index)
            if j is None:
                ipos.append(fallback)
                _flatten(item, fallback)
            else:
                item_pos = src.ipos[j] if j < len(src.ipos) else fallback
                ipos.append(item_pos)
                _graft(item, src[j], item_pos)
        dst.ipos = ipos


def _item_match(item: Any, src: YSeq, index: int) -> int | None:
    """Index in ``src`` of the item that became ``item``: by ``name`` for named
    mappings (containers, ports, env), else by position."""
    name = item.get("name") if isinstance(item, YMap) else None
    if isinstance(name, str):
        for j, candidate in enumerate(src):
            if isinstance(candidate, YMap) and candidate.get("name") == name:
                return j
        return None
    if index < len(src) and type(src[index]) is type(item):
        return index
    return None


# --------------------------------------------------------------------------- patches
#
# With ``buildMetadata: [transformerAnnotations]`` kustomize names, per rendered object,
# the kustomization files whose transformers touched it (``configuredIn``), not the
# patch file. The patches of those kustomizations are read again here: a patch that
# targets the object and sets a field to the value the object has after rendering is
# where that value comes from. Such fields are listed in ``Manifest.extra["patched"]``
# (path -> file and position in the patch); the engine reports findings on them at the
# patch, with a related location at the base.

TRANSFORMATIONS_ANNOTATION = "alpha.config.kubernetes.io/transformations"
_PATCHERS = frozenset(
    {"PatchTransformer", "PatchStrategicMergeTransformer", "PatchJson6902Transformer"}
)
_SMP_IDENTITY = (("apiVersion",), ("kind",), ("metadata", "name"), ("metadata", "namespace"))

PatchedField = tuple[str, int, int, int, int]  # file, line, column, end line, end column


def patch_kustomizations(manifest_data: Mapping[str, Any]) -> list[str]:
    """The ``configuredIn`` kustomization paths of the patch transformers that touched
    an object, in the order of the transformations annotation."""
    meta = manifest_data.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, Mapping) else None
    text = annotations.get(TRANSFORMATIONS_ANNOTATION) if isinstance(annotations, Mapping) else None
    if not isinstance(text, str):
        return []
    docs, _ = parse_yaml(text, TRANSFORMATIONS_ANNOTATION)
    out: list[str] = []
    for entry in docs[0] if docs and isinstance(docs[0], list) else []:
        if not isinstance(entry, Mapping):
            continue
        by = entry.get("configuredBy")
        where = entry.get("configuredIn")
        patcher = isinstance(by, Mapping) and by.get("kind") in _PATCHERS
        if patcher and isinstance(where, str) and where not in out:
            out.append(where)
    return out


def patched_fields(
    rendered: Manifest, source_name: str, kustomizations: Sequence[Path]
) -> dict[tuple[str | int, ...], PatchedField]:
    """Fields of ``rendered`` whose value a patch of ``kustomizations`` sets."""
    out: dict[tuple[str | int, ...], PatchedField] = {}
    for kfile in kustomizations:
        try:
            docs, _ = parse_yaml(kfile.read_text(encoding="utf-8"), str(kfile))
        except (OSError, UnicodeDecodeError):
            continue
        root = docs[0] if docs else None
        if not isinstance(root, YMap):
            continue
        for entry, patch_docs, file, fallback in _patches(root, kfile):
            target = entry.get("target") if isinstance(entry, Mapping) else None
            for doc in patch_docs:
                if isinstance(doc, YSeq):
                    if _targets(target, rendered, source_name, None):
                        _json6902(doc, rendered.data, file, fallback, out)
                elif isinstance(doc, YMap) and _targets(target, rendered, source_name, doc):
                    _smp(doc, rendered.data, (), file, fallback, out)
    return out


def _patches(root: YMap, kfile: Path) -> list[tuple[Any, list[Any], str, Pos | None]]:
    """Every patch of a kustomization: its entry, parsed documents, file to report and,
    for an inline patch, the one position all its fields get (the ``patch:`` key)."""
    out: list[tuple[Any, list[Any], str, Pos | None]] = []
    kname = display_name(kfile)
    entries: list[tuple[Any, Any, Pos]] = []
    for key in ("patches", "patchesJson6902", "patchesStrategicMerge"):
        items = root.get(key)
        if isinstance(items, YSeq):
            entries += [(item, key, items.ipos[i]) for i, item in enumerate(items)]
    for item, key, pos in entries:
        path: Any = item if isinstance(item, str) and key == "patchesStrategicMerge" else None
        inline: Any = None
        if isinstance(item, YMap):
            path, inline = item.get("path"), item.get("patch")
            pos = item.kpos.get("patch", pos)
        if isinstance(path, str) and "\n" not in path:
            file = kfile.parent / path
            try:
                docs, _ = parse_yaml(file.read_text(encoding="utf-8"), str(file))
            except (OSError, UnicodeDecodeError):
                continue
            out.append((item, docs, display_name(file), None))
        elif isinstance(inline, str) or (isinstance(path, str) and "\n" in path):
            text = inline if isinstance(inline, str) else path
            docs, _ = parse_yaml(text, kname)
            shift = _block_shift(kfile, pos)
            if shift is not None:
                docs = [_shifted(d, shift) for d in docs]
            out.append((item, docs, kname, None if shift is not None else pos))
    return out


def _block_shift(kfile: Path, key_pos: Pos) -> tuple[int, int] | None:
    """For ``patch: |`` (a block scalar), the line and column offsets that turn
    positions inside the patch text into positions in the kustomization file."""
    try:
        lines = kfile.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    line = key_pos[0]
    if not 1 <= line < len(lines):
        return None
    after = lines[line - 1].split(":", 1)[1].strip() if ":" in lines[line - 1] else ""
    if not after.startswith(("|", ">")):
        return None
    body = lines[line]
    return line, len(body) - len(body.lstrip(" "))


def _shifted(node: Any, shift: tuple[int, int]) -> Any:
    """``node`` with every position moved by ``shift`` (lines, columns), in place."""

    def move(pos: Pos) -> Pos:
        line, col, end_line, end_col = pos
        return (
            line + shift[0] if line else 0,
            col + shift[1] if col else 0,
            end_line + shift[0] if end_line else 0,
            end_col + shift[1] if end_col else 0,
        )

    if isinstance(node, YMap):
        node.pos = move(node.pos)
        node.kpos = {k: move(v) for k, v in node.kpos.items()}
        node.vpos = {k: move(v) for k, v in node.vpos.items()}
        for value in node.values():
            _shifted(value, shift)
    elif isinstance(node, YSeq):
        node.pos = move(node.pos)
        node.ipos = [move(p) for p in node.ipos]
        for item in node:
            _shifted(item, shift)
    return node


def _targets(target: Any, rendered: Manifest, source_name: str, doc: YMap | None) -> bool:
    """Whether a patch applies to ``rendered`` (by its ``target``, else by the strategic
    merge patch's own kind and name)."""
    names = {rendered.name, source_name}
    if isinstance(target, Mapping):
        kind, name = target.get("kind"), target.get("name")
        if isinstance(kind, str) and kind and not re.fullmatch(kind, rendered.kind):
            return False
        if isinstance(name, str) and name and not any(re.fullmatch(name, n) for n in names):
            return False
        selector = target.get("labelSelector")
        if isinstance(selector, str) and selector:
            meta = rendered.data.get("metadata")
            labels = meta.get("labels") if isinstance(meta, Mapping) else None
            labels = labels if isinstance(labels, Mapping) else {}
            for term in selector.split(","):
                k, eq, v = term.partition("=")
                if not eq or str(labels.get(k.strip())) != v.strip().lstrip("="):
                    return False
        return bool(kind or name or selector)
    if doc is None:
        return False
    meta = doc.get("metadata")
    name = meta.get("name") if isinstance(meta, Mapping) else None
    return doc.get("kind") == rendered.kind and name in names


def _at(data: Any, path: Sequence[str | int]) -> tuple[bool, Any]:
    cur = data
    for step in path:
        in_map = isinstance(cur, dict) and isinstance(step, str) and step in cur
        in_list = isinstance(cur, list) and isinstance(step, int) and 0 <= step < len(cur)
        if not (in_map or in_list):
            return False, None
        cur = cur[step]
    return True, cur


def _same(a: Any, b: Any) -> bool:
    from k8snetlint.document import plain

    return bool(plain(a) == plain(b))


def _record(
    out: dict[tuple[str | int, ...], PatchedField],
    path: tuple[str | int, ...],
    file: str,
    pos: Pos,
) -> None:
    line, col, end_line, end_col = pos
    if line > 0:
        out[path] = (file, line, max(col, 1), end_line, end_col)


def _smp(
    patch: Any,
    rendered: Any,
    path: tuple[str | int, ...],
    file: str,
    fallback: Pos | None,
    out: dict[tuple[str | int, ...], PatchedField],
) -> None:
    """Fields a strategic merge patch sets: scalars, and lists it replaces whole;
    list items with a ``name`` are merged with the rendered item of that name."""
    if isinstance(patch, YMap):
        for key, value in patch.items():
            sub = (*path, key)
            if sub in _SMP_IDENTITY or key.startswith("$"):
                continue
            found, have = _at(rendered, sub)
            if not found:
                continue
            pos = fallback or patch.vpos.get(key, patch.kpos.get(key, (0, 0, 0, 0)))
            if isinstance(value, YMap):
                _smp(value, rendered, sub, file, fallback, out)
            elif (
                isinstance(value, YSeq)
                and all(isinstance(v, YMap) and isinstance(v.get("name"), str) for v in value)
                and isinstance(have, list)
            ):
                for item in value:
                    index = next(
                        (
                            j
                            for j, r in enumerate(have)
                            if isinstance(r, dict) and r.get("name") == item.get("name")
                        ),
                        None,
                    )
                    if index is not None:
                        _smp(item, rendered, (*sub, index), file, fallback, out)
                        out.pop((*sub, index, "name"), None)  # the merge key sets nothing
            elif _same(value, have):
                _record(
                    out, sub, file, patch.kpos.get(key, pos) if isinstance(value, YSeq) else pos
                )


def _json6902(
    ops: YSeq,
    rendered: Any,
    file: str,
    fallback: Pos | None,
    out: dict[tuple[str | int, ...], PatchedField],
) -> None:
    """Fields a JSON 6902 patch adds or replaces (``value`` as the object has it)."""
    for op in ops:
        if not isinstance(op, YMap) or op.get("op") not in ("add", "replace"):
            continue
        pointer = op.get("path")
        if not isinstance(pointer, str) or not pointer.startswith("/"):
            continue
        path: list[str | int] = []
        cur: Any = rendered
        for raw in pointer[1:].split("/"):
            step = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(cur, list):
                index = len(cur) - 1 if step == "-" else int(step) if step.isdigit() else -1
                if not 0 <= index < len(cur):
                    break
                path.append(index)
                cur = cur[index]
            elif isinstance(cur, dict) and step in cur:
                path.append(step)
                cur = cur[step]
            else:
                break
        else:
            if "value" in op and _same(op["value"], cur):
                _record(out, tuple(path), file, fallback or op.vpos.get("value", op.pos))
