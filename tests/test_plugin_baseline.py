"""--llm-baseline / --llm-max-regression and --llm-repeat through a real pytest run."""

from __future__ import annotations

import json

import pytest

pytest_plugins = ["pytester"]

QUESTIONS = [{"question": f"Clue {i}", "answer": f"Answer {i}", "category": "C"} for i in range(30)]
ARGS = ("--llm-dataset=q.jsonl", "--llm-sample=all", "--llm-models=sim/strong", "-p", "no:cacheprovider")

SABOTAGE = """
from pytest_llmbench import Grade

def pytest_llmbench_grade(question, completion, grader):
    n = int(question.clue.split()[-1])
    if n < {wrong}:
        return Grade(correct=False, score=0.0, method="sabotage")
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makefile(".jsonl", q="\n".join(json.dumps(q) for q in QUESTIONS))
    pytester.makepyfile(test_q="def test_q(llm_result):\n    llm_result.assert_correct()\n")
    pytester.makeini("[pytest]\n")
    return pytester


def test_real_drop_against_baseline_fails_the_gate(project: pytest.Pytester) -> None:
    project.runpytest_subprocess(*ARGS)
    project.makeconftest(SABOTAGE.format(wrong=20))
    result = project.runpytest_subprocess(*ARGS, "--llm-baseline=latest", "--llm-max-regression=0.05")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*FAIL sim/strong vs baseline run 1:*a real drop*", "*gates FAILED*"])


def test_noise_against_baseline_passes(project: pytest.Pytester) -> None:
    project.runpytest_subprocess(*ARGS)
    project.makeconftest(SABOTAGE.format(wrong=1))
    result = project.runpytest_subprocess(*ARGS, "--llm-baseline=1")
    result.stdout.fnmatch_lines(["*PASS sim/strong vs baseline run 1:*"])
    assert result.ret == 0  # gates decide, although a test failed


def test_missing_baseline_is_a_usage_error(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess(*ARGS, "--llm-baseline=latest")
    assert result.ret == 4
    assert "no stored run" in result.stderr.str()
    result = project.runpytest_subprocess(*ARGS, "--llm-max-regression=0.1")
    assert result.ret == 4 and "--llm-baseline" in result.stderr.str()


def test_repeat_asks_k_times_and_reports_pass_at_k(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess(*ARGS, "--llm-repeat=3", "--llm-sample=5")
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) + outcomes.get("failed", 0) == 15
    result.stdout.fnmatch_lines(["*Repeated asks*", "*pass@1*pass@3*majority*consistency*"])
