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


# --- hostile values (issue 16, item 1): one unstorable value never costs the other items ------------------


def test_values_postgresql_refuses_are_made_storable_and_the_batch_is_kept(repo: Repository) -> None:
    run = repo.start_run(name="nul\x00run", models=["m"], dataset="d", grader="g", seed=1, sample=None,
                         config={"run_name": "a\x00b", "nan": float("nan")})
    hostile = [
        record(1, response_text="What is it?\x00\x1b[2J"),  # a NUL in the reply
        record(2, clue="A clue with a NUL\x00 byte", question_key="jeopardy:nul-clue"),
        record(3, round="R" * 200, question_key="jeopardy:long-round"),  # String(64)
        record(4, model="m/" + "x" * 400),  # String(255)
        record(5, response_text="lone surrogate \ud800 here"),
        record(6, value=10**12, question_key="jeopardy:huge-value"),  # beyond a 32-bit Integer
        record(7, question_key="custom:" + "k" * 300),  # a key over String(255)
        record(8, question_key="custom:" + "k" * 299 + "j"),  # differs from the one above only at the end
    ]
    healthy = [record(i) for i in range(10, 20)]
    repo.add_results(run, hostile + healthy)
    stored = {r.nodeid: r for r in repo.results(run)}
    assert len(stored) == len(hostile) + len(healthy)
    assert all(stored[r.nodeid].to_dict() == r.to_dict() for r in healthy)
    assert stored[hostile[0].nodeid].response_text == "What is it?\ufffd\x1b[2J"
    assert stored[hostile[1].nodeid].clue == "A clue with a NUL\ufffd byte"
    assert len(stored[hostile[2].nodeid].round or "") == 64
    assert len(stored[hostile[3].nodeid].model) == 255
    assert stored[hostile[5].nodeid].value is None
    long_keys = {stored[hostile[6].nodeid].question_key, stored[hostile[7].nodeid].question_key}
    assert len(long_keys) == 2 and all(len(k) == 255 for k in long_keys)
    assert all(r.outcome is Outcome.PASSED for r in stored.values())
    info = repo.get_run(run)
    assert info.name == "nul\ufffdrun" and info.config == {"run_name": "a\ufffdb", "nan": None}
    # the same hostile batch again (a resume): nothing is stored twice, nothing fails
    repo.add_results(run, hostile + healthy)
    assert repo.count_results(run) == len(hostile) + len(healthy)


def test_an_item_the_backend_still_refuses_becomes_an_error_for_that_item_alone(
    repo: Repository, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import DataError

    from pytest_llmbench.storage import repository as module
    from pytest_llmbench.storage.storable import storable_row

    run = repo.start_run(name="r", models=["m"], dataset="d", grader="g", seed=1, sample=None, config={})
    real = storable_row  # the function repository.py calls by this name, until patched below

    def refuses_poison(table: object, values: dict[str, object]) -> dict[str, object]:
        if values.get("response_text") == "poison":
            raise DataError("INSERT", {}, Exception("value the backend refuses"))
        return real(table, values)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "storable_row", refuses_poison)
    repo.add_results(run, [record(i) for i in range(5)] + [record(9, response_text="poison")])
    stored = {r.nodeid: r for r in repo.results(run)}
    assert len(stored) == 6
    bad = stored[record(9).nodeid]
    assert bad.outcome is Outcome.ERROR and bad.error_kind == "storage" and bad.correct is None
    assert "could not be stored" in (bad.error or "") and "value the backend refuses" in (bad.error or "")
    assert all(stored[record(i).nodeid].outcome is Outcome.PASSED for i in range(5))


def test_a_nul_reply_is_cached_storably(repo: Repository) -> None:
    cache = DatabaseCache(repo.engine, flush_every=1)
    request = ChatRequest("m", ({"role": "user", "content": "q\x00"},))
    cache.put("k1", request, Completion(model="m", text="What is\x00 it?"))
    cache.close()
    got = DatabaseCache(repo.engine).get_many(["k1"])
    assert got["k1"].text == "What is\ufffd it?"


def test_a_run_is_resumed_by_one_session_at_a_time(repo: Repository) -> None:
    run = repo.start_run(name="r", models=["m"], dataset="d", grader="g", seed=1, sample=None, config={})
    other = Repository(repo.url)
    try:
        repo.claim_run(run)
        with pytest.raises(StorageError, match=rf"^Run {run} is being resumed by another session right now"):
            other.claim_run(run)
        other.claim_run(run + 1)  # another run is free
        repo.close()  # the session ended: its claim went with it
        other.claim_run(run)
    finally:
        other.close()
