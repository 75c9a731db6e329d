"""``llmbench models``: tiers (cache, network, stale cache, snapshot) against the real 2025 and 2026 catalogs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import httpx
import pytest
import respx

from pytest_llmbench.cli import main
from pytest_llmbench.providers.catalog import parse_models
from pytest_llmbench.storage.catalog_cache import CatalogCache
from pytest_llmbench.storage.db import open_engine

MODELS_URL = "https://openrouter.ai/api/v1/models"


def _catalogs() -> Path | None:
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "shared" / "data" / "openrouter"
        if candidate.is_dir():
            return candidate
    return None


@pytest.fixture
def catalogs() -> Path:
    found = _catalogs()
    if found is None:
        pytest.skip("real OpenRouter catalogs not found at <repo>/../shared/data/openrouter")
    return found


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_refresh_caches_the_network_catalog_and_info_reads_it(
    catalogs: Path, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    payload = json.loads((catalogs / "models-2026-08-19-414models.json").read_text())
    with respx.mock(assert_all_called=True) as mock:
        route = mock.get(MODELS_URL).mock(return_value=httpx.Response(200, json=payload))
        code, out, _ = run(capsys, "models", "refresh")
        assert code == 0 and out.startswith("414 models from the network")
        # Within the TTL nothing is fetched again: the cache answers.
        code, out, _ = run(capsys, "models", "info", "anthropic/claude-sonnet-4.5")
        assert route.call_count == 1
    assert code == 0
    assert "input price                 $3.00 per million tokens" in out
    assert "output price                $15.00 per million tokens" in out
    assert "context length              1,000,000" in out
    assert "from 200,000 prompt tokens  $6.00 in / $22.50 out per million" in out
    assert "input modalities            text, image, file" in out
    assert "tools" in out.split("supported parameters")[1]
    assert "source: 414 models from the cache" in out


def test_offline_falls_back_to_the_stale_cache_then_the_snapshot(
    catalogs: Path, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with respx.mock() as mock:
        mock.get(MODELS_URL).mock(side_effect=httpx.ConnectError("no route to host"))
        code, out, _ = run(capsys, "models", "search", "gpt-4o-mini")
        assert code == 0 and out.startswith("48 models from the bundled snapshot")
        assert "could not be fetched" in out.splitlines()[0]
        # A day-old cache of the 2025 catalog is still better than the snapshot when the network is down.
        engine = open_engine("sqlite:///.llmbench/results.db", base_dir=workdir)
        old = parse_models(json.loads((catalogs / "models-2025-04-23-302models.json").read_text()))
        CatalogCache(engine).store(old, dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=30))
        engine.dispose()
        code, out, _ = run(capsys, "models", "search", "gpt-4o-mini")
    assert code == 0 and out.startswith("302 models from the stale cache")
    code, out, _ = run(capsys, "models", "info", "openai/gpt-4o-mini", "--offline")
    assert "supported parameters   unknown (this catalog does not list them)" in out


def test_search_filters(catalogs: Path, workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = catalogs / "models-2026-08-19-414models.json"
    assert run(capsys, "models", "refresh", "--from-file", str(path))[0] == 0
    payload = json.loads(path.read_text())
    free = sorted(
        e["id"]
        for e in payload["data"]
        if e["id"].endswith(":free") and float(e["pricing"]["prompt"]) == 0 and float(e["pricing"]["completion"]) == 0
    )
    code, out, _ = run(capsys, "models", "search", "*:free", "--free", "--limit", "0")
    listed = [line.split()[0] for line in out.splitlines()[2:]]
    assert code == 0 and listed == free
    code, out, _ = run(capsys, "models", "search", "claude", "--input", "image", "--param", "tools", "--limit", "0")
    ids = [line.split()[0] for line in out.splitlines()[2:]]
    assert ids and all("claude" in i for i in ids)
    expected = {
        e["id"]
        for e in payload["data"]
        if "claude" in (e["id"] + e["name"]).lower()
        and "image" in e["architecture"]["input_modalities"]
        and "tools" in e["supported_parameters"]
    }
    assert set(ids) == expected
    assert run(capsys, "models", "search", "no-such-model-anywhere")[0] == 1


def test_unknown_model_and_cache_commands(catalogs: Path, workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "models", "cache")
    assert code == 0 and "empty" in out
    run(capsys, "models", "refresh", "--from-file", str(catalogs / "models-2026-08-04-trimmed-4models.json"))
    code, out, _ = run(capsys, "models", "cache")
    assert code == 0 and out.startswith("4 models from the cache") and "fresh" in out
    code, _, err = run(capsys, "models", "info", "openai/gpt-4o-mini-typo", "--offline")
    assert code == 2 and err.startswith("llmbench: openai/gpt-4o-mini-typo is not in the catalog")
    code, out, _ = run(capsys, "models", "cache", "--clear")
    assert code == 0 and "Removed 4" in out
    code, _, err = run(capsys, "models", "refresh", "--from-file", str(workdir / "missing.json"))
    assert code == 2 and "Cannot read a model catalog" in err
