"""The catalog a run uses: the same tiers as ``llmbench models`` (``resolve_catalog``), for every purpose.

One answer per session feeds the capability checks (an image, a schema or tools are not sent to a model the
catalog says lacks them), the prices (the budget's reservations and the cost of unbilled answers) and the
model-id check (an id no tier knows: one warning naming the closest known ids, or a usage error under
``--llm-strict-models``). Tiers, as the CLI asks them: the database's cache while fresh (24 h), the live
``GET /models`` at ``--llm-base-url``, the stale cache, the bundled snapshot; ``describe`` says which answered.

The database caches OpenRouter's catalog only: another server's ``/models`` (llama.cpp, a LiteLLM proxy) lists
its own models, and caching it would replace OpenRouter's for the CLI and other runs. Runs of simulated models
only ask nothing and stay offline.
"""

from __future__ import annotations

import asyncio
import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pytest_llmbench.config import DEFAULT_BASE_URL, SIMULATED_PREFIX
from pytest_llmbench.errors import UsageError
from pytest_llmbench.providers.catalog import ModelInfo, fetch_models
from pytest_llmbench.providers.simulated import sim_model_info
from pytest_llmbench.storage.catalog_cache import FRESH_CACHE, CatalogAnswer, CatalogCache, resolve_catalog

if TYPE_CHECKING:
    from pytest_llmbench.storage.repository import Repository


@dataclass(frozen=True)
class RunCatalog:
    answer: CatalogAnswer | None  # None: simulated models only, no catalog asked

    @property
    def models(self) -> dict[str, ModelInfo]:
        return {} if self.answer is None else self.answer.models

    def info(self, model: str) -> ModelInfo | None:
        """The entry for ``model`` (a routing suffix such as ``:nitro`` ignored); simulated models' profiles."""
        if model.startswith(SIMULATED_PREFIX):
            return sim_model_info(model)
        return self.models.get(model) or self.models.get(model.split(":", 1)[0])

    def unknown(self, models: Sequence[str]) -> list[str]:
        return [m for m in models if not m.startswith(SIMULATED_PREFIX) and self.info(m) is None]

    def describe(self) -> str:
        return "catalog: none needed (simulated models only)" if self.answer is None else (
            f"catalog: {self.answer.describe()}")

    def problem(self, model: str) -> str:
        """The sentence for a model id no tier knows."""
        close = difflib.get_close_matches(model, list(self.models), n=3, cutoff=0.6)
        hint = f"; the closest known ids: {', '.join(close)}" if close else ""
        return (f"The model id {model!r} is in no model catalog ({self.describe().removeprefix('catalog: ')}): "
                f"check its spelling{hint}. Its capabilities were not checked and it has no price.")

    def check(self, models: Sequence[str], *, strict: bool) -> list[str]:
        """The warnings for unknown model ids; under ``strict`` the first is a usage error instead."""
        problems = [self.problem(m) for m in dict.fromkeys(self.unknown(models))]
        if strict and problems:
            raise UsageError(problems[0].replace(" Its capabilities", " (--llm-strict-models) Its capabilities"))
        return problems


def catalog_for_run(
    models: Sequence[str], *, db: Callable[[], Repository], base_url: str, api_key: str | None,
    timeout: float = 15.0,
) -> RunCatalog:
    """The tiered catalog for ``models``; nothing is asked (nor the database opened) when all are simulated."""
    if all(m.startswith(SIMULATED_PREFIX) for m in models):
        return RunCatalog(None)
    openrouter = base_url.rstrip("/") == DEFAULT_BASE_URL
    cache = CatalogCache(db().engine) if openrouter else None

    def fetch() -> dict[str, ModelInfo]:
        return asyncio.run(fetch_models(base_url, api_key, timeout=timeout))

    # Without a key such a run cannot ask OpenRouter anything: it fails with that message, not a catalog fetch.
    online = fetch if api_key or not openrouter else None
    catalog = RunCatalog(resolve_catalog(cache, online))
    if online and catalog.answer is not None and catalog.answer.tier == FRESH_CACHE and catalog.unknown(models):
        # A model newer than the cached catalog (every week brings some): ask the network once more.
        catalog = RunCatalog(resolve_catalog(cache, online, refresh=True))
    return catalog
