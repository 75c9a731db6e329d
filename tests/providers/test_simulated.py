from __future__ import annotations

import asyncio
import datetime as dt

from pytest_llmbench.providers.simulated import PROFILES, SimulatedProvider, spoken_answer
from pytest_llmbench.types import ChatRequest, Question


def questions(n: int) -> list[Question]:
    return [
        Question(id=f"q{i}", clue=f"clue number {i}", answer=f"(Abraham) Lincoln {i}", dataset="t",
                 air_date=dt.date(2000, 1, 1), metadata={"difficulty": 1 + i % 5})
        for i in range(n)
    ]


def ask(provider: SimulatedProvider, model: str, q: Question, repeat: int = 0) -> str:
    request = ChatRequest(model=model, messages=({"role": "user", "content": q.clue},), repeat=repeat)
    return asyncio.run(provider.complete(request, timeout=5)).text


def test_deterministic_and_profiles_differ() -> None:
    qs = questions(300)
    by_clue = {q.clue: q for q in qs}
    provider = SimulatedProvider(lambda r: by_clue.get(str(r.messages[-1]["content"])), time_scale=0.0)
    hits = {}
    for model in PROFILES:
        answers = [ask(provider, model, q) for q in qs]
        assert answers == [ask(provider, model, q) for q in qs]  # same every time
        hits[model] = sum(spoken_answer(q.answer) in a for q, a in zip(qs, answers, strict=True))
    assert hits["sim/strong"] > hits["sim/fast-cheap"] > hits["sim/weak"]
    assert hits["sim/weak"] > 60 and hits["sim/strong"] < 300


def test_reports_tokens_cost_and_simulated_flag() -> None:
    q = questions(1)[0]
    provider = SimulatedProvider(lambda r: q, time_scale=0.0)
    c = asyncio.run(provider.complete(ChatRequest(model="sim/strong", messages=({"role": "user", "content": "x"},)),
                                      timeout=5))
    p = PROFILES["sim/strong"]
    assert c.simulated and c.prompt_tokens and c.completion_tokens
    assert c.cost_usd == c.prompt_tokens * p.prompt_price + c.completion_tokens * p.completion_price


def test_spoken_answer_forms() -> None:
    assert spoken_answer("(Abraham) Lincoln") == "Abraham Lincoln"
    assert spoken_answer("Sri Lanka (or Ceylon)") == "Sri Lanka"
    assert spoken_answer("the Nile or the Amazon") == "the Nile"
