"""(c) Peak RSS of a whole ``pytest`` run of N items (default 10,000) against the fake server.

The fake server runs in its own process (its memory is not counted); the run prefetches every item at
concurrency 64, grades and stores them. Peak RSS comes from ``wait4`` on the pytest process, plus the peak
of its HTTP worker process (``providers/_remote.py``), read from /proc while it runs. Bare pytest
with N trivial tests is measured alongside for reference. Target: at most 300 MB.

    python benchmarks/perf/perf_memory.py [--items 10000] [--latency 0.02]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import bare_args, fake_server, llm_args, run_pytest, write_bare_project, write_project

TARGET_MB = 300


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.02)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="llmbench-perf-") as tmp, fake_server(args.latency) as url:
        project = write_project(Path(tmp) / "llm", args.items)
        bare = write_bare_project(Path(tmp) / "bare", args.items)
        run_pytest(project, llm_args(Path(tmp) / "warm.db", "--collect-only"))  # warm the byte-code cache
        llm = run_pytest(
            project,
            llm_args(Path(tmp) / "m.db", "--llm-models=perf/model", f"--llm-base-url={url}", "--llm-concurrency=64"),
            watch_children=True,
        )
        base = run_pytest(bare, bare_args())
    print(f"{args.items} items, fake server in its own process ({args.latency * 1000:.0f} ms latency), C=64")
    print(f"{'run':<28} {'peak RSS MB':>11} {'wall s':>7}  pytest says")
    print(f"{'bare pytest, trivial tests':<28} {base.peak_rss_mb:>11.0f} {base.wall:>7.2f}  {base.tail}")
    print(f"{'pytest-llmbench run':<28} {llm.peak_rss_mb:>11.0f} {llm.wall:>7.2f}  {llm.tail}")
    print(f"{'  its HTTP worker process':<28} {llm.children_peak_mb:>11.0f}")
    # Both processes live for the whole run: their peaks add up.
    total = llm.peak_rss_mb + llm.children_peak_mb
    met = total <= TARGET_MB
    print(
        f"peak RSS {llm.peak_rss_mb:.0f} MB + {llm.children_peak_mb:.0f} MB HTTP worker = {total:.0f} MB "
        f"(target <= {TARGET_MB} MB){'' if met else '   <-- target missed'}"
    )
    return 0 if met and llm.exit_code == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
