"""Tool calling: the model must call the right function with the right arguments (``tool_call`` grader).

Models without tool support in their catalog entry (sim/weak) skip these items, with the reason.
"""

import pytest


@pytest.mark.llmbench(
    dataset="benchmarks/kinds/tools.yaml",
    grader="tool_call",
    template="benchmarks/kinds/tools_template.yaml",
    sample="all",
)
def test_tools(llm_result):
    llm_result.assert_correct()
