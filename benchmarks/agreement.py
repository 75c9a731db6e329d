"""Print how often each grader agrees with the human verdicts of the labelled set.

    python benchmarks/agreement.py [--cases tests/grading/agreement_cases.yaml] [--show-disagreements]

The ``judge`` grader needs a real model and is left out. ``adaptive + scripted judge`` uses a fake judge that
answers with the human label: it is NOT a model, only an upper bound showing how many replies adaptive sends
to a judge and what it would reach with a perfect one.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pytest_llmbench.grading import AdaptiveGrader, get_grader  # noqa: E402
from pytest_llmbench.grading.agreement import AgreementCase, AgreementReport, load_cases, measure, tag_counts  # noqa: E402
from pytest_llmbench.types import ChatRequest, Completion  # noqa: E402


class ScriptedJudge:
    """A fake judge that answers with the human label of the reply it is shown (counts its calls)."""

    def __init__(self) -> None:
        self.current: AgreementCase | None = None
        self.calls = 0

    def __call__(self, request: ChatRequest) -> Completion:
        self.calls += 1
        assert self.current is not None
        verdict = {"correct": "CORRECT", "incorrect": "INCORRECT"}.get(self.current.human, "NOT_ATTEMPTED")
        return Completion(model=request.model, text=verdict, cost_usd=0.0)


def _measure_scripted(cases: list[AgreementCase]) -> tuple[AgreementReport, int]:
    judge = ScriptedJudge()
    grader = AdaptiveGrader(judge=judge, judge_model="scripted/human-label")
    grader.name = "adaptive + scripted judge"
    report = AgreementReport(grader=grader.name)
    for case in cases:
        judge.current = case
        partial = measure(grader, [case])
        report.total += partial.total
        report.agreed += partial.agreed
        report.false_positives += partial.false_positives
        report.false_negatives += partial.false_negatives
        report.human_correct += partial.human_correct
        report.near_misses += partial.near_misses
        report.near_misses_accepted += partial.near_misses_accepted
        report.disagreements += partial.disagreements
    return report, judge.calls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=str(ROOT / "tests" / "grading" / "agreement_cases.yaml"))
    parser.add_argument("--show-disagreements", action="store_true")
    args = parser.parse_args(argv)
    cases = load_cases(args.cases)
    human_correct = sum(c.human_correct for c in cases)
    near = sum(c.near_miss for c in cases)
    print(
        f"{len(cases)} labelled replies ({human_correct} correct, {len(cases) - human_correct} not), "
        f"{near} near-miss traps, {len({c.key for c in cases})} answer keys"
    )
    print(f"tags: {', '.join(f'{t}={n}' for t, n in list(tag_counts(cases).items())[:16])}, ...")
    print()
    print(f"{'grader':<28}{'agreement':>10}{'false pos':>11}{'false neg':>11}{'near-miss accepted':>20}")
    reports = [measure(get_grader(name), cases) for name in ("strict", "lenient", "jeopardy", "adaptive")]
    scripted, calls = _measure_scripted(cases)
    for report in [*reports, scripted]:
        print(
            f"{report.grader:<28}{report.agreement:>9.1%}{report.false_positive_rate:>10.1%}"
            f"{report.false_negative_rate:>11.1%}{report.near_misses_accepted:>12} of {report.near_misses}"
        )
    print(f"\n(judge excluded: needs a model. The scripted judge was asked {calls} times.)")
    if args.show_disagreements:
        for report in reports:
            print(f"\n== {report.grader}: {len(report.disagreements)} disagreements")
            for d in report.disagreements:
                said = "accepted" if d.grade.correct else "rejected"
                print(f"  [{d.case.human:>13}] {said:8} key={d.case.key!r:38} reply={d.case.response[:50]!r}")
                print(f"  {'':15} {d.grade.method}: {d.grade.explanation[:120]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
