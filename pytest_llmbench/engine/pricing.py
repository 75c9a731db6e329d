"""Catalog prices for the engine: what a request may cost before it is sent, and what it cost when unbilled.

Simulated models price themselves (their profiles). Other models are looked up in the catalog the run
resolved (``storage/run_catalog.py``: the database's cache, the live ``GET /models``, the bundled snapshot).
A model no catalog prices is handled by the engine's ``UnpricedModels``. ``load`` (the snapshot, completed
from the live catalog) serves callers without a database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from pytest_llmbench.errors import ProviderError
from pytest_llmbench.providers.catalog import ModelInfo, estimate_cost, fetch_models, load_snapshot
from pytest_llmbench.providers.simulated import PREFIX as SIM_PREFIX
from pytest_llmbench.providers.simulated import PROFILES, SimProfile


class CatalogPrices:
    """A ``CostEstimator``: ``prices(model, prompt_tokens, completion_tokens)`` -> USD, or None if unknown."""

    def __init__(self, catalog: Mapping[str, ModelInfo], simulated: Mapping[str, SimProfile] = PROFILES) -> None:
        self.catalog = dict(catalog)
        self.simulated = dict(simulated)

    def __call__(self, model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
        profile = self.simulated.get(model)
        if profile is not None:
            return prompt_tokens * profile.prompt_price + completion_tokens * profile.completion_price
        info = self.catalog.get(model)
        return None if info is None else estimate_cost(info, prompt_tokens, completion_tokens)

    def knows(self, model: str) -> bool:
        return model in self.simulated or (model in self.catalog and self(model, 1, 1) is not None)

    @classmethod
    def load(
        cls,
        models: Sequence[str],
        *,
        base_url: str,
        api_key: str | None,
        live: bool,
        timeout: float = 15.0,
    ) -> CatalogPrices:
        """The snapshot, completed from the live catalog when ``live`` and the snapshot lacks a model."""
        try:
            prices = cls(load_snapshot())
        except (OSError, ValueError, ProviderError):
            prices = cls({})
        missing = [m for m in models if not m.startswith(SIM_PREFIX) and not prices.knows(m)]
        if live and missing:
            try:
                fetched = asyncio.run(fetch_models(base_url, api_key, timeout=timeout))
            except ProviderError:
                return prices  # no live prices: such requests run one at a time under the budget
            prices.catalog.update(fetched)
        return prices
