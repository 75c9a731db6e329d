"""(a) Wall time of a whole ``pytest`` run vs the ideal N x L / C, against the fake server, at C=64 and 128.

N items (default 2,000) each answered after L seconds (default 0.4) by the fake OpenRouter server running in
its own process; the ideal is what perfect concurrency would take: N x L / C. The measured time is the whole
``python -m pytest`` subprocess: interpreter start, collection, prefetch, every item's test, grading,
storing and the summary. Targets: <= 1.10x at C=64, <= 1.20x at C=128.

It also prints the fixed part every run pays whatever the engine does (the same command with
``--collect-only``: interpreter start, plugin loading, collecting N items, exit) and (wall - fixed) / ideal,
the share the engine and the per-item work can influence; the same N requests sent through the engine
alone (no pytest: ``Engine`` + the in-process ``OpenRouterProvider`` in a plain subprocess; the pytest run
itself moves HTTP to a worker process from C=32, see ``providers/_remote.py``); and the machine's load average,
since a shared machine's other work inflates every wall time.

Last, the floor: bare pytest collecting N trivial tests (this plugin disabled) plus the same N requests
through bare httpx (no engine, no pytest), over the ideal. No plugin built on pytest and httpx can finish
below it on the machine at hand, so a target under the floor is out of reach there.

    python benchmarks/perf/perf_engine_wall.py [--items 2000] [--latency 0.4] [--concurrency 64,128]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import bare_args, fake_server, llm_args, run_pytest, write_bare_project, write_project

TARGETS = {64: 1.10, 128: 1.20}

# The engine alone in its own process: same requests, same server, no pytest. Prints the wall seconds.
ENGINE_ONLY = """
import sys, time
from pytest_llmbench.engine.core import Engine, EngineSettings, Job
from pytest_llmbench.providers.openrouter import OpenRouterProvider
from pytest_llmbench.types import ChatRequest
url, n, c, stream = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "on"
engine = Engine([OpenRouterProvider.for_concurrency("k", c, url)], EngineSettings(concurrency=c, cache_mode="off"))
jobs = [Job(str(i), ChatRequest("perf/model", ({"role": "user", "content": f"Clue number {i}: the Red Planet"},),
                                stream=stream)) for i in range(n)]
t0 = time.perf_counter()
engine.submit(jobs)
assert all(engine.result(j).ok for j in jobs)
print(time.perf_counter() - t0)
engine.close()
"""

# The floor: the same N streamed requests through bare httpx (no engine, no pytest), with the same pool layout
# as the engine (ceil(C/16) clients of 16 connections, see providers/openrouter.clients_for). Prints wall s.
HTTPX_ONLY = """
import asyncio, math, sys, time, httpx
url, n, c, stream = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "on"
async def main():
    k = math.ceil(c / 16)
    per = min(c, 16)
    clients = [httpx.AsyncClient(limits=httpx.Limits(max_connections=per, max_keepalive_connections=per),
                                 timeout=60) for _ in range(k)]
    gate = asyncio.Semaphore(c)
    async def one(i):
        async with gate:
            body = {"model": "perf/model", "stream": stream,
                    "messages": [{"role": "user", "content": f"Clue number {i}: the Red Planet"}]}
            if stream:
                async with clients[i % k].stream("POST", url + "/chat/completions", json=body) as response:
                    async for _ in response.aiter_lines():
                        pass
            else:
                (await clients[i % k].post(url + "/chat/completions", json=body)).json()
    t0 = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    print(time.perf_counter() - t0)
asyncio.run(main())
"""


def _seconds(script: str, *args: object) -> float:
    out = subprocess.run([sys.executable, "-c", script, *map(str, args)], capture_output=True, text=True, check=True)
    return float(out.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.4)
    parser.add_argument("--concurrency", default="64,128")
    parser.add_argument("--stream", default="on", choices=["on", "off"])
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    rows = []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="llmbench-perf-") as tmp, fake_server(args.latency) as url:
        project = write_project(Path(tmp) / "project", args.items)

        def command(db: Path, concurrency: int, *extra: str) -> list[str]:
            return llm_args(
                db,
                "--llm-models=perf/model",
                f"--llm-base-url={url}",
                f"--llm-concurrency={concurrency}",
                "--llm-cache=off",
                f"--llm-stream={args.stream}",
                *extra,
            )

        # Warm the OS file cache and the byte-code cache so the first measured run pays no more than the next.
        run_pytest(project, command(Path(tmp) / "warm.db", levels[0], "--collect-only"))
        # What every run pays whatever the engine does: interpreter start, plugins, collecting N items, exit.
        fixed = min(
            (run_pytest(project, command(Path(tmp) / "f.db", levels[0], "--collect-only")) for _ in range(2)),
            key=lambda r: r.wall,
        )
        # pytest's own share of that, without this plugin: N trivial parametrized tests, collected only (a
        # sibling folder: inside the project, the measured runs would collect these tests too).
        bare = write_bare_project(Path(tmp) / "bare", args.items)
        bare_fixed = min(
            (run_pytest(bare, [*bare_args(), "-p", "no:llmbench", "--collect-only"]) for _ in range(3)),
            key=lambda r: r.wall,
        )
        for concurrency in levels:
            run = run_pytest(project, command(Path(tmp) / f"c{concurrency}.db", concurrency))
            alone = _seconds(ENGINE_ONLY, url, args.items, concurrency, args.stream)
            httpx_alone = min(_seconds(HTTPX_ONLY, url, args.items, concurrency, args.stream) for _ in range(2))
            rows.append((concurrency, args.items * args.latency / concurrency, run, alone, httpx_alone))
    print(
        f"{args.items} items, {args.latency * 1000:.0f} ms latency, fake server in its own process, "
        f"stream={args.stream}; {os.cpu_count()} CPUs, load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after"
    )
    print(f"startup + collection + exit alone (--collect-only): {fixed.wall:.2f} s wall, {fixed.cpu:.2f} s cpu")
    print(f"  of which bare pytest collecting {args.items} trivial tests without this plugin: {bare_fixed.wall:.2f} s")
    print(
        f"{'C':>5} {'ideal s':>8} {'wall s':>8} {'ratio':>7} {'target':>7} {'(wall-fixed)/ideal':>19} "
        f"{'engine alone':>13} {'cpu s':>7} {'rss MB':>7}  pytest says"
    )
    ok = True
    for concurrency, ideal, run, alone_s, _ in rows:
        ratio = run.wall / ideal
        target = TARGETS.get(concurrency)
        met = target is None or ratio <= target
        ok &= met and run.exit_code == 0
        print(
            f"{concurrency:>5} {ideal:>8.2f} {run.wall:>8.2f} {ratio:>6.2f}x "
            f"{(f'{target:.2f}x' if target else '-'):>7} {(run.wall - fixed.wall) / ideal:>18.2f}x "
            f"{alone_s / ideal:>12.2f}x {run.cpu:>7.2f} {run.peak_rss_mb:>7.0f}  {run.tail}"
            f"{'' if met else '   <-- target missed'}"
        )
    # The floor no pytest plugin can beat on this machine: pytest's own start-up and collection, then the same
    # requests through bare httpx. A target below its floor cannot be met here by any engine.
    print("floor: bare pytest collection + the same requests through bare httpx (no engine, no pytest)")
    print(f"{'C':>5} {'httpx alone s':>14} {'floor s':>8} {'floor ratio':>12} {'target':>7}")
    for concurrency, ideal, _, _, httpx_s in rows:
        floor = bare_fixed.wall + httpx_s
        target = TARGETS.get(concurrency)
        below = target is not None and floor / ideal > target
        print(
            f"{concurrency:>5} {httpx_s:>14.2f} {floor:>8.2f} {floor / ideal:>11.2f}x "
            f"{(f'{target:.2f}x' if target else '-'):>7}{'   <-- target below the floor' if below else ''}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
