"""Structured output: a JSON Schema sent as a strict response format, graded key by key (``json`` grader)."""

import pytest


@pytest.mark.llmbench(
    dataset="benchmarks/kinds/structured.yaml",
    grader="json",
    template="benchmarks/kinds/structured_template.yaml",
    sample="all",
)
def test_structured(llm_result):
    llm_result.assert_correct()
