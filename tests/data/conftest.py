from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kagglehub
import pytest

from pytest_llmbench.data import loader

REPO = Path(__file__).resolve().parents[2]
_SAMPLE_NAME = Path("shared", "data", "jeopardy", "JEOPARDY_QUESTIONS1_subset351.json")


def _find_real_sample() -> Path:
    # ``<repo>/../shared/data``; a git worktree sits one level deeper, so look further up too.
    for parent in REPO.parents:
        if (parent / _SAMPLE_NAME).is_file():
            return parent / _SAMPLE_NAME
    return REPO / ".." / _SAMPLE_NAME


REAL_SAMPLE = _find_real_sample()


@pytest.fixture(autouse=True)
def _fresh_memo(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Every test starts with an empty load memo and private caches (never the user's real ones).

    kagglehub is made to fail loudly unless a test replaces it: no test may reach the network.
    """

    attempts: list[str] = []

    def no_network(handle: str, *args: object, **kwargs: object) -> str:
        # The loader turns any kagglehub failure into a fallback, so the test is also failed afterwards.
        attempts.append(handle)
        raise AssertionError(f"test tried to download {handle}; patch kagglehub.dataset_download")

    monkeypatch.setattr(kagglehub, "dataset_download", no_network)
    loader.clear_cache()
    monkeypatch.setenv("LLMBENCH_CACHE_DIR", str(tmp_path / "llmbench-cache"))
    monkeypatch.setenv("KAGGLEHUB_CACHE", str(tmp_path / "kagglehub-cache"))
    yield
    loader.clear_cache()
    assert not attempts, f"a test tried to download {attempts} without patching kagglehub"


@pytest.fixture
def real_sample() -> Path:
    if not REAL_SAMPLE.is_file():
        pytest.skip(f"real J-Archive sample not found at {REAL_SAMPLE} (the shared data folder is absent)")
    return REAL_SAMPLE


def kaggle_row(**overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "category": "HISTORY",
        "air_date": "2004-12-31",
        "question": "'This Roman road was begun in 312 B.C.'",
        "value": "$400",
        "answer": "the Appian Way",
        "round": "Jeopardy!",
        "show_number": "4680",
    }
    row.update(overrides)
    return row


def write_json(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(rows, indent=4), encoding="utf-8")
    return path
