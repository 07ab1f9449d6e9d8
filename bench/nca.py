"""``k8snetlint graph`` against network-config-analyzer's connectivity map, end to end.

Both tools run as subprocesses on the same policy-dense corpora (``bench/corpus.py``
``generate_policy_dense``: W workloads of mixed kinds, W/2 NetworkPolicies, 9W/10
Services), start-up included, each writing its text map to standard output (captured
to a file), interleaved, one untimed warm-up run of each first, bytecode cached as
installed software runs; the figure is the ratio of the medians (nca / k8snetlint),
wall time and CPU time (user + system). Issue 10's targets: at least 20x at 200
workloads and 100x at 400.

network-config-analyzer (``pip install network-config-analyzer``, the ``nca``
command) is not a dependency of k8snetlint: install it in a virtual environment of
its own and pass its path with ``--nca``, or put ``nca`` on ``PATH``. Without it this
script says so and exits 0.

    python bench/nca.py [--nca PATH] [--scales 200,400] [--repeat 3] [--workdir DIR]

The nca command line is its connectivity query on a folder of manifests::

    nca --connectivity DIR --pod_list DIR --ns_list DIR --output_format txt
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from corpus import generate_policy_dense
from measures import Proc, cli_command, run_measured

TARGETS = {200: 20.0, 400: 100.0}


def find_nca(given: str | None) -> str | None:
    """The nca executable: ``given`` (a path or a command name), else ``nca`` on PATH."""
    if given:
        path = Path(given)
        if path.is_file():
            return str(path.resolve())
        return shutil.which(given)
    return shutil.which("nca")


def nca_command(nca: str, corpus: Path) -> list[str]:
    d = str(corpus)
    return [nca, "--connectivity", d, "--pod_list", d, "--ns_list", d, "--output_format", "txt"]


def k8snetlint_command(corpus: Path) -> list[str]:
    return [*cli_command(), "graph", "--format", "text", str(corpus)]


@dataclass
class Point:
    workloads: int
    policies: int
    services: int
    objects: int = 0
    k8snetlint: list[Proc] = field(default_factory=list)
    nca: list[Proc] = field(default_factory=list)
    error: str = ""

    @staticmethod
    def _median(runs: list[Proc], cpu: bool = False) -> float:
        return statistics.median(p.cpu if cpu else p.seconds for p in runs)

    def medians(self, cpu: bool = False) -> tuple[float, float]:
        return self._median(self.k8snetlint, cpu), self._median(self.nca, cpu)


def _failed(name: str, proc: Proc) -> str:
    tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
    return f"{name}: exit {proc.returncode}: {' | '.join(tail)}"


def measure(
    nca: str, workloads: int, root: Path, repeat: int, timeout: float, seed: int = 0
) -> Point:
    point = Point(workloads, workloads // 2, workloads * 9 // 10)
    corpus = root / f"nca-dense-{point.workloads}-{point.policies}-{point.services}"
    if not corpus.is_dir():
        counts = generate_policy_dense(
            corpus, point.workloads, point.policies, point.services, seed=seed
        )
        point.objects = sum(counts.values())
    else:
        point.objects = sum(1 for _ in corpus.rglob("*.yaml"))
    commands = {
        "k8snetlint": k8snetlint_command(corpus),
        "nca": nca_command(nca, corpus),
    }
    # as installed software runs: bytecode cached (in a folder of the work directory,
    # whatever PYTHONDONTWRITEBYTECODE says), after one warm-up run of each
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(root / "pycache")
    # nca exits 0 for a connectivity map; k8snetlint graph too
    for name, cmd in commands.items():
        proc = run_measured(cmd, cwd=str(root), timeout=timeout, env=env)
        if proc.returncode != 0:
            point.error = _failed(name, proc)
            return point
    for _ in range(max(1, repeat)):
        for name, cmd in commands.items():
            proc = run_measured(cmd, cwd=str(root), timeout=timeout, env=env)
            if proc.returncode != 0:
                point.error = _failed(name, proc)
                return point
            getattr(point, name).append(proc)
    return point


def render(points: Sequence[Point], repeat: int) -> str:
    lines = [
        f"graph vs network-config-analyzer (txt map, end to end, median of {repeat}, "
        "interleaved; wall s, CPU s in parentheses)",
        "  workloads  policies  services   k8snetlint s (cpu)      nca s (cpu)     "
        "nca/k8snetlint (cpu)  target",
    ]
    for p in points:
        head = f"  {p.workloads:9,d} {p.policies:9,d} {p.services:9,d}"
        if p.error:
            lines.append(f"{head}   error: {p.error}")
            continue
        ours, theirs = p.medians()
        ours_cpu, theirs_cpu = p.medians(cpu=True)
        target = TARGETS.get(p.workloads)
        goal = f"{target:5.0f}x" if target else "     -"
        lines.append(
            f"{head}   {ours:8.3f} ({ours_cpu:6.3f})  {theirs:8.3f} ({theirs_cpu:7.3f})"
            f"   {theirs / ours:8.1f}x ({theirs_cpu / ours_cpu:6.1f}x)  {goal}"
        )
    return "\n".join(lines)


def compare(
    nca: str | None,
    scales: Sequence[int] = (200, 400),
    repeat: int = 3,
    root: Path | None = None,
    timeout: float = 900.0,
) -> str:
    """The comparison table, or why it was skipped."""
    path = find_nca(nca)
    if path is None:
        return (
            "graph vs network-config-analyzer: skipped, no nca executable "
            f"({'not found: ' + nca if nca else 'none on PATH'}); install it apart, e.g. "
            "`python3 -m venv .nca-venv && .nca-venv/bin/pip install "
            "network-config-analyzer==2.1.0`, and pass --nca .nca-venv/bin/nca"
        )
    with tempfile.TemporaryDirectory(prefix="k8snetlint-nca-", dir=_shm()) as tmp:
        where = root if root is not None else Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        points = []
        for w in scales:
            point = measure(path, w, where, repeat, timeout)
            points.append(point)
            print(render([point], repeat).splitlines()[-1], file=sys.stderr, flush=True)
    return render(points, repeat)


def _shm() -> str | None:
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() else None


def _scales(text: str) -> list[int]:
    try:
        out = [int(x) for x in text.split(",") if x.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a list of integers: {text!r}") from exc
    if not out or any(n < 2 for n in out):
        raise argparse.ArgumentTypeError("workload counts must be at least 2")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nca", default=None, help="the nca executable (default: nca on PATH)")
    parser.add_argument(
        "--scales",
        type=_scales,
        default=[200, 400],
        help="comma-separated workload counts W (W/2 policies, 9W/10 Services; default 200,400)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="rounds (median; default 3)")
    parser.add_argument("--workdir", type=Path, default=None, help="keep the corpora here")
    parser.add_argument(
        "--timeout", type=float, default=900.0, help="seconds before a run is killed"
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be >= 1")
    text = compare(args.nca, args.scales, args.repeat, args.workdir, args.timeout)
    print(text)
    return 1 if "error:" in text else 0


if __name__ == "__main__":
    sys.exit(main())
