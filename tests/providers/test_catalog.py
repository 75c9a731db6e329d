"""The model catalog against real ``GET /models`` responses of 2025 and 2026."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from pytest_llmbench.errors import AuthenticationError, BadResponse
from pytest_llmbench.providers.catalog import (
    ModelInfo,
    estimate_cost,
    fetch_models,
    load_snapshot,
    parse_model,
    parse_models,
    parse_price,
    snapshot_payload,
)

BASE = "https://openrouter.ai/api/v1"


def load(captures: Path, name: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((captures / name).read_text())
    return payload


def test_2025_catalog_of_302_models(captures: Path) -> None:
    models = parse_models(load(captures, "models-2025-04-23-302models.json"))
    assert len(models) == 302
    # This era has no supported_parameters: unknown, not "nothing supported".
    assert all(m.supported_parameters is None for m in models.values())
    assert models["microsoft/mai-ds-r1:free"].supports("tools") is None
    free = models["microsoft/mai-ds-r1:free"]
    assert free.prompt_price == 0.0 and free.completion_price == 0.0 and free.is_free
    assert free.context_length == 163840
    auto = models["openrouter/auto"]
    assert auto.prompt_price is None and auto.completion_price is None  # "-1": not a fixed price
    assert estimate_cost(auto, 1000, 100) is None


def test_2025_string_prices_are_parsed_exactly(captures: Path) -> None:
    payload = load(captures, "models-2025-04-23-302models.json")
    models = parse_models(payload)
    for entry in payload["data"]:
        info = models[entry["id"]]
        if entry["pricing"]["prompt"] != "-1":
            assert info.prompt_price == float(entry["pricing"]["prompt"])
            assert info.completion_price == float(entry["pricing"]["completion"])
        assert info.request_price == float(entry["pricing"].get("request", "0"))
        assert info.input_modalities == tuple(entry["architecture"]["input_modalities"])


def test_2025_filtered_catalog(captures: Path) -> None:
    models = parse_models(
        load(captures, "models-2025-04-23-supported_parameters-structured_outputs-81models.json")
    )
    assert len(models) == 81


def test_2026_catalog_of_414_models(captures: Path) -> None:
    payload = load(captures, "models-2026-08-19-414models.json")
    models = parse_models(payload)
    assert len(models) == payload["total_count"] == 414
    assert all(m.supported_parameters is not None for m in models.values())
    unknown = sorted(m.id for m in models.values() if m.prompt_price is None)
    assert unknown == sorted(e["id"] for e in payload["data"] if e["pricing"]["prompt"] == "-1")
    assert len(unknown) == 5
    gpt = models["openai/gpt-4o-mini"]
    assert gpt.prompt_price == 0.00000015 and gpt.completion_price == 0.0000006
    assert gpt.request_price == 0.0  # omitted keys are zero in this era
    assert gpt.accepts("image") and not gpt.accepts("audio")
    assert gpt.supports("response_format") is True and gpt.supports("no_such_parameter") is False
    assert estimate_cost(gpt, 1000, 100) == pytest.approx(1000 * 0.00000015 + 100 * 0.0000006)


def test_tiered_prices(captures: Path) -> None:
    models = parse_models(load(captures, "models-2026-08-19-414models.json"))
    qwen = models["qwen/qwen3-max"]
    assert [t.min_prompt_tokens for t in qwen.price_tiers] == [32000, 128000]
    assert estimate_cost(qwen, 1000, 0) == pytest.approx(1000 * 0.00000078)
    assert estimate_cost(qwen, 40000, 0) == pytest.approx(40000 * 0.00000156)
    assert estimate_cost(qwen, 200000, 10) == pytest.approx(200000 * 0.00000195 + 10 * 0.00000975)


def test_2026_trimmed_catalog_newest_schema(captures: Path) -> None:
    payload = load(captures, "models-2026-08-04-trimmed-4models.json")
    models = parse_models(payload)
    assert len(models) == 4
    sonnet = models["anthropic/claude-sonnet-4"]
    assert sonnet.context_length == 1000000 and sonnet.max_completion_tokens == 64000
    assert sonnet.price_tiers[0].min_prompt_tokens == 200000
    assert sonnet.supports("tools") and sonnet.supports("response_format") is False
    assert sonnet.accepts("file")


def test_snapshot_is_a_faithful_subset_of_the_414_model_catalog(captures: Path) -> None:
    snapshot = load_snapshot()
    assert 30 <= len(snapshot) <= 60
    assert snapshot_payload()["snapshot_date"] == "2026-08-19"
    full = parse_models(load(captures, "models-2026-08-19-414models.json"))
    for model_id, info in snapshot.items():
        assert info == full[model_id]
        assert info.price_tiers == full[model_id].price_tiers


def test_snapshot_covers_common_models() -> None:
    snapshot = load_snapshot()
    for model_id in (
        "openai/gpt-4o-mini",
        "anthropic/claude-sonnet-4.5",
        "google/gemini-2.5-flash",
        "openrouter/auto",
    ):
        assert model_id in snapshot
    assert all(info.supported_parameters for info in snapshot.values())


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.0000025", 0.0000025), ("0", 0.0), (0.5, 0.5), ("-1", None), (-1, None), ("n/a", None), (True, None)],
)
def test_parse_price(value: object, expected: float | None) -> None:
    assert parse_price(value) == expected


def test_missing_prices_and_old_modality_string() -> None:
    info = parse_model({"id": "x/y", "architecture": {"modality": "text+image->text"}, "pricing": {}})
    assert info.name == "x/y"
    assert info.prompt_price is None and estimate_cost(info, 10, 10) is None
    assert info.input_modalities == ("text", "image") and info.output_modalities == ("text",)


def test_bad_catalogs() -> None:
    with pytest.raises(BadResponse):
        parse_models({"models": []})
    assert parse_models({"data": [{"name": "no id"}, "junk", {"id": "a/b"}]}).keys() == {"a/b"}


def test_to_dict_round_trip(captures: Path) -> None:
    models = parse_models(load(captures, "models-2026-08-19-414models.json"))
    for info in (models["qwen/qwen3-max"], models["openrouter/auto"]):
        data = json.loads(json.dumps(info.to_dict()))
        again = ModelInfo.from_dict(data)
        assert again == info and again.price_tiers == info.price_tiers
    old = parse_models(load(captures, "models-2025-04-23-302models.json"))["openrouter/auto"]
    assert ModelInfo.from_dict(old.to_dict()).supported_parameters is None


def test_fetch_models(captures: Path) -> None:
    raw = (captures / "models-2026-08-04-trimmed-4models.json").read_bytes()
    with respx.mock(base_url=BASE) as router:
        route = router.get("/models").mock(return_value=httpx.Response(200, content=raw))
        models = asyncio.run(fetch_models(BASE, "sk-or-key"))
    assert len(models) == 4
    assert route.calls.last.request.headers["authorization"] == "Bearer sk-or-key"


def test_fetch_models_errors(captures: Path) -> None:
    with respx.mock(base_url=BASE) as router:
        router.get("/models").mock(
            return_value=httpx.Response(
                401, content=(captures / "error-401-user-not-found.json").read_bytes()
            )
        )
        with pytest.raises(AuthenticationError, match="User not found"):
            asyncio.run(fetch_models(BASE, "sk-or-key"))
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=b"<html>"))
    with pytest.raises(BadResponse, match="not valid JSON"):
        asyncio.run(fetch_models(BASE, None, transport))
