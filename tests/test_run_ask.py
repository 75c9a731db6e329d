"""The ask stage: messages (hook first, else the template), requests, and items that cannot be sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_llmbench._run.ask import Asker
from pytest_llmbench._run.items import ItemSpec
from pytest_llmbench.config import resolve
from pytest_llmbench.errors import StorageError
from pytest_llmbench.storage.repository import Repository
from pytest_llmbench.types import Completion, Message, Question

QUESTION = Question(id="1", clue="This planet is red", answer="Mars", dataset="tiny")


def _no_repository() -> Repository:
    raise StorageError("the ask stage needs no database with the cache off")


def _asker(tmp_path: Path, hook_messages: list[Message] | None = None) -> Asker:
    settings = resolve({"cache": "off", "models": "sim/strong"}, environ={})
    return Asker(settings, tmp_path, lambda q, m, t: hook_messages, lambda: ("sim/strong",), _no_repository)


def test_the_template_renders_the_messages_unless_the_hook_gives_them(tmp_path: Path) -> None:
    spec = ItemSpec(QUESTION, "sim/strong", "lenient", "jeopardy")
    rendered = _asker(tmp_path).messages(spec)
    assert any("This planet is red" in str(m["content"]) for m in rendered)
    mine: list[Message] = [{"role": "user", "content": "mine"}]
    assert _asker(tmp_path, mine).messages(spec) == mine


def test_a_request_carries_the_model_the_repeat_and_the_template_params(tmp_path: Path) -> None:
    asker = _asker(tmp_path)
    request = asker.request_for(ItemSpec(QUESTION, "sim/strong", "lenient", "jeopardy", repeat=2))
    assert (request.model, request.repeat) == ("sim/strong", 2)
    assert request.params == dict(asker.template("jeopardy").params)


def test_the_simulated_model_answers_through_the_engine(tmp_path: Path) -> None:
    asker = _asker(tmp_path)
    try:
        completion = asker.complete("t[1]", ItemSpec(QUESTION, "sim/strong", "lenient", "jeopardy"))
    finally:
        assert asker.started is not None
        asker.started.close()
    assert completion.ok and completion.simulated


def test_an_item_that_cannot_be_sent_is_a_completion_saying_why(tmp_path: Path) -> None:
    missing = Question(id="2", clue="Colour?", answer="red", dataset="tiny", attachments=("nowhere.png",))
    job = _asker(tmp_path).job_for("t[2]", ItemSpec(missing, "sim/strong", "lenient", "jeopardy"))
    assert isinstance(job, Completion) and not job.ok and job.attempts == 0
    assert job.error is not None and "nowhere.png" in job.error


def test_a_worker_whose_database_cannot_share_the_rate_limit_keeps_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = resolve({"cache": "off", "models": "sim/strong"}, environ={})
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "2")
    shared = Asker(settings, tmp_path, lambda q, m, t: None, lambda: ("sim/strong",),
                   lambda: Repository(f"sqlite:///{tmp_path / 'r.db'}"), budget_pool="run:1:x")
    assert shared._shared_limits() is not None  # the healthy case: this worker's limits are shares of one row
    broken = Asker(settings, tmp_path, lambda q, m, t: None, lambda: ("sim/strong",), _no_repository,
                   budget_pool="run:1:x")
    assert broken._shared_limits() is None  # not an exception that would take the xdist worker down
