"""A results database with two runs of the report records, for the viewer's tests (unit and browser)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from _records import make_records

from pytest_llmbench.outcome.summary import performance_row, totals
from pytest_llmbench.report.model import build_report
from pytest_llmbench.storage.repository import Repository
from pytest_llmbench.types import Outcome, ResultRecord

GPT = "openai/gpt-4o-mini"
#: Questions whose GPT answer is graded the other way in run 2 than in run 1.
FLIPPED = ("custom:q0", "custom:q1", "custom:q2", "custom:q7")
#: A reply with control characters, and one longer than the item page shows at first.
CONTROL_REPLY = "What is \x00null\x1b[31m red\x7f?"
LONG_REPLY = "What is " + "very " * 6000 + "long?"
SYSTEM = "You are a quiz contestant. Answer <b>as a question</b>."


def _with_provenance(record: ResultRecord) -> ResultRecord:
    return replace(
        record,
        messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": record.clue}],
        finish_reason="stop", served_model="openai/gpt-4o-mini-2024-07-18", provider="Azure",
        generation_id="gen-123", attempts=2,
        judges=[{"model": "judge/m", "verdict": "correct", "reason": "same <thing>"}],
    )


def first_run() -> list[ResultRecord]:
    out = []
    for r in make_records():
        if r.model == GPT and r.question_key == "custom:q8":
            r = replace(r, response_text=CONTROL_REPLY)
        if r.model == GPT and r.question_key == "custom:q9":
            r = replace(r, response_text=LONG_REPLY)
        out.append(_with_provenance(r) if r.model == GPT and r.question_key == "custom:q4" else r)
    return out


def second_run() -> list[ResultRecord]:
    out = []
    for r in first_run():
        if r.model == GPT and r.question_key in FLIPPED:
            right = not r.correct
            r = replace(r, correct=right, outcome=Outcome.PASSED if right else Outcome.FAILED,
                        response_text=f"What is flipped {r.question_key}?")
        out.append(replace(r, cost_usd=(r.cost_usd or 0) * 2))
    return out


def store(repo: Repository, name: str, records: list[ResultRecord], dataset: str = "custom") -> int:
    models = list(dict.fromkeys(r.model for r in records))
    run_id = repo.start_run(name=name, models=models, dataset=dataset, grader="lenient", seed=1, sample=None,
                            config={})
    repo.add_results(run_id, records)
    summary = build_report(records).summary
    repo.save_performance(run_id, [performance_row(m) for m in summary.models])
    repo.finish_run(run_id, status="completed", totals=totals(summary), exit_status=0)
    return run_id


def make_history(path: Path) -> str:
    """Runs 1 ("baseline") and 2 ("candidate", GPT flipped on FLIPPED) in a new SQLite file; its URL."""
    url = f"sqlite:///{path}"
    repo = Repository(url)
    try:
        store(repo, "baseline", first_run())
        store(repo, "candidate <i>2</i>", second_run())
    finally:
        repo.close()
    return url
