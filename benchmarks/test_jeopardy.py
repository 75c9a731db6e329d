"""The flagship benchmark: Jeopardy! clues, answered in the form of a question.

Run it: ``pytest benchmarks`` (simulated models, offline) or, with OPENROUTER_API_KEY set,
``pytest benchmarks --llm-models=openai/gpt-4o-mini,anthropic/claude-3.5-haiku --llm-sample=200``.
"""

import pytest


@pytest.mark.llmbench(grader="jeopardy", template="jeopardy")  # dataset: --llm-dataset, default jeopardy
def test_jeopardy(llm_result):
    llm_result.assert_correct()
