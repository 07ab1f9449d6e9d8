"""A faster ``__init__`` for the frozen dataclasses built by the thousand in every run.

The ``__init__`` that :func:`dataclasses.dataclass` writes for a frozen class sets each
field with ``object.__setattr__`` (its own ``__setattr__`` refuses), one call per
field: for the views of the model (a Workload has 19 fields) that is most of their
construction, and a run builds one or more per object of the input. :func:`quick_init`
gives such a class an ``__init__`` with the same signature that fills the instance's
``__dict__`` in one update. Instances are the same (equality, hashing, ``repr``,
:func:`dataclasses.replace`, the refusal of assignments: only ``__init__`` changes).

The method is compiled the way :mod:`dataclasses` compiles its own (by the
``exec`` that module sees: the command's code cache when installed, see
:mod:`k8snetlint.cli.startup`). Only plain fields are accepted (positional or keyword, with or without a default);
a class with ``__slots__``, ``__post_init__``, ``init=False``, keyword-only or
default-factory fields is refused at import, as is one that is not a frozen dataclass.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")

# every class given a quick __init__ (tests compare each with its dataclass signature)
QUICK_INIT_CLASSES: list[type[Any]] = []


def quick_init(cls: type[T]) -> type[T]:
    """Replace the ``__init__`` of frozen dataclass ``cls`` (see the module docstring)."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen:
        raise TypeError(f"quick_init: {cls.__name__} is not a frozen dataclass")
    if "__slots__" in cls.__dict__ or hasattr(cls, "__post_init__"):
        raise TypeError(f"quick_init: {cls.__name__} has __slots__ or __post_init__")
    names: list[str] = []
    args: list[str] = []
    defaults: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if not f.init or f.kw_only or f.default_factory is not dataclasses.MISSING:
            raise TypeError(f"quick_init: field {cls.__name__}.{f.name} is not a plain field")
        if not f.name.isidentifier() or f.name.startswith("_"):
            raise TypeError(f"quick_init: field name {f.name!r} is not supported")
        names.append(f.name)
        if f.default is dataclasses.MISSING:
            args.append(f.name)
        else:
            defaults[f"_default_{f.name}"] = f.default
            args.append(f"{f.name}=_default_{f.name}")
    items = ", ".join(f"{n!r}: {n}" for n in names)
    source = f"def __init__(self, {', '.join(args)}):\n    self.__dict__.update({{{items}}})\n"
    namespace: dict[str, Any] = dict(defaults)
    # compiled as dataclasses compiles its own methods: through the command's code
    # cache when it is installed (k8snetlint.cli.startup), so a start compiles nothing
    run = vars(dataclasses).get("exec", exec)
    run(source, namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__annotations__ = dict(getattr(cls.__init__, "__annotations__", {}))
    cls.__init__ = init  # type: ignore[method-assign]
    QUICK_INIT_CLASSES.append(cls)
    return cls
