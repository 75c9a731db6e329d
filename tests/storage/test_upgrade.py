"""Schema upgrades: a database written by an older pytest-llmbench is upgraded in place, its data kept."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from pytest_llmbench.storage import SCHEMA_VERSION, Repository

V1_DDL = Path(__file__).parent / "schema_v1.sqlite.sql"


def _fill_v1(conn: sqlite3.Connection) -> None:
    conn.execute(
        "insert into benchmark_runs (name, status, started_at, seed, models, dataset, grader, config, environment) "
        "values ('old', 'completed', '2026-01-02 03:04:05', 42, '[\"sim/strong\"]', 'jeopardy', 'lenient', '{}', '{}')"
    )
    conn.execute("insert into questions (key, dataset, clue, answer, first_seen) "
                 "values ('jeopardy:1-a', 'jeopardy', 'A clue', 'An answer', '2026-01-02 03:04:05')")
    conn.execute(
        "insert into benchmark_results (run_id, question_id, model, simulated, nodeid, repeat, outcome, "
        "response_text, correct, cost_estimated, grade_cost_usd, cached, attempts, created_at) values "
        "(1, 1, 'sim/strong', 1, 't.py::t[a]', 0, 'passed', 'What is it?', 1, 0, 0, 0, 1, '2026-01-02 03:04:05')"
    )
    conn.execute("insert into llmbench_schema (version, upgraded_at) values (1, '2026-01-02 03:04:05')")


def test_a_version_1_sqlite_file_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(V1_DDL.read_text())
        _fill_v1(conn)
    repo = Repository(f"sqlite:///{path}")
    try:
        old = repo.get_run(1)
        assert (old.name, old.status, old.shard) == ("old", "completed", None)
        assert [r.response_text for r in repo.results(1)] == ["What is it?"]
        new = repo.start_run(name="new", models=["m"], dataset="d", grader="g", seed=1, sample=None, config={},
                             shard="2/4")
        assert repo.get_run(new).shard == "2/4"
    finally:
        repo.close()
    with sqlite3.connect(path) as conn:
        versions = [v for (v,) in conn.execute("select version from llmbench_schema order by id")]
    assert versions == [1, SCHEMA_VERSION] and SCHEMA_VERSION == 4


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_upgrade_adds_the_shard_column_on_every_backend(
    kind: str, tmp_path: Path, pg_database: Callable[[str], str]
) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}" if kind == "sqlite" else pg_database(tmp_path.name)
    Repository(url).close()
    engine = create_engine(url)
    with engine.begin() as conn:  # make it look like version 1 wrote it
        conn.execute(text("ALTER TABLE benchmark_runs DROP COLUMN shard"))
        conn.execute(text("DELETE FROM llmbench_schema"))
        conn.execute(text("INSERT INTO llmbench_schema (version, upgraded_at) VALUES (1, CURRENT_TIMESTAMP)"))
    assert "shard" not in {c["name"] for c in inspect(engine).get_columns("benchmark_runs")}
    Repository(url).close()
    assert "shard" in {c["name"] for c in inspect(engine).get_columns("benchmark_runs")}
    engine.dispose()


_PERF_COLUMNS = "run_id, model, simulated, items, answered, correct, errors, skipped"


def _fill_performance(conn: sqlite3.Connection) -> None:
    """Two models of run 1 as an older version stored them: 0 for what the first never had (no usage, no
    price), and a second model whose results did report a cost of 0 and tokens (kept as they are)."""
    conn.execute(
        "insert into benchmark_results (run_id, question_id, model, simulated, nodeid, repeat, outcome, "
        "response_text, correct, prompt_tokens, completion_tokens, cost_usd, cost_estimated, grade_cost_usd, "
        "cached, attempts, created_at) values (1, 1, 'free/known', 0, 't.py::t[b]', 0, 'passed', 'What?', 1, "
        "7, 3, 0.0, 0, 0, 0, 1, '2026-01-02 03:04:05')"
    )
    conn.execute("update benchmark_results set simulated = 0 where model = 'sim/strong'")
    for model in ("sim/strong", "free/known"):
        conn.execute(f"insert into model_performance ({_PERF_COLUMNS}, prompt_tokens, completion_tokens, cost_usd) "
                     f"values (1, '{model}', 0, 1, 1, 1, 0, 0, ?, ?, 0.0)", (7 if model == "free/known" else 0,
                                                                            3 if model == "free/known" else 0))


def test_version_4_stores_unknown_tokens_and_cost_as_null_and_fixes_old_zeros(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(V1_DDL.read_text())
        _fill_v1(conn)
        _fill_performance(conn)
    repo = Repository(f"sqlite:///{path}")
    try:
        run = repo.start_run(name="new", models=["m"], dataset="d", grader="g", seed=1, sample=None, config={})
        repo.save_performance(run, [{"model": "m", "items": 1, "answered": 1, "correct": 1, "errors": 0,
                                     "skipped": 0, "prompt_tokens": None, "completion_tokens": None,
                                     "cost_usd": None}])
        listed = repo.performance([1, run])
    finally:
        repo.close()
    with sqlite3.connect(path) as conn:
        rows = conn.execute("select run_id, model, prompt_tokens, completion_tokens, cost_usd from model_performance "
                            "order by run_id, model").fetchall()
        notnull = {name: bool(flag) for _, name, _, flag, _, _ in conn.execute("pragma table_info(model_performance)")}
    assert rows == [(1, "free/known", 7, 3, 0.0), (1, "sim/strong", None, None, None), (run, "m", None, None, None)]
    assert not any(notnull[c] for c in ("prompt_tokens", "completion_tokens", "cost_usd"))
    assert notnull["items"] and notnull["model"]  # the rebuilt table keeps the other constraints
    assert [p["cost_usd"] for p in listed[1]] == [None, 0.0]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_upgrade_to_4_makes_the_columns_nullable_on_every_backend(
    kind: str, tmp_path: Path, pg_database: Callable[[str], str]
) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}" if kind == "sqlite" else pg_database(tmp_path.name)
    repo = Repository(url)
    run = repo.start_run(name="old", models=["m"], dataset="d", grader="g", seed=1, sample=None, config={})
    repo.save_performance(run, [{"model": "m", "items": 0, "answered": 0, "correct": 0, "errors": 0,
                                 "skipped": 0, "prompt_tokens": 0, "completion_tokens": 0, "cost_usd": 0.0}])
    repo.close()
    engine = create_engine(url)
    with engine.begin() as conn:  # make it look like version 3 wrote it
        if kind == "postgresql":
            for column in ("prompt_tokens", "completion_tokens", "cost_usd"):
                conn.execute(text(f"ALTER TABLE model_performance ALTER COLUMN {column} SET NOT NULL"))
        else:  # SQLite cannot add NOT NULL to a column: the version 3 table, as it was created
            ddl = V1_DDL.read_text()
            create = ddl[ddl.index("CREATE TABLE model_performance"):]
            conn.execute(text("ALTER TABLE model_performance RENAME TO perf_old"))
            conn.execute(text(create[: create.index(";")]))
            conn.execute(text("INSERT INTO model_performance SELECT * FROM perf_old"))
            conn.execute(text("DROP TABLE perf_old"))
        conn.execute(text("DELETE FROM llmbench_schema"))
        conn.execute(text("INSERT INTO llmbench_schema (version, upgraded_at) VALUES (3, CURRENT_TIMESTAMP)"))
    assert not any(c["nullable"] for c in inspect(engine).get_columns("model_performance")
                   if c["name"] == "cost_usd")
    Repository(url).close()
    columns = {c["name"]: c["nullable"] for c in inspect(engine).get_columns("model_performance")}
    with engine.connect() as conn:
        kept = conn.execute(text("SELECT items, prompt_tokens, cost_usd FROM model_performance")).one()
        version = conn.execute(text("SELECT max(version) FROM llmbench_schema")).scalar()
    engine.dispose()
    assert columns["prompt_tokens"] and columns["completion_tokens"] and columns["cost_usd"]
    assert not columns["items"]
    # No result says what run's 0 meant and nothing was answered: a 0 cost with nothing unpriced stays 0.
    assert tuple(kept) == (0, None, 0.0) and version == 4
