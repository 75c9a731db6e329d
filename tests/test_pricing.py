from __future__ import annotations

import pytest

from pytest_llmbench.engine.pricing import CatalogPrices
from pytest_llmbench.providers.catalog import ModelInfo, PriceTier, load_snapshot
from pytest_llmbench.providers.simulated import PROFILES
from pytest_llmbench.testing import FakeOpenRouter


def test_simulated_models_price_themselves() -> None:
    prices = CatalogPrices({})
    profile = PROFILES["sim/strong"]
    assert prices("sim/strong", 100, 10) == pytest.approx(100 * profile.prompt_price + 10 * profile.completion_price)


def test_catalog_prices_follow_tiers_and_request_price() -> None:
    info = ModelInfo(
        "a/b",
        "B",
        prompt_price=1e-6,
        completion_price=2e-6,
        request_price=0.01,
        price_tiers=(PriceTier(1000, 3e-6, 4e-6),),
    )
    prices = CatalogPrices({"a/b": info})
    assert prices("a/b", 10, 5) == pytest.approx(10e-6 + 10e-6 + 0.01)
    assert prices("a/b", 2000, 5) == pytest.approx(6000e-6 + 20e-6 + 0.01)
    assert prices("x/unknown", 10, 5) is None


def test_snapshot_is_used_without_the_network() -> None:
    known = next(m for m, info in load_snapshot().items() if info.prompt_price)
    prices = CatalogPrices.load([known], base_url="http://127.0.0.1:9/api/v1", api_key=None, live=True)
    assert prices(known, 1000, 100) is not None  # no fetch was needed (port 9 would refuse it)


def test_live_catalog_is_fetched_for_a_model_missing_from_the_snapshot() -> None:
    entry = {"id": "new/model", "name": "New", "pricing": {"prompt": "0.000002", "completion": "0.000008"}}
    with FakeOpenRouter(models=[entry]) as server:
        prices = CatalogPrices.load(["new/model"], base_url=server.base_url, api_key="k", live=True)
        without = CatalogPrices.load(["new/model"], base_url=server.base_url, api_key="k", live=False)
    assert prices("new/model", 100, 10) == pytest.approx(200e-6 + 80e-6)
    assert without("new/model", 100, 10) is None


def test_unreachable_catalog_leaves_the_price_unknown() -> None:
    prices = CatalogPrices.load(["new/model"], base_url="http://127.0.0.1:9/api/v1", api_key=None, live=True, timeout=2)
    assert prices("new/model", 100, 10) is None
