"""A judge-graded run's wall time vs the ideal 2 x N x L / C, against the fake server (target: <= 2.5x).

N items (default 400), each answered after L seconds (default 0.2) and then judged after L seconds by a judge
model whose verdicts come from a verdict file (the fake server's judge mode, ``testing/_judge.py``), at
concurrency C (default 32). Every item needs two requests of L seconds, so perfect concurrency takes
2 x N x L / C. The measured time is the whole ``python -m pytest`` subprocess (start, collection, answers,
judging, storing, summary); the fixed part (``--collect-only``) is printed too. ``--jury 3`` asks three judges
per item (the ideal is then (1 + 3) x N x L / C).

    python benchmarks/perf/perf_judge.py [--items 400] [--latency 0.2] [--concurrency 32] [--jury 1]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import ANSWER, fake_server, llm_args, run_pytest, write_project

TARGET = 2.5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=400)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--jury", type=int, default=1, help="judges per item")
    args = parser.parse_args()
    n, latency, c = args.items, args.latency, args.concurrency
    judges = [f"perf/judge-{i}" for i in range(args.jury)]
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_project(Path(tmp) / "project", n)
        verdicts = Path(tmp) / "verdicts.jsonl"
        rows = (json.dumps({"clue": f"Clue number {i}: the Red Planet", "reply": ANSWER, "verdict": "CORRECT"})
                for i in range(n))
        verdicts.write_text("\n".join(rows) + "\n", encoding="utf-8")
        ideal = (1 + len(judges)) * n * latency / c
        # The fake server judges from ``verdicts`` after the same latency as it answers.
        judging = ["--judge-verdicts", str(verdicts), "--judge-latency", str(latency)]
        judging += [a for judge in judges for a in ("--judge-model", judge)]
        arrivals: list[str] = []
        env = {"OPENROUTER_API_KEY": ""}
        common = [f"--llm-concurrency={c}", "--llm-models=perf/model", "--llm-cache=off"]
        judged = [*common, "--llm-grader=judge", f"--llm-judge-model={','.join(judges)}"]
        with fake_server(latency, extra=judging, arrivals=arrivals) as url:
            run_pytest(folder, llm_args(Path(tmp) / "warm.db", f"--llm-base-url={url}", *judged, "--collect-only"),
                       env)  # warm the byte code
            fixed = run_pytest(folder, llm_args(Path(tmp) / "fixed.db", f"--llm-base-url={url}", *judged,
                                                "--collect-only"), env)
            run = run_pytest(folder, llm_args(Path(tmp) / "run.db", f"--llm-base-url={url}", *judged), env)
        with fake_server(latency) as url:
            # The same answers graded by the rules alone: what the machine gives the answers without any judge.
            plain = run_pytest(folder, llm_args(Path(tmp) / "plain.db", f"--llm-base-url={url}", *common), env)
        ratio = run.wall / ideal
        print(f"judge-graded run: N={n} L={latency}s C={c} judges={len(judges)}")
        print(f"  pytest: {run.tail}")
        print(f"  wall {run.wall:.2f}s, ideal {ideal:.2f}s, wall/ideal {ratio:.2f}x (target <= {TARGET}x) "
              f"{'OK' if ratio <= TARGET else 'MISSED'}")
        print(f"  fixed part (--collect-only) {fixed.wall:.2f}s; (wall - fixed) / ideal "
              f"{(run.wall - fixed.wall) / ideal:.2f}x; load average {os.getloadavg()[0]:.2f}")
        answers_ideal = n * latency / c
        print(f"  without a judge (lenient): wall {plain.wall:.2f}s, ideal {answers_ideal:.2f}s, "
              f"{plain.wall / answers_ideal:.2f}x; the judge added {run.wall - plain.wall:.2f}s "
              f"(its ideal share {ideal - answers_ideal:.2f}s)")
        # On a shared machine the wall time follows the load; the CPU the run needs does not, much.
        print(f"  pytest CPU (user + system): {run.cpu:.2f}s with the judge, {plain.cpu:.2f}s without; "
              f"{fixed.cpu:.2f}s to collect only")
        # Load-independent: whether verdicts go out as their answers arrive or wait behind the queued answers.
        # Interleaved, about half of the first half of all requests are judge requests (one per juror each).
        first_half = arrivals[: len(arrivals) // 2]
        judge_share = sum(m in judges for m in first_half) / max(1, len(first_half))
        print(f"  judge requests among the first half of the run's {len(arrivals)} requests: {judge_share:.0%} "
              f"(interleaved: about {len(judges) / (1 + len(judges)):.0%}; all after the answers: 0%)")
        if run.exit_code != 0:
            print(f"  pytest exited {run.exit_code}: see the run's output", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
