"""Vision: colours and a flag, one image each, in PNG, JPEG, GIF and WebP (written by make_assets.py).

Models whose catalog entry has no image input (sim/weak) skip these items, with the reason.
"""

import pytest


@pytest.mark.llmbench(dataset="benchmarks/kinds/vision.yaml", grader="lenient", template="qa", sample="all")
def test_vision(llm_result):
    llm_result.assert_correct()
