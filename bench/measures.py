"""Measures of ``bench/run.py`` beyond the stage table: start-up, peak memory, per-rule
timing and the ``graph``/``reach`` scale points.

Every figure is printed next to a baseline measured in the same run:

* start-up: ``python -c pass`` and ``python -c "import yaml"`` (median of N each);
* memory: the peak resident size of a process that parses the same files with PyYAML's
  C loader and keeps every document (what any tool holding the input needs);
* per-rule: the same PyYAML parse time of the corpus, so that a rule's cost reads as a
  fraction of parsing; the growth factor between two sizes is normalised by the object
  ratio (1.00 = linear, 2.00 = the per-object cost doubled);
* ``graph``/``reach``: the PyYAML parse time of the same files.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SMALL_VALID = """\
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector:
    app: web
  ports:
    - name: http
      port: 80
      targetPort: 8080
"""

BASELINE_SCRIPT = """\
import sys, yaml
docs = []
for path in sys.argv[1:]:
    with open(path, "rb") as fh:
        docs.extend(yaml.load_all(fh, Loader=yaml.CSafeLoader))
print(len(docs))
"""


def cli_command() -> list[str]:
    script = Path(sys.executable).parent / "k8snetlint"
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "k8snetlint"]


@dataclass
class Proc:
    """One finished child process: wall seconds, peak RSS (KiB), exit code, output."""

    seconds: float
    peak_kib: int
    returncode: int
    stdout: bytes = b""
    stderr: bytes = b""
    cpu: float = 0.0  # user + system seconds of the child


def run_measured(
    cmd: Sequence[str],
    *,
    cwd: str | None = None,
    timeout: float | None = None,
    env: dict[str, str] | None = None,
) -> Proc:
    """Run ``cmd``; its wall time, CPU time and peak RSS.

    The peak comes from GNU ``time`` when it is installed: ``wait4`` on a child of this
    (large) process reports at least this process's own size, since Linux carries the
    pre-``exec`` high-water mark over ``exec``; ``time`` is a small parent."""
    gnu_time = Path("/usr/bin/time")
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r", suffix=".rss") as rss,
    ):
        if gnu_time.is_file():
            cmd = [str(gnu_time), "-f", "%M", "-o", rss.name, *cmd]
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=out, stderr=err, cwd=cwd, env=env)
        deadline = None if timeout is None else start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = -9
                break
            time.sleep(0.002)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status) if proc.returncode is None else -9
        out.seek(0)
        err.seek(0)
        cpu = usage.ru_utime + usage.ru_stime
        peak = int(usage.ru_maxrss)
        if gnu_time.is_file():
            text = Path(rss.name).read_text().strip().splitlines()
            peak = int(text[-1]) if text and text[-1].isdigit() else 0
        return Proc(seconds, peak, proc.returncode, out.read(), err.read(), cpu)


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


# --------------------------------------------------------------------------- start-up


@dataclass
class Startup:
    samples: dict[str, list[float]] = field(default_factory=dict)  # wall seconds
    cpu: dict[str, list[float]] = field(default_factory=dict)  # user + system seconds
    error: str = ""

    def median(self, name: str, cpu: bool = False) -> float:
        return _median((self.cpu if cpu else self.samples).get(name, []))


def measure_startup(repeat: int) -> Startup:
    """``check`` of one small valid file against bare interpreter start-ups.

    As installed software runs: bytecode cached (``PYTHONPYCACHEPREFIX`` in a temporary
    folder, so a checkout is not written to, whatever ``PYTHONDONTWRITEBYTECODE`` says)
    and one warm-up run of each command first (it also fills the rule cache)."""
    res = Startup()
    with tempfile.TemporaryDirectory(prefix="k8snetlint-startup-") as tmp:
        small = Path(tmp) / "service.yaml"
        small.write_text(SMALL_VALID, encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        cmds = {
            "python -c pass": [sys.executable, "-c", "pass"],
            'python -c "import yaml"': [sys.executable, "-c", "import yaml"],
            "check (one small valid file)": [*cli_command(), "check", str(small)],
        }
        for cmd in cmds.values():
            run_measured(cmd, cwd=tmp, timeout=120, env=env)
        # Interleaved rounds: load drifts hit every command alike.
        for _ in range(max(1, repeat)):
            for name, cmd in cmds.items():
                p = run_measured(cmd, cwd=tmp, timeout=120, env=env)
                if p.returncode != 0:
                    res.error = f"{name}: exit {p.returncode}: {p.stderr.decode()[-300:]}"
                    return res
                res.samples.setdefault(name, []).append(p.seconds)
                res.cpu.setdefault(name, []).append(p.cpu)
    return res


def render_startup(res: Startup) -> str:
    if res.error:
        return f"start-up: error: {res.error}"
    base = res.median('python -c "import yaml"')
    bare = res.median("python -c pass")
    cbase = res.median('python -c "import yaml"', cpu=True)
    lines = [
        "start-up (median wall s, x import yaml, x python -c pass; median CPU s, x import yaml)",
    ]
    for name in res.samples:
        m = res.median(name)
        c = res.median(name, cpu=True)
        lines.append(
            f"  {name:<32} {m:7.3f}  {m / base:6.2f}x  {m / bare:6.2f}x   "
            f"cpu {c:6.3f}  {c / cbase if cbase else float('nan'):6.2f}x"
        )
    lines.append("  target: check within 3.00x import yaml")
    if editable_install():
        lines.append(
            "  note: k8snetlint is an editable install here; its import hook runs in every "
            "command above (about 15 ms each), which flatters the ratios: measure a "
            "`pip install .` for the figure users get"
        )
    return "\n".join(lines)


def editable_install() -> bool:
    """Whether the k8snetlint of this environment is an editable (development) install:
    then every Python process of the environment runs its import hook at start-up."""
    import site

    for folder in site.getsitepackages():
        with contextlib.suppress(OSError):
            if any(n.startswith("__editable__") and "k8snetlint" in n for n in os.listdir(folder)):
                return True
    return False


# --------------------------------------------------------------------------- memory


@dataclass
class Memory:
    objects: int
    input_bytes: int
    check_kib: int = 0
    baseline_kib: int = 0
    error: str = ""


def measure_memory(
    label: str, corpus: Path, files: list[Path], objects: int, extra: Sequence[str] = ()
) -> Memory:
    """Peak RSS of ``check --format json`` and of the PyYAML parse keeping every document."""
    res = Memory(objects, sum(p.stat().st_size for p in files))
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(BASELINE_SCRIPT)
        script = fh.name
    listing = None
    try:
        # The file list goes through a file: 16k paths exceed some argv limits.
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as lf:
            lf.write("\n".join(str(p) for p in files))
            listing = lf.name
        wrapper = (
            "import sys;sys.argv=[sys.argv[0]]+open(sys.argv[1]).read().split('\\n');"
            f"exec(open({script!r}).read())"
        )
        base = run_measured([sys.executable, "-c", wrapper, listing])
        if base.returncode != 0:
            res.error = f"baseline: exit {base.returncode}: {base.stderr.decode()[-300:]}"
            return res
        res.baseline_kib = base.peak_kib
        chk = run_measured([*cli_command(), "check", "--format", "json", *extra, str(corpus)])
        if chk.returncode not in (0, 1):
            res.error = f"check: exit {chk.returncode}: {chk.stderr.decode()[-300:]}"
            return res
        res.check_kib = chk.peak_kib
    finally:
        os.unlink(script)
        if listing:
            os.unlink(listing)
    return res


def render_memory(label: str, m: Memory) -> str:
    if m.error:
        return f"memory {label}: error: {m.error}"
    per = m.check_kib / m.objects if m.objects else 0.0
    bper = m.baseline_kib / m.objects if m.objects else 0.0
    return (
        f"memory {label}: check peak {m.check_kib / 1024:,.0f} MiB = {per:.1f} KiB/object "
        f"({m.check_kib / max(m.baseline_kib, 1):.2f}x the PyYAML parse's "
        f"{m.baseline_kib / 1024:,.0f} MiB = {bper:.1f} KiB/object; "
        f"{m.check_kib * 1024 / max(m.input_bytes, 1):.1f}x the input's "
        f"{m.input_bytes / 2**20:,.1f} MiB); target <= 8 KiB/object at 100k"
    )


# --------------------------------------------------------------------------- per rule


def rule_times(paths: list[str], config: Any, version: str) -> dict[str, float]:
    """Seconds per rule (hits consumed and turned into findings), after the shared
    analyses (validation, inventory, connectivity) are timed on their own."""
    from k8snetlint.checks import CHECKS
    from k8snetlint.context import Context
    from k8snetlint.engine import to_finding
    from k8snetlint.loader import load_paths
    from k8snetlint.registry import active_rules

    times: dict[str, float] = {}
    gc.collect()
    t0 = time.perf_counter()
    loaded = load_paths(paths, config.exclude, kustomize=config.kustomize)
    times["(load)"] = time.perf_counter() - t0
    ctx = Context(tuple(loaded.manifests), tuple(loaded.issues), config, version)
    # the engine's garbage-collection policy while rules run, when it has one
    policy = getattr(importlib.import_module("k8snetlint.engine"), "rules_gc", None)
    with policy() if policy is not None else contextlib.nullcontext():
        for name, fn in (
            ("(validate)", lambda: ctx.violations),
            ("(inventory)", lambda: ctx.inventory),
            ("(connectivity)", lambda: ctx.connectivity),
            # the ways in (Services, Ingresses, node ports), built by the first rule asking
            ("(routes)", lambda: getattr(ctx.connectivity, "routes", None)),
        ):
            t0 = time.perf_counter()
            fn()
            times[name] = time.perf_counter() - t0
        ns = config.default_namespace
        for rule in active_rules(config):
            if rule.check not in CHECKS:
                continue
            t0 = time.perf_counter()
            for hit in CHECKS[rule.check](ctx, rule.params):
                to_finding(rule, hit, ns)
            times[rule.name] = time.perf_counter() - t0
    return times


@dataclass
class RuleGrowth:
    sizes: list[int]
    baseline: dict[int, float]  # size -> median PyYAML parse seconds
    times: dict[int, dict[str, float]]  # size -> rule -> median seconds


def render_rule_growth(g: RuleGrowth) -> str:
    a, b = g.sizes[0], g.sizes[-1]
    names = sorted({n for t in g.times.values() for n in t}, key=lambda n: -g.times[b].get(n, 0.0))
    scale = b / a
    head = (
        f"per-rule time (median s; x = share of the PyYAML parse of the same size; "
        f"growth = (t{b}/t{a}) / ({b}/{a}), 1.00 = linear)"
    )
    lines = [
        head,
        f"  {'rule':<44} {'s @' + format(a, ','):>10} {'x':>6} {'s @' + format(b, ','):>10}"
        f" {'x':>6} {'growth':>7}",
    ]
    for n in names:
        ta, tb = g.times[a].get(n, 0.0), g.times[b].get(n, 0.0)
        growth = (tb / ta) / scale if ta > 0.002 else float("nan")
        flag = "  SUPERLINEAR" if growth == growth and growth > 1.5 and tb > 0.05 else ""
        lines.append(
            f"  {n:<44} {ta:10.3f} {ta / g.baseline[a]:6.3f} {tb:10.3f} "
            f"{tb / g.baseline[b]:6.3f} {growth:7.2f}{flag}"
        )
    lines.append(
        f"  {'baseline: PyYAML CSafeLoader parse':<44} {g.baseline[a]:10.3f} {1:6.3f} "
        f"{g.baseline[b]:10.3f} {1:6.3f} {(g.baseline[b] / g.baseline[a]) / scale:7.2f}"
    )
    return "\n".join(lines)


# --------------------------------------------------------------------------- graph / reach


@dataclass
class ScalePoint:
    workloads: int
    policies: int
    objects: int
    baseline_s: list[float] = field(default_factory=list)
    runs: dict[str, list[Proc]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def measure_graph_scale(
    corpus: Path,
    workloads: int,
    policies: int,
    objects: int,
    baseline: Callable[[], Any],
    repeat: int,
    timeout: float,
    formats: Sequence[str],
    reach: tuple[str, str],
) -> ScalePoint:
    point = ScalePoint(workloads, policies, objects)
    cmds: dict[str, list[str]] = {}
    for fmt in formats:
        cmds[f"graph --format {fmt}"] = [
            *cli_command(),
            "graph",
            "--format",
            fmt,
            "--output",
            os.devnull,
            str(corpus),
        ]
    cmds["reach"] = [*cli_command(), "reach", "--from", reach[0], "--to", reach[1], str(corpus)]
    for _ in range(max(1, repeat)):
        gc.collect()
        t0 = time.perf_counter()
        baseline()
        point.baseline_s.append(time.perf_counter() - t0)
        for name, cmd in cmds.items():
            if name in point.errors:
                continue
            p = run_measured(cmd, timeout=timeout)
            if p.returncode == -9:
                point.errors[name] = f"killed after the {timeout:.0f} s timeout"
                continue
            if p.returncode not in (0, 1):
                point.errors[name] = f"exit {p.returncode}: {p.stderr.decode()[-300:]}"
                continue
            point.runs.setdefault(name, []).append(p)
    return point


def render_graph_scale(p: ScalePoint) -> str:
    base = _median(p.baseline_s)
    lines = [
        f"graph/reach at {p.workloads:,} workloads / {p.policies:,} policies "
        f"({p.objects:,} objects): baseline PyYAML parse {base:.3f} s",
    ]
    for name, runs in p.runs.items():
        s = _median([r.seconds for r in runs])
        mem = max(r.peak_kib for r in runs)
        line = f"  {name:<22} {s:9.2f} s  {s / base:7.2f}x baseline  peak {mem / 1024:,.0f} MiB"
        # graph prints "N connections between ..." on stderr: the map's size
        pairs = re.search(rb"^(\d+) connections? ", runs[-1].stderr or b"", re.M)
        if name.startswith("graph") and pairs and s > 0:
            n = int(pairs.group(1))
            line += f"  {n:,} pairs, {n / s:,.0f} lines/s"
        lines.append(line)
    for name, err in p.errors.items():
        lines.append(f"  {name:<22} error: {err}")
    lines.append("  targets: graph txt within 60 s and 2 GiB; reach within 5 s")
    return "\n".join(lines)
