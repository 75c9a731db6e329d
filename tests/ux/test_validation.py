"""Mistakes are found before the first request: one sentence each, exit status 4 (issue 15, item 6)."""

from __future__ import annotations

import pytest

ARGS = ("-p", "no:cacheprovider", "-p", "no:randomly")


def _bench(project: pytest.Pytester, marker: str) -> None:
    project.makepyfile(test_quiz=f"""
import pytest

@pytest.mark.llmbench({marker})
def test_quiz(llm_result):
    llm_result.assert_correct()
""")


def _one_sentence_usage_error(result: pytest.RunResult, expected: str) -> None:
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str() + result.stderr.str()
    errors = [line for line in result.stderr.lines if line.startswith("ERROR:")]
    assert errors == [f"ERROR: {expected}"], result.stderr.str()
    assert "Traceback" not in result.stderr.str() + result.stdout.str()
    assert "stored as run" not in result.stdout.str() and " passed" not in result.stdout.str()


@pytest.mark.parametrize(("marker", "extra", "expected"), [
    ('dataset="questions.jsonl", template="tpl.yaml"', (),
     "Template 'tpl' uses {clu}, which no question has: use one of {air_date}, {category}, {clue}, "
     "{question}, {round}, {value}."),
    ('dataset="questions.jsonl"', ("--llm-models=sim/strong,sim/strng",),
     "Unknown simulated model 'sim/strng': the simulated models are sim/strong, sim/fast-cheap, sim/weak."),
    ('dataset="questions.jsonl", models=["sim/wek"]', (),
     "Unknown simulated model 'sim/wek': the simulated models are sim/strong, sim/fast-cheap, sim/weak."),
    ('"questions.jsonl"', (),
     "@pytest.mark.llmbench takes keyword arguments only (dataset=, grader=, template=, ...): "
     "test_quiz.py::test_quiz gives 'questions.jsonl' without a name (write dataset='questions.jsonl')."),
    ('dataset="questions.jsonl", grade="strict"', (),
     "Unknown llmbench marker argument 'grade'; known: category, dataset, grader, models, repeat, rounds, sample, "
     "sample_method, seed, stratify, template."),
    ('dataset="questions.jsonl", sample=0', (),
     "llmbench marker argument sample=0: 0 questions is no sample: give a count above 0, a fraction, or 'all'."),
    ('dataset="questions.jsonl"', ("--llm-sample=0",),
     "--llm-sample: 0 questions is no sample: give a count above 0, a fraction, or 'all'."),
])
def test_each_mistake_is_one_sentence_and_exit_4(project: pytest.Pytester, marker: str, extra: tuple[str, ...],
                                                 expected: str) -> None:
    project.makefile(".yaml", tpl='user: "Clue: {clu}"\n')
    _bench(project, marker)
    result = project.runpytest_subprocess(*ARGS, *extra)
    _one_sentence_usage_error(result, expected)


def test_a_correct_template_file_runs(project: pytest.Pytester) -> None:
    project.makefile(".yaml", tpl='system: Answer briefly.\nuser: "{category}: {clue}"\n')
    _bench(project, 'dataset="questions.jsonl", template="tpl.yaml", sample="all"')
    project.runpytest_subprocess(*ARGS, "--llm-models=sim/strong").assert_outcomes(passed=10)


def test_an_unknown_real_model_id_is_a_warning_not_an_error(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess(*ARGS, "--llm-models=openai/gpt-4o-minii", "--collect-only", "-q")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*llmbench: Model 'openai/gpt-4o-minii' is not in the model catalog: check the id*"])
