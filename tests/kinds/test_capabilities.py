"""Capabilities from the catalog: skip with the reason when it says no, try when it does not know."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pytest_llmbench._run.capabilities import Need, catalog_info, check, missing
from pytest_llmbench.errors import UnsupportedError
from pytest_llmbench.providers.catalog import ModelInfo, parse_models

ALL = (Need.IMAGE, Need.FILE, Need.STRUCTURED, Need.TOOLS)


def _info(inputs: tuple[str, ...] = ("text",), params: frozenset[str] | None = frozenset()) -> ModelInfo:
    return ModelInfo(id="x/y", name="y", input_modalities=inputs, supported_parameters=params)


def test_each_missing_capability_has_its_reason() -> None:
    bare = _info()
    assert missing(bare, Need.IMAGE) == "does not take image input (its catalog input modalities: text)"
    assert missing(bare, Need.FILE) == "does not take file input (its catalog input modalities: text)"
    assert "does not support structured outputs" in (missing(bare, Need.STRUCTURED) or "")
    assert "does not support tool calling" in (missing(bare, Need.TOOLS) or "")
    full = _info(("text", "image", "file"), frozenset({"tools", "structured_outputs"}))
    assert [missing(full, n) for n in ALL] == [None] * 4
    # Either parameter is enough for a json_schema response format.
    assert missing(_info(params=frozenset({"response_format"})), Need.STRUCTURED) is None


def test_unknown_parameters_are_tried_not_skipped() -> None:
    old = _info(params=None)  # catalogs before mid-2025 have no supported_parameters
    assert missing(old, Need.TOOLS) is None and missing(old, Need.STRUCTURED) is None
    check(None, ALL)  # no catalog entry at all: nothing to check against, no error


def test_check_raises_unsupported_with_one_sentence() -> None:
    with pytest.raises(UnsupportedError) as info:
        check(_info(), (Need.STRUCTURED, Need.IMAGE))
    assert str(info.value) == (
        "Not asked: the model does not support structured outputs (neither 'structured_outputs' nor "
        "'response_format' is a supported parameter in its catalog entry), and this question asks for JSON "
        "following a schema."
    )
    assert info.value.kind.skips


def test_catalog_info_for_simulated_and_snapshot_models() -> None:
    strong, weak = catalog_info("sim/strong"), catalog_info("sim/weak")
    assert strong is not None and weak is not None
    assert [missing(strong, n) for n in ALL] == [None] * 4
    assert missing(weak, Need.IMAGE) and missing(weak, Need.TOOLS) and missing(weak, Need.STRUCTURED) is None
    fast = catalog_info("sim/fast-cheap")
    assert fast is not None and missing(fast, Need.IMAGE) is None and missing(fast, Need.FILE)
    mini = catalog_info("openai/gpt-4o-mini")
    assert mini is not None and mini.accepts("image")
    assert catalog_info("openai/gpt-4o-mini:nitro") == mini  # routing suffixes are the same model
    assert catalog_info("someone/unknown-model") is None
    assert catalog_info("sim/unknown") is None


def _shared(name: str) -> Path:
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "data" / "openrouter" / name
        if candidate.is_file():
            return candidate
    pytest.skip(f"shared OpenRouter capture {name} not found (../shared/data/openrouter)")


def test_on_the_real_2026_catalog_text_only_models_skip_images_and_vision_models_do_not() -> None:
    catalog = parse_models(json.loads(_shared("models-2026-08-19-414models.json").read_text()))
    text_only = [m for m in catalog.values() if not m.accepts("image")]
    vision = [m for m in catalog.values() if m.accepts("image")]
    assert len(text_only) > 50 and len(vision) > 50
    assert all(missing(m, Need.IMAGE) for m in text_only) and not any(missing(m, Need.IMAGE) for m in vision)
    # Every 2026 entry lists its parameters, so tool support is known either way for each model.
    no_tools = [m for m in catalog.values() if missing(m, Need.TOOLS)]
    assert 0 < len(no_tools) < len(catalog)
    assert all(m.supported_parameters is not None for m in catalog.values())


def test_on_the_real_2025_catalog_without_parameters_everything_is_tried() -> None:
    catalog = parse_models(json.loads(_shared("models-2025-04-23-302models.json").read_text()))
    assert all(missing(m, Need.TOOLS) is None and missing(m, Need.STRUCTURED) is None for m in catalog.values())
