"""Benchmark k8snetlint on generated corpora against a PyYAML baseline measured alongside.

For each size, a corpus is generated (``bench/corpus.py``), then measured in rounds;
each round times, in this order:

* ``baseline``   PyYAML's C loader (``yaml.load_all(f, Loader=yaml.CSafeLoader)``)
                 merely parsing every file: no positions, no checks;
* ``check``      ``k8snetlint check`` end to end, through ``k8snetlint.engine.lint``
                 (``--mode api``, default) or a subprocess ``k8snetlint check --format
                 json DIR`` (``--mode cli``, interpreter start-up and imports included);
* ``loader``     ``k8snetlint.loader.load_paths``;
* ``validate``   ``k8snetlint.validate.validate_all`` over the loaded manifests;
* ``model``      ``k8snetlint.model.build_inventory``;
* ``graph``      ``k8snetlint.net.analyze`` on that inventory;
* ``connections`` (only with ``--stages ...,connections``) ``Connectivity.connections``,
                 the pair-level listing ``k8snetlint graph`` prints.

Stages whose module or function does not exist (yet) print ``n/a``. Every figure is
the median over ``--repeat`` rounds, with objects per second and the ratio to the
baseline median of the same run. Timings are never asserted: the machines are shared
and noisy, so compare ratios, not seconds. The exit status is 1 when an object count
disagrees with the generated count (or a stage raised), else 0.

    python bench/run.py [--sizes 1000,10000,50000] [--repeat 3] [--jobs N]
                        [--mode api|cli] [--json FILE] [--stages ...] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import importlib
import inspect
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:  # imported from elsewhere than `python bench/run.py`
    sys.path.insert(0, str(_HERE))

from corpus import generate, generate_policy_dense, iter_files, plan_policy_dense  # noqa: E402
from measures import (  # noqa: E402
    RuleGrowth,
    measure_graph_scale,
    measure_memory,
    measure_startup,
    render_graph_scale,
    render_memory,
    render_rule_growth,
    render_startup,
    rule_times,
)

STAGES: tuple[str, ...] = (
    "baseline",
    "check",
    "loader",
    "validate",
    "model",
    "graph",
    "connections",
)
DEFAULT_STAGES: tuple[str, ...] = STAGES[:-1]

LABELS: dict[str, str] = {
    "baseline": "baseline: PyYAML CSafeLoader parse",
    "check": "check",
    "loader": "loader.load_paths",
    "validate": "validate.validate_all",
    "model": "model.build_inventory",
    "graph": "graph.analyze",
    "connections": "Connectivity.connections",
}


class StageUnavailable(Exception):
    """A stage cannot run here: its module or function does not exist (yet)."""


@dataclass
class Stage:
    """The measurements of one stage at one corpus size."""

    name: str
    label: str
    samples: list[float] = field(default_factory=list)
    note: str = ""
    status: str = "ok"  # ok | n/a | error | skipped

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples) if self.samples else None

    @property
    def minimum(self) -> float | None:
        return min(self.samples) if self.samples else None


@dataclass
class SizeResult:
    """Everything measured for one corpus size."""

    objects: int
    files: int
    generate_seconds: float
    counts_by_kind: dict[str, int]
    stages: dict[str, Stage]
    checks: dict[str, str] = field(default_factory=dict)  # what -> "ok" or a complaint
    findings: dict[str, int] | None = None
    corpus: str = "bench"  # bench | policy-dense

    def ratio(self, name: str) -> float | None:
        base = self.stages.get("baseline")
        stage = self.stages.get(name)
        if base is None or stage is None or base.median is None or stage.median is None:
            return None
        return stage.median / base.median if base.median > 0 else None


# --------------------------------------------------------------------------- helpers


def _lookup(module: str, name: str) -> Callable[..., Any]:
    """``module.name``, imported lazily, or :class:`StageUnavailable`."""
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise StageUnavailable(f"{module} not importable: {exc}") from exc
    except Exception as exc:  # a module being written may not import cleanly
        raise StageUnavailable(f"{module} failed to import: {type(exc).__name__}: {exc}") from exc
    fn = getattr(mod, name, None)
    if not callable(fn):
        raise StageUnavailable(f"{module}.{name} does not exist")
    return fn  # type: ignore[no-any-return]


def _config(
    paths: list[str], jobs: int | None, kubernetes_version: str | None
) -> tuple[Any, list[str]]:
    """The ``Config`` the command line would use for ``paths`` (the corpus ships a
    ``.k8snetlint.yaml``), with ``jobs`` set when Config has such a field."""
    notes: list[str] = []
    config_cls = _lookup("k8snetlint.config", "Config")
    config = config_cls()
    try:
        found = _lookup("k8snetlint.config", "discover")(paths)
        if found:
            config = _lookup("k8snetlint.config", "load_config")(found)
    except StageUnavailable:
        notes.append("k8snetlint.config has no discover/load_config: default Config used")
    changes: dict[str, Any] = {}
    names = (
        {f.name for f in dataclasses.fields(config)} if dataclasses.is_dataclass(config) else set()
    )
    if kubernetes_version:
        changes["kubernetes_version"] = kubernetes_version
    if jobs is not None and "jobs" in names:
        changes["jobs"] = jobs
    if changes:
        config = dataclasses.replace(config, **changes)
    return config, notes


def _manifests_of(loaded: Any) -> Sequence[Any]:
    """The manifests out of whatever the loader returns."""
    if hasattr(loaded, "manifests"):
        return list(loaded.manifests)
    if isinstance(loaded, tuple) and len(loaded) == 2:
        return list(loaded[0])
    return list(loaded)


def _call_loader(fn: Callable[..., Any], paths: list[str], config: Any) -> Any:
    params = list(inspect.signature(fn).parameters)
    second = params[1] if len(params) > 1 else ""
    if second == "config":
        return fn(paths, config)
    if second == "exclude":
        return fn(paths, tuple(getattr(config, "exclude", ())))
    return fn(paths)


def _kubernetes_version(config: Any) -> str:
    try:
        return str(_lookup("k8snetlint.engine", "resolve_version")(config))
    except StageUnavailable:
        pass
    try:
        return str(_lookup("k8snetlint.validate", "resolve_version")(config.kubernetes_version))
    except StageUnavailable:
        pass
    try:
        return str(_lookup("k8snetlint.validate", "default_version")())
    except StageUnavailable:
        return str(config.kubernetes_version or "")


def _cli_command() -> list[str]:
    script = Path(sys.executable).parent / "k8snetlint"
    if script.is_file():
        return [str(script)]
    found = shutil.which("k8snetlint")
    return [found] if found else [sys.executable, "-m", "k8snetlint"]


def _cli_supports(cmd: list[str], option: str) -> bool:
    try:
        out = subprocess.run(
            [*cmd, "check", "--help"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return option in out.stdout


def _report_objects(data: Any) -> int | None:
    """The number of checked objects stated by a JSON report."""
    if not isinstance(data, dict):
        return None
    summary = data.get("summary")
    if isinstance(summary, dict) and isinstance(summary.get("objects"), int):
        return int(summary["objects"])
    objects = data.get("objects")
    if isinstance(objects, int):
        return objects
    if isinstance(objects, list):
        return len(objects)
    return None


def _report_findings(data: Any) -> dict[str, int] | None:
    if isinstance(data, dict) and isinstance(data.get("summary"), dict):
        s = data["summary"]
        return {k: int(s[k]) for k in ("error", "warning", "info") if isinstance(s.get(k), int)}
    return None


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".replace("\n", " ")
    return text if len(text) <= 160 else text[:157] + "..."


# --------------------------------------------------------------------------- stages


def _baseline(files: list[Path]) -> Callable[[], int]:
    try:
        import yaml
    except ImportError as exc:
        raise StageUnavailable("PyYAML is not installed") from exc
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        raise StageUnavailable("PyYAML has no C loader (libyaml missing): no fair baseline")

    def run() -> int:
        docs = 0
        for path in files:
            with path.open("rb") as fh:
                for doc in yaml.load_all(fh, Loader=loader):
                    if doc is not None:
                        docs += 1
        return docs

    return run


@dataclass
class Bench:
    """One benchmark run: options plus the resolved entry points."""

    mode: str
    repeat: int
    jobs: int | None
    stages: tuple[str, ...]
    kubernetes_version: str | None
    seed: int
    notes: list[str] = field(default_factory=list)
    cli_jobs: bool = False

    def measure(
        self, size: int, root: Path, dense: tuple[int, int, int] | None = None
    ) -> SizeResult:
        """Measure the bench corpus of ``size`` objects, or the policy-dense corpus of
        ``dense`` = (workloads, policies, services)."""
        name = f"corpus-{size}" if dense is None else "dense-{}-{}-{}".format(*dense)
        corpus = root / name
        if corpus.exists():
            shutil.rmtree(corpus)
        if dense is None:
            gen_s, counts = _timed(lambda: generate(corpus, size, self.seed))
        else:
            gen_s, counts = _timed(lambda: generate_policy_dense(corpus, *dense, seed=self.seed))
            size = sum(counts.values())
        files = list(iter_files(corpus))
        paths = [str(corpus)]
        stages = {n: Stage(n, LABELS[n]) for n in STAGES if n in self.stages}
        if "check" in stages:
            stages["check"].label = f"check ({self.mode})"
        result = SizeResult(size, len(files), gen_s, counts, stages)
        if dense is not None:
            result.corpus = "policy-dense"
        generated = sum(counts.values())

        runners: dict[str, Callable[[], Any]] = {}
        config: Any = None
        try:
            config, notes = _config(paths, self.jobs, self.kubernetes_version)
            for note in notes:
                if note not in self.notes:
                    self.notes.append(note)
        except StageUnavailable as exc:
            for name in ("check", "loader", "validate", "model", "graph", "connections"):
                if name in stages:
                    stages[name].status, stages[name].note = "n/a", str(exc)

        def prepare(name: str, make: Callable[[], Callable[[], Any]]) -> None:
            if name not in stages or stages[name].status != "ok":
                return
            try:
                runners[name] = make()
            except StageUnavailable as exc:
                stages[name].status, stages[name].note = "n/a", str(exc)

        prepare("baseline", lambda: _baseline(files))
        if config is not None:
            prepare("check", lambda: self._check(paths, config, result))
            prepare("loader", lambda: self._loader(paths, config))
            prepare("validate", lambda: self._stage_fn("k8snetlint.validate", "validate_all"))
            prepare("model", lambda: self._stage_fn("k8snetlint.model", "build_inventory"))
            prepare("graph", lambda: self._stage_fn("k8snetlint.net", "analyze"))
            prepare("connections", lambda: self._stage_fn("k8snetlint.net", "analyze"))
        version = _kubernetes_version(config) if "validate" in runners else ""

        for _ in range(self.repeat):
            state: dict[str, Any] = {}
            for name, stage in stages.items():
                if stage.status != "ok" or name not in runners:
                    continue
                call = self._bind(name, runners[name], state, config, version)
                if call is None:
                    stage.status = "n/a"
                    stage.note = stage.note or "needs the output of an unavailable stage"
                    continue
                try:
                    seconds, value = _timed(call)
                except Exception as exc:
                    stage.status, stage.note = "error", _short(exc)
                    continue
                stage.samples.append(seconds)
                state[name] = value
            self._verify(result, state, generated)
            state.clear()
            gc.collect()
        return result

    def rule_growth(self, sizes: list[int], root: Path) -> str:
        """Per-rule seconds at each size (median of the rounds), against the PyYAML parse."""
        growth = RuleGrowth(sorted(sizes), {}, {})
        for size in growth.sizes:
            corpus = root / f"corpus-{size}"
            if not corpus.exists():
                generate(corpus, size, self.seed)
            paths = [str(corpus)]
            config, _ = _config(paths, self.jobs, self.kubernetes_version)
            version = _kubernetes_version(config)
            base = _baseline(list(iter_files(corpus)))
            samples: dict[str, list[float]] = {}
            base_s: list[float] = []
            for _ in range(self.repeat):
                base_s.append(_timed(base)[0])
                for name, secs in rule_times(paths, config, version).items():
                    samples.setdefault(name, []).append(secs)
                gc.collect()
            growth.baseline[size] = statistics.median(base_s)
            growth.times[size] = {n: statistics.median(v) for n, v in samples.items()}
        return render_rule_growth(growth)

    def graph_scale(
        self,
        scale: tuple[int, int, int],
        root: Path,
        formats: list[str],
        timeout: float,
        deny_every: int = 4,
    ) -> str:
        """``graph`` and ``reach`` wall time and peak memory on a policy-dense corpus
        (a default deny in every ``deny_every``-th namespace)."""
        w, pol, svc = scale
        corpus = (
            root / f"dense-{w}-{pol}-{svc}"
            if deny_every == 4
            else root / (f"dense-{w}-{pol}-{svc}-deny{deny_every}")
        )
        if not corpus.exists():
            generate_policy_dense(corpus, w, pol, svc, seed=self.seed, deny_every=deny_every)
        files = list(iter_files(corpus))
        objects = 0
        import yaml

        for path in files:
            with path.open("rb") as fh:
                objects += sum(1 for _ in yaml.load_all(fh, Loader=yaml.CSafeLoader))
        # reach: the first workload of the first namespace to the last workload of the
        # last namespace (a pair the generated policies often decide).
        plan = plan_policy_dense(w, pol, svc, self.seed, deny_every)
        workloads = [
            f"{o['metadata']['namespace']}/{o['metadata']['name']}"
            for rel in sorted(plan)
            for o in plan[rel]
            if o["kind"] in ("Deployment", "StatefulSet", "DaemonSet")
        ]
        point = measure_graph_scale(
            corpus,
            w,
            pol,
            objects,
            _baseline(files),
            self.repeat,
            timeout,
            formats,
            (workloads[0], workloads[-1]),
        )
        return render_graph_scale(point)

    # Each stage factory returns a callable; _bind feeds it the previous stages' output.

    def _stage_fn(self, module: str, name: str) -> Callable[..., Any]:
        return _lookup(module, name)

    def _loader(self, paths: list[str], config: Any) -> Callable[[], Any]:
        fn = _lookup("k8snetlint.loader", "load_paths")
        return lambda: _manifests_of(_call_loader(fn, paths, config))

    def _bind(
        self,
        name: str,
        runner: Callable[..., Any],
        state: dict[str, Any],
        config: Any,
        version: str,
    ) -> Callable[[], Any] | None:
        if name in ("baseline", "check", "loader"):
            return runner
        manifests = state.get("loader")
        if manifests is None:
            return None
        if name == "validate":
            return lambda: list(runner(manifests, version))
        if name == "model":
            return lambda: runner(manifests, config)
        inventory = state.get("model")
        if inventory is None:
            return None
        if name == "graph":
            return lambda: runner(inventory, config)
        if name == "connections":
            conn = state.get("graph")
            if conn is None or not hasattr(conn, "connections"):
                return None
            # A fresh analysis each time so the cached property is really computed.
            fresh = runner(inventory, config)
            return lambda: len(fresh.connections)
        return None

    def _check(self, paths: list[str], config: Any, result: SizeResult) -> Callable[[], Any]:
        if self.mode == "api":
            lint = _lookup("k8snetlint.engine", "lint")
            # engine.lint(paths, config, jobs=None) uses one worker per core, as the
            # command does; an engine without that parameter runs serially.
            kwargs: dict[str, Any] = {}
            if "jobs" in inspect.signature(lint).parameters:
                kwargs["jobs"] = self.jobs
            elif self.jobs is not None and self.jobs != 1:
                note = f"--jobs {self.jobs} not applied in-process: engine.lint has no jobs"
                if note not in self.notes:
                    self.notes.append(note)

            def run_api() -> int | None:
                report = lint(paths, config, **kwargs)
                counts = getattr(report, "counts", None)
                if callable(counts):
                    result.findings = dict(counts())
                objects = getattr(report, "objects", None)
                return len(objects) if objects is not None else None

            return run_api
        cmd = [*_cli_command(), "check", "--format", "json"]
        if self.kubernetes_version:
            cmd += ["--kubernetes-version", self.kubernetes_version]
        if self.jobs is not None and self.cli_jobs:
            cmd += ["--jobs", str(self.jobs)]
        cmd += paths

        def run_cli() -> int | None:
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if proc.returncode not in (0, 1):
                tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
                raise RuntimeError(f"exit {proc.returncode}: {' | '.join(tail)}")
            try:
                data = json.loads(proc.stdout)
            except json.JSONDecodeError as exc:
                raise RuntimeError(f"output is not JSON: {exc}") from exc
            result.findings = _report_findings(data)
            return _report_objects(data)

        return run_cli

    def _verify(self, result: SizeResult, state: dict[str, Any], generated: int) -> None:
        def compare(what: str, got: int | None) -> None:
            if got is None:
                result.checks.setdefault(what, "unknown (no count in the output)")
            elif got == generated:
                result.checks.setdefault(what, "ok")
            else:
                result.checks[what] = f"MISMATCH: {got} != {generated} generated"

        if "baseline" in state:
            compare("baseline documents", state["baseline"])
        if "check" in state:
            compare("report objects", state["check"])
        if "loader" in state:
            compare("loader manifests", len(state["loader"]))


# --------------------------------------------------------------------------- output


def _fmt_s(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _fmt_rate(objects: int, seconds: float | None) -> str:
    return "-" if not seconds else f"{objects / seconds:,.0f}"


def _fmt_ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def render_table(results: list[SizeResult]) -> str:
    header = ("objects", "stage", "median s", "min s", "objects/s", "x baseline", "note")
    rows: list[tuple[str, ...]] = []
    for res in results:
        for name, st in res.stages.items():
            if st.status == "ok" and st.samples:
                note = st.note
            elif st.status == "error":
                note = f"error: {st.note}"
            else:
                note = f"n/a: {st.note}" if st.note else "n/a"
            rows.append(
                (
                    f"{res.objects:,}" + (" dense" if res.corpus != "bench" else ""),
                    st.label,
                    _fmt_s(st.median) if st.samples else "n/a",
                    _fmt_s(st.minimum) if st.samples else "",
                    _fmt_rate(res.objects, st.median) if st.samples else "",
                    _fmt_ratio(res.ratio(name)) if st.samples else "",
                    note,
                )
            )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    right = {0, 2, 3, 4, 5}

    def line(cells: tuple[str, ...]) -> str:
        out = [
            c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(cells)
        ]
        return "  ".join(out).rstrip()

    sep = "  ".join("-" * w for w in widths[:-1]) + "  " + "-" * max(4, widths[-1])
    body: list[str] = [line(header), sep]
    previous = None
    for row in rows:
        if previous is not None and row[0] != previous:
            body.append("")
        body.append(line(row))
        previous = row[0]
    return "\n".join(body)


def render_summary(res: SizeResult) -> str:
    what = "policy-dense corpus: " if res.corpus != "bench" else ""
    parts = [
        f"{what}{res.objects:,} objects in {res.files:,} files "
        f"(generated in {res.generate_seconds:.2f} s)"
    ]
    for what, verdict in res.checks.items():
        parts.append(f"  {what}: {verdict}")
    if res.findings is not None:
        parts.append("  findings: " + ", ".join(f"{v} {k}" for k, v in res.findings.items()))
    return "\n".join(parts)


def environment(bench: Bench) -> dict[str, Any]:
    env: dict[str, Any] = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "mode": bench.mode,
        "repeat": bench.repeat,
        "jobs": bench.jobs,
        "seed": bench.seed,
    }
    try:
        import yaml

        env["pyyaml"] = yaml.__version__
        env["libyaml"] = bool(getattr(yaml, "__with_libyaml__", False))
    except ImportError:
        env["pyyaml"] = None
    try:
        env["k8snetlint"] = str(importlib.import_module("k8snetlint").__version__)
    except Exception:
        env["k8snetlint"] = None
    if hasattr(os, "getloadavg"):
        env["loadavg_start"] = [round(x, 2) for x in os.getloadavg()]
    return env


def to_json(bench: Bench, env: dict[str, Any], results: list[SizeResult]) -> dict[str, Any]:
    sizes: list[dict[str, Any]] = []
    for res in results:
        stages: dict[str, Any] = {}
        for name, st in res.stages.items():
            med = st.median
            stages[name] = {
                "label": st.label,
                "status": st.status if st.samples or st.status != "ok" else "n/a",
                "note": st.note,
                "samples_s": [round(s, 6) for s in st.samples],
                "median_s": None if med is None else round(med, 6),
                "min_s": None if st.minimum is None else round(st.minimum, 6),
                "objects_per_s": None if not med else round(res.objects / med, 1),
                "ratio_to_baseline": None
                if res.ratio(name) is None
                else round(res.ratio(name) or 0.0, 4),
            }
        sizes.append(
            {
                "corpus": res.corpus,
                "objects": res.objects,
                "files": res.files,
                "generate_s": round(res.generate_seconds, 4),
                "counts_by_kind": res.counts_by_kind,
                "checks": res.checks,
                "findings": res.findings,
                "stages": stages,
            }
        )
    return {"environment": env, "notes": bench.notes, "sizes": sizes}


# --------------------------------------------------------------------------- main


def _sizes(text: str) -> list[int]:
    if text.strip().lower() == "none":
        return []
    try:
        sizes = [int(s.replace("_", "")) for s in text.split(",") if s.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a list of integers: {text!r}") from exc
    if not sizes or any(s <= 0 for s in sizes):
        raise argparse.ArgumentTypeError("sizes must be positive integers (or 'none')")
    return sizes


def _triple(text: str) -> tuple[int, int, int]:
    try:
        w, p, s = (int(x.replace("_", "")) for x in text.split(","))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not W,P,S (three integers): {text!r}") from exc
    return w, p, s


def _scale(text: str) -> tuple[int, int, int]:
    """``W`` or ``W,P`` or ``W,P,S``: workloads, policies (W/2), services (9W/10)."""
    parts = [int(x.replace("_", "")) for x in text.split(",") if x.strip()]
    if not 1 <= len(parts) <= 3 or any(x < 1 for x in parts):
        raise argparse.ArgumentTypeError(f"not W[,P[,S]]: {text!r}")
    w = parts[0]
    pol = parts[1] if len(parts) > 1 else w // 2
    svc = parts[2] if len(parts) > 2 else w * 9 // 10
    return w, pol, svc


def _stage_list(text: str) -> tuple[str, ...]:
    names = tuple(s.strip() for s in text.split(",") if s.strip())
    unknown = [n for n in names if n not in STAGES]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown stage(s) {', '.join(unknown)}; choose from {', '.join(STAGES)}"
        )
    return names


def _default_root() -> str | None:
    """Generate into RAM when possible: disk writes on shared machines are very noisy."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        return str(shm)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark k8snetlint against a PyYAML C-loader baseline.",
        epilog="Ratios to the baseline are what to compare; absolute seconds vary with load.",
    )
    parser.add_argument(
        "--sizes", type=_sizes, default=[1000, 10000, 50000], help="corpus sizes (objects)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="rounds per size (median)")
    parser.add_argument(
        "--jobs", type=int, default=None, help="worker processes, if k8snetlint supports it"
    )
    parser.add_argument("--mode", choices=("api", "cli"), default="api", help="how to run check")
    parser.add_argument("--json", type=Path, default=None, help="also write results to FILE")
    parser.add_argument(
        "--stages",
        type=_stage_list,
        default=DEFAULT_STAGES,
        help=f"comma-separated subset of {','.join(STAGES)} (default: all but connections)",
    )
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    parser.add_argument("--kubernetes-version", default=None, help="schemas to validate against")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="generate corpora here and keep them (default: a temporary directory, "
        "in /dev/shm when available, removed at the end)",
    )
    parser.add_argument(
        "--policy-dense",
        type=_triple,
        nargs="?",
        const=(10_000, 5_000, 9_000),
        default=None,
        metavar="W,P,S",
        help="also measure the policy-dense corpus: W workloads, P NetworkPolicies, "
        "S Services (default 10000,5000,9000: about 24k objects)",
    )
    parser.add_argument(
        "--startup",
        action="store_true",
        help="measure check of one small valid file against python -c pass and "
        'python -c "import yaml" (median of --repeat, at least 5)',
    )
    parser.add_argument(
        "--memory",
        action="store_true",
        help="peak memory of `check --format json` per object, per size, against a "
        "PyYAML parse that keeps every document",
    )
    parser.add_argument(
        "--rules",
        type=_sizes,
        default=None,
        metavar="A,B",
        help="time each rule at two bench-corpus sizes (e.g. 10000,50000) and print "
        "its growth factor (1.00 = linear)",
    )
    parser.add_argument(
        "--graph-scale",
        type=_scale,
        default=None,
        metavar="W[,P[,S]]",
        help="time `graph` and `reach` (wall time, peak memory) on the policy-dense "
        "corpus with W workloads (P = W/2 policies, S = 9W/10 Services by default)",
    )
    parser.add_argument(
        "--graph-formats",
        default="txt",
        help="comma-separated graph formats for --graph-scale (default txt)",
    )
    parser.add_argument(
        "--graph-deny-every",
        type=int,
        default=4,
        metavar="N",
        help="--graph-scale corpus: a default deny in every N-th namespace (default 4, "
        "the policy-dense corpus; 1: every namespace, a much sparser map)",
    )
    parser.add_argument(
        "--graph-timeout",
        type=float,
        default=900.0,
        help="seconds before one graph/reach run is killed (default 900)",
    )
    parser.add_argument(
        "--vs-nca",
        nargs="?",
        const="",
        default=None,
        metavar="NCA",
        help="also time `graph` against network-config-analyzer at 200 and 400 workloads "
        "(bench/nca.py; NCA: its executable, default nca on PATH)",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be >= 1")
    if args.graph_deny_every < 1:
        parser.error("--graph-deny-every must be >= 1")
    if args.jobs is not None and args.jobs < 1:
        parser.error("--jobs must be >= 1")

    bench = Bench(
        mode=args.mode,
        repeat=args.repeat,
        jobs=args.jobs,
        stages=args.stages,
        kubernetes_version=args.kubernetes_version,
        seed=args.seed,
    )
    if args.mode == "cli" and args.jobs is not None and "check" in args.stages:
        bench.cli_jobs = _cli_supports(_cli_command(), "--jobs")
        if not bench.cli_jobs:
            bench.notes.append(f"--jobs {args.jobs} ignored in cli mode: check has no --jobs")
    env = environment(bench)
    print(
        f"k8snetlint {env.get('k8snetlint')} | Python {env['python']} | {env['cpus']} CPUs | "
        f"PyYAML {env.get('pyyaml')} (libyaml: {env.get('libyaml')}) | mode {bench.mode} | "
        f"repeat {bench.repeat} | jobs {bench.jobs or 'default'}",
        flush=True,
    )

    results: list[SizeResult] = []
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        root_ctx: Any = None
        root = args.workdir
    else:
        root_ctx = tempfile.TemporaryDirectory(prefix="k8snetlint-bench-", dir=_default_root())
        root = Path(root_ctx.name)
    extra: list[str] = []  # printed after the stage table
    try:
        if args.startup:
            text = render_startup(measure_startup(max(5, args.repeat)))
            print("\n" + text, flush=True)
            extra.append(text)
        points: list[tuple[int, tuple[int, int, int] | None]] = [(n, None) for n in args.sizes]
        if args.policy_dense is not None:
            points.append((0, args.policy_dense))
        for size, dense in points:
            res = bench.measure(size, root, dense)
            results.append(res)
            print("\n" + render_summary(res), flush=True)
            if args.memory:
                name = f"corpus-{size}" if dense is None else "dense-{}-{}-{}".format(*dense)
                corpus_dir = root / name
                label = f"{res.objects:,} objects" + (" (policy-dense)" if dense else "")
                text = render_memory(
                    label,
                    measure_memory(label, corpus_dir, list(iter_files(corpus_dir)), res.objects),
                )
                print(text, flush=True)
                extra.append(text)
        if args.rules:
            text = bench.rule_growth(args.rules, root)
            print("\n" + text, flush=True)
            extra.append(text)
        if args.graph_scale is not None:
            text = bench.graph_scale(
                args.graph_scale,
                root,
                [f for f in args.graph_formats.split(",") if f],
                args.graph_timeout,
                args.graph_deny_every,
            )
            print("\n" + text, flush=True)
            extra.append(text)
        if args.vs_nca is not None:
            import nca

            text = nca.compare(args.vs_nca or None, repeat=args.repeat, root=root / "nca")
            print("\n" + text, flush=True)
            extra.append(text)
    finally:
        if root_ctx is not None:
            root_ctx.cleanup()

    if hasattr(os, "getloadavg"):
        env["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    print()
    if results:
        print(render_table(results))
    for text in extra:
        print()
        print(text)
    for note in bench.notes:
        print(f"note: {note}")
    print(
        f"Medians of {bench.repeat} round(s); 'x baseline' = median / baseline median of "
        "the same size and run. Compare ratios, not seconds."
    )
    if args.json is not None:
        args.json.write_text(json.dumps(to_json(bench, env, results), indent=2) + "\n")
        print(f"wrote {args.json}")

    bad = any(v.startswith("MISMATCH") for r in results for v in r.checks.values())
    errors = any(st.status == "error" for r in results for st in r.stages.values())
    return 1 if bad or errors else 0


if __name__ == "__main__":
    sys.exit(main())
