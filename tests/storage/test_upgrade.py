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
    assert versions == [1, SCHEMA_VERSION] and SCHEMA_VERSION == 3


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
