"""The fixtures of DESIGN.md section 4, and ``fake_openrouter`` for users' own tests.

Each is a thin view over the session's ``BenchSession``. The plugin registers them by importing this module
in every pytest run where it is installed, so what only a fixture's body needs (results, the engine, the fake
server) is imported in that body.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from pytest_llmbench._plugin.keys import SESSION_KEY, STATE_KEY
from pytest_llmbench._run.items import ItemSpec, ItemState
from pytest_llmbench.types import ChatRequest, Completion, ErrorKind, Grade, Message, Question

if TYPE_CHECKING:
    from pytest_llmbench._run.result import ItemResult
    from pytest_llmbench._run.session import BenchSession
    from pytest_llmbench.engine.costs import BudgetLike
    from pytest_llmbench.testing import FakeOpenRouter


def _bench(config: pytest.Config) -> BenchSession:
    return config.stash[SESSION_KEY]


def _state(request: pytest.FixtureRequest, spec: ItemSpec) -> ItemState:
    item: pytest.Item = request.node
    state = item.stash.get(STATE_KEY, None)
    if state is None:
        state = item.stash[STATE_KEY] = ItemState(spec)
    return state


def _outcome(request: pytest.FixtureRequest, spec: ItemSpec) -> ItemResult | Completion:
    bench = _bench(request.config)
    result = bench.flow.result(_state(request, spec), request.node.nodeid)
    if isinstance(result, Completion):
        # Not a wrong answer: the model was never asked or never answered. Skip or error, with the reason.
        message = f"{result.model}: {result.error}"
        if result.error_kind is not None and result.error_kind.skips:
            pytest.skip(message)
        if result.error_kind is ErrorKind.INPUT:  # the question's own files are at fault, not the model or API
            pytest.fail(f"input error: {message}", pytrace=False)
        pytest.fail(f"infrastructure error ({result.error_kind.value if result.error_kind else '?'}): {message}",
                    pytrace=False)
    return result


@pytest.fixture
def _llmbench_case(request: pytest.FixtureRequest) -> ItemSpec:
    param = getattr(request, "param", None)
    if not isinstance(param, ItemSpec):
        pytest.fail("this test uses llm_* fixtures but has no benchmark items (see the usage error above)",
                    pytrace=False)
    return param


@pytest.fixture
def llm_question(_llmbench_case: ItemSpec) -> Question:
    """The ``Question`` of this item (asks no model by itself)."""
    return _llmbench_case.question


@pytest.fixture
def llm_result(request: pytest.FixtureRequest, _llmbench_case: ItemSpec) -> ItemResult:
    """The graded outcome of this item: ``.question``, ``.model``, ``.response``, ``.grade``, ``.assert_correct()``."""
    from pytest_llmbench._run.result import ItemResult

    result = _outcome(request, _llmbench_case)
    assert isinstance(result, ItemResult)
    return result


@pytest.fixture
def llm_response(request: pytest.FixtureRequest, _llmbench_case: ItemSpec) -> Completion:
    """The model's ``Completion`` for this item (graded too, so the stored result is complete)."""
    from pytest_llmbench._run.result import ItemResult

    result = _outcome(request, _llmbench_case)
    assert isinstance(result, ItemResult)
    return result.response


@pytest.fixture
def llm_grader(request: pytest.FixtureRequest) -> Callable[[Question, str], Grade]:
    """The configured grader as a callable ``(question, text) -> Grade``."""
    bench = _bench(request.config)
    return bench.grading.grader(bench.settings.grader).grade


@dataclass
class LlmClient:
    """Synchronous ad-hoc calls inside a test (not prefetched; limited, retried, budgeted and cached)."""

    _call: Callable[[ChatRequest], Completion]
    stream: bool = False

    def complete(self, model: str, messages: list[Message], **params: Any) -> Completion:
        return self._call(ChatRequest(model=model, messages=tuple(messages), params=params, stream=self.stream))

    def ask(self, model: str, prompt: str, **params: Any) -> str:
        completion = self.complete(model, [{"role": "user", "content": prompt}], **params)
        if not completion.ok:
            pytest.fail(f"{model}: {completion.error}", pytrace=False)
        return completion.text


@pytest.fixture
def llm_client(request: pytest.FixtureRequest) -> LlmClient:
    """A synchronous client for ad-hoc calls inside a test, through the session's engine (limits, retries,
    cache, budget): ``.ask(model, prompt)`` returns the text, ``.complete(model, messages)`` the ``Completion``.
    These calls are not prefetched."""
    bench = _bench(request.config)
    return LlmClient(bench.asker.call, stream=bench.settings.stream)


@dataclass
class CostView:
    """The session's spending so far (billed where the provider bills, else estimated)."""

    _budget: BudgetLike

    @property
    def spent(self) -> float:
        return self._budget.spent

    @property
    def budget(self) -> float | None:
        return self._budget.limit

    @property
    def per_model(self) -> Mapping[str, float]:
        return dict(self._budget.by_model)


@pytest.fixture
def llm_cost(request: pytest.FixtureRequest) -> CostView:
    """The session's running cost: ``.spent`` (USD so far), ``.budget`` (``--llm-max-cost`` or None) and
    ``.per_model`` (USD per model)."""
    return CostView(_bench(request.config).asker.engine().budget)


@pytest.fixture
def fake_openrouter() -> Iterator[FakeOpenRouter]:
    """A running ``FakeOpenRouter`` (no latency, echo answers, no faults); configure it through attributes."""
    from pytest_llmbench.testing import FakeOpenRouter

    with FakeOpenRouter() as server:
        yield server
