"""The glue of issue 18: ``outcome.statistics`` (RunStatistics from records), the clustered gate,
``_run.target`` (one tracker per model, stopping the engine) and ``_run.plan``."""

from __future__ import annotations

import pytest

from pytest_llmbench._run.estimate import Estimate, ModelEstimate
from pytest_llmbench._run.plan import make_plan, render_plan
from pytest_llmbench._run.target import TargetStopping
from pytest_llmbench.config import resolve
from pytest_llmbench.outcome.gates import evaluate_gates
from pytest_llmbench.outcome.statistics import (
    build_statistics,
    lines,
    stopped_early_reason,
    suite_properties,
    to_dict,
)
from pytest_llmbench.stats import clustered_accuracy, holm, plan_difference, questions_for_half_width, summarize_models
from pytest_llmbench.types import ErrorKind, Outcome, ResultRecord


def _rec(model: str, key: str, correct: bool, category: str, *, dataset: str = "jeopardy",
         value: int | None = 400, round_name: str = "Jeopardy!") -> ResultRecord:
    return ResultRecord(
        model=model, question_key=key, outcome=Outcome.PASSED if correct else Outcome.FAILED, correct=correct,
        category=category, show_number=1, dataset=dataset, value=value, round=round_name, difficulty=2,
        air_date="2010-05-04", cost_usd=0.01,
    )


def _records(models: dict[str, list[bool]], dataset: str = "jeopardy") -> list[ResultRecord]:
    out = []
    for model, outcomes in models.items():
        for i, ok in enumerate(outcomes):
            out.append(_rec(model, f"q{i}", ok, f"C{i // 5}", dataset=dataset))
    return out


# Ten categories of five clues; "a" knows whole categories (correlated outcomes), "b" and "c" vary within.
A = [c % 2 == 0 for c in range(10) for _ in range(5)]
B = [i % 3 != 0 for i in range(50)]
C = [i % 2 == 0 for i in range(50)]


def test_jeopardy_records_are_clustered_by_category_and_scored() -> None:
    records = _records({"a": A, "b": B, "c": C})
    stats = build_statistics(records, seed=7)
    assert stats.cluster == "category" and stats.jeopardy
    assert stats.clustered == clustered_accuracy(records, "category")
    deff = stats.clustered["a"].design_effect
    assert deff is not None and deff > 4  # whole categories right or wrong: far from independent
    raw = [c.comparison.p_value for c in stats.comparisons]
    assert [c.p_adjusted for c in stats.comparisons] == holm(raw)
    assert len(stats.comparisons) == 3 and any(c.p_adjusted > p for c, p in zip(stats.comparisons, raw, strict=True))
    coryat = {s.model: s.score for s in stats.coryat}
    assert coryat["a"] == 400 * (sum(A) - (50 - sum(A)))
    text = "\n".join(lines(stats))
    assert "intervals clustered by category:" in text and "Holm-adjusted" in text and "Coryat $" in text
    props = dict(suite_properties(stats))
    assert float(props["llm_ci_clustered_low[a]"]) == pytest.approx(stats.clustered["a"].ci_low, rel=1e-5)
    assert props["llm_coryat[a]"] == str(coryat["a"])
    assert to_dict(stats)["cluster"] == "category"


def test_question_files_are_not_clustered_and_two_models_are_not_adjusted() -> None:
    records = _records({"a": A, "b": B}, dataset="questions.jsonl")
    stats = build_statistics(records)
    assert stats.cluster == "none" and not stats.clustered and not stats.coryat and not stats.clustering
    (pair,) = stats.comparisons
    assert pair.p_adjusted == pair.comparison.p_value
    assert "Holm = raw" in "\n".join(lines(stats))
    assert build_statistics(records, cluster="show").clustered  # asked for: clustered all the same


def test_the_bootstrap_follows_the_seed() -> None:
    records = _records({"a": A, "b": B})
    first, again, other = (build_statistics(records, seed=s).comparisons[0].bootstrap for s in (1, 1, 2))
    assert first == again and first != other


def test_a_lower_bound_gate_uses_the_clustered_bound_and_says_so() -> None:
    records = _records({"a": A})
    stats = build_statistics(records)
    models = summarize_models(records)
    settings = resolve({"min-accuracy": ["0.3"], "gate-bound": "lower"})
    (gate, *_) = evaluate_gates(settings, models, statistics=stats)
    low = stats.clustered["a"].ci_low
    assert low is not None and low < (models[0].ci_low or 0)  # the clustered bound is the wider one here
    assert gate.name == "a clustered (by category) 95% lower bound" and gate.detail.startswith(f"{low * 100:.1f}%")
    (plain, *_) = evaluate_gates(settings, models, statistics=build_statistics(records, cluster="none"))
    assert plain.name == "a Wilson 95% lower bound"


def test_target_stopping_stops_the_model_once_and_counts_what_was_saved() -> None:
    stops: list[tuple[str, str]] = []
    targets = TargetStopping(0.2, lambda model, reason: stops.append((model, reason)))
    targets.plan(["m"] * 200 + ["n"] * 3)
    for i in range(200):
        targets.graded("m", i % 10 != 0)
        if stops:
            break
    report = targets.reports()["m"]
    assert report.stop is not None and report.high - report.low <= 0.4 + 1e-12
    assert stops == [("m", stopped_early_reason("m", 0.2, report.stop.n))]
    targets.graded("m", True)  # an answer in flight when the model stopped: fed, no second stop
    assert len(stops) == 1 and targets.reports()["m"].fed == report.fed + 1
    asked = [_rec("m", f"q{i}", True, "C") for i in range(report.asked + 1)]
    skipped = [ResultRecord(model="m", question_key=f"s{i}", outcome=Outcome.SKIPPED, error_kind=ErrorKind.STOPPED,
                            error=stops[0][1], dataset="jeopardy") for i in range(5)]
    stats = build_statistics(asked + skipped, targets=targets.reports(), half_width=0.2)
    stop = next(t for t in stats.targets if t.model == "m")
    assert stop.skipped == 5 and stop.saved_usd == pytest.approx(5 * 0.01)
    assert f"stopped after {report.stop.n} answers" in stop.line()


def test_the_plan_uses_the_estimate_prices_and_the_stats_sizes() -> None:
    result = Estimate([ModelEstimate("x/paid", False, items=20, cost_usd=0.02), ModelEstimate("sim/a", True, 20, 0, 0,
                                                                                              0.5)], catalog="test")
    plan = make_plan(result, delta=0.1, half_width=None)
    assert plan.difference == plan_difference(0.1, alpha=0.05, power=0.8)
    assert plan.width_questions == questions_for_half_width(0.05) and plan.holm is None
    paid = plan.models[0]
    assert paid.per_question == pytest.approx(0.001) and paid.cost(plan.difference.paired) == pytest.approx(
        0.001 * plan.difference.paired)
    text = render_plan(plan, catalog="test", target_given=False)
    assert f"{plan.difference.paired:,} questions per model" in text
    assert f"paired ${0.001 * plan.difference.paired:.2f}" in text  # the simulated model is not in the total
