"""One item through ask -> grade -> record (``ItemFlow``), driven directly: resumed answers, judge failures,
the target trackers."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pytest_llmbench._run.ask import Asker
from pytest_llmbench._run.finish import RunStore
from pytest_llmbench._run.flow import ItemFlow
from pytest_llmbench._run.grade import Grading
from pytest_llmbench._run.items import ItemSpec, ItemState
from pytest_llmbench._run.result import ItemResult
from pytest_llmbench._run.resume import StoredAnswer
from pytest_llmbench._run.target import TargetStopping
from pytest_llmbench.config import resolve
from pytest_llmbench.engine.traffic import ModelTraffic
from pytest_llmbench.errors import ServerError, StorageError
from pytest_llmbench.storage.repository import Repository
from pytest_llmbench.types import ChatRequest, Completion, ErrorKind, Grade, Outcome, Question, ResultRecord

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


class _Display:
    def __init__(self) -> None:
        self.started: list[dict[str, int]] = []

    def start(self, totals: Mapping[str, int]) -> None:
        self.started.append(dict(totals))

    def update(self, record: ResultRecord) -> None:
        raise AssertionError("the flow tells the display nothing per item")

    def close(self) -> None:
        raise AssertionError("the flow never closes the display")


def test_a_reader_starts_its_asking_items_without_opening_a_run(tmp_path: Path) -> None:
    flow = _flow(tmp_path)
    settings = resolve({"cache": "off", "models": "sim/strong"}, environ={})
    store = RunStore(settings, tmp_path, ("sim/strong",), {}, {}, on_failure=lambda reason: None)
    display = _Display()
    other = ItemSpec(Question(id="2", clue="This planet has rings", answer="Saturn", dataset="tiny"), "sim/strong",
                     "lenient", "jeopardy")
    items = [("t[1]", SPEC, True), ("t[2]", other, True), ("t[x]", SPEC, False)]
    planned = flow.start(items, store, writer=False, resume_run_id=None, progress=display, target_ci=None,
                         prefetch=True)
    assert planned == {"sim/strong": 2} and display.started == [{"sim/strong": 2}]
    assert flow.asker.started is not None and flow.targets is None
    state = ItemState(other)
    assert isinstance(flow.result(state, "t[2]"), ItemResult)
    assert store.run_id is None and not (tmp_path / ".llmbench").exists()  # a reader opens no run
    flow.asker.close()


def test_the_end_of_the_flow_says_how_the_run_ended(tmp_path: Path) -> None:
    flow = _flow(tmp_path)
    workers = {"sim/strong": ModelTraffic(8, 8, 8, 0, 1, 0, 0, 0, 0.0, 0.0)}
    before = flow.end(0, interrupted=False, command=("pytest",), planned={}, worker_traffic=workers)
    assert before.traffic is workers and before.stop_reason is None  # no engine here: the workers' traffic
    flow = _flow(tmp_path)
    flow.begin([("t[1]", SPEC)], target_ci=0.1, prefetch=False)
    flow.asker.stop("a signal")
    end = flow.end(2, interrupted=True, command=("pytest", "-x"), planned={"sim/strong": 1}, worker_traffic=workers)
    assert (end.exitstatus, end.interrupted, tuple(end.command)) == (2, True, ("pytest", "-x"))
    assert end.stop_reason == "a signal" and end.planned == {"sim/strong": 1}
    assert end.traffic is not workers and end.targets is not None and "sim/strong" in end.targets
