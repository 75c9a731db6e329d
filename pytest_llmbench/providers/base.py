"""The narrow interface between the engine and a model API.

A provider turns one ``ChatRequest`` into one ``Completion`` per call, or raises a ``ProviderError``
subclass. It does not retry, rate-limit, cache or budget: the engine does all of that, the same way for
every provider.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from pytest_llmbench.types import ChatRequest, Completion


@runtime_checkable
class Provider(Protocol):
    #: Short name shown in reports ("openrouter", "simulated").
    name: str
    #: True for the built-in simulated models: every report labels their numbers simulated.
    simulated: bool

    def handles(self, model: str) -> bool:
        """Whether this provider answers for ``model`` (e.g. ``sim/...`` for the simulated one)."""
        ...

    async def complete(self, request: ChatRequest, *, timeout: float) -> Completion:
        """Send one request; return a successful ``Completion`` or raise ``ProviderError``.

        ``timeout`` bounds this one attempt (seconds). The returned completion carries the billed cost
        when the provider reports one (``cost_usd``), else ``None`` so the engine can estimate it.
        """
        ...

    async def aclose(self) -> None:
        """Release connections. Called once, on the engine's loop."""
        ...
