"""The grade stage: completions in, grades out, through one dispatch used by the run and by regrade.

``grade_completion`` picks how a grader reads an answer (tool calls are in the completion, not its text).
``Grading`` adds what a run has on top: the ``pytest_llmbench_grade`` hook (a user's grader wins), one grader
object per name, and the judge's model calls through the engine (or the judge stage, ``judge.py``, which may
have asked an item's hook already: ``hook_once``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from pytest_llmbench.types import ChatRequest, Completion, Grade, Question

if TYPE_CHECKING:
    from pytest_llmbench.grading import Grader


class JudgeSeam(Protocol):
    """What grading needs of the judge stage (``judge.JudgeStage``); named here so the two import one way only."""

    def judge(self, request: ChatRequest) -> Completion: ...

    def hook_once(self, key: str, question: Question, completion: Completion, grader: str) -> Grade | None: ...


def grade_completion(grader: Grader, question: Question, completion: Completion) -> Grade:
    """``grader``'s verdict on ``completion``: the whole completion for graders that need it, else its text."""
    from pytest_llmbench.grading.structured import CompletionGrader

    if isinstance(grader, CompletionGrader):
        return grader.grade_completion(question, completion)
    return grader.grade(question, completion.text)


class Grading:
    def __init__(
        self,
        *,
        hook: Callable[[Question, Completion, str], Grade | None],
        judge: Callable[[ChatRequest], Completion],
        judge_model: str | None,
        hook_once: Callable[[str, Question, Completion, str], Grade | None] | None = None,
    ) -> None:
        self._hook = hook
        self._hook_once = hook_once  # by item key: the judge stage asks each item's hook once, maybe ahead
        self._judge = judge
        self._judge_model = judge_model
        self._graders: dict[str, Grader] = {}

    def grader(self, name: str) -> Grader:
        """The grader called ``name`` (made once); an unknown name raises ``UsageError``."""
        if name not in self._graders:
            from pytest_llmbench.grading import get_grader

            self._graders[name] = get_grader(name, judge=self._judge, judge_model=self._judge_model)
        return self._graders[name]

    def grade(self, question: Question, completion: Completion, grader: str, *, key: str | None = None) -> Grade:
        """``key``: the item's (its answer job's), whose hook answer the judge stage may already have."""
        if key is not None and self._hook_once is not None:
            override = self._hook_once(key, question, completion, grader)
        else:
            override = self._hook(question, completion, grader)
        if override is not None:
            return override
        return grade_completion(self.grader(grader), question, completion)

    def grade_all(self, items: Sequence[tuple[Question, Completion, str]]) -> list[Grade]:
        """Grades of (question, completion, grader name) in order."""
        return [self.grade(q, c, g) for q, c, g in items]


def grading_for(hook: Callable[[Question, Completion, str], Grade | None], judge_model: str | None,
                stage: JudgeSeam | None, engine_call: Callable[[ChatRequest], Completion]) -> Grading:
    """The run's grading: judged through the judge stage when there is one, else one engine call at a time."""
    return Grading(hook=hook, judge=stage.judge if stage else engine_call, judge_model=judge_model,
                   hook_once=stage.hook_once if stage else None)
