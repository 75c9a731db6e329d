"""Repository-wide pytest settings, for both the test suite (tests/) and the benchmarks (benchmarks/)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
#: Real external data (captured OpenRouter payloads, a real Jeopardy sample), kept beside the repository.
SHARED_DATA = ROOT.parent / "shared" / "data"

collect_ignore = [".venv", "build"]


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``; tests that need it skip, with the reason, where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real external data not found at {SHARED_DATA} (it lives beside the repository)")
    return SHARED_DATA
