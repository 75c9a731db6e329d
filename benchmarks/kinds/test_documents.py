"""Documents: questions about PDFs (written by make_assets.py), sent as extracted text by default.

``--llm-pdf=native`` sends the files themselves; models without file input then skip these items.
"""

import pytest


@pytest.mark.llmbench(dataset="benchmarks/kinds/documents.yaml", grader="lenient", template="qa", sample="all")
def test_documents(llm_result):
    llm_result.assert_correct()
