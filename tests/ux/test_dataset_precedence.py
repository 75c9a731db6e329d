"""``--llm-dataset`` applies to the benchmark tests whose marker names no dataset (issue 15, item 10)."""

from __future__ import annotations

import json

import pytest

OWN = """
import pytest

@pytest.mark.llmbench(dataset="questions.jsonl", sample="all")
def test_own(llm_result):
    llm_result.assert_correct()
"""
OPEN = """
import pytest

@pytest.mark.llmbench(sample="all")
def test_open(llm_result):
    llm_result.assert_correct()
"""


def test_cli_dataset_goes_to_tests_without_one_and_an_unused_one_is_a_warning(project: pytest.Pytester) -> None:
    project.makefile(".jsonl", mine="\n".join(json.dumps({"id": f"m{i}", "question": f"Mine {i}", "answer": "x"})
                                             for i in range(3)))
    project.makepyfile(test_quiz=OWN, test_open=OPEN)
    args = ("-p", "no:cacheprovider", "--llm-models=sim/strong", "--collect-only", "-q")
    result = project.runpytest_subprocess(*args, "--llm-dataset=mine.jsonl")
    ids = [line for line in result.stdout.lines if "::" in line]
    assert sum("test_own[sim/strong-questions:" in i for i in ids) == 10  # kept its own questions
    assert sum("test_open[sim/strong-mine:" in i for i in ids) == 3  # took the command line's
    project.path.joinpath("test_open.py").unlink()
    result = project.runpytest_subprocess(*args, "--llm-dataset=mine.jsonl")
    result.stdout.fnmatch_lines(["*llmbench: --llm-dataset=mine.jsonl applies to no test here: every benchmark "
                                 "test's marker names its own dataset (a marker's dataset= beats --llm-dataset).*"])
