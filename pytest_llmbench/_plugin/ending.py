"""The sentence for a session that cannot be finished (a full disk, a database gone at the end)."""

from __future__ import annotations

from pytest_llmbench.errors import LlmBenchError, UnstoredResults


def end_failure(exc: BaseException) -> str:
    """One sentence for ``pytest_sessionfinish``: what failed and how to recover, never a traceback."""
    if isinstance(exc, UnstoredResults):
        return f"The benchmark run could not be finished: {exc}"  # it says what is kept and how to resume
    if isinstance(exc, LlmBenchError):
        reason = str(exc).rstrip(".")
    elif isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        reason = f"{exc.strerror or exc}{where}"
    else:
        reason = f"{type(exc).__name__}: {exc}"
    return (
        f"The benchmark run could not be finished: {reason}. Results written before this are kept; "
        "free the space or fix the database, then finish the run with --llm-resume=last."
    )
