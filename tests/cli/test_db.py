"""``llmbench db backup``: SQLite's online backup; PostgreSQL is pointed to pg_dump."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from pytest_llmbench.cli import main
from pytest_llmbench.storage import Repository


def test_backup_copies_a_sqlite_database_in_use(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'results.db'}"
    repo = Repository(url)
    run = repo.start_run(name="kept", models=["m"], dataset="d", grader="g", seed=1, sample=None, config={})
    try:  # the source stays open (as during a session) while it is copied
        assert main(["--db", url, "db", "backup", str(tmp_path / "copies" / "backup.db")]) == 0
    finally:
        repo.close()
    assert "backed up to" in capsys.readouterr().out
    with sqlite3.connect(tmp_path / "copies" / "backup.db") as conn:
        assert conn.execute("select id, name from benchmark_runs").fetchall() == [(run, "kept")]
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)


def test_backup_onto_itself_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "results.db"
    Repository(f"sqlite:///{path}").close()
    assert main(["--db", f"sqlite:///{path}", "db", "backup", str(path)]) == 2
    assert "is the database itself" in capsys.readouterr().err


def test_backup_of_postgresql_says_pg_dump(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           pg_database: Callable[[str], str]) -> None:
    url = pg_database(tmp_path.name)
    assert main(["--db", url, "db", "backup", str(tmp_path / "b.db")]) == 2
    err = capsys.readouterr().err
    assert "pg_dump" in err and err.count("\n") == 1
    assert not (tmp_path / "b.db").exists()


def test_db_help_lists_backup_and_merge(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["db", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "backup" in out and "merge" in out
