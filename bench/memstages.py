"""Where the memory of ``k8snetlint check`` goes, stage by stage (tracemalloc).

    python bench/memstages.py DIR [--jobs N] [--top 12]

Loads ``DIR`` as ``check`` does (its ``.k8snetlint.yaml`` if any), then runs the rules
and renders the JSON report, printing the traced memory held after each stage and the
peak within it; the rules that hold or pass through more than 1 MiB (the first rule
that needs the inventory or the connectivity analysis pays for building it); and the
source lines holding the most memory after loading and what the run added. Traced
memory is what Python allocated after start-up (imports before tracing are not in it);
the process's peak RSS is printed too (inflated by tracemalloc's own bookkeeping:
compare it with ``run.py --memory``). Slow: about 3x a plain run.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

MIB = 1024 * 1024


def _rss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: cores)")
    parser.add_argument("--top", type=int, default=12, help="source lines to list")
    args = parser.parse_args(argv)

    from k8snetlint import engine
    from k8snetlint.cli import render_report
    from k8snetlint.config import Config, discover, load_config

    found = discover([args.dir])
    cfg = load_config(found) if found else Config()
    version = engine.resolve_version(cfg)
    tracemalloc.start(1)
    loaded = engine.load([args.dir], cfg, jobs=args.jobs, version=version)
    gc.collect()
    cur, peak = tracemalloc.get_traced_memory()
    objects = max(1, len(loaded.manifests))
    print(f"{len(loaded.manifests):,} objects")
    print(
        f"load:   held {cur / MIB:7.1f} MiB ({cur / objects / 1024:.2f} KiB/object), "
        f"peak {peak / MIB:7.1f} MiB"
    )
    after_load = tracemalloc.take_snapshot()

    import k8snetlint.checks as checks_module

    checks = checks_module.CHECKS

    def traced(name: str, fn: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
        def run(ctx: Any, params: Any) -> Iterator[Any]:
            tracemalloc.reset_peak()
            before, _ = tracemalloc.get_traced_memory()
            hits = list(fn(ctx, params))
            now, top = tracemalloc.get_traced_memory()
            if top - before > MIB or now - before > MIB:
                print(
                    f"  rule {name:45s} held +{(now - before) / MIB:7.1f} MiB, "
                    f"peak +{(top - before) / MIB:7.1f} MiB"
                )
            return iter(hits)

        return run

    class Traced(dict[str, Any]):
        def __getitem__(self, key: str) -> Any:
            return traced(key, checks[key])

    engine.CHECKS = Traced()  # type: ignore[assignment]
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    try:
        report = engine.run(loaded, cfg, version)
    finally:
        engine.CHECKS = checks
    cur, peak = tracemalloc.get_traced_memory()
    print(
        f"run:    held {cur / MIB:7.1f} MiB (+{(cur - before) / MIB:.1f}), "
        f"peak {peak / MIB:7.1f} MiB (+{(peak - before) / MIB:.1f})"
    )
    after_run = tracemalloc.take_snapshot()
    tracemalloc.reset_peak()
    before = cur
    text = render_report(report, "json")
    cur, peak = tracemalloc.get_traced_memory()
    print(
        f"report: {len(text) / MIB:.1f} MiB of JSON, held +{(cur - before) / MIB:.1f} MiB, "
        f"peak +{(peak - before) / MIB:.1f} MiB"
    )
    print(f"peak RSS {_rss():.0f} MiB (with tracemalloc)")
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__)]
    print("\nheld after loading, by source line:")
    for st in after_load.filter_traces(ignore).statistics("lineno")[: args.top]:
        print(f"  {st.size / MIB:8.2f} MiB {st.count:10,} blocks  {st.traceback}")
    print("\nadded by the run (held at its end), by source line:")
    diff = after_run.filter_traces(ignore).compare_to(after_load.filter_traces(ignore), "lineno")
    for st in diff[: args.top]:
        print(f"  {st.size_diff / MIB:8.2f} MiB {st.count_diff:10,} blocks  {st.traceback}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
