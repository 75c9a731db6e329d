from __future__ import annotations

import json
import sqlite3

import pytest

from pytest_llmbench.cli import main
from pytest_llmbench.grading import get_grader
from pytest_llmbench.types import Question

pytest_plugins = ["pytester"]


def _lenient_run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                 questions: list[object]) -> None:
    """A stored run of ``questions`` (q.jsonl) by sim/strong, graded leniently; the test then works in its folder."""
    pytester.makefile(".jsonl", q="\n".join(json.dumps(q) for q in questions))
    pytester.makepyfile(test_q="def test_q(llm_result):\n    llm_result.assert_correct()\n")
    pytester.makeini("[pytest]\n")
    pytester.runpytest_subprocess("--llm-dataset=q.jsonl", "--llm-sample=all", "--llm-models=sim/strong",
                                  "--llm-grader=lenient", "-p", "no:cacheprovider")
    monkeypatch.chdir(pytester.path)


def test_regrade_makes_a_linked_run_without_asking_models(pytester: pytest.Pytester,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    _lenient_run(pytester, monkeypatch, [{"question": f"Clue {i}", "answer": f"(Big) Answer {i}"} for i in range(8)])
    assert main(["regrade", "latest", "--grader", "strict"]) == 0
    with sqlite3.connect(pytester.path / ".llmbench" / "results.db") as db:
        runs = db.execute("select id, parent_id, parent_relation, grader from benchmark_runs order by id").fetchall()
        assert runs == [(1, None, None, "lenient"), (2, 1, "regrade", "strict")]
        pairs = db.execute(
            "select a.response_text, b.response_text, b.correct, b.grader, q.clue, q.answer "
            "from benchmark_results a join benchmark_results b on a.nodeid = b.nodeid and b.run_id = 2 "
            "join questions q on q.id = a.question_id where a.run_id = 1").fetchall()
    assert len(pairs) == 8
    strict = get_grader("strict")
    for old_text, new_text, correct, grader, clue, answer in pairs:
        assert old_text == new_text and grader == "strict"
        expected = strict.grade(Question(id="x", clue=clue, answer=answer), new_text).correct
        assert bool(correct) == expected


def test_regrade_refuses_judge_and_unknown_runs(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(pytester.path)
    assert main(["regrade", "latest", "--grader", "judge"]) == 2
    assert "judge" in capsys.readouterr().err
    assert main(["regrade", "latest", "--grader", "strict"]) == 2
    assert "no results database" in capsys.readouterr().err


KIND_QUESTIONS = [
    *({"question": f"Sentiment {i}", "schema": {"type": "object", "properties": {"label": {"type": "string"}},
                                                "required": ["label"], "additionalProperties": False},
       "expected": {"label": "negative"}} for i in range(6)),
    *({"question": f"Weather {i}", "tools": [{"type": "function", "function": {"name": "get_weather"}}],
       "expected_call": {"name": "get_weather", "arguments": {"city": f"City {i}"}}} for i in range(6)),
]


def test_regrade_grades_structured_and_tool_call_items_as_the_run_did(pytester: pytest.Pytester,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    _lenient_run(pytester, monkeypatch, KIND_QUESTIONS)
    assert main(["regrade", "latest", "--grader", "lenient"]) == 0
    with sqlite3.connect(pytester.path / ".llmbench" / "results.db") as db:
        pairs = db.execute(
            "select a.correct, a.grader, a.grade_method, b.correct, b.grader, b.grade_method "
            "from benchmark_results a join benchmark_results b on a.nodeid = b.nodeid and b.run_id = 2 "
            "where a.run_id = 1").fetchall()
    assert len(pairs) == 12
    assert {p[1] for p in pairs} == {"json", "tool_call"}
    assert [p[:3] for p in pairs] == [p[3:] for p in pairs]  # the same grader, verdict and method as the run's
    assert any(p[0] for p in pairs if p[1] == "tool_call") and any(p[0] for p in pairs if p[1] == "json")
    (pytester.path / "q.jsonl").unlink()  # without the dataset, the kind of those items is unknown: said, not guessed
    capsys.readouterr()
    assert main(["regrade", "1", "--grader", "lenient"]) == 2
    assert "structured or tool-call items" in capsys.readouterr().err
