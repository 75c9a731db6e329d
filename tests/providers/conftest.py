"""Shared fixture for provider tests: the folder of captured OpenRouter payloads."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _shared_data() -> Path | None:
    # ``<repo>/../shared/data`` for the main checkout; worktrees sit one level deeper.
    for parent in (REPO.parent, *REPO.parent.parents):
        candidate = parent / "shared" / "data" / "openrouter"
        if candidate.is_dir():
            return candidate
    return None


OPENROUTER_DATA = _shared_data()


@pytest.fixture
def captures() -> Path:
    """The folder of real OpenRouter captures (see its SOURCES.md); skips when it is absent."""
    if OPENROUTER_DATA is None:
        pytest.skip("shared OpenRouter captures not found at <repo>/../shared/data/openrouter")
    return OPENROUTER_DATA
