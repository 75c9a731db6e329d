from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from pytest_llmbench.errors import StorageError
from pytest_llmbench.storage import SCHEMA_VERSION, DatabaseCache, Repository
from pytest_llmbench.types import ChatRequest, Completion, Outcome, ResultRecord

PG_URL = os.environ.get("LLMBENCH_TEST_PG_URL")


def _urls(tmp_path: Path) -> list[str]:
    return [f"sqlite:///{tmp_path / 'r.db'}"]


@pytest.fixture(params=["sqlite", "postgresql"])
def repo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Repository]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'sub' / 'results.db'}"
    else:
        if not PG_URL:
            if os.environ.get("CI"):
                pytest.fail("LLMBENCH_TEST_PG_URL is not set under CI: .ci/run should have started PostgreSQL")
            pytest.skip("no PostgreSQL server: set LLMBENCH_TEST_PG_URL (.ci/run starts one)")
        url = _fresh_pg_database(PG_URL, tmp_path.name)
    r = Repository(url)
    yield r
    r.close()


def _fresh_pg_database(url: str, name: str) -> str:
    from sqlalchemy import create_engine

    db = "t_" + "".join(c for c in name.lower() if c.isalnum())[-40:]
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{db}"'))
        conn.execute(text(f'CREATE DATABASE "{db}"'))
    admin.dispose()
    return url.rsplit("/", 1)[0] + "/" + db


def record(i: int, model: str = "sim/strong", **kw: object) -> ResultRecord:
    base: dict[str, object] = dict(
        model=model, question_key=f"jeopardy:100-{i:06x}", outcome=Outcome.PASSED, nodeid=f"t.py::t[{model}-{i}]",
        dataset="jeopardy", clue=f"Clue {i} with 'quotes' and <b>tags</b>", answer=f"Answer {i}",
        category="'); DROP TABLE benchmark_results; --", round="Jeopardy!", value=200, air_date="2004-05-06",
        correct=True, score=1.0, grader="lenient", response_text="What is it?", latency_ms=12.5,
        prompt_tokens=30, completion_tokens=4, cost_usd=0.0001,
    )
    base.update(kw)
    return ResultRecord(**base)  # type: ignore[arg-type]


def test_run_lifecycle_and_results_roundtrip(repo: Repository) -> None:
    run = repo.start_run(name="r1", models=["sim/strong"], dataset="jeopardy", grader="lenient", seed=42,
                         sample="50", config={"seed": 42})
    records = [record(i) for i in range(3)] + [record(0, model="sim/weak", correct=False, outcome=Outcome.FAILED)]
    repo.add_results(run, records)
    stored = repo.results(run)
    assert [r.to_dict() for r in stored] == [r.to_dict() for r in records]
    assert stored[0].category == "'); DROP TABLE benchmark_results; --"
    repo.finish_run(run, status="completed", totals={"items": 4}, exit_status=0)
    info = repo.get_run("latest")
    assert (info.id, info.status, info.totals) == (run, "completed", {"items": 4})
    assert info.environment["python"]


def test_each_item_is_stored_exactly_once(repo: Repository) -> None:
    run = repo.start_run(name="r", models=["m"], dataset="d", grader="g", seed=1, sample=None, config={})
    repo.add_results(run, [record(1)])
    repo.add_results(run, [record(1), record(2)])
    assert repo.count_results(run) == 2


def test_questions_are_deduplicated_across_runs(repo: Repository) -> None:
    for name in ("a", "b"):
        run = repo.start_run(name=name, models=["m"], dataset="d", grader="g", seed=1, sample=None, config={})
        repo.add_results(run, [record(1), record(2)])
    with repo.engine.connect() as conn:
        assert conn.execute(text("select count(*) from questions")).scalar() == 2


def test_unknown_run_reference_is_a_clear_error(repo: Repository) -> None:
    with pytest.raises(StorageError, match="no stored run"):
        repo.get_run("latest")
    with pytest.raises(StorageError, match="does not exist"):
        repo.get_run("999")
    with pytest.raises(StorageError, match="not a run id"):
        repo.get_run("yesterday")


def test_cache_roundtrip_and_first_writer_wins(repo: Repository) -> None:
    cache = DatabaseCache(repo.engine, flush_every=1)
    req = ChatRequest(model="m", messages=({"role": "user", "content": "hi"},))
    first = Completion(model="m", text="one", latency_ms=5.0, cost_usd=0.1, tool_calls=({"name": "f"},))
    cache.put("k", req, first)
    cache.put("k", req, Completion(model="m", text="two"))
    got = cache.get_many(["k", "missing"])
    assert list(got) == ["k"] and got["k"] == first
    cache.put("e", req, Completion(model="m", error="boom"))  # errors are never cached
    assert "e" not in cache.get_many(["e"])
    assert cache.stats() == {"m": 1}


def test_newer_schema_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "r.db"
    Repository(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as conn:
        conn.execute("insert into llmbench_schema (version, upgraded_at) values (?, '2030-01-01')",
                     (SCHEMA_VERSION + 1,))
    before = path.read_bytes()
    with pytest.raises(StorageError, match="newer pytest-llmbench"):
        Repository(f"sqlite:///{path}")
    assert path.read_bytes() == before


def test_foreign_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("create table benchmark_runs (x int)")
    with pytest.raises(StorageError, match="not written by pytest-llmbench"):
        Repository(f"sqlite:///{path}")


def test_unwritable_location_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StorageError, match="Cannot create the folder"):
        Repository(f"sqlite:///{blocker / 'sub' / 'r.db'}")
    with pytest.raises(StorageError, match="not a database URL"):
        Repository("not a url")


def test_sqlite_uses_wal(tmp_path: Path) -> None:
    r = Repository(f"sqlite:///{tmp_path / 'w.db'}")
    with r.engine.connect() as conn:
        assert conn.execute(text("pragma journal_mode")).scalar() == "wal"
    r.close()
