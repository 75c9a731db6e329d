"""How much worker-side prefetch buys under pytest-xdist, against the fake server with a fixed latency.

Runs the same benchmark (N questions x 1 model) serially, with ``-n 4``, and with ``-n 4`` but the worker
prefetch plugin blocked (``-p no:llmbench-xdist-worker``), and prints wall times and ratios to the ideal
(items x latency / concurrency). Usage: python benchmarks/perf/xdist_prefetch.py [N] [LATENCY_S]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pytest_llmbench.testing import FakeOpenRouter


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 96
    latency = float(sys.argv[2]) if len(sys.argv) > 2 else 0.25
    concurrency = 16
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        rows = [{"question": f"Question {i}?", "answer": str(i)} for i in range(n)]
        (root / "q.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
        (root / "test_bench.py").write_text("def test_q(llm_response):\n    pass\n")
        (root / "pytest.ini").write_text("[pytest]\n")
        ideal = n * latency / concurrency
        print(f"{n} items, {latency * 1000:.0f} ms latency, concurrency {concurrency}: ideal {ideal:.1f} s")
        for label, extra in (("serial", []), ("-n 4", ["-n", "4"]),
                             ("-n 4, no worker prefetch", ["-n", "4", "-p", "no:llmbench-xdist-worker"])):
            with FakeOpenRouter(latency=latency, record=False) as server:
                t0 = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--llm-dataset=q.jsonl",
                     "--llm-sample=all", "--llm-models=openai/gpt-4o-mini", f"--llm-base-url={server.base_url}",
                     f"--llm-concurrency={concurrency}", "--llm-cache=off", f"--llm-db=sqlite:///{root / 'r.db'}",
                     *extra],
                    cwd=root, check=False, stdout=subprocess.DEVNULL,
                )
                wall = time.perf_counter() - t0
                print(f"{label:>26}: {wall:6.1f} s  ({wall / ideal:4.1f}x ideal), peak in flight "
                      f"{server.max_in_flight}")


if __name__ == "__main__":
    main()
