"""BenchSession driven directly, as the hooks drive it, with fake hook callers: no pytest run."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_llmbench._run.callers import Hooks
from pytest_llmbench._run.items import ItemState
from pytest_llmbench._run.session import BenchSession
from pytest_llmbench.config import resolve
from pytest_llmbench.errors import UsageError
from pytest_llmbench.outcome.summary import RunSummary
from pytest_llmbench.storage import Repository
from pytest_llmbench.types import Completion, Grade, Message, Outcome, Question, ResultRecord

QUESTIONS = [Question(id=str(i), clue=f"This planet number {i} is red", answer="Mars", dataset="tiny")
             for i in range(3)]


class FakeHooks:
    def __init__(self, *, grade_all_right: bool = False) -> None:
        self.results: list[ResultRecord] = []
        self.summaries: list[RunSummary] = []
        self.datasets: list[str] = []
        self.grade_all_right = grade_all_right

    def load_dataset(self, name: str) -> list[Question] | None:
        self.datasets.append(name)
        return QUESTIONS if name == "tiny" else None

    def build_messages(self, question: Question, model: str, template: str) -> list[Message] | None:
        return None

    def grade(self, question: Question, completion: Completion, grader: str) -> Grade | None:
        return Grade(correct=True, score=1.0, method="fake") if self.grade_all_right else None

    def hooks(self) -> Hooks:
        return Hooks(self.load_dataset, self.build_messages, self.grade, self.results.append, self.summaries.append)


def _session(tmp_path: Path, fake: FakeHooks, **cli: object) -> BenchSession:
    settings = resolve({"cache": "off", "models": "sim/strong", "sample": "all", **cli}, environ={})
    return BenchSession(settings=settings, rootdir=tmp_path, hooks=fake.hooks())


def _run(bench: BenchSession) -> list[ResultRecord]:
    specs = bench.collector.specs_for({"dataset": "tiny"})
    items = [(f"test_quiz[{spec.id}]", spec, True) for spec in specs]
    bench.start(items)
    records = []
    for nodeid, spec, _ in items:
        state = ItemState(spec)
        result = bench.flow.result(state, nodeid)
        assert not isinstance(result, Completion), result.error
        record = bench.flow.record_for(state, nodeid, Outcome.PASSED if result.correct else Outcome.FAILED)
        bench.record(record)
        records.append(record)
    return records


def test_a_session_runs_its_items_through_every_stage_and_stores_them(tmp_path: Path) -> None:
    fake = FakeHooks(grade_all_right=True)
    bench = _session(tmp_path, fake)
    records = _run(bench)
    summary = bench.finish(exitstatus=0)
    bench.close()
    assert fake.datasets == ["tiny"]
    assert [r.question_key for r in records] == ["tiny:0", "tiny:1", "tiny:2"]
    assert all(r.grade_method == "fake" and r.outcome is Outcome.PASSED for r in records)
    assert fake.results == records == bench.records
    assert fake.summaries == [summary] and summary is not None and summary.gates_passed
    assert [m.model for m in summary.models] == ["sim/strong"]
    repo = Repository(bench.settings.db, base_dir=tmp_path)
    try:
        assert bench.run_id is not None
        assert [r.question_key for r in repo.results(bench.run_id)] == ["tiny:0", "tiny:1", "tiny:2"]
        assert repo.get_run(bench.run_id).status == "completed"
    finally:
        repo.close()


def test_without_the_hook_the_named_grader_decides(tmp_path: Path) -> None:
    fake = FakeHooks()
    bench = _session(tmp_path, fake)
    records = _run(bench)
    bench.finish(exitstatus=0)
    bench.close()
    assert {r.grader for r in records} == {"lenient"} and all(r.grade_method != "fake" for r in records)


def test_a_collection_problem_is_raised_when_the_run_starts(tmp_path: Path) -> None:
    bench = _session(tmp_path, FakeHooks())
    assert bench.collector.specs_for({"dataset": "nowhere"}) == []
    with pytest.raises(UsageError, match="No plugin could load dataset 'nowhere'"):
        bench.start([])
    bench.close()
    assert not (tmp_path / ".llmbench").exists()  # nothing was opened


def test_a_reader_stores_nothing(tmp_path: Path) -> None:
    fake = FakeHooks(grade_all_right=True)
    bench = _session(tmp_path, fake)
    bench.writer = False
    _run(bench)
    assert bench.finish(exitstatus=0) is None
    bench.close()
    assert len(fake.results) == 3 and fake.summaries == []
    assert not (tmp_path / ".llmbench").exists()


def test_a_resumed_session_replays_what_the_run_has_without_grading_again(tmp_path: Path) -> None:
    first = _session(tmp_path, FakeHooks(grade_all_right=True))
    _run(first)
    first.interrupted = True
    first.finish(exitstatus=2)
    first.close()
    fake = FakeHooks()  # would grade with the lenient grader: a replayed item keeps its stored grade instead
    again = _session(tmp_path, fake, resume="last")
    records = _run(again)
    again.finish(exitstatus=0)
    again.close()
    assert again.run_id == first.run_id and all(r.grade_method == "fake" for r in records)
    assert all(r.messages is None for r in records)  # nothing was sent this time
    assert len(fake.results) == 3 and len(fake.summaries) == 1


def test_the_engines_traffic_and_the_planned_items_reach_the_summary(tmp_path: Path) -> None:
    fake = FakeHooks(grade_all_right=True)
    bench = _session(tmp_path, fake)
    _run(bench)
    assert bench.planned == {"sim/strong": 3}
    summary = bench.finish(exitstatus=0)
    bench.close()
    assert summary is not None and summary.partial == {} and "sim/strong" in summary.traffic
