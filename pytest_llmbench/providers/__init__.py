"""Model providers: OpenRouter (any OpenAI-compatible server) and the built-in simulated models.

``build`` is the one place that chooses them: the ``sim/`` prefix picks the simulated provider, any other model
needs OpenRouter, which runs in this process or, at high concurrency on a machine with CPUs to spare, in an
HTTP worker process (``_remote``). The defaults (models, base URL, prefix) are config's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from pytest_llmbench.config import SIMULATED_PREFIX, Settings
from pytest_llmbench.errors import UsageError
from pytest_llmbench.types import ChatRequest, Question

if TYPE_CHECKING:
    from pytest_llmbench.providers.base import Provider


def build(
    settings: Settings, models: Sequence[str], question_for: Callable[[ChatRequest], Question | None]
) -> list[Provider]:
    """The providers that answer ``models``; ``question_for`` tells the simulated models what was asked."""
    from pytest_llmbench.providers.simulated import SimulatedProvider

    providers: list[Provider] = [SimulatedProvider(question_for)]
    real = [m for m in models if not m.startswith(SIMULATED_PREFIX)]
    if real:
        providers.append(_openrouter(settings, real))
    return providers


def _openrouter(s: Settings, real: Sequence[str]) -> Provider:
    if not s.api_key and "base_url" not in s.sources:
        raise UsageError(
            f"OPENROUTER_API_KEY is not set: set it (or put it in .env) to ask {', '.join(real)}, "
            f"or choose simulated models such as --llm-models=sim/strong."
        )
    from pytest_llmbench.engine.workers import available_cpus
    from pytest_llmbench.providers import _remote
    from pytest_llmbench.providers.openrouter import OpenRouterProvider

    if s.concurrency >= _remote.REMOTE_FROM and available_cpus() > 1:
        return _remote.RemoteProvider(s.api_key, s.base_url, s.concurrency)
    return OpenRouterProvider.for_concurrency(s.api_key, s.concurrency, s.base_url)
