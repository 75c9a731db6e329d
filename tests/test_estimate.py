"""``--llm-estimate``: token counting, prices from the real 2026 catalog, and a session that runs nothing."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from pytest_llmbench._run.estimate import (
    EstimateItem,
    estimate,
    render_estimate,
    typical_completion,
)
from pytest_llmbench.engine.costs import count_prompt_tokens
from pytest_llmbench.prompts import BUILTIN
from pytest_llmbench.providers.catalog import parse_models
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
