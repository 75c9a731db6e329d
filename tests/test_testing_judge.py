"""The fake server's judge mode: judge requests answer from a verdict file, everything else from the policy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_testing import complete

from pytest_llmbench.grading.answer_key import parse_key
from pytest_llmbench.grading.judge import judge_request
from pytest_llmbench.testing import FakeOpenRouter, JudgeVerdicts
from pytest_llmbench.types import ChatRequest, Question

MARS = Question(id="1", clue="This planet is red", answer="Mars")


def _judging(model: str, reply: str) -> ChatRequest:
    return judge_request(model, MARS, parse_key(MARS.answer, MARS.clue), reply)


def test_judge_requests_answer_from_the_file_per_model_first(tmp_path: Path) -> None:
    rows = [
        {"clue": "This planet is red", "reply": "What is Mars?", "verdict": "CORRECT"},
        {"question": "This planet is red", "response": "What is Mars?", "verdict": "incorrect", "model": "j/b"},
    ]
    path = tmp_path / "verdicts.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    judge = JudgeVerdicts.load(path)
    with FakeOpenRouter(policy="the policy's answer", judge=judge) as server:
        assert complete(server, _judging("j/a", "What is Mars?")).text == "CORRECT"
        assert complete(server, _judging("j/b", "What is Mars?")).text == "INCORRECT"  # its own row wins
        assert complete(server, _judging("j/a", "What is Venus?")).text == "INCORRECT"  # no row: the default
        plain = ChatRequest("m/x", ({"role": "user", "content": "This planet is red"},))
        assert complete(server, plain).text == "the policy's answer"  # not a judge prompt


def test_judge_models_and_latency_are_separate(tmp_path: Path) -> None:
    path = tmp_path / "verdicts.json"
    path.write_text(json.dumps([{"clue": "This planet is red", "reply": "Mars", "verdict": "CORRECT"}]))
    judge = JudgeVerdicts.load(path, models=frozenset({"j/a"}), latency=0.0, default="NOT_ATTEMPTED")
    with FakeOpenRouter(policy="answer", latency=30.0, judge=judge) as server:
        assert complete(server, _judging("j/a", "Mars")).text == "CORRECT"  # the judge's latency, not 30 s
        assert complete(server, _judging("j/a", "Venus")).text == "NOT_ATTEMPTED"
    assert not judge.handles({"model": "m/x", "messages": _judging("m/x", "Mars").messages})


def test_a_bad_verdict_is_refused() -> None:
    with pytest.raises(ValueError, match="not one of"):
        JudgeVerdicts.from_rows([{"clue": "c", "reply": "r", "verdict": "maybe"}])
