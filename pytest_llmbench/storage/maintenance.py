"""Operations on whole runs and databases: reopening a run to resume it, backups, copying runs for a merge.

Kept apart from ``Repository`` (the per-item read/write path of a session) because these run once, from the
``llmbench`` command or at the start of a resumed session, and touch many rows at a time.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from pytest_llmbench.errors import StorageError
from pytest_llmbench.storage.db import describe
from pytest_llmbench.storage.models import ModelPerformanceRow, ResultRow, RunRow
from pytest_llmbench.storage.repository import Repository, RunInfo

#: A run in one of these states may be resumed: interrupted by Ctrl-C, or still "running" because the
#: process died (SIGKILL, OOM, a cancelled CI job) before it could say anything.
RESUMABLE = ("running", "interrupted", "stopped", "failed")


def find_resumable(repo: Repository, ref: str) -> RunInfo:
    """The run ``--llm-resume`` names: ``last`` is the newest unfinished run, else a run id."""
    if ref.strip().lower() in ("last", "latest"):
        with Session(repo.engine) as session:
            row_id = session.scalar(
                select(RunRow.id).where(RunRow.status.in_(RESUMABLE)).order_by(RunRow.id.desc()).limit(1)
            )
        if row_id is None:
            raise StorageError(f"There is no interrupted run to resume in {describe(repo.url)}.")
        return repo.get_run(row_id)
    run = repo.get_run(ref)
    if run.status not in RESUMABLE:
        raise StorageError(f"Run {run.id} is {run.status}; only an interrupted or killed run can be resumed.")
    return run


def reopen_for_resume(repo: Repository, run_id: int) -> int:
    """Mark the run running again and drop its results that have no answer (stopped, budget, HTTP errors),
    so those items are asked again and every item ends up stored exactly once. Returns how many were dropped."""
    try:
        with Session(repo.engine) as session, session.begin():
            unanswered = (ResultRow.run_id == run_id, ResultRow.error.is_not(None))
            dropped = session.scalar(select(func.count(ResultRow.id)).where(*unanswered))
            session.execute(delete(ResultRow).where(*unanswered))
            session.execute(delete(ModelPerformanceRow).where(ModelPerformanceRow.run_id == run_id))
            row = session.get(RunRow, run_id)
            if row is None:
                raise StorageError(f"Run {run_id} does not exist in {describe(repo.url)}.")
            row.status = "running"
            row.finished_at = None
            return int(dropped or 0)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise StorageError(f"Could not reopen run {run_id} in {describe(repo.url)}: {reason}.") from None


def delete_run(repo: Repository, run_id: int) -> None:
    """Remove a run that never stored a result (a session whose items were all deselected)."""
    with Session(repo.engine) as session, session.begin():
        row = session.get(RunRow, run_id)
        if row is not None and not session.scalar(select(ResultRow.id).where(ResultRow.run_id == run_id).limit(1)):
            session.delete(row)


def runs_named(repo: Repository, name: str) -> list[RunInfo]:
    with Session(repo.engine) as session:
        ids = list(session.scalars(select(RunRow.id).where(RunRow.name == name).order_by(RunRow.id)))
    return [repo.get_run(i) for i in ids]


def is_sqlite(url: str) -> bool:
    return url.strip().lower().startswith("sqlite")


def backup(repo: Repository, target: Path) -> Path:
    """Copy a SQLite results database with SQLite's online backup API (safe while a session writes to it)."""
    if repo.engine.dialect.name != "sqlite":
        raise StorageError(
            f"{describe(repo.url)} is not a SQLite file; back up a {repo.engine.dialect.name} database with "
            f"its own tool, pg_dump for PostgreSQL."
        )
    source_path = repo.engine.url.database
    if not source_path or source_path == ":memory:":
        raise StorageError("An in-memory database has nothing to back up.")
    target = target.expanduser()
    if target.exists() and target.resolve() == Path(source_path).resolve():
        raise StorageError(f"{target} is the database itself; choose another path for the backup.")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(source_path)
        try:
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
    except (OSError, sqlite3.Error) as exc:
        raise StorageError(f"Could not back up {source_path} to {target}: {exc}.") from None
    return target


def copy_runs(source: Repository, target: Repository, run_ids: Sequence[int]) -> list[int]:
    """Copy runs (rows, results, questions) from another database; returns their ids in ``target``."""
    copied: list[int] = []
    for run_id in run_ids:
        info = source.get_run(run_id)
        new_id = target.start_run(
            name=info.name, models=info.models, dataset=info.dataset, grader=info.grader, seed=info.seed,
            sample=info.sample, config=info.config, dataset_origin=info.dataset_origin, shard=info.shard,
        )
        target.add_results(new_id, source.results(run_id))
        target.update_run(
            new_id, status=info.status, totals=info.totals, finished_at=info.finished_at, started_at=info.started_at,
            environment=info.environment,
        )
        copied.append(new_id)
    return copied
