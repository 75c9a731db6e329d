"""(c) Wall time of a whole ``pytest`` run against a faulty model vs the same run against a healthy one.

The faulty model fails the first request of every question, in turn a 429 with ``Retry-After: 1``, a 503 and
an error inside a 200 body (``python -m pytest_llmbench.testing --faults first-ask``); every retry answers.
Each item then needs two attempts, so twice the healthy run's request time is what perfect retrying costs.
Both runs are measured in the same run of this script, one after the other, against servers in their own
processes. It also prints the summary's ``traffic:`` lines (retries, 429s, waiting, the adaptive limit).
Target: faulty wall <= 2x healthy wall (N=400, C=16, L=200 ms).

    python benchmarks/perf/perf_faulty_model.py [--items 400] [--latency 0.2] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import Run, fake_server, llm_args, run_pytest, write_project

TARGET = 2.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=400)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    runs: dict[str, tuple[Run, list[str]]] = {}
    with tempfile.TemporaryDirectory(prefix="llmbench-perf-") as tmp:
        project = write_project(Path(tmp) / "project", args.items)
        for name, faults in (("warm-up", "none"), ("healthy", "none"), ("faulty", "first-ask")):
            with fake_server(args.latency, faults=faults) as url:
                run = run_pytest(project, llm_args(
                    Path(tmp) / f"{name}.db", "--llm-models=perf/model", f"--llm-base-url={url}",
                    f"--llm-concurrency={args.concurrency}", "--llm-cache=off", "--llm-timeout=30",
                ))
            output = (project / ".perf-out.txt").read_text().splitlines()
            runs[name] = (run, [line.strip() for line in output if line.strip().startswith("traffic:")])
    healthy, faulty = runs["healthy"][0], runs["faulty"][0]
    ratio = faulty.wall / healthy.wall
    print(f"{args.items} items, C={args.concurrency}, {args.latency * 1000:.0f} ms latency; {os.cpu_count()} CPUs, "
          f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
    for name in ("healthy", "faulty"):
        run, traffic = runs[name]
        print(f"{name:>8}: {run.wall:6.2f} s wall  {run.tail}")
        for line in traffic:
            print(f"          {line}")
    met = ratio <= TARGET
    print(f"faulty / healthy: {ratio:.2f}x (target <= {TARGET:.1f}x){'' if met else '   <-- target missed'}")
    return 0 if met and healthy.exit_code == faulty.exit_code == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
