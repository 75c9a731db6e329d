"""``python -m pytest_llmbench.testing``: run the fake OpenRouter server in its own process (perf scripts).

Prints the base URL on the first line of stdout, then serves until stdin closes or the process is stopped.
"""

from __future__ import annotations

import argparse
import json
import sys

from pytest_llmbench.testing._judge import JudgeVerdicts
from pytest_llmbench.testing._script import Fault, FaultRule, first_ask_fails, over_in_flight
from pytest_llmbench.testing._server import FakeOpenRouter


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pytest_llmbench.testing", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--answer", default=None, help="fixed answer text (default: echo the prompt)")
    parser.add_argument("--record", action="store_true", help="keep every request in memory")
    parser.add_argument(
        "--faults", default="none", metavar="SCRIPT",
        help="none; first-ask (each question's first request fails: a third 429 with Retry-After: 1, a third "
        "503, a third an error in a 200 body); reset-over=K (streams beyond K in flight are reset)",
    )
    parser.add_argument("--catalog-prices", action="store_true",
                        help="bill each model at its price in the served catalog (the bundled snapshot), as "
                        "OpenRouter does, instead of one flat price")
    parser.add_argument("--judge-verdicts", default=None, help="JSONL of {clue, reply, verdict[, model]} rows")
    parser.add_argument("--judge-model", action="append", default=[], help="a judge model (default: by prompt)")
    parser.add_argument("--judge-latency", type=float, default=None, help="seconds before each verdict")
    args = parser.parse_args(argv)
    judge = None
    if args.judge_verdicts or args.judge_model or args.judge_latency is not None:
        options = {"models": frozenset(args.judge_model), "latency": args.judge_latency}
        judge = JudgeVerdicts.load(args.judge_verdicts, **options) if args.judge_verdicts else JudgeVerdicts(**options)
    server = FakeOpenRouter(
        latency=args.latency, policy=args.answer, record=args.record, host=args.host, port=args.port,
        faults=_faults(parser, args.faults), prices=_catalog_prices() if args.catalog_prices else None, judge=judge,
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
        if args.record:  # for the perf scripts: which model each chat request was for, in arrival order
            print(json.dumps({"models": [r.model for r in server.chat_requests]}), flush=True)
    return 0


def _catalog_prices() -> dict[str, tuple[float, float]]:
    from pytest_llmbench.providers.catalog import load_snapshot

    return {model: (info.prompt_price, info.completion_price) for model, info in load_snapshot().items()
            if info.prompt_price is not None and info.completion_price is not None}


def _faults(parser: argparse.ArgumentParser, script: str) -> FaultRule | None:
    if script == "none":
        return None
    if script == "first-ask":
        return first_ask_fails(Fault.rate_limited(retry_after=1), Fault.http(503), Fault.error_in_body(502))
    name, _, value = script.partition("=")
    if name == "reset-over" and value.isdigit():
        return over_in_flight(int(value))
    parser.error(f"--faults {script!r}: choose none, first-ask or reset-over=K")


if __name__ == "__main__":
    raise SystemExit(main())
