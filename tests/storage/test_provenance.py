"""Schema 3: the provenance of each result is stored and read back; old databases upgrade or read as is."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from pytest_llmbench.errors import StorageError
from pytest_llmbench.storage import SCHEMA_VERSION, Repository
from pytest_llmbench.storage.models import PROVENANCE_COLUMNS
from pytest_llmbench.types import Outcome, ResultRecord

MESSAGES = [{"role": "system", "content": "Answer as a question."}, {"role": "user", "content": "A clue"}]


def _record(**extra: object) -> ResultRecord:
    base = ResultRecord(model="m", question_key="d:1", outcome=Outcome.PASSED, nodeid="t.py::t[1]", dataset="d",
                        clue="A clue", answer="it", correct=True, response_text="What is it?")
    return replace(base, **extra)  # type: ignore[arg-type]


def _make_v2(path: Path) -> None:
    """A database as pytest-llmbench with schema 2 left it: one run, one result, no provenance columns."""
    url = f"sqlite:///{path}"
    repo = Repository(url)
    run = repo.start_run(name="old", models=["m"], dataset="d", grader="g", seed=1, sample=None, config={})
    repo.add_results(run, [_record()])
    repo.close()
    engine = create_engine(url)
    with engine.begin() as conn:
        for name, _ in PROVENANCE_COLUMNS:
            conn.execute(text(f"ALTER TABLE benchmark_results DROP COLUMN {name}"))
        conn.execute(text("DELETE FROM llmbench_schema"))
        conn.execute(text("INSERT INTO llmbench_schema (version, upgraded_at) VALUES (2, CURRENT_TIMESTAMP)"))
    engine.dispose()


def test_provenance_round_trips(tmp_path: Path) -> None:
    repo = Repository(f"sqlite:///{tmp_path / 'r.db'}")
    try:
        run = repo.start_run(name="n", models=["m"], dataset="d", grader="g", seed=1, sample=None, config={})
        judges = [{"model": "j", "verdict": "correct", "reason": "same person"}]
        repo.add_results(run, [_record(messages=MESSAGES, finish_reason="stop", served_model="m-2024",
                                       provider="Azure", generation_id="gen-1", judges=judges, attempts=3)])
        (got,) = repo.results(run)
    finally:
        repo.close()
    assert got.messages == MESSAGES and got.judges == judges
    assert (got.finish_reason, got.served_model, got.provider, got.generation_id, got.attempts) == (
        "stop", "m-2024", "Azure", "gen-1", 3)


def test_a_version_2_database_is_upgraded_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "v2.db"
    _make_v2(path)
    repo = Repository(f"sqlite:///{path}")
    try:
        (old,) = repo.results(1)
        assert old.response_text == "What is it?" and old.messages is None and old.finish_reason is None
        repo.add_results(1, [_record(nodeid="t.py::t[2]", finish_reason="length")])
        assert [r.finish_reason for r in repo.results(1)] == [None, "length"]
    finally:
        repo.close()
    engine = create_engine(f"sqlite:///{path}")
    columns = {c["name"] for c in inspect(engine).get_columns("benchmark_results")}
    with engine.connect() as conn:
        versions = [v for (v,) in conn.execute(text("select version from llmbench_schema order by id"))]
    engine.dispose()
    assert {name for name, _ in PROVENANCE_COLUMNS} <= columns
    assert versions == [2, SCHEMA_VERSION]


def test_read_only_reads_a_version_2_database_without_touching_it(tmp_path: Path) -> None:
    path = tmp_path / "v2.db"
    _make_v2(path)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    repo = Repository(f"sqlite:///{path}", read_only=True)
    try:
        (old,) = repo.results(1)
        assert old.response_text == "What is it?" and old.served_model is None
        assert repo.get_run(1).name == "old"
        with pytest.raises(StorageError):
            repo.add_results(1, [_record(nodeid="t.py::t[9]")])
    finally:
        repo.close()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    engine = create_engine(f"sqlite:///{path}")
    assert "finish_reason" not in {c["name"] for c in inspect(engine).get_columns("benchmark_results")}
    engine.dispose()


def test_read_only_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="no results database"):
        Repository(f"sqlite:///{tmp_path / 'missing.db'}", read_only=True)
    assert not (tmp_path / "missing.db").exists()
    empty = tmp_path / "empty.db"
    create_engine(f"sqlite:///{empty}").connect().close()
    with pytest.raises(StorageError, match="holds no pytest-llmbench results"):
        Repository(f"sqlite:///{empty}", read_only=True)
