"""The one place where a stored ``ResultRecord`` and the domain values (``Question``, ``Completion``,
``Grade``) are turned into each other: used by the run, by ``--llm-resume`` and by ``llmbench regrade`` alike.

A record is flat and keeps what the reports and the database need; going back gives the values a later stage
can work on again (a resumed item is not asked twice; a regrade grades the stored reply).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from pytest_llmbench.config import SIMULATED_PREFIX
from pytest_llmbench.types import Completion, Grade, Message, Outcome, Question, ResultRecord, Verdict


def reply_text(completion: Completion) -> str:
    """The reply as stored and reported: its text, then one line per tool call."""
    from pytest_llmbench.grading.structured import describe_calls  # grading is heavy: only once a reply is in

    calls = describe_calls(completion)
    return "\n".join(t for t in (completion.text, calls) if t)


def to_record(
    question: Question, model: str, grader: str, repeat: int, completion: Completion, grade: Grade | None,
    *, nodeid: str, outcome: Outcome, messages: Sequence[Message] | None = None,
    judges: list[dict[str, Any]] | None = None,
) -> ResultRecord:
    """The stored row of one finished item; a failed completion decides the outcome (skipped or error).

    ``messages``: what was sent (None when nothing was: a skip, an input error), kept with the provenance the
    completion carries (finish reason, served model, upstream provider, generation id, attempts).
    """
    from pytest_llmbench.outcome.provenance import stored_messages

    q, c, g = question, completion, grade
    if not c.ok:
        outcome = Outcome.SKIPPED if c.error_kind is not None and c.error_kind.skips else Outcome.ERROR
    difficulty = q.metadata.get("difficulty")
    return ResultRecord(
        model=model, question_key=q.key, outcome=outcome, nodeid=nodeid, dataset=q.dataset,
        clue=q.clue, answer=q.answer, category=q.category, round=q.round, value=q.value,
        air_date=q.air_date.isoformat() if q.air_date else None, show_number=q.show_number,
        difficulty=int(difficulty) if isinstance(difficulty, int | float) else None, repeat=repeat,
        simulated=c.simulated or model.startswith(SIMULATED_PREFIX),
        correct=g.correct if g else None, score=g.score if g else None, grader=grader,
        grade_method=g.method if g else None, explanation=g.explanation if g else None,
        matched=g.matched if g else None, verdict=g.verdict.value if g and g.verdict else None,
        confidence=g.confidence if g else None, response_text=reply_text(c), latency_ms=c.latency_ms,
        ttft_ms=c.ttft_ms, prompt_tokens=c.prompt_tokens, completion_tokens=c.completion_tokens,
        cost_usd=c.cost_usd, cost_estimated=c.cost_estimated, grade_cost_usd=g.cost_usd if g else 0.0,
        cached=c.cached, attempts=c.attempts, error=c.error,
        error_kind=c.error_kind.value if c.error_kind else None,
        messages=stored_messages(messages) if messages is not None and c.attempts else None,
        finish_reason=c.finish_reason, served_model=c.served_model, generation_id=c.generation_id,
        provider=c.extra.get("provider") if isinstance(c.extra.get("provider"), str) else None, judges=judges,
    )


def with_grade(record: ResultRecord, grade: Grade, grader: str) -> ResultRecord:
    """The record graded again: the new verdict decides the outcome; no grading cost is carried over."""
    return replace(
        record, outcome=Outcome.PASSED if grade.correct else Outcome.FAILED, correct=grade.correct,
        score=grade.score, grader=grader, grade_method=grade.method, explanation=grade.explanation,
        matched=grade.matched, verdict=grade.verdict.value if grade.verdict else None,
        confidence=grade.confidence, grade_cost_usd=0.0,
    )


def question_of(record: ResultRecord, known: Mapping[str, Question] | None = None) -> Question:
    """The record's question: the dataset's own when ``known`` (key -> question) has it (its kind fields and
    metadata are not stored), else what the record keeps."""
    if known is not None and record.question_key in known:
        return known[record.question_key]
    metadata = {"difficulty": record.difficulty} if record.difficulty is not None else {}
    return Question(
        id=record.question_key.partition(":")[2] or record.question_key, clue=record.clue, answer=record.answer,
        dataset=record.dataset, category=record.category, value=record.value, round=record.round,
        air_date=dt.date.fromisoformat(record.air_date) if record.air_date else None,
        show_number=record.show_number, metadata=metadata,
    )


def completion_of(record: ResultRecord) -> Completion:
    from pytest_llmbench.grading.structured import split_calls  # grading is heavy: only once a row is read

    text, calls = split_calls(record.response_text)
    return Completion(
        model=record.model, text=text, tool_calls=calls, latency_ms=record.latency_ms, ttft_ms=record.ttft_ms,
        prompt_tokens=record.prompt_tokens, completion_tokens=record.completion_tokens, cost_usd=record.cost_usd,
        cost_estimated=record.cost_estimated, cached=record.cached, simulated=record.simulated,
        attempts=record.attempts, finish_reason=record.finish_reason, served_model=record.served_model,
        generation_id=record.generation_id, extra={"provider": record.provider} if record.provider else {},
    )


def grade_of(record: ResultRecord) -> Grade | None:
    if record.correct is None:
        return None
    return Grade(
        correct=record.correct, score=record.score if record.score is not None else float(record.correct),
        method=record.grade_method or "stored", explanation=record.explanation or "", matched=record.matched,
        verdict=Verdict(record.verdict) if record.verdict else None, confidence=record.confidence,
        cost_usd=record.grade_cost_usd,
    )
