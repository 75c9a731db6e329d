"""pytest-llmbench: benchmark large language models with pytest.

Questions x models become test items; answers are graded, costed, timed and stored. See README.md.

The plugin is loaded through the ``pytest11`` entry point by every pytest run where it is installed, and
importing it imports this package first. So this module imports only what the plugin needs anyway; names from
heavier modules (``result`` pulls in the grading and provider modules) are loaded on first access
(``__getattr__``, PEP 562).

No ``from __future__ import annotations`` here: it would bind a public name ``annotations`` in the package
(tests/test_exported_members.py checks that the public names are exactly ``__all__``).
"""

# Private aliases: everything public here is in __all__ (tests/test_exported_members.py).
import typing as _typing
from importlib import import_module as _import_module

from pytest_llmbench._version import __version__
from pytest_llmbench.config import Settings, load_settings
from pytest_llmbench.errors import (
    AuthenticationError,
    BadRequestError,
    BadResponse,
    BudgetExhausted,
    ConnectionFailed,
    DatasetError,
    LlmBenchError,
    OutOfCreditsError,
    ProviderError,
    ProviderTimeout,
    RateLimitError,
    ServerError,
    StorageError,
    UsageError,
)
from pytest_llmbench.types import (
    ChatRequest,
    Completion,
    ErrorKind,
    Grade,
    Outcome,
    Question,
    ResultRecord,
    Verdict,
)

if _typing.TYPE_CHECKING:
    from pytest_llmbench._run.result import ItemResult, WrongAnswer

#: Public names whose modules are imported on first access: name -> module.
_LAZY = {
    "ItemResult": "pytest_llmbench._run.result",
    "WrongAnswer": "pytest_llmbench._run.result",
}

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "BadResponse",
    "BudgetExhausted",
    "ChatRequest",
    "Completion",
    "ConnectionFailed",
    "DatasetError",
    "ErrorKind",
    "Grade",
    "ItemResult",
    "LlmBenchError",
    "OutOfCreditsError",
    "Outcome",
    "ProviderError",
    "ProviderTimeout",
    "Question",
    "RateLimitError",
    "ResultRecord",
    "ServerError",
    "Settings",
    "StorageError",
    "UsageError",
    "Verdict",
    "WrongAnswer",
    "__version__",
    "load_settings",
]


if not _typing.TYPE_CHECKING:
    # Hidden from type checkers, which see the imports above instead: a misspelt name stays an error for them.

    def __getattr__(name: str) -> object:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(_import_module(module), name)
        globals()[name] = value  # the next access is a plain lookup
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *_LAZY})
