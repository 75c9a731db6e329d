"""OpenRouter's model catalog (``GET /models``): context lengths, prices, modalities, parameters.

Prices arrive as strings of USD per token (``"0.0000025"``); ``"-1"`` means the price is not fixed (routers
such as ``openrouter/auto``) and becomes ``None``, as does a missing prompt or completion price. Since 2026
the API omits zero-priced keys, so a missing ``request`` or ``image`` price is 0. Catalogs before mid-2025
have no ``supported_parameters``: ``None`` there means unknown, not "supports nothing".

Storage-agnostic: caching the catalog (with a TTL) is the storage layer's job; ``ModelInfo.to_dict`` /
``from_dict`` give it builtins to keep.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from pytest_llmbench.config import DEFAULT_BASE_URL
from pytest_llmbench.errors import BadResponse, ConnectionFailed, ProviderTimeout
from pytest_llmbench.providers._openrouter_errors import error_from_body
from pytest_llmbench.providers.openrouter import service_name

SNAPSHOT_FILE = "catalog_snapshot.json"


@dataclass(frozen=True, slots=True)
class PriceTier:
    """Prices that apply once a request has at least ``min_prompt_tokens`` prompt tokens."""

    min_prompt_tokens: int
    prompt_price: float | None
    completion_price: float | None


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """One catalog entry. Prices are USD per token (per request / per image for those two); None = unknown."""

    id: str
    name: str
    context_length: int | None = None
    prompt_price: float | None = None
    completion_price: float | None = None
    request_price: float | None = 0.0
    image_price: float | None = 0.0
    input_modalities: tuple[str, ...] = ("text",)
    output_modalities: tuple[str, ...] = ("text",)
    supported_parameters: frozenset[str] | None = None
    max_completion_tokens: int | None = None
    price_tiers: tuple[PriceTier, ...] = field(default=(), compare=False)

    @property
    def is_free(self) -> bool:
        return self.prompt_price == 0.0 and self.completion_price == 0.0 and not self.request_price

    def accepts(self, modality: str) -> bool:
        """Whether the model takes ``modality`` (``"image"``, ``"file"``, ``"audio"``) as input."""
        return modality in self.input_modalities

    def supports(self, parameter: str) -> bool | None:
        """Whether ``parameter`` (``"tools"``, ``"response_format"``) is supported; None when unknown."""
        return None if self.supported_parameters is None else parameter in self.supported_parameters

    def to_dict(self) -> dict[str, Any]:
        """Builtins only (for a database or JSON cache); ``from_dict`` reverses it."""
        return {
            "id": self.id,
            "name": self.name,
            "context_length": self.context_length,
            "prompt_price": self.prompt_price,
            "completion_price": self.completion_price,
            "request_price": self.request_price,
            "image_price": self.image_price,
            "input_modalities": list(self.input_modalities),
            "output_modalities": list(self.output_modalities),
            "supported_parameters": None
            if self.supported_parameters is None
            else sorted(self.supported_parameters),
            "max_completion_tokens": self.max_completion_tokens,
            "price_tiers": [
                [t.min_prompt_tokens, t.prompt_price, t.completion_price] for t in self.price_tiers
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelInfo:
        params = data.get("supported_parameters")
        return cls(
            id=str(data["id"]),
            name=str(data.get("name") or data["id"]),
            context_length=data.get("context_length"),
            prompt_price=data.get("prompt_price"),
            completion_price=data.get("completion_price"),
            request_price=data.get("request_price"),
            image_price=data.get("image_price"),
            input_modalities=tuple(data.get("input_modalities") or ("text",)),
            output_modalities=tuple(data.get("output_modalities") or ("text",)),
            supported_parameters=None if params is None else frozenset(params),
            max_completion_tokens=data.get("max_completion_tokens"),
            price_tiers=tuple(PriceTier(int(t[0]), t[1], t[2]) for t in data.get("price_tiers") or ()),
        )


def parse_price(value: object, *, missing: float | None = None) -> float | None:
    """USD from a catalog price (string or number); negative ("-1") means not fixed, so unknown."""
    if value is None:
        return missing
    if isinstance(value, bool):
        return None
    try:
        price = float(value) if isinstance(value, int | float | str) else None
    except ValueError:
        return None
    if price is None or price < 0 or price != price:  # NaN check without math import
        return None
    return price


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _int_or_none(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _modalities(architecture: Mapping[str, Any], key: str, side: int) -> tuple[str, ...]:
    listed = architecture.get(key)
    if isinstance(listed, list) and listed:
        return tuple(str(m) for m in listed)
    # Older entries only have "text+image->text".
    modality = architecture.get("modality")
    if isinstance(modality, str) and "->" in modality:
        return tuple(m for m in modality.split("->")[side].split("+") if m)
    return ("text",)


def parse_model(entry: Mapping[str, Any]) -> ModelInfo:
    """One ``data[]`` entry of ``GET /models``."""
    pricing = _mapping(entry.get("pricing"))
    architecture = _mapping(entry.get("architecture"))
    top = _mapping(entry.get("top_provider"))
    params = entry.get("supported_parameters")
    tiers = []
    for override in pricing.get("overrides") or ():
        if isinstance(override, Mapping) and _int_or_none(override.get("min_prompt_tokens")) is not None:
            tiers.append(
                PriceTier(
                    int(override["min_prompt_tokens"]),
                    parse_price(override.get("prompt", pricing.get("prompt"))),
                    parse_price(override.get("completion", pricing.get("completion"))),
                )
            )
    return ModelInfo(
        id=str(entry["id"]),
        name=str(entry.get("name") or entry["id"]),
        context_length=_int_or_none(entry.get("context_length")) or _int_or_none(top.get("context_length")),
        prompt_price=parse_price(pricing.get("prompt")),
        completion_price=parse_price(pricing.get("completion")),
        request_price=parse_price(pricing.get("request"), missing=0.0),
        image_price=parse_price(pricing.get("image"), missing=0.0),
        input_modalities=_modalities(architecture, "input_modalities", 0),
        output_modalities=_modalities(architecture, "output_modalities", 1),
        supported_parameters=frozenset(str(p) for p in params) if isinstance(params, list) else None,
        max_completion_tokens=_int_or_none(top.get("max_completion_tokens")),
        price_tiers=tuple(sorted(tiers, key=lambda t: t.min_prompt_tokens)),
    )


def parse_models(payload: Mapping[str, Any]) -> dict[str, ModelInfo]:
    """``{id: ModelInfo}`` from a ``GET /models`` body; entries without an id are skipped."""
    data = payload.get("data") if isinstance(payload, Mapping) else None
    if not isinstance(data, list):
        raise BadResponse(
            "The model catalog has no 'data' list; is the base URL an OpenRouter-compatible API?"
        )
    models: dict[str, ModelInfo] = {}
    for entry in data:
        if isinstance(entry, Mapping) and isinstance(entry.get("id"), str) and entry["id"]:
            models[entry["id"]] = parse_model(entry)
    return models


def estimate_cost(info: ModelInfo, prompt_tokens: int, completion_tokens: int) -> float | None:
    """Expected USD for one request from catalog prices; None when a needed price is unknown."""
    prompt_price, completion_price = info.prompt_price, info.completion_price
    for tier in info.price_tiers:
        if prompt_tokens >= tier.min_prompt_tokens:
            prompt_price, completion_price = tier.prompt_price, tier.completion_price
    if prompt_price is None or completion_price is None:
        return None
    return prompt_tokens * prompt_price + completion_tokens * completion_price + (info.request_price or 0.0)


async def fetch_models(
    base_url: str = DEFAULT_BASE_URL,
    api_key: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    *,
    timeout: float = 30.0,
) -> dict[str, ModelInfo]:
    """``GET {base_url}/models``, parsed. Errors are the provider's (``ProviderError`` subclasses)."""
    base_url = base_url.rstrip("/")
    service = service_name(base_url)
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    async with httpx.AsyncClient(transport=transport, timeout=timeout) as client:
        try:
            response = await client.get(f"{base_url}/models", headers=headers)
        except httpx.TimeoutException:
            raise ProviderTimeout(f"{service} did not send the model catalog within {timeout:g} s.") from None
        except httpx.TransportError as exc:
            raise ConnectionFailed(
                f"Could not fetch the model catalog from {service} ({type(exc).__name__})."
            ) from None
    if response.status_code >= 300:
        raise error_from_body(
            response.status_code, response.content, response.headers, service=service, api_key=api_key
        )
    try:
        payload = json.loads(response.content)
    except ValueError:
        raise BadResponse(f"{service} sent a model catalog that is not valid JSON.") from None
    return parse_models(payload)


def snapshot_payload() -> dict[str, Any]:
    """The raw bundled snapshot (``GET /models`` shape plus ``snapshot_date`` and ``source``)."""
    text = Path(__file__).with_name(SNAPSHOT_FILE).read_text(encoding="utf-8")
    payload: dict[str, Any] = json.loads(text)
    return payload


def load_snapshot() -> dict[str, ModelInfo]:
    """The bundled catalog of common models, for offline estimates; its date is in ``snapshot_payload()``."""
    return parse_models(snapshot_payload())
