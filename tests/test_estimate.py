"""``--llm-estimate``: token counting, prices from the real 2026 catalog, and a session that runs nothing."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from pytest_llmbench._run.estimate import (
    JUDGE_COMPLETION,
    EstimateItem,
    estimate,
    judge_prompt_tokens,
    render_estimate,
    typical_completion,
)
from pytest_llmbench.engine.costs import count_prompt_tokens
from pytest_llmbench.grading.answer_key import parse_key
from pytest_llmbench.grading.judge import judge_messages
from pytest_llmbench.prompts import BUILTIN
from pytest_llmbench.providers.catalog import ModelInfo, parse_models
from pytest_llmbench.report import fmt
from pytest_llmbench.types import Question

pytest_plugins = ["pytester"]


def _catalog_file() -> Path | None:
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "data" / "openrouter" / "models-2026-08-19-414models.json"
        if candidate.is_file():
            return candidate
    return None


def test_prompt_tokens_follow_the_documented_heuristic() -> None:
    messages = [{"role": "system", "content": "x" * 40}, {"role": "user", "content": "y" * 41}]
    assert count_prompt_tokens(messages) == 3 + (4 + 10) + (4 + 11)
    parts = [
        {
            "role": "user",
            "content": [{"type": "text", "text": "abcd"}, {"type": "image_url", "image_url": {"url": "data:..."}}],
        }
    ]
    assert count_prompt_tokens(parts) == 3 + 4 + 1 + 85
    assert typical_completion("jeopardy", 64) == 12
    assert typical_completion("cot", 100) == 100  # never more than max_tokens
    assert typical_completion("my-template") == 32


def test_estimate_against_the_real_catalog() -> None:
    path = _catalog_file()
    if path is None:
        pytest.skip("the real 414-model catalog is not at <repo>/../shared/data/openrouter")
    catalog = parse_models(json.loads(path.read_text()))
    question = Question("1", "This planet is called the Red Planet", "Mars", category="SCIENCE")
    messages = BUILTIN["jeopardy"].render(question)
    models = ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4.5", "openrouter/auto", "no/such-model"]
    items = [EstimateItem(m, messages, "jeopardy", 64) for m in models for _ in range(10)]
    result = estimate(items, catalog.get)
    tokens = count_prompt_tokens(messages)
    by_model = {m.model: m for m in result.models}
    gpt = by_model["openai/gpt-4o-mini"]
    assert gpt.items == 10 and gpt.prompt_tokens == 10 * tokens and gpt.completion_tokens == 120
    assert gpt.cost_usd == pytest.approx(10 * (tokens * 0.15e-6 + 12 * 0.6e-6))
    sonnet = by_model["anthropic/claude-sonnet-4.5"]
    assert sonnet.cost_usd == pytest.approx(10 * (tokens * 3e-6 + 12 * 15e-6))
    assert result.unknown == ["openrouter/auto", "no/such-model"]
    assert math.isclose(result.total, (gpt.cost_usd or 0) + (sonnet.cost_usd or 0))
    text = render_estimate(result, budget=0.0001)
    assert "UNKNOWN" in text and "EXCEEDED" in text
    assert "! openrouter/auto: the catalog has no fixed price" in text
    assert "! no/such-model: not in the catalog" in text


PRICES = {"m/answer": ModelInfo("m/answer", "m/answer", prompt_price=1e-6, completion_price=2e-6),
          "j/one": ModelInfo("j/one", "j/one", prompt_price=10e-6, completion_price=30e-6),
          "j/two": ModelInfo("j/two", "j/two", prompt_price=1e-6, completion_price=1e-6)}


def _items(grader: str, count: int) -> list[EstimateItem]:
    questions = [Question(str(i), f"Clue number {i}", f"Answer {i}", category="C") for i in range(count)]
    return [EstimateItem("m/answer", BUILTIN["jeopardy"].render(q), "jeopardy", None, q, grader) for q in questions]


def test_the_judge_grader_adds_one_call_per_juror_per_reply_priced_from_the_catalog() -> None:
    items = _items("judge", 5)
    result = estimate(items, PRICES.get, jurors=("j/one", "j/two"))
    assert [(j.model, j.certain.items, j.possible.items) for j in result.judges] == [("j/one", 5, 0), ("j/two", 5, 0)]
    q = items[0].question
    assert q is not None
    # The judge's real prompt, with a reply of the template's typical length (12 tokens, 4 characters each).
    expected = count_prompt_tokens(judge_messages(q, parse_key(q.answer, q.clue, "C"), "x" * 48))
    assert judge_prompt_tokens(q, 12) == expected
    one = result.judges[0]
    assert one.certain.prompt_tokens == 5 * expected and one.certain.completion_tokens == 5 * JUDGE_COMPLETION
    assert one.low == one.high == pytest.approx(5 * (expected * 10e-6 + JUDGE_COMPLETION * 30e-6))
    low, high = result.judging
    assert low == high == pytest.approx((one.low or 0) + (result.judges[1].low or 0))
    text = render_estimate(result, budget=result.total + low / 2)
    assert f"total: {fmt.usd(result.total)} answering" in text
    assert f"judging total: {fmt.usd(low)}" in text
    assert f"total with judging: {fmt.usd(result.total + low)} (budget --llm-max-cost" in text and "EXCEEDED" in text


def test_adaptive_judging_is_a_range_from_none_to_every_reply() -> None:
    result = estimate(_items("adaptive", 4) + _items("lenient", 3), PRICES.get, jurors=("j/one",))
    judge = result.judges[0]
    assert (judge.certain.items, judge.possible.items) == (0, 4)  # lenient replies are never judged
    assert judge.low == 0.0 and judge.high == pytest.approx(judge.possible.cost_usd or 0)
    text = render_estimate(result, budget=result.total + (judge.high or 0) / 2)
    assert "0 to 4" in text and f"judging total: $0 to {fmt.usd(judge.high)}" in text
    assert "a range from none to all of them" in text
    assert "EXCEEDED at the upper end of judging" in text  # the answers alone fit


def test_no_judge_model_or_no_judging_grader_adds_nothing() -> None:
    assert estimate(_items("judge", 2), PRICES.get).judges == []
    plain = estimate(_items("lenient", 2), PRICES.get, jurors=("j/one",))
    assert plain.judges == [] and "Judging" not in render_estimate(plain)


def test_an_unpriced_judge_is_flagged_not_guessed() -> None:
    result = estimate(_items("judge", 2), PRICES.get, jurors=("j/unknown",))
    assert result.unknown == ["j/unknown"] and result.judges[0].high is None
    text = render_estimate(result)
    assert "! j/unknown: not in the catalog: price unknown" in text and "1 model(s) with unknown prices" in text


BENCH = "def test_quiz(llm_result):\n    llm_result.assert_correct()\n"


def test_estimate_option_runs_and_stores_nothing(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".jsonl",
        questions="\n".join(
            json.dumps({"question": f"Clue number {i}", "answer": f"A{i}", "category": "C"}) for i in range(7)
        ),
    )
    pytester.makepyfile(test_quiz=BENCH)
    pytester.makepyfile(test_plain="def test_plain():\n    assert False\n")
    result = pytester.runpytest_subprocess(
        "--llm-dataset=questions.jsonl",
        "--llm-sample=all",
        "-p",
        "no:cacheprovider",
        "--llm-estimate",
        "--llm-models=openai/gpt-4o-mini,sim/weak,vendor/unknown-model",
    )
    assert result.ret == 0
    out = result.stdout.str()
    assert "llmbench estimate" in out and "bundled snapshot" in out
    row = next(line for line in result.stdout.lines if line.startswith("openai/gpt-4o-mini"))
    assert row.split()[1] == "7"
    assert "! vendor/unknown-model: not in the catalog: price unknown" in out
    assert "sim/weak (simulated)" in out
    assert "passed" not in out and "failed" not in out  # nothing ran, not even the ordinary test
    assert not (pytester.path / ".llmbench").exists()  # nothing was stored


def test_estimate_under_xdist_runs_in_one_process(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    pytester.makefile(".jsonl", questions=json.dumps({"question": "Clue", "answer": "A"}))
    pytester.makepyfile(test_quiz=BENCH)
    result = pytester.runpytest_subprocess(
        "--llm-dataset=questions.jsonl",
        "--llm-models=sim/strong",
        "-n",
        "2",
        "-p",
        "no:cacheprovider",
        "--llm-estimate",
    )
    assert result.ret == 0
    assert result.stdout.str().count("sim/strong (simulated)") == 1
    assert not (pytester.path / ".llmbench").exists()


def test_estimate_with_a_jury_prints_the_judging_cost_apart(pytester: pytest.Pytester) -> None:
    pytester.makefile(".jsonl", questions="\n".join(
        json.dumps({"question": f"Clue number {i}", "answer": f"A{i}", "category": "C"}) for i in range(6)))
    pytester.makepyfile(test_quiz=BENCH)
    result = pytester.runpytest_subprocess(
        "--llm-dataset=questions.jsonl", "--llm-sample=all", "-p", "no:cacheprovider", "--llm-estimate",
        "--llm-models=openai/gpt-4o-mini", "--llm-grader=judge",
        "--llm-judge-model=openai/gpt-4o-mini,anthropic/claude-sonnet-4.5",
    )
    assert result.ret == 0
    lines = result.stdout.lines
    start = next(i for i, line in enumerate(lines) if line.startswith("Judging (--llm-judge-model)"))
    rows = {line.split()[0]: line.split() for line in lines[start + 2:start + 4]}
    assert rows["openai/gpt-4o-mini"][1] == rows["anthropic/claude-sonnet-4.5"][1] == "6"  # one call per reply
    sonnet, mini = (float(rows[m][-1].lstrip("$")) for m in ("anthropic/claude-sonnet-4.5", "openai/gpt-4o-mini"))
    assert sonnet > mini > 0  # priced from the catalog: Sonnet costs more
    assert any(line.startswith("judging total: $") for line in lines)
    assert any(line.startswith("total with judging: $") for line in lines)
    assert not (pytester.path / ".llmbench").exists()
