"""An LLM as the judge: prompt, verdict parsing, and the failure policy.

Failure policy: a judge call that fails (the completion has an ``error``) or answers something that is not
a verdict raises ``JudgeFailed``, a ``ProviderError``. The item then becomes an infrastructure error, never
a wrong answer: a broken judge says nothing about the model under test.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pytest_llmbench.errors import ProviderError
from pytest_llmbench.grading.answer_key import AnswerKey
from pytest_llmbench.types import ChatRequest, Completion, ErrorKind, Message, Question, Verdict

JudgeFn = Callable[[ChatRequest], Completion]

JUDGE_MAX_TOKENS = 64
_MAX_RESPONSE_CHARS = 4000

JUDGE_SYSTEM_PROMPT = (
    "You grade responses to Jeopardy! clues against the expected answer, as a careful human judge would. "
    "A response is CORRECT when it names the same thing as the expected answer or one of its accepted "
    "alternatives: ignore the question form ('What is ...'), capitalisation, articles, obvious misspellings "
    "and extra explanation; the surname alone is enough for a person. A response is INCORRECT when it names "
    "a different thing, however similar (another number or year, North instead of South, Henry VII instead "
    "of Henry VIII, another given name), or when it hedges between several different answers. A response "
    "that declines to answer ('I don't know') is NOT_ATTEMPTED. "
    "Reply with exactly one word: CORRECT, INCORRECT or NOT_ATTEMPTED."
)


class JudgeFailed(ProviderError):
    """The judge model could not give a verdict: the item is an infrastructure error."""

    def __init__(self, message: str, *, kind: ErrorKind = ErrorKind.BAD_RESPONSE, cost_usd: float = 0.0) -> None:
        super().__init__(message)
        self.kind = kind
        self.cost_usd = cost_usd


@dataclass(frozen=True, slots=True)
class JudgeVerdict:
    verdict: Verdict
    raw: str
    cost_usd: float
    model: str


def judge_messages(question: Question, key: AnswerKey, text: str) -> tuple[Message, ...]:
    others = [alt for alt in key.alternatives if alt != key.canonical]
    lines = []
    if question.category:
        lines.append(f"Category: {question.category}")
    lines.append(f"Clue: {question.clue}")
    lines.append(f"Expected answer: {key.canonical}")
    if others:
        lines.append(f"Also accept: {'; '.join(others)}")
    response = text if len(text) <= _MAX_RESPONSE_CHARS else text[:_MAX_RESPONSE_CHARS] + " [...]"
    lines.append(f"Response: <<<{response}>>>")
    lines.append("Verdict (CORRECT, INCORRECT or NOT_ATTEMPTED):")
    return (
        {"role": "system", "content": JUDGE_SYSTEM_PROMPT},
        {"role": "user", "content": "\n".join(lines)},
    )


def judge_request(model: str, question: Question, key: AnswerKey, text: str) -> ChatRequest:
    return ChatRequest(
        model=model,
        messages=judge_messages(question, key, text),
        params={"temperature": 0, "max_tokens": JUDGE_MAX_TOKENS},
        stream=False,
    )


_VERDICT_WORD = r"(NOT[\s_-]*ATTEMPTED|NOT\s+CORRECT|INCORRECT|CORRECT|WRONG)"
_LABELLED = re.compile(r"VERDICT\s*(?:IS)?\s*[:=\-]?\s*\**\s*" + _VERDICT_WORD)
_ANY = re.compile(r"\b" + _VERDICT_WORD + r"\b")


def _to_verdict(word: str) -> Verdict:
    word = re.sub(r"[\s_-]+", " ", word)
    if word == "NOT ATTEMPTED":
        return Verdict.NOT_ATTEMPTED
    if word == "CORRECT":
        return Verdict.CORRECT
    return Verdict.INCORRECT


def parse_verdict(text: str) -> Verdict | None:
    """The verdict in a judge's reply: a "Verdict: X" label wins, then a leading word, then the last one."""
    upper = re.sub(r"<THINK>.*?</THINK>", " ", text.upper(), flags=re.S)
    labelled = _LABELLED.findall(upper)
    if labelled:
        return _to_verdict(labelled[-1])
    leading = re.match(r"^\W*" + _VERDICT_WORD + r"\b", upper)
    if leading:
        return _to_verdict(leading.group(1))
    found = _ANY.findall(upper)
    return _to_verdict(found[-1]) if found else None


def ask_judge(judge: JudgeFn, model: str, question: Question, key: AnswerKey, text: str) -> JudgeVerdict:
    """One synchronous judge call; raises ``JudgeFailed`` rather than guessing."""
    completion = judge(judge_request(model, question, key, text))
    cost = 0.0 if completion.cached else completion.cost_usd or 0.0  # a cached verdict was billed nothing now
    if completion.error is not None:
        raise JudgeFailed(
            f"The judge model {model} failed: {completion.error}",
            kind=completion.error_kind or ErrorKind.SERVER,
            cost_usd=cost,
        )
    verdict = parse_verdict(completion.text)
    if verdict is None:
        shown = " ".join(completion.text.split())[:80]
        raise JudgeFailed(f"The judge model {model} gave no verdict: '{shown}'.", cost_usd=cost)
    return JudgeVerdict(verdict=verdict, raw=completion.text.strip(), cost_usd=cost, model=model)


def describe(verdict: JudgeVerdict, key: AnswerKey, extracted: str) -> str:
    """One concise line: what the judge was asked and what it said."""
    raw = " ".join(verdict.raw.split())
    raw = raw if len(raw) <= 120 else raw[:117] + "..."
    return (
        f"Judge {verdict.model} was asked whether '{extracted}' matches '{' / '.join(key.alternatives)}' "
        f"and said {verdict.verdict.value.upper()} (raw: '{raw}')."
    )
