"""``llm_result``: what a benchmark test sees for its item, and the failure message it raises."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pytest_llmbench._run.record import reply_text
from pytest_llmbench.types import Completion, Grade, Question

_MAX_SHOWN = 500


#: Control characters other than newline and tab: shown escaped, so a model's reply cannot restyle, move the
#: cursor or rewrite lines of the terminal that prints the failure.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _visible(text: str) -> str:
    return _CONTROL.sub(lambda m: repr(m[0])[1:-1], text)


def _clip(text: str) -> str:
    text = _visible(text.strip())
    return text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + f"... [{len(text) - _MAX_SHOWN} more chars]"


class WrongAnswer(AssertionError):
    """Raised by ``assert_correct``; its message is the whole story of the item."""


@dataclass(frozen=True)
class ItemResult:
    question: Question
    model: str
    response: Completion
    grade: Grade
    repeat: int = 0

    def __repr__(self) -> str:
        # pytest prints a failing test's arguments: one short line, the failure message tells the rest.
        verdict = "correct" if self.grade.correct else "wrong"
        return f"<ItemResult {self.model} {self.question.id}: {verdict}>"

    @property
    def correct(self) -> bool:
        return self.grade.correct

    @property
    def text(self) -> str:
        return self.response.text

    def explain(self) -> str:
        q, g = self.question, self.grade
        where = " / ".join(x for x in (q.category, q.round, f"${q.value}" if q.value is not None else None) if x)
        lines = [
            f"{self.model} answered {'correctly' if g.correct else 'wrongly'}"
            + (" (simulated model)" if self.response.simulated else ""),
            f"  category: {_visible(where) or '-'}",
            f"  clue:     {_clip(q.clue)}",
            f"  expected: {_visible(q.answer)}",
            f"  got:      {_clip(reply_text(self.response)) or '(empty reply)'}",
            f"  grader:   {g.method} -> {g.verdict.value if g.verdict else '-'}, score {g.score:.2f}"
            + (f", matched {g.matched!r}" if g.matched else ""),
        ]
        if g.explanation:
            lines.append(f"  why:      {_clip(g.explanation)}")
        return "\n".join(lines)

    def assert_correct(self) -> None:
        """Fail the test (an ordinary assertion failure) unless the grader judged the answer correct."""
        __tracebackhide__ = True
        if not self.grade.correct:
            raise WrongAnswer(self.explain())
