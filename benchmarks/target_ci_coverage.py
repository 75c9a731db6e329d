"""Does stopping at a target interval width (``--llm-target-ci=W``) keep the interval honest?

For each true accuracy and seed, a model answers ``--questions`` questions (independent, right with the true
accuracy); the confidence sequence of ``pytest_llmbench.stats.sequential`` stops it at the first n where the
half-width is at most W (or at the end). Printed per accuracy: how often the stopped interval covers the true
accuracy (nominal: at least 1 - alpha) and the accuracy the full run would have measured, the mean n at the
stop and the mean fraction of questions saved. Exits 1 if a coverage of the true accuracy is below nominal.

    python benchmarks/target_ci_coverage.py [--seeds 1000] [--width 0.05] [--questions 2000] [--untuned]
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass

from pytest_llmbench.stats.sequential import ConfidenceSequence, target_horizon


@dataclass
class Tally:
    runs: int = 0
    stopped: int = 0
    covers_truth: int = 0
    covers_full_run: int = 0
    asked: int = 0


def simulate(accuracy: float, seed: int, questions: int, width: float, alpha: float, horizon: int | None) -> Tally:
    rng = random.Random(f"{accuracy}:{seed}")
    outcomes = [rng.random() < accuracy for _ in range(questions)]
    full_run = sum(outcomes) / questions
    cs = ConfidenceSequence(alpha, horizon=horizon)
    for outcome in outcomes:
        cs.update(outcome)
        if cs.half_width <= width:
            break
    stopped = cs.n < questions or cs.half_width <= width
    return Tally(1, int(stopped), int(cs.low <= accuracy <= cs.high), int(cs.low <= full_run <= cs.high), cs.n)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=1000)
    parser.add_argument("--questions", type=int, default=2000)
    parser.add_argument("--width", type=float, default=0.05, help="target half-width W")
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--accuracies", default="0.1,0.3,0.5,0.7,0.9,0.97")
    parser.add_argument("--untuned", action="store_true", help="the paper's t log(1+t) bets, not target_horizon")
    args = parser.parse_args(argv)
    horizon = None if args.untuned else target_horizon(args.width, args.alpha)
    nominal = 1 - args.alpha
    print(
        f"target half-width {args.width}, alpha {args.alpha}, {args.questions} questions, {args.seeds} seeds, "
        f"horizon {horizon if horizon else 't log(1+t)'}"
    )
    print(f"{'accuracy':>8} {'stopped':>8} {'mean n':>8} {'saved':>7} {'covers truth':>13} {'covers full run':>16}")
    ok = True
    total = Tally()
    for accuracy in (float(a) for a in args.accuracies.split(",")):
        tally = Tally()
        for seed in range(args.seeds):
            run = simulate(accuracy, seed, args.questions, args.width, args.alpha, horizon)
            for t in (tally, total):
                t.runs += run.runs
                t.stopped += run.stopped
                t.covers_truth += run.covers_truth
                t.covers_full_run += run.covers_full_run
                t.asked += run.asked
        truth = tally.covers_truth / tally.runs
        ok = ok and truth >= nominal
        print(
            f"{accuracy:>8.2f} {tally.stopped / tally.runs:>8.1%} {tally.asked / tally.runs:>8.0f} "
            f"{1 - tally.asked / (tally.runs * args.questions):>7.1%} {truth:>13.2%} "
            f"{tally.covers_full_run / tally.runs:>16.2%}"
        )
    print(
        f"{'all':>8} {total.stopped / total.runs:>8.1%} {total.asked / total.runs:>8.0f} "
        f"{1 - total.asked / (total.runs * args.questions):>7.1%} {total.covers_truth / total.runs:>13.2%} "
        f"{total.covers_full_run / total.runs:>16.2%}"
    )
    print(f"coverage of the true accuracy {'>=' if ok else 'BELOW'} nominal {nominal:.0%} at every accuracy")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
