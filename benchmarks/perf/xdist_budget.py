"""(d) One budget under xdist: what ``-n 4 --llm-max-cost=B`` spends next to the serial run with the same B.

Both runs ask the fake OpenRouter server (its own process) for N items of ``openai/gpt-4o-mini``, billed at the
bundled snapshot's prices (``--catalog-prices``: as OpenRouter bills its catalog's prices, which the
reservations read), with the response cache off, in the same run of this script. Spent is the sum of the
stored results' billed cost. Targets: xdist spent <= B, and at least 95% of what the serial run spent.

    python benchmarks/perf/xdist_budget.py [--items 200] [--budget 0.001] [--workers 4]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import fake_server, llm_args, run_pytest, write_project


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--budget", type=float, default=0.001)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--latency", type=float, default=0.1)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    rows = []
    with (tempfile.TemporaryDirectory(prefix="llmbench-perf-") as tmp,
          fake_server(args.latency, catalog_prices=True) as url):
        project = write_project(Path(tmp) / "project", args.items)
        for name, extra in (("serial", ()), (f"-n {args.workers}", ("-n", str(args.workers)))):
            db = Path(tmp) / f"{name.replace(' ', '')}.db"
            run = run_pytest(project, llm_args(db, "--llm-models=openai/gpt-4o-mini", f"--llm-base-url={url}",
                                               "--llm-cache=off", "--llm-concurrency=16",
                                               f"--llm-max-cost={args.budget}", "-p", "xdist", *extra))
            with sqlite3.connect(db) as con:
                spent, asked = con.execute("select coalesce(sum(cost_usd), 0), count(cost_usd) "
                                           "from benchmark_results").fetchone()
            rows.append((name, float(spent), int(asked), run))
    print(f"{args.items} items, budget ${args.budget}, fake server latency {args.latency * 1000:.0f} ms; "
          f"{os.cpu_count()} CPUs, load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
    serial_spent = rows[0][1]
    ok = True
    for name, spent, asked, run in rows:
        share = spent / serial_spent if serial_spent else float("nan")
        within = spent <= args.budget + 1e-12
        ok &= within and (name == "serial" or share >= 0.95)
        print(f"{name:>8}: spent ${spent:.6f} of ${args.budget} ({'within' if within else 'OVER'}), "
              f"{asked} items answered, {share:.3f}x the serial spend, {run.wall:.1f} s  {run.tail}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
