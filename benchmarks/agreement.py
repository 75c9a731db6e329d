"""Print how often each grader agrees with labelled verdicts: the project's set and real judged replies.

    python benchmarks/agreement.py [--cases tests/grading/agreement_cases.yaml] [--show-disagreements]
    python benchmarks/agreement.py --dev ../shared/data/grading/jeopardy_replies_dev.jsonl [--half 0|1] [--show N]

Without ``--cases``/``--dev`` it measures the project's set, and the dev file too when it is present beside the
worktree. On the dev file it also prints each model's accuracy under each grader next to the judge's, whether
the judge's ranking of the models is kept, and the disagreements grouped by class (direction and deciding
rule). ``--half`` keeps one half of a stable split by clue, to develop on one and check the other.

The ``judge`` grader needs a real model and is left out. ``adaptive + scripted judge`` uses a fake judge that
answers with the label: it is NOT a model, only an upper bound showing how many replies adaptive sends to a
judge and what it would reach with a perfect one.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pytest_llmbench.grading import AdaptiveGrader, get_grader  # noqa: E402
from pytest_llmbench.grading.agreement import (  # noqa: E402
    AgreementCase,
    AgreementReport,
    Disagreement,
    half_of,
    load_cases,
    load_replies,
    measure,
    tag_counts,
)
from pytest_llmbench.types import ChatRequest, Completion, Grade, Question  # noqa: E402

DEV_DEFAULT = ROOT.parent / "shared" / "data" / "grading" / "jeopardy_replies_dev.jsonl"
RULE_GRADERS = ("strict", "lenient", "jeopardy", "adaptive")


class ScriptedJudge:
    """A fake judge that answers with the label of the reply it is shown (counts its calls)."""

    def __init__(self) -> None:
        self.current: AgreementCase | None = None
        self.calls = 0

    def __call__(self, request: ChatRequest) -> Completion:
        self.calls += 1
        assert self.current is not None
        verdict = {"correct": "CORRECT", "incorrect": "INCORRECT"}.get(self.current.human, "NOT_ATTEMPTED")
        return Completion(model=request.model, text=verdict, cost_usd=0.0)


class _ScriptedAdaptive:
    """Adaptive with the scripted judge, shown the case each grade is of; keeps every verdict in order."""

    name = "adaptive + scripted judge"

    def __init__(self, cases: list[AgreementCase]) -> None:
        self.judge = ScriptedJudge()
        self._inner = AdaptiveGrader(judge=self.judge, judge_model="scripted/label")
        self._cases = iter(cases)  # measure() grades the cases once each, in order
        self.verdicts: list[bool] = []

    def grade(self, question: Question, text: str) -> Grade:
        self.judge.current = next(self._cases)
        grade = self._inner.grade(question, text)
        self.verdicts.append(grade.correct)
        return grade


def _measure_scripted(cases: list[AgreementCase]) -> tuple[AgreementReport, int, list[bool]]:
    grader = _ScriptedAdaptive(cases)
    report = measure(grader, cases)
    return report, grader.judge.calls, grader.verdicts


def _graded(name: str, cases: list[AgreementCase]) -> tuple[AgreementReport, list[bool], float]:
    """The report, each case's verdict in order, and the mean CPU microseconds per grade (the first grader
    runs with cold caches; CPU time, because the machine is shared and wall time says more about the others)."""
    grader = get_grader(name)
    verdicts: list[bool] = []
    start = time.process_time()
    for case in cases:
        verdicts.append(grader.grade(case.question(), case.response).correct)
    elapsed = time.process_time() - start
    return measure(grader, cases), verdicts, elapsed / max(1, len(cases)) * 1e6


def _header() -> None:
    print(f"{'grader':<28}{'agreement':>10}{'false pos':>11}{'false neg':>11}{'near-miss accepted':>20}")


def _row(report: AgreementReport) -> None:
    near = f"{report.near_misses_accepted:>12} of {report.near_misses}" if report.near_misses else f"{'-':>20}"
    print(
        f"{report.grader:<28}{report.agreement:>9.1%}{report.false_positive_rate:>10.1%}"
        f"{report.false_negative_rate:>11.1%}{near}"
    )


def _project_set(path: str, show: bool) -> None:
    cases = load_cases(path)
    human_correct = sum(c.human_correct for c in cases)
    near = sum(c.near_miss for c in cases)
    print(f"== {path}")
    print(
        f"{len(cases)} labelled replies ({human_correct} correct, {len(cases) - human_correct} not), "
        f"{near} near-miss traps, {len({c.key for c in cases})} answer keys"
    )
    print(f"tags: {', '.join(f'{t}={n}' for t, n in list(tag_counts(cases).items())[:16])}, ...")
    print()
    _header()
    reports = [measure(get_grader(name), cases) for name in RULE_GRADERS]
    scripted, calls, _ = _measure_scripted(cases)
    for report in [*reports, scripted]:
        _row(report)
    print(f"\n(judge excluded: needs a model. The scripted judge was asked {calls} times of {len(cases)}.)")
    if show:
        for report in reports:
            print(f"\n== {report.grader}: {len(report.disagreements)} disagreements")
            for d in report.disagreements:
                said = "accepted" if d.grade.correct else "rejected"
                print(f"  [{d.case.human:>13}] {said:8} key={d.case.key!r:38} reply={d.case.response[:50]!r}")
                print(f"  {'':15} {d.grade.method}: {d.grade.explanation[:120]}")


def _short_model(model: str) -> str:
    return (
        model.split(" (")[0]
        .replace(" fine-tuned on 1k Jeopardy clues", " FT")
        .replace(" + RAG over older Jeopardy clues", " + RAG")
    )


def _accuracies(cases: list[AgreementCase], verdicts: list[bool]) -> dict[str, float]:
    right: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for case, verdict in zip(cases, verdicts, strict=True):
        total[case.model] += 1
        right[case.model] += verdict
    return {m: right[m] / total[m] for m in total}


def _swapped_pairs(judge: dict[str, float], graded: dict[str, float]) -> list[tuple[str, str]]:
    """Pairs of models the grader orders the other way round from the judge."""
    models = sorted(judge, key=lambda m: -judge[m])
    return [
        (a, b) for i, a in enumerate(models) for b in models[i + 1 :] if judge[a] != judge[b] and graded[a] < graded[b]
    ]


def _dev_set(path: Path, half: int | None, show: int) -> None:
    cases = load_replies(path)
    if half is not None:
        cases = [c for c in cases if half_of(c) == half]
    correct = sum(c.human_correct for c in cases)
    which = "all" if half is None else f"half {half} of a split by clue"
    clues = len({c.clue for c in cases})
    print(f"== {path.name} ({which}): {len(cases)} replies ({correct} judged correct), {clues} clues")
    print()
    print(f"{'grader':<28}{'agreement':>10}{'false pos':>11}{'false neg':>11}{'CPU us':>10}{'ranking':>9}")
    judge_acc = _accuracies(cases, [c.human_correct for c in cases])
    per_model: dict[str, dict[str, float]] = {}
    reports: list[AgreementReport] = []
    for name in RULE_GRADERS:
        report, verdicts, micros = _graded(name, cases)
        reports.append(report)
        per_model[name] = _accuracies(cases, verdicts)
        swapped = _swapped_pairs(judge_acc, per_model[name])
        print(
            f"{report.grader:<28}{report.agreement:>9.1%}{report.false_positive_rate:>10.1%}"
            f"{report.false_negative_rate:>11.1%}{micros:>10.0f}{'kept' if not swapped else f'{len(swapped)} swap':>9}"
        )
    scripted, calls, verdicts = _measure_scripted(cases)
    per_model[scripted.grader] = _accuracies(cases, verdicts)
    swapped = _swapped_pairs(judge_acc, per_model[scripted.grader])
    print(
        f"{scripted.grader:<28}{scripted.agreement:>9.1%}{scripted.false_positive_rate:>10.1%}"
        f"{scripted.false_negative_rate:>11.1%}{'':>10}{'kept' if not swapped else f'{len(swapped)} swap':>9}"
    )
    print(f"(the scripted judge was asked {calls} times: {calls / max(1, len(cases)):.1%} of the replies)")
    print()
    names = [*RULE_GRADERS, scripted.grader]
    columns = "".join(f"{n.split(' ')[0][:9] + ('+J' if '+' in n else ''):>11}" for n in names)
    print(f"{'model (by judge accuracy)':<26}{'judge':>7}{columns}")
    for model in sorted(judge_acc, key=lambda m: -judge_acc[m]):
        cells = "".join(
            f"{per_model[n][model]:>6.1%}{(per_model[n][model] - judge_acc[model]) * 100:>+5.1f}" for n in names
        )
        print(f"{_short_model(model):<26}{judge_acc[model]:>6.1%} {cells}")
    for name in ("lenient", scripted.grader):
        swaps = _swapped_pairs(judge_acc, per_model[name])
        shown = "; ".join(f"{_short_model(a)} < {_short_model(b)}" for a, b in swaps) or "none"
        print(f"{name}: pairs ranked against the judge: {shown}")
    worst = max(abs(per_model["lenient"][m] - judge_acc[m]) for m in judge_acc) * 100
    print(f"lenient: largest gap to the judge's accuracy of a model: {worst:.1f} points")
    for report in [r for r in reports if r.grader in ("lenient", "adaptive")] + [scripted]:
        _classes(report, show)


def _classes(report: AgreementReport, show: int) -> None:
    groups: dict[str, list[Disagreement]] = defaultdict(list)
    for d in report.disagreements:
        direction = "accepted a wrong reply" if d.grade.correct else "rejected a right reply"
        rule = d.grade.method.split(":", 1)[-1]
        groups[f"{direction} ({rule})"].append(d)
    print(f"\n== {report.grader}: {len(report.disagreements)} disagreements by class")
    for label, items in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        print(f"  {len(items):>4}  {label}")
        for d in items[:show]:
            reply = " ".join(d.case.response.split())[:70]
            print(f"        key={d.case.key!r:34.34} reply={reply!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", help="the project's labelled YAML set")
    parser.add_argument("--dev", help="real judged replies, JSON lines (default: the shared dev file, if present)")
    parser.add_argument("--half", type=int, choices=(0, 1), help="only one half of the dev file, split by clue")
    parser.add_argument("--show", type=int, default=3, help="examples per class of disagreement on the dev file")
    parser.add_argument("--show-disagreements", action="store_true", help="every disagreement on the YAML set")
    args = parser.parse_args(argv)
    run_cases = args.cases or not args.dev
    if run_cases:
        _project_set(args.cases or str(ROOT / "tests" / "grading" / "agreement_cases.yaml"), args.show_disagreements)
    dev = Path(args.dev) if args.dev else (DEV_DEFAULT if DEV_DEFAULT.exists() and not args.cases else None)
    if dev is not None:
        if run_cases:
            print()
        _dev_set(dev, args.half, args.show)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
