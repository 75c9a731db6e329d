from __future__ import annotations

import pytest

#: Environment that would make a test talk to the real OpenRouter or a user's database.
_LEAKY = ("OPENROUTER_API_KEY", "OPENROUTER_BASE_URL", "LLMBENCH_MODELS", "LLMBENCH_DB_URL")


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may reach a real API or a developer's results database through their environment."""
    for name in _LEAKY:
        monkeypatch.delenv(name, raising=False)
