"""(b) Item rate of a fully cached rerun of N items vs bare pytest running N trivial parametrized tests.

A first run against the fake server (its own process, no latency) fills the response cache; the measured
rerun is the same command, every answer served from the cache (checked in the database: every row cached,
the server asked nothing more). Bare pytest runs N ``assert i >= 0`` tests. Both are whole ``python -m
pytest`` subprocesses, measured in the same run of this script, alternating, best of ``--repeat``.
Target: the cached rerun at least 0.5x bare pytest's item rate.

    python benchmarks/perf/perf_cached_rerun.py [--items 10000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import Run, bare_args, fake_server, llm_args, run_pytest, write_bare_project, write_project

TARGET = 0.5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="llmbench-perf-") as tmp, fake_server(0.0) as url:
        project = write_project(Path(tmp) / "llm", args.items)
        bare = write_bare_project(Path(tmp) / "bare", args.items)
        db = Path(tmp) / "cache.db"
        llm = llm_args(db, "--llm-models=perf/model", f"--llm-base-url={url}", "--llm-concurrency=64")
        fill = run_pytest(project, llm)  # also warms the byte-code cache for the runs measured below
        run_pytest(bare, [*bare_args(), "--collect-only"])
        reruns: list[Run] = []
        bares: list[Run] = []
        for _ in range(args.repeat):
            bares.append(run_pytest(bare, bare_args()))
            reruns.append(run_pytest(project, llm))
        with sqlite3.connect(db) as conn:
            per_run = conn.execute("select run_id, count(*), sum(cached) from benchmark_results group by run_id")
            cached_ok = all(n == args.items and (run_id == 1 or hits == n) for run_id, n, hits in per_run)
    best_rerun = min(reruns, key=lambda r: r.wall)
    best_bare = min(bares, key=lambda r: r.wall)
    rerun_rate, bare_rate = args.items / best_rerun.wall, args.items / best_bare.wall
    ratio = rerun_rate / bare_rate
    print(f"{args.items} items; whole pytest runs (interpreter start to exit), best of {args.repeat}")
    print(f"{'run':<28} {'wall s':>7} {'items/s':>8} {'cpu s':>7} {'rss MB':>7}  pytest says")
    print(
        f"{'fill the cache (uncached)':<28} {fill.wall:>7.2f} {args.items / fill.wall:>8.0f} {fill.cpu:>7.2f} "
        f"{fill.peak_rss_mb:>7.0f}  {fill.tail}"
    )
    print(
        f"{'bare pytest, trivial tests':<28} {best_bare.wall:>7.2f} {bare_rate:>8.0f} {best_bare.cpu:>7.2f} "
        f"{best_bare.peak_rss_mb:>7.0f}  {best_bare.tail}"
    )
    print(
        f"{'cached rerun':<28} {best_rerun.wall:>7.2f} {rerun_rate:>8.0f} {best_rerun.cpu:>7.2f} "
        f"{best_rerun.peak_rss_mb:>7.0f}  {best_rerun.tail}"
    )
    print(
        f"cached rerun / bare pytest item rate: {ratio:.2f}x (target >= {TARGET:.2f}x)"
        f"{'' if ratio >= TARGET else '   <-- target missed'}; every rerun item cached: {cached_ok}"
    )
    return 0 if ratio >= TARGET and cached_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
