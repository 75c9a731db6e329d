"""A results database with two stored runs, for the history commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_llmbench.storage.cache import DatabaseCache
from pytest_llmbench.storage.repository import Repository
from pytest_llmbench.types import ChatRequest, Completion, Outcome, ResultRecord


def _records(model_skill: dict[str, int], questions: int = 30) -> list[ResultRecord]:
    """Model m answers question q right when q % 10 < skill: deterministic, and different per model."""
    out = []
    for q in range(questions):
        for model, skill in model_skill.items():
            correct = q % 10 < skill
            out.append(
                ResultRecord(
                    model=model,
                    question_key=f"quiz:q{q}",
                    outcome=Outcome.PASSED if correct else Outcome.FAILED,
                    nodeid=f"t.py::t[{model}-{q}]",
                    dataset="quiz",
                    clue=f"clue {q} <b>|</b>",
                    answer=f"answer {q}",
                    category=f"CAT {q % 3}",
                    correct=correct,
                    score=float(correct),
                    grader="lenient",
                    response_text=f"reply {q}",
                    latency_ms=100.0 + q,
                    prompt_tokens=50,
                    completion_tokens=5,
                    cost_usd=0.0001,
                    simulated=model.startswith("sim/"),
                )
            )
    return out


def store(repo: Repository, name: str, records: list[ResultRecord]) -> int:
    models = list(dict.fromkeys(r.model for r in records))
    run_id = repo.start_run(
        name=name, models=models, dataset="quiz", grader="lenient", seed=42, sample="30", config={"max_cost": None}
    )
    repo.add_results(run_id, records)
    totals = {
        "items": len(records),
        "correct": sum(bool(r.correct) for r in records),
        "cost_usd": 0.0001 * len(records),
        "gates": [{"name": "infrastructure errors", "passed": True, "detail": "0 <= 0 allowed"}],
        "gates_passed": True,
    }
    repo.finish_run(run_id, status="completed", totals=totals, exit_status=0)
    return run_id


@pytest.fixture
def history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tmp_path`` as the working folder, with the default database holding runs 1 and 2."""
    monkeypatch.chdir(tmp_path)
    repo = Repository("sqlite:///.llmbench/results.db", base_dir=tmp_path)
    store(repo, "baseline", _records({"openai/gpt-4o-mini": 6, "sim/weak": 4}))
    store(repo, "candidate", _records({"openai/gpt-4o-mini": 9, "sim/weak": 4}))
    cache = DatabaseCache(repo.engine)
    cache.put("k1", ChatRequest("sim/weak", ({"role": "user", "content": "x"},)), Completion("sim/weak", "hi"))
    cache.put("k2", ChatRequest("sim/weak", ({"role": "user", "content": "y"},)), Completion("sim/weak", "ho"))
    cache.flush()
    repo.close()
    return tmp_path
