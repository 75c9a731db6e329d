"""The grade stage: one dispatch for the run and regrade, the user's hook first."""

from __future__ import annotations

from pytest_llmbench._run.grade import Grading, grade_completion
from pytest_llmbench.grading import get_grader
from pytest_llmbench.types import ChatRequest, Completion, Grade, Question

QUESTION = Question(id="1", clue="This planet is red", answer="Mars")
RIGHT = Completion(model="sim/strong", text="What is Mars?")
WRONG = Completion(model="sim/strong", text="What is Venus?")


def _no_judge(request: ChatRequest) -> Completion:
    raise AssertionError("no grader here asks a model")


def test_a_text_grader_reads_the_completion_text() -> None:
    grader = get_grader("jeopardy")
    assert grade_completion(grader, QUESTION, RIGHT).correct
    assert not grade_completion(grader, QUESTION, WRONG).correct


def test_the_hook_wins_and_otherwise_the_named_grader_decides() -> None:
    asked: list[str] = []

    def hook(question: Question, completion: Completion, grader: str) -> Grade | None:
        asked.append(grader)
        return Grade(correct=True, score=1.0, method="hook") if completion.text == "anything" else None

    grading = Grading(hook=hook, judge=_no_judge, judge_model=None)
    anything = Completion(model="sim/strong", text="anything")
    grades = grading.grade_all([(QUESTION, anything, "jeopardy"), (QUESTION, WRONG, "jeopardy")])
    assert grades[0].method == "hook"
    assert [g.correct for g in grades] == [True, False]
    assert asked == ["jeopardy", "jeopardy"]
    assert grading.grader("jeopardy") is grading.grader("jeopardy")


def test_the_runs_grading_asks_the_hook_through_the_judge_stage_when_there_is_one() -> None:
    from pytest_llmbench._run.grade import grading_for
    from pytest_llmbench._run.judge import JudgeStage, StageEngine

    asked: list[str] = []

    def hook(question: Question, completion: Completion, grader: str) -> Grade | None:
        asked.append(completion.text)
        return Grade(correct=True, score=1.0, method="hook")

    def no_engine() -> StageEngine:
        raise AssertionError("a hook grade asks no judge")

    stage = JudgeStage(no_engine, "sim/judge", hook=hook,
                       make_grader=lambda name, judge, model: get_grader(name, judge=judge, judge_model=model))
    grading = grading_for(hook, "sim/judge", stage, _no_judge)
    assert stage.prefetch(QUESTION, WRONG, "judge", key="t[1]") == []  # the hook decided ahead: no judge
    assert grading.grade(QUESTION, WRONG, "judge", key="t[1]").method == "hook"
    assert asked == ["What is Venus?"]  # the stage's answer for the item's key, not the hook asked again
    plain = grading_for(lambda q, c, g: None, None, None, _no_judge)
    assert plain.grade(QUESTION, RIGHT, "jeopardy", key="t[1]").correct
