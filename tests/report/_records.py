"""Records for report tests: three models (one simulated) over forty questions, some hostile text."""

from __future__ import annotations

import hashlib

from pytest_llmbench.types import Outcome, ResultRecord

#: Text that would run, break a table or close a script if any renderer forgot to escape it.
EVIL_ANSWER = (
    "<script>document.title='pwned';document.documentElement.setAttribute('data-pwned','1')</script>"
    "<img src=x onerror=\"document.documentElement.setAttribute('data-pwned','2')\"> | `code` </script><!--"
)
EVIL_CLUE = "This tag </script><script>document.title='pwned'</script> closes scripts & <b>bolds</b>"

MODELS = ("openai/gpt-4o-mini", "anthropic/claude-3.5-haiku", "sim/weak")
SKILL = {"openai/gpt-4o-mini": 0.8, "anthropic/claude-3.5-haiku": 0.7, "sim/weak": 0.4}
PRICE = {"openai/gpt-4o-mini": 0.00002, "anthropic/claude-3.5-haiku": 0.0001, "sim/weak": 0.000005}
CATEGORIES = ("SCIENCE", "HISTORY", "POTENT POTABLES", "WORLD CAPITALS")


def _unit(*parts: object) -> float:
    return int(hashlib.sha256(repr(parts).encode()).hexdigest()[:8], 16) / 0xFFFFFFFF


def make_records(questions: int = 40) -> list[ResultRecord]:
    out: list[ResultRecord] = []
    for q in range(questions):
        clue = EVIL_CLUE if q == 3 else f"Clue number {q} about {CATEGORIES[q % 4].lower()}"
        for model in MODELS:
            key = f"custom:q{q}"
            if q == 5 and model == "anthropic/claude-3.5-haiku":
                out.append(
                    ResultRecord(
                        model=model,
                        question_key=key,
                        outcome=Outcome.ERROR,
                        dataset="custom",
                        clue=clue,
                        answer=f"answer {q}",
                        category=CATEGORIES[q % 4],
                        round="Jeopardy!",
                        value=200 * (q % 5 + 1),
                        error="OpenRouter returned 502 <upstream> after 5 attempts",
                        error_kind="server",
                    )
                )
                continue
            correct = _unit(model, q) < SKILL[model]
            text = EVIL_ANSWER if q == 3 else (f"What is answer {q}?" if correct else f"What is wrong {q}?")
            out.append(
                ResultRecord(
                    model=model,
                    question_key=key,
                    outcome=Outcome.PASSED if correct else Outcome.FAILED,
                    nodeid=f"test_q.py::test[{model}-{key}]",
                    dataset="custom",
                    clue=clue,
                    answer=f"answer {q}",
                    category=CATEGORIES[q % 4],
                    round="Jeopardy!" if q % 2 else "Double Jeopardy!",
                    value=200 * (q % 5 + 1),
                    simulated=model.startswith("sim/"),
                    correct=correct,
                    score=1.0 if correct else 0.2,
                    grader="lenient",
                    verdict="correct" if correct else "incorrect",
                    response_text=text,
                    latency_ms=300 + 900 * _unit("lat", model, q),
                    ttft_ms=120.0,
                    prompt_tokens=60,
                    completion_tokens=8,
                    cost_usd=PRICE[model],
                    explanation="compared <key>",
                )
            )
    return out
