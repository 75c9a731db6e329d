"""Per-test-case JUnit properties (DESIGN.md 3c), set through ``item.user_properties``."""

from __future__ import annotations

from pytest_llmbench.types import ResultRecord


def _fmt(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1e-3 else f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)


def properties(record: ResultRecord) -> list[tuple[str, str]]:
    props = [
        ("llm_model", record.model),
        ("llm_question_id", record.question_key),
        ("llm_correct", _fmt(record.correct)),
        ("llm_score", _fmt(record.score)),
        ("llm_grader", _fmt(record.grader)),
        ("llm_latency_ms", _fmt(record.latency_ms)),
        ("llm_ttft_ms", _fmt(record.ttft_ms)),
        ("llm_prompt_tokens", _fmt(record.prompt_tokens)),
        ("llm_completion_tokens", _fmt(record.completion_tokens)),
        ("llm_cost_usd", _fmt(record.cost_usd)),
        ("llm_cached", _fmt(record.cached)),
        ("llm_simulated", _fmt(record.simulated)),
    ]
    if record.error:
        props.append(("llm_error", record.error))
    return props
