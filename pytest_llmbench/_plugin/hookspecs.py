"""Hooks other plugins and a project's ``conftest.py`` can implement (added with ``pytest_addhooks``).

The plugin's own implementations are ``trylast``, so a user's implementation wins where a hook is
``firstresult``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pytest_llmbench.outcome.summary import RunSummary
    from pytest_llmbench.types import Completion, Grade, Message, Question, ResultRecord


@pytest.hookspec(firstresult=True)
def pytest_llmbench_load_dataset(name: str, config: pytest.Config) -> list[Question] | None:
    """Return the questions of dataset ``name``, or None to let others (finally the built-in loader) try.

    Example (conftest.py)::

        def pytest_llmbench_load_dataset(name, config):
            if name == "capitals":
                return [Question(id="fr", clue="Capital of France?", answer="Paris", dataset="capitals")]
    """


@pytest.hookspec(firstresult=True)
def pytest_llmbench_build_messages(question: Question, model: str, template: str) -> list[Message] | None:
    """Return the chat messages for ``question`` sent to ``model``, or None for the template's.

    Example::

        def pytest_llmbench_build_messages(question, model, template):
            if model.startswith("mistralai/"):
                return [{"role": "user", "content": f"Answer briefly: {question.clue}"}]
    """


@pytest.hookspec(firstresult=True)
def pytest_llmbench_grade(question: Question, completion: Completion, grader: str) -> Grade | None:
    """Return a ``Grade`` to override grading of ``completion``, or None to use ``grader``.

    Called once per item, before any judge model is asked (a grade returned here means no judge call). With
    ``--llm-judge-model`` it may be called on the judge stage's thread as the answer arrives, ahead of the test.

    Example::

        def pytest_llmbench_grade(question, completion, grader):
            if question.category == "MATH":
                ok = completion.text.strip() == question.answer
                return Grade(correct=ok, score=float(ok), method="conftest-exact")
    """


@pytest.hookspec
def pytest_llmbench_result(result: ResultRecord) -> None:
    """Observe each finished item (on the xdist controller: once per item, as its report arrives).

    Example::

        def pytest_llmbench_result(result):
            if result.error:
                print("infrastructure error:", result.model, result.error)
    """


@pytest.hookspec
def pytest_llmbench_summary(summary: RunSummary) -> Any:
    """Observe or extend the end-of-session summary (``summary.models``, ``summary.gates``, ``summary.notes``).

    Example::

        def pytest_llmbench_summary(summary):
            summary.notes.append("nightly run on the staging key")
    """
