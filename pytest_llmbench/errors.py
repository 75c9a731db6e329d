"""The one exception tree of pytest-llmbench.

::

    LlmBenchError                 every error this package raises on purpose
    ├── UsageError                a bad option, config value or marker argument (pytest exit 4)
    ├── DatasetError              a question file or dataset that cannot be read (names file and line)
    ├── StorageError              the database cannot be opened, written or is of an unknown schema
    │   └── UnstoredResults       results the database would not take at a run's end (kept for the resume)
    ├── BudgetExhausted           --llm-max-cost would be exceeded by the next request
    ├── ItemNotAsked              one item cannot be asked (the run goes on); ``kind`` says how it ends
    │   ├── InputError            its question cannot become a request: an unreadable, encrypted, oversized
    │   │                         or unknown attachment (the item errors, with the reason)
    │   └── UnsupportedError      the model lacks a capability the question needs (the item is skipped)
    └── ProviderError             a model API call failed; ``retryable`` says whether to try again
        ├── AuthenticationError   401/403: missing, wrong or revoked key (not retried)
        ├── OutOfCreditsError     402: the account is out of credits (never retried; stops the run)
        ├── BadRequestError       400/404/422: the request is wrong, e.g. an unknown model (not retried)
        ├── RateLimitError        429, with ``retry_after`` seconds when the server said so
        ├── ServerError           5xx, or an error object inside a 200 body or a stream
        ├── ProviderTimeout       an attempt exceeded --llm-timeout
        ├── ConnectionFailed      connect/read failures, resets
        └── BadResponse           malformed JSON, truncated body, unexpected shape

Foreign exceptions (httpx, SQLAlchemy, yaml, json) are converted where they enter our code, so every
message here is a sentence a user can act on and carries no secret (see ``redact``).
"""

from __future__ import annotations

from pytest_llmbench.redaction import redact as redact  # re-exported: the one redaction, see that module
from pytest_llmbench.types import ErrorKind


class LlmBenchError(Exception):
    """Base of every error raised on purpose by pytest-llmbench."""


class UsageError(LlmBenchError):
    """A wrong option, config value or marker argument."""


class DatasetError(LlmBenchError):
    """A dataset or question file that cannot be read; the message names the file (and line)."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(f"{where}{message}")
        self.path = path
        self.line = line


class StorageError(LlmBenchError):
    """The results database cannot be used."""


class UnstoredResults(StorageError):
    """Results the database would not take at the end of a run; the message says where they are kept."""


class BudgetExhausted(LlmBenchError):
    """The next request could take the session past ``--llm-max-cost``."""


class ItemNotAsked(LlmBenchError):
    """One item cannot be asked; ``kind`` decides whether it errors or skips (``ErrorKind.skips``)."""

    kind: ErrorKind = ErrorKind.INPUT


class InputError(ItemNotAsked):
    """The question cannot be turned into a request (a bad attachment): an error for that item only."""

    kind = ErrorKind.INPUT


class UnsupportedError(ItemNotAsked):
    """The model lacks a capability the question needs (image input, files, tools, structured output)."""

    kind = ErrorKind.UNSUPPORTED


class ProviderError(LlmBenchError):
    """A model API call failed."""

    retryable: bool = False
    kind: ErrorKind = ErrorKind.SERVER

    def __init__(self, message: str, *, status: int | None = None, code: object = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class AuthenticationError(ProviderError):
    kind = ErrorKind.AUTH


class OutOfCreditsError(ProviderError):
    kind = ErrorKind.CREDITS


class BadRequestError(ProviderError):
    kind = ErrorKind.BAD_REQUEST


class RateLimitError(ProviderError):
    retryable = True
    kind = ErrorKind.RATE_LIMIT

    def __init__(
        self, message: str, *, status: int | None = 429, code: object = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status=status, code=code)
        self.retry_after = retry_after


class ServerError(ProviderError):
    retryable = True
    kind = ErrorKind.SERVER


class ProviderTimeout(ProviderError):
    retryable = True
    kind = ErrorKind.TIMEOUT


class ConnectionFailed(ProviderError):
    retryable = True
    kind = ErrorKind.CONNECTION


class BadResponse(ProviderError):
    retryable = True
    kind = ErrorKind.BAD_RESPONSE


class LlmBenchWarning(UserWarning):
    """Something the run goes on with but the user should know: e.g. a model id no catalog knows."""

