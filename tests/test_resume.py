from __future__ import annotations

from pathlib import Path

import pytest

from pytest_llmbench._run.record import completion_of, grade_of
from pytest_llmbench._run.resume import (
    check_same_items,
    reopen,
    resume_command,
    stored_answers,
)
from pytest_llmbench.config import resolve
from pytest_llmbench.errors import StorageError, UsageError
from pytest_llmbench.storage import Repository
from pytest_llmbench.types import Outcome, ResultRecord


def _record(i: int, **kw: object) -> ResultRecord:
    base: dict[str, object] = dict(model="m", question_key=f"d:{i}", outcome=Outcome.PASSED, nodeid=f"t[{i}]",
                                   correct=True, score=1.0, grade_method="fuzzy", response_text=f"answer {i}",
                                   cost_usd=0.25, latency_ms=10.0)
    base.update(kw)
    return ResultRecord(**base)  # type: ignore[arg-type]


def test_resume_command_replaces_any_earlier_resume() -> None:
    assert resume_command(["bench", "-n", "4", "--llm-resume", "2", "--llm-resume=last", "-k", "a b"], 7) == (
        "pytest bench -n 4 -k 'a b' --llm-resume=7")


def test_stored_answers_replay_completion_and_grade_and_skip_errors(tmp_path: Path) -> None:
    repo = Repository(f"sqlite:///{tmp_path / 'r.db'}")
    settings = resolve({"models": "m", "seed": "3"}, environ={})
    run = repo.start_run(name="r", models=["m"], dataset="d", grader="g", seed=3, sample=None,
                         config=settings.snapshot())
    failed = _record(2, outcome=Outcome.ERROR, correct=None, score=None, error="HTTP 500", error_kind="server")
    repo.add_results(run, [_record(1), failed])
    repo.update_run(run, status="interrupted")
    assert reopen(repo, "last", settings).id == run
    assert repo.get_run(run).status == "running"
    assert repo.count_results(run) == 1  # the unanswered item was dropped, to be asked again
    answers = stored_answers(repo, run)
    assert list(answers) == ["t[1]"]
    assert answers["t[1]"].completion == completion_of(_record(1))
    assert answers["t[1]"].completion.text == "answer 1" and answers["t[1]"].completion.cost_usd == 0.25
    assert answers["t[1]"].grade == grade_of(_record(1)) and grade_of(failed) is None
    with pytest.raises(UsageError, match="--llm-seed=3"):
        check_same_items(repo.get_run(run), resolve({"models": "m", "seed": "4"}, environ={}))
    repo.update_run(run, status="completed")
    with pytest.raises(StorageError, match="no interrupted run"):
        reopen(repo, "last", settings)
    repo.close()
