"""Exit gates: thresholds per model, the lower-bound basis, and gates that do not apply to this run."""

from __future__ import annotations

from pytest_llmbench.config import resolve
from pytest_llmbench.outcome.gates import evaluate_gates
from pytest_llmbench.stats import ModelSummary


def _model(name: str, correct: int, answered: int) -> ModelSummary:
    accuracy = correct / answered if answered else None
    return ModelSummary(
        model=name, simulated=False, items=answered, answered=answered, correct=correct, errors=0, skipped=0,
        cached=0, accuracy=accuracy, ci_low=None if accuracy is None else accuracy - 0.1,
        ci_high=None if accuracy is None else min(1.0, accuracy + 0.1), latency_mean_ms=None, latency_p50_ms=None,
        latency_p95_ms=None, ttft_p50_ms=None, tokens_per_second=None, prompt_tokens=0, completion_tokens=0,
        cost_usd=0.0, cost_estimated=False, cost_per_correct=None,
    )


def test_a_gate_for_a_model_outside_the_run_is_not_applicable_and_does_not_fail() -> None:
    settings = resolve({"min-accuracy": ["0.35", "sim/strong=0.80"]})
    gates = evaluate_gates(settings, [_model("openai/gpt-4o-mini", 8, 10)])
    by_name = {g.name: g for g in gates}
    absent = by_name["sim/strong accuracy"]
    assert (absent.applicable, absent.passed, absent.verdict) == (False, True, "N/A")
    assert absent.line().startswith("N/A sim/strong accuracy: not applicable")
    present = by_name["openai/gpt-4o-mini accuracy"]
    assert (present.applicable, present.passed, present.verdict) == (True, True, "PASS")
    assert all(g.passed for g in gates)


def test_a_model_below_its_own_threshold_fails_even_when_the_global_one_passes() -> None:
    settings = resolve({"min-accuracy": ["0.35", "m=0.80"]})
    gates = evaluate_gates(settings, [_model("m", 7, 10), _model("n", 4, 10)])
    verdicts = {g.name: g.verdict for g in gates}
    assert verdicts["m accuracy"] == "FAIL" and verdicts["n accuracy"] == "PASS"


def test_a_model_with_no_answered_items_fails_its_gate() -> None:
    settings = resolve({"min-accuracy": ["0.5"]})
    (gate, *_) = evaluate_gates(settings, [_model("m", 0, 0)])
    assert gate.verdict == "FAIL" and "no answered items" in gate.detail


def test_the_lower_bound_basis_gates_on_the_interval() -> None:
    settings = resolve({"min-accuracy": ["0.75"], "gate-bound": "lower"})
    (gate, *_) = evaluate_gates(settings, [_model("m", 8, 10)])
    assert gate.name == "m Wilson 95% lower bound" and gate.verdict == "FAIL"
