"""The record stage: a finished item to its stored row and back, the one conversion the run, resume and
regrade share."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pytest_llmbench._run.record import completion_of, grade_of, question_of, to_record, with_grade
from pytest_llmbench.types import Completion, ErrorKind, Grade, Outcome, Question, Verdict

QUESTION = Question(id="4680-3fa9c1", clue="This planet is red", answer="Mars", dataset="jeopardy",
                    category="SPACE", value=200, round="Jeopardy!", air_date=dt.date(2004, 12, 31), show_number=4680,
                    metadata={"difficulty": 2})
COMPLETION = Completion(model="sim/strong", text="What is Mars?", latency_ms=12.5, prompt_tokens=30,
                        completion_tokens=4, cost_usd=0.001, attempts=1, simulated=True)
GRADE = Grade(correct=True, score=1.0, method="exact", explanation="same words", matched="Mars",
              verdict=Verdict.CORRECT, confidence=0.9, cost_usd=0.0002)


def test_an_answered_item_round_trips_through_its_record() -> None:
    record = to_record(QUESTION, "sim/strong", "jeopardy", 0, COMPLETION, GRADE, nodeid="t[1]",
                       outcome=Outcome.PASSED)
    assert (record.outcome, record.difficulty, record.simulated, record.grade_cost_usd) == (
        Outcome.PASSED, 2, True, 0.0002)
    assert question_of(record) == QUESTION
    assert completion_of(record) == COMPLETION
    assert grade_of(record) == GRADE


def test_a_failed_completion_decides_the_outcome() -> None:
    skipped = Completion(model="sim/strong", error="no images", error_kind=ErrorKind.UNSUPPORTED)
    failed = Completion(model="sim/strong", error="boom", error_kind=ErrorKind.SERVER)
    kw: dict[str, Any] = {"nodeid": "t[1]", "outcome": Outcome.PASSED}
    assert to_record(QUESTION, "sim/strong", "jeopardy", 0, skipped, None, **kw).outcome is Outcome.SKIPPED
    record = to_record(QUESTION, "sim/strong", "jeopardy", 0, failed, None, **kw)
    assert record.outcome is Outcome.ERROR and grade_of(record) is None


def test_a_new_grade_replaces_the_verdict_and_its_cost() -> None:
    record = to_record(QUESTION, "sim/strong", "jeopardy", 0, COMPLETION, GRADE, nodeid="t[1]",
                       outcome=Outcome.PASSED)
    wrong = Grade(correct=False, score=0.0, method="strict")
    regraded = with_grade(record, wrong, "strict")
    assert (regraded.outcome, regraded.correct, regraded.grader, regraded.grade_cost_usd) == (
        Outcome.FAILED, False, "strict", 0.0)
    assert regraded.response_text == record.response_text


def test_a_stored_tool_call_reply_comes_back_as_its_text_and_its_calls() -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
    completion = Completion(model="m", text="Let me look.", tool_calls=(call,))
    record = to_record(QUESTION, "m", "tool_call", 0, completion, GRADE, nodeid="t", outcome=Outcome.PASSED)
    assert record.response_text == 'Let me look.\n[tool call] get_weather({"city": "Paris"})'
    back = completion_of(record)
    assert back.text == "Let me look." and [c["function"] for c in back.tool_calls] == [call["function"]]
    assert to_record(QUESTION, "m", "tool_call", 0, back, GRADE, nodeid="t",
                     outcome=Outcome.PASSED).response_text == record.response_text


def test_the_datasets_own_question_is_preferred_to_what_the_record_keeps() -> None:
    record = to_record(QUESTION, "m", "json", 0, COMPLETION, GRADE, nodeid="t", outcome=Outcome.PASSED)
    full = Question(id=QUESTION.id, clue=QUESTION.clue, answer="", dataset="jeopardy", schema={"type": "object"})
    assert question_of(record, {QUESTION.key: full}) is full
    assert question_of(record, {}).schema is None and question_of(record).key == QUESTION.key
