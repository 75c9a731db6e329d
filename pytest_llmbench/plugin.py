"""The ``pytest11`` entry point: the plugin's hooks and fixtures, handed on from ``_plugin/``.

pytest registers this module, so every hook and fixture must be a name in it; the code lives in the
pytest adapter package (``_plugin/hooks.py``, ``_plugin/fixtures.py``). ``-p pytest_llmbench.plugin`` keeps
working as before and does not register the hooks twice.
"""

from __future__ import annotations

from pytest_llmbench._plugin.fixtures import (
    _llmbench_case,
    fake_openrouter,
    llm_client,
    llm_cost,
    llm_grader,
    llm_question,
    llm_response,
    llm_result,
)
from pytest_llmbench._plugin.hooks import (
    pytest_addhooks,
    pytest_addoption,
    pytest_cmdline_main,
    pytest_collection_finish,
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_generate_tests,
    pytest_llmbench_load_dataset,
    pytest_runtest_makereport,
    pytest_runtestloop,
    pytest_unconfigure,
)

__all__ = [
    "_llmbench_case",
    "fake_openrouter",
    "llm_client",
    "llm_cost",
    "llm_grader",
    "llm_question",
    "llm_response",
    "llm_result",
    "pytest_addhooks",
    "pytest_addoption",
    "pytest_cmdline_main",
    "pytest_collection_finish",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_generate_tests",
    "pytest_llmbench_load_dataset",
    "pytest_runtest_makereport",
    "pytest_runtestloop",
    "pytest_unconfigure",
]
