"""What the command's own process does first: pause the garbage collector while
modules are imported, and cache the code of dataclass methods across runs. Never done
on import of the library (only :func:`k8snetlint.cli.main` without arguments, the
command, calls :func:`begin`); this module imports nothing that declares a dataclass.

The collector: imports (and reading the input) make long-lived objects only, and the
collector traversing them again and again is a tenth of a small run.
:func:`hold_gc` turns it off; :func:`release_gc`, called by the command once its
modules are imported, freezes what exists (``gc.freeze``: out of the collector's
sight, alive until exit) and turns it back on.

The code cache: :func:`dataclasses.dataclass` writes the source of ``__init__``,
``__eq__``, ``__repr__``, ... of every class it decorates and compiles it with
:func:`exec`, at every import: the hundred dataclasses the model, the analyses and the
reports declare cost a third of a small ``check`` in the compiler alone. Python caches
the bytecode of modules (``__pycache__``), not that of these generated methods; this
module does. ``dataclasses`` calls ``exec`` by its global name; :func:`install` gives
the module a global ``exec`` that compiles each source text once, exactly as ``exec``
would (file ``<string>``, no inherited ``__future__`` flag, the interpreter's
optimisation level), keeps the code object by its source text, and runs it with the
real ``exec``. The code objects are written at exit, with :mod:`marshal`, to one file
of the cache folder of :mod:`k8snetlint.rulecache` named after the Python version
(``marshal``'s and the bytecode's format change with it); the next run reads them
instead of compiling. The key is the whole source text, so a changed class can never
get stale code: it simply misses.

A missing, unreadable, corrupt, foreign (not owned by this user, or writable by
others) or wrong-version file is ignored, as is a folder that cannot be written;
``K8SNETLINT_CACHE_DIR=off`` turns the cache off (nothing is installed).
"""

from __future__ import annotations

import builtins
import os
import sys
from pathlib import Path
from types import CodeType
from typing import Any, NoReturn

FORMAT = 1
_TAG = f"{sys.implementation.cache_tag}-{sys.hexversion:x}"


def cache_file(folder: Path, profile: str = "cli") -> Path:
    """The cache of one kind of run (``check``: the plain check; ``cli``: the rest), so
    that each file holds what its runs use and nothing else to read."""
    return folder / f"dataclass-code-{profile}-{_TAG}.marshal"


class CodeCache:
    """Source text -> code object, read from and written to ``path`` (``None``: memory
    only)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.codes: dict[str, CodeType] = {}
        self.used: set[str] = set()
        self.compiled = 0
        if path is not None:
            self.codes = _read(path)

    def exec(
        self,
        source: Any,
        globals: dict[str, Any] | None = None,
        locals: Any = None,
        /,
        **kwargs: Any,
    ) -> None:
        """:func:`exec` with the compilation of a source text cached."""
        if type(source) is str:
            code = self.codes.get(source)
            if code is None:
                # as exec(source) compiles it inside dataclasses: no __future__ flag of
                # ours (dont_inherit), the interpreter's -O level
                code = compile(source, "<string>", "exec", dont_inherit=True)
                self.codes[source] = code
                self.compiled += 1
            self.used.add(source)
            source = code
        builtins.exec(source, globals, locals, **kwargs)

    def save(self) -> None:
        """Write the code this run used when it compiled any; silently nothing on
        failure."""
        if self.path is None or not self.compiled:
            return
        # what this run used: entries of classes changed or gone since are dropped
        codes = {src: code for src, code in self.codes.items() if src in self.used}
        try:
            import marshal

            from k8snetlint.rulecache import write_atomic

            write_atomic(self.path, marshal.dumps((FORMAT, _TAG, codes)), ".dataclass-code-")
        except (OSError, ValueError):
            return


def _read(path: Path) -> dict[str, CodeType]:
    """The cached code objects of ``path``; empty when it is absent or not to be trusted."""
    import marshal

    from k8snetlint.rulecache import read_own

    raw = read_own(path)  # code is run from it: only the user's own, unshared file
    if raw is None:
        return {}
    try:
        data = marshal.loads(raw)
    except (ValueError, EOFError, TypeError):
        return {}
    if not (isinstance(data, tuple) and len(data) == 3 and data[:2] == (FORMAT, _TAG)):
        return {}
    codes = data[2]
    if not isinstance(codes, dict) or not all(
        type(k) is str and type(v) is CodeType for k, v in codes.items()
    ):
        return {}
    return codes


_installed: CodeCache | None = None
_gc_held = False


def begin(profile: str = "cli") -> None:
    """The command's start: the collector paused, the code cache installed."""
    hold_gc()
    install(profile)


def exit_now(code: str | int | None) -> NoReturn:
    """End the process with ``code`` (as :class:`SystemExit` would) without the
    interpreter's teardown: output flushed and exit handlers run (the code cache is
    written), then :func:`os._exit`, sparing the collection and freeing of every
    object at shutdown. When the output cannot be flushed (a closed pipe), the
    ordinary exit reports it as before."""
    if code is None:
        code = 0
    if not isinstance(code, int):
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)
    import atexit

    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)
    os._exit(code)


def hold_gc() -> None:
    """Turn the cyclic garbage collector off until :func:`release_gc`."""
    global _gc_held
    import gc

    if gc.isenabled():
        gc.disable()
        _gc_held = True


def release_gc() -> None:
    """After :func:`hold_gc`: freeze every object made so far (``gc.freeze``) and turn
    the collector back on. Nothing without :func:`hold_gc` (a caller's collector is
    left as it is)."""
    global _gc_held
    if _gc_held:
        import gc

        _gc_held = False
        gc.freeze()
        gc.enable()


def install(profile: str = "cli") -> CodeCache | None:
    """Route the compilations of :mod:`dataclasses` through the cache, once per process;
    the cache is written at exit. ``None`` when the cache is off or ``dataclasses``
    already has a global ``exec`` (someone else's)."""
    global _installed
    if _installed is not None:
        return _installed
    from k8snetlint.rulecache import cache_dir

    folder = cache_dir()
    if folder is None:
        return None
    import dataclasses

    if "exec" in vars(dataclasses):
        return None
    cache = CodeCache(cache_file(folder, profile))
    dataclasses.exec = cache.exec  # type: ignore[attr-defined]
    import atexit

    atexit.register(cache.save)
    _installed = cache
    return cache
