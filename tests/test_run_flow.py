"""One item through ask -> grade -> record (``ItemFlow``), driven directly: resumed answers, judge failures,
the target trackers."""

from __future__ import annotations

from pathlib import Path

from pytest_llmbench._run.ask import Asker
from pytest_llmbench._run.flow import ItemFlow
from pytest_llmbench._run.grade import Grading
from pytest_llmbench._run.items import ItemSpec, ItemState
from pytest_llmbench._run.result import ItemResult
from pytest_llmbench._run.resume import StoredAnswer
from pytest_llmbench._run.target import TargetStopping
from pytest_llmbench.config import resolve
from pytest_llmbench.errors import ServerError, StorageError
from pytest_llmbench.storage.repository import Repository
from pytest_llmbench.types import ChatRequest, Completion, ErrorKind, Grade, Outcome, Question

QUESTION = Question(id="1", clue="This planet is red", answer="Mars", dataset="tiny")
SPEC = ItemSpec(QUESTION, "sim/strong", "lenient", "jeopardy")


def _no_repository() -> Repository:
    raise StorageError("the flow needs no database with the cache off")


def _no_judge(request: ChatRequest) -> Completion:
    raise AssertionError("no judge is asked by the lenient grader")


def _flow(tmp_path: Path, hook: object = None) -> ItemFlow:
    settings = resolve({"cache": "off", "models": "sim/strong"}, environ={})
    asker = Asker(settings, tmp_path, lambda q, m, t: None, lambda: ("sim/strong",), _no_repository)

    def grade_hook(question: Question, completion: Completion, grader: str) -> Grade | None:
        if isinstance(hook, Exception):
            raise hook
        return None

    grading = Grading(hook=grade_hook, judge=_no_judge, judge_model=None)
    return ItemFlow(asker, lambda: grading, lambda: None)


def test_an_item_is_asked_graded_and_recorded_with_what_was_sent(tmp_path: Path) -> None:
    flow = _flow(tmp_path)
    flow.begin([("t[1]", SPEC)], target_ci=None, prefetch=True)
    state = ItemState(SPEC)
    result = flow.result(state, "t[1]")
    assert isinstance(result, ItemResult) and result.grade is state.grade and state.completion is result.response
    record = flow.record_for(state, "t[1]", Outcome.PASSED if result.correct else Outcome.FAILED)
    assert record.question_key == "tiny:1" and record.correct == result.correct and record.grader == "lenient"
    assert record.messages and "This planet is red" in str(record.messages)
    flow.asker.close()


def test_a_resumed_answer_is_replayed_and_never_asked(tmp_path: Path) -> None:
    flow = _flow(tmp_path)
    stored = StoredAnswer(Completion(model="sim/strong", text="What is Mars?"), Grade(True, 1.0, "stored"),
                          judges=[{"juror": "j", "correct": True}])
    flow.resumed = {"t[1]": stored}
    flow.prefetch([("t[1]", SPEC)])
    state = ItemState(SPEC)
    result = flow.result(state, "t[1]")
    assert isinstance(result, ItemResult) and result.grade.method == "stored" and result.text == "What is Mars?"
    assert state.judges == stored.judges
    assert flow.asker.sent("t[1]") is None  # no request was made for it
    flow.asker.close()


def test_a_grader_whose_model_fails_makes_the_item_an_error_not_a_wrong_answer(tmp_path: Path) -> None:
    flow = _flow(tmp_path, hook=ServerError("judge unavailable"))
    flow.resumed = {"t[1]": StoredAnswer(Completion(model="sim/strong", text="Mars"), None)}
    state = ItemState(SPEC)
    result = flow.result(state, "t[1]")
    assert isinstance(result, Completion) and result.error_kind is ErrorKind.SERVER
    assert result.error == "grading failed: judge unavailable" and state.grade is None
    record = flow.record_for(state, "t[1]", Outcome.FAILED)
    assert record.outcome is Outcome.ERROR and record.correct is None


def test_each_recorded_item_feeds_its_models_target_tracker(tmp_path: Path) -> None:
    flow = _flow(tmp_path)
    stops: list[str] = []
    flow.targets = TargetStopping(0.5, lambda model, why: stops.append(model))
    flow.targets.plan(["sim/strong"])
    flow.resumed = {"t[1]": StoredAnswer(Completion(model="sim/strong", text="Mars"), Grade(True, 1.0, "stored"))}
    state = ItemState(SPEC)
    flow.result(state, "t[1]")
    flow.record_for(state, "t[1]", Outcome.PASSED)
    assert flow.targets.reports()["sim/strong"].fed == 1
