from __future__ import annotations

from collections.abc import Callable

import pytest

# pytester's in-process runs (runpytest_inprocess) restore sys.modules afterwards, dropping every module the
# inner run imported. The plugin imports SQLAlchemy lazily, so a half-dropped SQLAlchemy was re-imported
# beside the surviving half and failed ("'InternalTraversal' object is not callable"), depending on which test
# ran first in a process. Importing the storage stack here, once, puts it in every snapshot.
import pytest_llmbench.storage.cache
import pytest_llmbench.storage.repository  # noqa: F401

#: Environment that would make a test talk to the real OpenRouter or a user's database.
_LEAKY = ("OPENROUTER_API_KEY", "OPENROUTER_BASE_URL", "LLMBENCH_MODELS", "LLMBENCH_DB_URL")


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may reach a real API or a developer's results database through their environment."""
    for name in _LEAKY:
        monkeypatch.delenv(name, raising=False)


# --- PostgreSQL: tests parametrized with "postgresql" use a real server (.ci/run starts one) --------------

PG_URL_ENV = "LLMBENCH_TEST_PG_URL"
_pg_outcomes: dict[str, str] = {}


def fresh_pg_database(name: str) -> str:
    """A new, empty database on the test server; under CI a missing server fails the test, else it skips."""
    import os

    from sqlalchemy import create_engine, text

    url = os.environ.get(PG_URL_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{PG_URL_ENV} is not set under CI: .ci/run should have started PostgreSQL")
        pytest.skip(f"no PostgreSQL server: set {PG_URL_ENV} (.ci/run starts one)")
    db = "t_" + "".join(c for c in name.lower() if c.isalnum())[-40:]
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{db}"'))
    finally:
        admin.dispose()
    return url.rsplit("/", 1)[0] + "/" + db


_pg_nodeids: set[str] = set()


@pytest.fixture
def pg_database(request: pytest.FixtureRequest) -> Callable[[str], str]:
    """``pg_database(name)``: the URL of a new, empty PostgreSQL database (see ``fresh_pg_database``)."""
    def make(name: str) -> str:
        _pg_nodeids.add(request.node.nodeid)  # counted only when a test really asks for PostgreSQL
        return fresh_pg_database(name)

    return make


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.nodeid not in _pg_nodeids and "postgresql" not in report.nodeid.rpartition("[")[2]:
        return
    if report.when == "call" or not report.passed:
        _pg_outcomes[report.nodeid] = report.outcome


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line that says whether the PostgreSQL tests really ran (CI logs are read for it)."""
    if not _pg_outcomes:
        return
    counts = {k: sum(1 for v in _pg_outcomes.values() if v == k) for k in ("passed", "failed", "skipped")}
    terminalreporter.write_line(
        f"PostgreSQL: {len(_pg_outcomes)} tests against a real server: {counts['passed']} passed, "
        f"{counts['failed']} failed, {counts['skipped']} skipped"
    )
