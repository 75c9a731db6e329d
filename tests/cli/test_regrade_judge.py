"""``llmbench regrade``: agreement with the original grading, and regrading with a judge or a jury."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

from pytest_llmbench.cli import main
from pytest_llmbench.testing import FakeOpenRouter, Fault, JudgeVerdicts, for_model

pytest_plugins = ["pytester"]

QUESTIONS = [
    {"question": "The Red Planet", "answer": "Mars"},
    {"question": "Author of Hamlet", "answer": "(William) Shakespeare"},
    {"question": "Largest ocean", "answer": "the Pacific"},
    {"question": "First US president", "answer": "George Washington"},
]
ANSWERS = {"Red Planet": "What is Mars?", "Hamlet": "Who is William Shakespeare?",
           "Largest ocean": "What is the Atlantic?", "US president": "Who is Washington?"}


def _policy(body: Any) -> str:
    prompt = json.dumps(body["messages"])
    return next((a for k, a in ANSWERS.items() if k in prompt), "I don't know")


@pytest.fixture
def stored_run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenRouter]:
    """A lenient run of the four questions against a fake server that stays up for the regrade."""
    verdicts = [{"clue": q["question"], "reply": a, "verdict": "CORRECT"} for q in QUESTIONS
                for k, a in ANSWERS.items() if k in q["question"]]
    verdicts[2]["verdict"] = "INCORRECT"  # the Atlantic
    verdicts[3]["verdict"] = "INCORRECT"  # the judge disagrees with the rules on the surname
    server = FakeOpenRouter(policy=_policy, judge=JudgeVerdicts.from_rows(verdicts, models=frozenset({"j/a"})))
    server.start()
    pytester.makefile(".jsonl", q="\n".join(json.dumps(q) for q in QUESTIONS))
    pytester.makepyfile(test_q="def test_q(llm_result):\n    llm_result.assert_correct()\n")
    pytester.makeini("[pytest]\n")
    pytester.runpytest_subprocess("--llm-dataset=q.jsonl", "--llm-sample=all", "--llm-models=openai/gpt-4o-mini",
                                  f"--llm-base-url={server.base_url}", "-p", "no:cacheprovider"
                                  ).assert_outcomes(passed=3, failed=1)
    monkeypatch.chdir(pytester.path)
    monkeypatch.setenv("OPENROUTER_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-test")
    yield server
    server.stop()


def test_regrade_prints_agreement_and_the_items_that_flipped(stored_run: FakeOpenRouter,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["regrade", "latest", "--grader", "strict"]) == 0
    out = capsys.readouterr().out
    # strict rejects 'Washington' for 'George Washington'; the rest is the same: 3 of 4 agree.
    assert "agreement of strict with the original grading (lenient): 3 of 4 items (75.0%)" in out
    assert "1 flipped (0 wrong -> correct, 1 correct -> wrong)" in out
    assert "correct -> wrong  openai/gpt-4o-mini" in out and "'Who is Washington?'" in out
    assert stored_run.chat_requests[-1].model == "openai/gpt-4o-mini"  # strict asked nobody


def test_regrade_with_a_judge_asks_it_once_per_answer_and_stores_the_votes(
        stored_run: FakeOpenRouter, pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]) -> None:
    stored_run.reset()
    assert main(["regrade", "latest", "--grader", "judge", "--judge-model", "j/a"]) == 0
    out = capsys.readouterr().out
    assert [r.model for r in stored_run.chat_requests] == ["j/a"] * 4
    # Cohen's kappa of lenient (T,T,F,T) vs the judge (T,T,F,F): p_o = 3/4, p_e = 3/4 x 1/2 + 1/4 x 1/2 = 1/2.
    assert "agreement of judge with the original grading (lenient): 3 of 4 items (75.0%), Cohen kappa 0.500" in out
    assert "judge: j/a decided 4 of 4 graded replies" in out
    with sqlite3.connect(pytester.path / ".llmbench" / "results.db") as db:
        rows = db.execute("select correct, judge_json, grade_cost_usd from benchmark_results where run_id = 2"
                          ).fetchall()
    assert sorted(r[0] for r in rows) == [0, 0, 1, 1]
    assert all(json.loads(r[1])[0]["model"] == "j/a" and r[2] > 0 for r in rows)


def test_a_failing_judge_in_a_regrade_is_an_error_not_a_wrong_answer(
        stored_run: FakeOpenRouter, pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]) -> None:
    stored_run.faults = for_model("j/a", Fault.http(400, "bad judge"))
    assert main(["regrade", "latest", "--grader", "judge", "--judge-model", "j/a"]) == 0
    with sqlite3.connect(pytester.path / ".llmbench" / "results.db") as db:
        rows = db.execute("select outcome, correct, error from benchmark_results where run_id = 2").fetchall()
    assert all(o == "error" and c is None and "grading failed" in e for o, c, e in rows)
    assert "0 of 0 items" in capsys.readouterr().out


def test_regrade_with_the_judge_grader_needs_a_judge_model(stored_run: FakeOpenRouter,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["regrade", "latest", "--grader", "judge"]) == 2
    assert "--judge-model" in capsys.readouterr().err
