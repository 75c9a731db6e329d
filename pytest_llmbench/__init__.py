"""pytest-llmbench: benchmark large language models with pytest.

Questions x models become test items; answers are graded, costed, timed and stored. See README.md.
"""

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
from pytest_llmbench.result import ItemResult, WrongAnswer
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
