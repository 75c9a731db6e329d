"""``python -m pytest_llmbench.testing``: run the fake OpenRouter server in its own process (perf scripts).

Prints the base URL on the first line of stdout, then serves until stdin closes or the process is stopped.
"""

from __future__ import annotations

import argparse
import sys

from pytest_llmbench.testing._judge import JudgeVerdicts
from pytest_llmbench.testing._server import FakeOpenRouter


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pytest_llmbench.testing", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--answer", default=None, help="fixed answer text (default: echo the prompt)")
    parser.add_argument("--record", action="store_true", help="keep every request in memory")
    parser.add_argument("--judge-verdicts", default=None, help="JSONL of {clue, reply, verdict[, model]} rows")
    parser.add_argument("--judge-model", action="append", default=[], help="a judge model (default: by prompt)")
    parser.add_argument("--judge-latency", type=float, default=None, help="seconds before each verdict")
    args = parser.parse_args(argv)
    judge = None
    if args.judge_verdicts or args.judge_model or args.judge_latency is not None:
        options = {"models": frozenset(args.judge_model), "latency": args.judge_latency}
        judge = JudgeVerdicts.load(args.judge_verdicts, **options) if args.judge_verdicts else JudgeVerdicts(**options)
    server = FakeOpenRouter(
        latency=args.latency, policy=args.answer, record=args.record, host=args.host, port=args.port, judge=judge
    )
    with server:
        print(server.base_url, flush=True)
        try:
            sys.stdin.read()  # returns when the parent closes our stdin
        except KeyboardInterrupt:
            pass
        print(
            f"served {server.chat_count} chat requests, max in flight {server.max_in_flight}", file=sys.stderr
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
