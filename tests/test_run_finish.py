"""The finish stage: the run row, results written as they come, summary with gates, and the stored end."""

from __future__ import annotations

from pathlib import Path

from pytest_llmbench._run.finish import RunEnd, RunStore
from pytest_llmbench.config import resolve
from pytest_llmbench.outcome.summary import RunSummary
from pytest_llmbench.types import Outcome, ResultRecord


def _record(i: int, correct: bool) -> ResultRecord:
    return ResultRecord(model="sim/strong", question_key=f"tiny:{i}", outcome=Outcome.PASSED if correct else
                        Outcome.FAILED, nodeid=f"t[{i}]", dataset="tiny", clue="c", answer="a", correct=correct,
                        score=float(correct), grader="lenient", simulated=True)


def test_a_run_is_stored_summarised_and_gated(tmp_path: Path) -> None:
    settings = resolve({"min-accuracy": ["0.9"]}, environ={})
    store = RunStore(settings, tmp_path, ("sim/strong",), {"tiny": "a file"})
    records = [_record(i, i != 0) for i in range(4)]
    for record in records:
        store.write(record)
    store.flush()
    summary = store.summarize(records, stop_reason="the session ended")
    assert summary.stop_reason is None and summary.dataset_origin == "a file"
    accuracies = [None if m.accuracy is None else round(m.accuracy, 2) for m in summary.models]
    assert accuracies == [0.75] and not summary.gates_passed
    store.persist(summary, interrupted=True, command=("-x",), exitstatus=1)
    repo = store.repository()
    assert store.run_id is not None
    run = repo.get_run(store.run_id)
    assert (run.status, len(repo.results(store.run_id))) == ("interrupted", 4)
    assert any(note.startswith("interrupted: resume with pytest -x --llm-resume=") for note in summary.notes)
    store.close()


def test_a_run_that_got_no_result_is_removed(tmp_path: Path) -> None:
    store = RunStore(resolve({}, environ={}), tmp_path, ("sim/strong",), {})
    run_id = store.ensure_run()
    store.close_empty_run(interrupted=False)
    assert store.run_id is None
    assert all(r.id != run_id for r in store.repository().runs())
    store.close()


def test_the_end_of_a_run_tells_its_summary_and_stores_it(tmp_path: Path) -> None:
    store = RunStore(resolve({}, environ={}), tmp_path, ("sim/strong",), {})
    told: list[RunSummary] = []
    records = [_record(i, True) for i in range(2)]
    end = RunEnd(exitstatus=0, stop_reason="credits ran out", planned={"sim/strong": 3})
    summary = store.conclude(records, end, told.append)
    assert summary is not None and told == [summary] and summary.gates_passed
    assert store.run_id is not None and store.repository().get_run(store.run_id).status == "stopped"
    assert summary.partial == {"sim/strong": (2, 3)}  # 2 of the 3 planned items came back
    store.close()


def test_the_end_of_a_run_without_results_tells_nothing_and_keeps_no_run(tmp_path: Path) -> None:
    store = RunStore(resolve({}, environ={}), tmp_path, ("sim/strong",), {})
    run_id = store.ensure_run()
    told: list[RunSummary] = []
    assert store.conclude([], RunEnd(exitstatus=5), told.append) is None
    assert told == [] and all(r.id != run_id for r in store.repository().runs())
    store.close()
