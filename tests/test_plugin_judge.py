"""The judge stage end to end: pytest against the fake server, whose judges answer from a verdict file."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Mapping
from typing import Any

import pytest
from _quiz import quiz_project, run_against

from pytest_llmbench.testing import FakeOpenRouter, Fault, JudgeVerdicts, for_model

pytest_plugins = ["pytester"]

LONG = ("It is the largest and deepest body of water on our planet, covering much of the surface "
        "between Asia and the Americas, and it was named by a sailor who found it calm after a storm")
QUESTIONS = [
    {"question": "The Red Planet", "answer": "Mars", "category": "SPACE"},
    {"question": "Author of Hamlet", "answer": "(William) Shakespeare", "category": "AUTHORS"},
    {"question": "Largest ocean", "answer": "the Pacific", "category": "GEOGRAPHY"},
]
ANSWERS = {"Red Planet": "What is Mars?", "Hamlet": "Who is Shakespeare?", "Largest ocean": LONG}


def _policy(body: Mapping[str, Any]) -> str:
    prompt = json.dumps(body["messages"])
    return next((a for k, a in ANSWERS.items() if k in prompt), "I don't know")


def _row(clue: str, verdict: str, model: str | None = None) -> dict[str, str]:
    reply = next(a for k, a in ANSWERS.items() if k in clue)
    row = {"clue": clue, "reply": reply, "verdict": verdict}
    return {**row, "model": model} if model else row


ONE_JUDGE = [_row("The Red Planet", "CORRECT"), _row("Author of Hamlet", "CORRECT"), _row("Largest ocean", "INCORRECT")]
JURY = [
    *(_row("The Red Planet", "CORRECT", m) for m in ("j/a", "j/b", "j/c")),
    _row("Author of Hamlet", "CORRECT", "j/a"), _row("Author of Hamlet", "CORRECT", "j/b"),
    _row("Author of Hamlet", "INCORRECT", "j/c"),
    _row("Largest ocean", "INCORRECT", "j/a"), _row("Largest ocean", "CORRECT", "j/b"),
    _row("Largest ocean", "INCORRECT", "j/c"),
]


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    return quiz_project(pytester, QUESTIONS)


def _judge_requests(server: FakeOpenRouter, judges: set[str]) -> list[str]:
    return [str(r.model) for r in server.chat_requests if r.model in judges]


def _stored(project: pytest.Pytester) -> dict[str, tuple[Any, ...]]:
    with sqlite3.connect(project.path / ".llmbench" / "results.db") as db:
        rows = db.execute("select q.clue, r.correct, r.error, r.judge_json, r.grade_cost_usd from benchmark_results r "
                          "join questions q on q.id = r.question_id").fetchall()
    return {r[0]: (r[1], r[2], json.loads(r[3]) if r[3] else None, r[4]) for r in rows}


def test_judge_grader_judges_every_reply_through_the_engine(project: pytest.Pytester) -> None:
    judge = JudgeVerdicts.from_rows(ONE_JUDGE, models=frozenset({"j/one"}))
    with FakeOpenRouter(policy=_policy, judge=judge) as server:
        result = run_against(project, server, "--llm-grader=judge", "--llm-judge-model=j/one")
    result.assert_outcomes(passed=2, failed=1)
    assert _judge_requests(server, {"j/one"}) == ["j/one"] * 3
    judge_body = next(r.body for r in server.chat_requests if r.model == "j/one")
    assert judge_body["stream"] is False and judge_body["max_tokens"] == 64
    stored = _stored(project)
    correct, _, votes, judge_cost = stored["Largest ocean"]
    assert correct == 0 and judge_cost > 0
    assert [(v["role"], v["model"], v["verdict"]) for v in votes] == [
        ("judge", "j/one", "incorrect"), ("rules", "lenient", "incorrect")]
    out = result.stdout.str()
    assert "judge: j/one decided 3 of 3 graded replies (100.0%)" in out
    assert "judge vs rules (lenient): agree on 100.0% of 3 judged items" in out
    assert "judging cost: $" in out


def test_adaptive_sends_only_the_reply_its_rules_are_unsure_of(project: pytest.Pytester) -> None:
    judge = JudgeVerdicts.from_rows([_row("Largest ocean", "CORRECT")], models=frozenset({"j/one"}))
    with FakeOpenRouter(policy=_policy, judge=judge) as server:
        result = run_against(project, server, "--llm-grader=adaptive", "--llm-judge-model=j/one")
    result.assert_outcomes(passed=3)
    judged = [r for r in server.chat_requests if r.model == "j/one"]
    assert len(judged) == 1 and "Largest ocean" in json.dumps(judged[0].body)
    stored = _stored(project)
    assert stored["The Red Planet"][2] is None  # decided by the rules: no judge, no votes
    assert [v["verdict"] for v in stored["Largest ocean"][2]] == ["correct", "incorrect"]  # judge, then rules
    assert "judge: j/one decided 1 of 3 graded replies (33.3%)" in result.stdout.str()


def test_a_jury_of_three_takes_the_majority_and_reports_its_agreement(project: pytest.Pytester) -> None:
    judge = JudgeVerdicts.from_rows(JURY, models=frozenset({"j/a", "j/b", "j/c"}))
    with FakeOpenRouter(policy=_policy, judge=judge) as server:
        result = run_against(project, server, "--llm-grader=judge", "--llm-judge-model=j/a,j/b,j/c")
    result.assert_outcomes(passed=2, failed=1)  # Hamlet 2 of 3 correct; the ocean 2 of 3 incorrect
    assert sorted(_judge_requests(server, {"j/a", "j/b", "j/c"})) == ["j/a"] * 3 + ["j/b"] * 3 + ["j/c"] * 3
    hamlet = _stored(project)["Author of Hamlet"]
    assert hamlet[0] == 1
    assert [(v["model"], v["verdict"]) for v in hamlet[2] if v["role"] == "judge"] == [
        ("j/a", "correct"), ("j/b", "correct"), ("j/c", "incorrect")]
    out = result.stdout.str()
    assert "judge: jury of 3 (j/a, j/b, j/c) decided 3 of 3 graded replies" in out
    # Binary ratings (T,T,T), (T,T,F), (F,T,F): P-bar = 5/9 and chance 5/9, so Fleiss' kappa is 0.
    assert "judge agreement: jurors agree on 33.3% of 3 items, Fleiss kappa 0.000" in out
    assert "AssertionError" not in out
    _assert_costs_match_the_stored_bills(project, out)


def _assert_costs_match_the_stored_bills(project: pytest.Pytester, out: str) -> None:
    """The summary's judging cost is what the judge calls were billed (nine of them here), apart from answering."""
    said = re.search(r"judging cost: \$([0-9.]+) \(answering: \$([0-9.]+)\)", out)
    assert said is not None, out
    with sqlite3.connect(project.path / ".llmbench" / "results.db") as db:
        judging, answering = db.execute("select sum(grade_cost_usd), sum(cost_usd) from benchmark_results").fetchone()
    assert judging > 0 and answering > 0
    assert float(said.group(1)) == pytest.approx(judging, abs=5e-5)  # printed to 4 decimals
    assert float(said.group(2)) == pytest.approx(answering, abs=5e-5)


def test_two_judges_report_cohen_kappa_and_what_judging_cost(project: pytest.Pytester) -> None:
    rows = [_row("The Red Planet", "CORRECT", "j/a"), _row("The Red Planet", "CORRECT", "j/b"),
            _row("Author of Hamlet", "CORRECT", "j/a"), _row("Author of Hamlet", "INCORRECT", "j/b"),
            _row("Largest ocean", "INCORRECT", "j/a"), _row("Largest ocean", "INCORRECT", "j/b")]
    judge = JudgeVerdicts.from_rows(rows, models=frozenset({"j/a", "j/b"}))
    with FakeOpenRouter(policy=_policy, judge=judge) as server:
        result = run_against(project, server, "--llm-grader=judge", "--llm-judge-model=j/a,j/b")
    result.assert_outcomes(passed=1, failed=2)  # Hamlet: one each, and a tie is not correct
    out = result.stdout.str()
    assert "judge: jury of 2 (j/a, j/b) decided 3 of 3 graded replies (100.0%)" in out
    # (T,T), (T,F), (F,F): observed 2/3; chance 2/3 x 1/3 + 1/3 x 2/3 = 4/9; kappa (2/9) / (5/9) = 0.4.
    assert "judge agreement: jurors agree on 66.7% of 3 items, Cohen kappa 0.400" in out
    # The rules (lenient) accept Mars and Shakespeare and reject the ocean; the jury accepted only Mars.
    assert "judge vs rules (lenient): agree on 66.7% of 3 judged items, Cohen kappa 0.400" in out
    _assert_costs_match_the_stored_bills(project, out)


def test_a_failing_judge_is_an_infrastructure_error_not_a_wrong_answer(project: pytest.Pytester) -> None:
    judge = JudgeVerdicts.from_rows(ONE_JUDGE, models=frozenset({"j/one"}))
    faults = for_model("j/one", Fault.http(500, "judge down"))
    with FakeOpenRouter(policy=_policy, judge=judge, faults=faults) as server:
        result = run_against(project, server, "--llm-grader=judge", "--llm-judge-model=j/one", "--llm-retries=0")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0 and outcomes.get("passed", 0) == 0
    assert outcomes.get("errors", outcomes.get("error")) == 3
    stored = _stored(project)
    assert all(correct is None and error and "grading failed" in error for correct, error, _, _ in stored.values())
    assert "3 item(s) got no verdict" in result.stdout.str()


def test_a_jury_with_one_failed_juror_still_decides_a_clear_majority(project: pytest.Pytester) -> None:
    rows = [r for r in JURY if r["model"] != "j/c"]
    judge = JudgeVerdicts.from_rows(rows, models=frozenset({"j/a", "j/b", "j/c"}))
    faults = for_model("j/c", Fault.http(500, "juror down"))
    with FakeOpenRouter(policy=_policy, judge=judge, faults=faults) as server:
        result = run_against(project, server, "--llm-grader=judge", "--llm-judge-model=j/a,j/b,j/c", "--llm-retries=0")
    # Mars and Hamlet: 2 of 3 say CORRECT; the ocean: 1 CORRECT, 1 INCORRECT, 1 failed -> no verdict.
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed") == 2 and outcomes.get("failed", 0) == 0
    assert outcomes.get("errors", outcomes.get("error")) == 1
    assert _stored(project)["Largest ocean"][0] is None


def test_under_xdist_each_worker_judges_its_own_items(project: pytest.Pytester) -> None:
    judge = JudgeVerdicts.from_rows(JURY, models=frozenset({"j/a", "j/b", "j/c"}))
    with FakeOpenRouter(policy=_policy, judge=judge) as server:
        result = run_against(project, server, "-n", "2", "--llm-grader=judge", "--llm-judge-model=j/a,j/b,j/c")
    result.assert_outcomes(passed=2, failed=1)
    assert len(_judge_requests(server, {"j/a", "j/b", "j/c"})) == 9  # every item judged once, by one worker
    assert all(len(votes) == 4 for _, _, votes, _ in _stored(project).values())  # 3 jurors + the rules
    assert "judge agreement: jurors agree on 33.3% of 3 items" in result.stdout.str()


def test_a_second_run_reads_the_verdicts_from_the_response_cache(project: pytest.Pytester) -> None:
    judge = JudgeVerdicts.from_rows(ONE_JUDGE, models=frozenset({"j/one"}))
    with FakeOpenRouter(policy=_policy, judge=judge) as server:
        first = run_against(project, server, "--llm-grader=judge", "--llm-judge-model=j/one")
        first.assert_outcomes(passed=2, failed=1)
        server.reset()
        again = run_against(project, server, "--llm-grader=judge", "--llm-judge-model=j/one")
    again.assert_outcomes(passed=2, failed=1)
    assert server.chat_requests == []  # answers and verdicts both came from the cache
    assert "judging cost: $0.0000" in again.stdout.str()


def test_a_resumed_run_judges_only_what_it_lacks_and_keeps_the_stored_votes(project: pytest.Pytester) -> None:
    judge = JudgeVerdicts.from_rows(ONE_JUDGE, models=frozenset({"j/one"}))
    args = ("--llm-grader=judge", "--llm-judge-model=j/one", "--llm-cache=off")
    with FakeOpenRouter(policy=_policy, judge=judge) as server:
        run_against(project, server, *args).assert_outcomes(passed=2, failed=1)
        with sqlite3.connect(project.path / ".llmbench" / "results.db") as db:  # as if killed before the last item
            db.execute("update benchmark_runs set status = 'interrupted'")
            db.execute("delete from benchmark_results where question_id = "
                       "(select id from questions where clue = 'The Red Planet')")
        server.reset()
        resumed = run_against(project, server, *args, "--llm-resume=last")
    resumed.assert_outcomes(passed=2, failed=1)
    asked = [(r.model, "Red Planet" in json.dumps(r.body)) for r in server.chat_requests]
    assert asked == [("openai/gpt-4o-mini", True), ("j/one", True)]  # only the missing item, answer and verdict
    assert "judge: j/one decided 3 of 3 graded replies" in resumed.stdout.str()
    assert all(votes for _, _, votes, _ in _stored(project).values())


def test_an_estimate_with_a_judge_model_sends_nothing(project: pytest.Pytester) -> None:
    with FakeOpenRouter(policy=_policy) as server:
        result = run_against(project, server, "--llm-grader=judge", "--llm-judge-model=j/one", "--llm-estimate")
    assert result.ret == 0 and server.chat_requests == []


HOOK = '''
from pytest_llmbench import Grade


def pytest_llmbench_grade(question, completion, grader):
    with open("hook_calls.txt", "a", encoding="utf-8") as calls:
        calls.write(question.clue + "\\n")
    if "Hamlet" in question.clue:
        return Grade(correct=False, score=0.0, method="conftest-override")
    return None
'''


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["one-process", "xdist"])
def test_a_grade_hook_is_asked_once_per_item_before_the_prefetched_judge(
    project: pytest.Pytester, workers: tuple[str, ...]
) -> None:
    """As without prefetching: the hook decides first, and a reply it grades is never sent to the judge."""
    project.makeconftest(HOOK)
    judge = JudgeVerdicts.from_rows(ONE_JUDGE, models=frozenset({"j/one"}))
    with FakeOpenRouter(policy=_policy, judge=judge) as server:
        result = run_against(project, server, *workers, "--llm-grader=judge", "--llm-judge-model=j/one")
    result.assert_outcomes(passed=1, failed=2)  # Mars judged correct, Hamlet overridden, the ocean judged wrong
    judged = [json.dumps(r.body) for r in server.chat_requests if r.model == "j/one"]
    assert len(judged) == 2 and not any("Hamlet" in body for body in judged)
    calls = (project.path / "hook_calls.txt").read_text(encoding="utf-8").splitlines()
    assert sorted(calls) == sorted(q["question"] for q in QUESTIONS)  # once per item, not again in the body
    with sqlite3.connect(project.path / ".llmbench" / "results.db") as db:
        methods = dict(db.execute("select q.clue, r.grade_method from benchmark_results r "
                                  "join questions q on q.id = r.question_id").fetchall())
    assert methods["Author of Hamlet"] == "conftest-override"
    assert _stored(project)["Author of Hamlet"][2] is None  # no judge votes for the item the hook decided
    assert "judge: j/one decided 2 of 3 graded replies" in result.stdout.str()
