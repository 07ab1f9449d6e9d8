"""Time the hostile inputs of issue 11 point 4 against the bare parse of the same file.

For each generated case (``fixtures/hostile/generate.py``) this measures, each in a
fresh subprocess with a timeout:

* ``bare``: libyaml's event parse of the file (ruamel.yaml's C parser, events drained,
  nothing built). For the syntax-error case it is the same documents without the
  broken first line, since a bare parse stops at the error;
* ``load``: k8snetlint's reader (``load_bytes``), positions and objects included;
* ``check``: the whole ``k8snetlint check -f json`` run, in-process.

Usage: ``python bench/hostile.py [--scale N] [--cases a,b] [--timeout S]``; run it with
``PYTHONPATH=<old checkout>`` to time another version. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_BARE = """
import sys, time
import _ruamel_yaml
data = open(sys.argv[1], "rb").read()
if sys.argv[2] == "1":
    data = data.split(b"\\n", 1)[1]
text = data.decode()
t = time.perf_counter()
p = _ruamel_yaml.CParser(text)
try:
    while p.get_event() is not None:
        pass
except Exception:
    pass
print(time.perf_counter() - t)
"""

_LOAD = """
import sys, time
from k8snetlint.loader import load_bytes
data = open(sys.argv[1], "rb").read()
t = time.perf_counter()
load_bytes(data, "x.yaml")
print(time.perf_counter() - t)
"""

_CHECK = """
import contextlib, io, sys, time
from k8snetlint.cli import main
t = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main(["check", sys.argv[1], "-f", "json", "--allow-empty"])
    except SystemExit:
        pass
print(time.perf_counter() - t)
"""


def _generator() -> object:
    spec = importlib.util.spec_from_file_location(
        "hostile_generate", ROOT / "fixtures" / "hostile" / "generate.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _time(script: str, args: list[str], timeout: float) -> float | None:
    try:
        proc = subprocess.run(
            [sys.executable, "-c", script, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None
    if proc.returncode != 0 or not proc.stdout.strip():
        sys.stderr.write(proc.stderr[-2000:])
        return None
    return float(proc.stdout.strip().splitlines()[-1])


def _fmt(seconds: float | None, timeout: float) -> str:
    return f"> {timeout:.0f}" if seconds is None else f"{seconds:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--cases", default="")
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args(argv)
    gen = _generator()
    cases: dict[str, object] = gen.CASES  # type: ignore[attr-defined]
    wanted = [c for c in args.cases.split(",") if c] or list(cases)
    print("| case | bytes | bare parse s | load s | load x bare | check s | check x bare |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name in wanted:
            path = Path(tmp) / name
            path.write_bytes(cases[name](args.scale))  # type: ignore[operator]
            syntax = "1" if name.startswith("syntax") else "0"
            bare = _time(_BARE, [str(path), syntax], args.timeout)
            load = _time(_LOAD, [str(path)], args.timeout)
            check = _time(_CHECK, [str(path)], args.timeout)

            def ratio(x: float | None, bare: float | None = bare) -> str:
                if x is None or not bare:
                    return "-"
                return f"{x / bare:.1f}"

            print(
                f"| {name} | {path.stat().st_size:,} | {_fmt(bare, args.timeout)} | "
                f"{_fmt(load, args.timeout)} | {ratio(load)} | {_fmt(check, args.timeout)} | "
                f"{ratio(check)} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
