"""Reading and writing runs, questions and results. Knows nothing of pytest.

``add_results`` stores a batch in one transaction; the plugin batches finished items in time-bounded batches
(see ``pytest_llmbench.storage.writer``), so a killed process loses at most the last fraction of a second.
"""

from __future__ import annotations

import datetime as dt
import getpass
import platform
import socket
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from pytest_llmbench._version import __version__
from pytest_llmbench.errors import StorageError
from pytest_llmbench.storage.db import describe, open_engine
from pytest_llmbench.storage.models import Base, ModelPerformanceRow, QuestionRow, ResultRow, RunRow
from pytest_llmbench.types import Outcome, ResultRecord

_RESULT_FIELDS = (
    "model", "simulated", "nodeid", "repeat", "response_text", "correct", "score", "grader", "grade_method",
    "explanation", "matched", "verdict", "confidence", "latency_ms", "ttft_ms", "prompt_tokens",
    "completion_tokens", "cost_usd", "cost_estimated", "grade_cost_usd", "cached", "attempts", "error",
    "error_kind",
)
#: Record field -> column of the provenance fields (schema 3); the columns may be missing in a database
#: opened read-only before its upgrade.
_PROVENANCE_FIELDS = {
    "messages": "messages_json", "finish_reason": "finish_reason", "served_model": "served_model",
    "provider": "provider", "generation_id": "generation_id", "judges": "judge_json",
}
_RESULTS_TABLE = Base.metadata.tables[ResultRow.__tablename__]
_QUESTION_COLUMNS = ("key", "dataset", "clue", "answer", "category", "round", "value", "air_date", "show_number",
                     "difficulty")
#: Keys per ``IN (...)`` clause, well under every backend's parameter limit.
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class RunInfo:
    id: int
    name: str
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    models: list[str]
    dataset: str
    dataset_origin: str | None
    grader: str
    seed: int
    sample: str | None
    totals: dict[str, Any] | None
    config: dict[str, Any]
    environment: dict[str, Any]
    parent_id: int | None
    parent_relation: str | None
    shard: str | None = None


def environment_info() -> dict[str, Any]:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = None
    return {
        "llmbench": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "host": socket.gethostname(),
        "user": user,
    }


class Repository:
    def __init__(self, url: str, *, base_dir: Path | None = None, read_only: bool = False) -> None:
        """``read_only`` (the viewer): nothing is created, upgraded or written; an older schema is read as is."""
        self.url = url
        self.read_only = read_only
        self.engine: Engine = open_engine(url, base_dir=base_dir, read_only=read_only)
        self._question_ids: dict[str, int] = {}
        self._result_columns: tuple[str, ...] | None = None

    def close(self) -> None:
        self.engine.dispose()

    def _fail(self, action: str, exc: SQLAlchemyError) -> StorageError:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        return StorageError(f"Could not {action} in {describe(self.url)}: {reason}.")

    # --- runs -----------------------------------------------------------------------------------------

    def start_run(
        self,
        *,
        name: str,
        models: Sequence[str],
        dataset: str,
        grader: str,
        seed: int,
        sample: str | None,
        config: dict[str, Any],
        dataset_origin: str | None = None,
        parent_id: int | None = None,
        parent_relation: str | None = None,
        shard: str | None = None,
    ) -> int:
        row = RunRow(
            name=name, status="running", seed=seed, sample=sample, models=list(models), dataset=dataset,
            dataset_origin=dataset_origin, grader=grader, config=config, environment=environment_info(),
            parent_id=parent_id, parent_relation=parent_relation, shard=shard,
        )
        try:
            with Session(self.engine) as session, session.begin():
                session.add(row)
                session.flush()
                return row.id
        except SQLAlchemyError as exc:
            raise self._fail("start a run", exc) from None

    def update_run(self, run_id: int, **values: Any) -> None:
        try:
            with Session(self.engine) as session, session.begin():
                row = session.get(RunRow, run_id)
                if row is None:
                    raise StorageError(f"Run {run_id} does not exist in {describe(self.url)}.")
                for key, value in values.items():
                    setattr(row, key, value)
        except SQLAlchemyError as exc:
            raise self._fail("update the run", exc) from None

    def finish_run(self, run_id: int, *, status: str, totals: dict[str, Any], exit_status: int | None) -> None:
        self.update_run(
            run_id, status=status, totals=totals, exit_status=exit_status,
            finished_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
        )

    def runs(self, limit: int | None = None) -> list[RunInfo]:
        with Session(self.engine) as session:
            query = select(RunRow).order_by(RunRow.id.desc())
            if limit:
                query = query.limit(limit)
            return [_run_info(r) for r in session.scalars(query)]

    def get_run(self, ref: str | int) -> RunInfo:
        """A run by id, or 'latest'/'last' (newest run of any status)."""
        with Session(self.engine) as session:
            text = str(ref).strip().lower()
            if text in ("latest", "last"):
                row = session.scalars(select(RunRow).order_by(RunRow.id.desc()).limit(1)).first()
                if row is None:
                    raise StorageError(f"There is no stored run in {describe(self.url)} yet.")
                return _run_info(row)
            if not text.isdigit():
                raise StorageError(f"{ref!r} is not a run id; use a number from 'llmbench runs list' or 'latest'.")
            found = session.get(RunRow, int(text))
            if found is None:
                raise StorageError(f"Run {ref} does not exist in {describe(self.url)}; see 'llmbench runs list'.")
            return _run_info(found)

    # --- questions and results ---------------------------------------------------------------------------

    def _question_id(self, session: Session, record: ResultRecord) -> int:
        cached = self._question_ids.get(record.question_key)
        if cached is not None:
            return cached
        found = session.scalar(select(QuestionRow.id).where(QuestionRow.key == record.question_key))
        if found is None:
            row = QuestionRow(**_question_values(record))
            try:
                with session.begin_nested():
                    session.add(row)
                found = row.id
            except IntegrityError:  # another process added it meanwhile
                found = session.scalar(select(QuestionRow.id).where(QuestionRow.key == record.question_key))
                assert found is not None
        self._question_ids[record.question_key] = found
        return found

    def add_results(self, run_id: int, records: Iterable[ResultRecord]) -> None:
        """Store finished items; an item already stored for this run is left as it is (stored exactly once).

        One transaction and a few statements per batch, whatever its size: callers batch (see ``_writer``).
        """
        batch = list(records)
        if not batch:
            return
        try:
            with Session(self.engine) as session, session.begin():
                stored: set[tuple[str, int]] = set()
                nodeids = list({r.nodeid for r in batch})
                for start in range(0, len(nodeids), _CHUNK):
                    found = session.execute(
                        select(ResultRow.nodeid, ResultRow.repeat).where(
                            ResultRow.run_id == run_id, ResultRow.nodeid.in_(nodeids[start : start + _CHUNK])
                        )
                    )
                    stored.update((nodeid, repeat) for nodeid, repeat in found)
                self._resolve_questions(session, batch)
                rows = []
                for record in batch:
                    if (record.nodeid, record.repeat) in stored:
                        continue
                    stored.add((record.nodeid, record.repeat))
                    values = {name: getattr(record, name) for name in _RESULT_FIELDS}
                    values.update({column: getattr(record, name) for name, column in _PROVENANCE_FIELDS.items()})
                    values.update(run_id=run_id, question_id=self._question_id(session, record),
                                  outcome=record.outcome.value)
                    rows.append(values)
                if rows:
                    # One Core executemany: neither an ORM flush per row nor ORM bulk bookkeeping.
                    session.connection().execute(insert(_RESULTS_TABLE), rows)
        except SQLAlchemyError as exc:
            self._question_ids.clear()
            raise self._fail("store results", exc) from None

    def _resolve_questions(self, session: Session, batch: Sequence[ResultRecord]) -> None:
        """Find (and on SQLite/PostgreSQL insert) the batch's questions in bulk; ``_question_id`` then hits.

        Looked up first and inserted only when missing: a rerun of known questions (the usual case) then
        writes nothing here, where an insert of every question, conflicts ignored, cost as much as storing
        the results.
        """
        wanted = {r.question_key: r for r in batch if r.question_key not in self._question_ids}
        if not wanted:
            return
        self._find_questions(session, list(wanted))
        missing = [r for key, r in wanted.items() if key not in self._question_ids]
        if not missing:
            return
        dialect = session.get_bind().dialect.name
        if dialect in ("sqlite", "postgresql"):
            module = sqlite if dialect == "sqlite" else postgresql
            rows = [_question_values(r) for r in missing]
            for start in range(0, len(rows), _CHUNK):
                # Another process may add the same question meanwhile: the first row is kept, no error.
                session.execute(
                    module.insert(QuestionRow).on_conflict_do_nothing(index_elements=["key"]),
                    rows[start : start + _CHUNK],
                )
            self._find_questions(session, [r.question_key for r in missing])

    def _find_questions(self, session: Session, keys: Sequence[str]) -> None:
        table = QuestionRow.__table__
        for start in range(0, len(keys), _CHUNK):
            # Core, not ORM rows: thousands of (key, id) pairs per batch.
            found = session.connection().execute(
                select(table.c.key, table.c.id).where(table.c.key.in_(keys[start : start + _CHUNK]))
            )
            self._question_ids.update((key, question_id) for key, question_id in found)

    def _provenance_columns(self) -> tuple[str, ...]:
        """The provenance columns this database has: all of them unless an old one was opened read-only."""
        if self._result_columns is None:
            if self.read_only:
                present = {c["name"] for c in inspect(self.engine).get_columns(ResultRow.__tablename__)}
                self._result_columns = tuple(c for c in _PROVENANCE_FIELDS.values() if c in present)
            else:
                self._result_columns = tuple(_PROVENANCE_FIELDS.values())
        return self._result_columns

    def results(self, run_id: int, *, where: Any = None) -> list[ResultRecord]:
        """The run's records in the order stored; ``where`` narrows them (a clause on ``benchmark_results``)."""
        t, q = _RESULTS_TABLE, QuestionRow.__table__
        provenance = self._provenance_columns()
        columns = [t.c[name] for name in (*_RESULT_FIELDS, "outcome", *provenance)]
        question = [q.c[name] for name in _QUESTION_COLUMNS]
        query = select(*columns, *question).join(q, q.c.id == t.c.question_id).where(t.c.run_id == run_id)
        if where is not None:
            query = query.where(where)
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(t.c.id)).all()
        by_column = {column: name for name, column in _PROVENANCE_FIELDS.items()}
        out = []
        for row in rows:
            values = row._mapping
            fields = {name: values[t.c[name]] for name in _RESULT_FIELDS}
            fields.update({by_column[c]: values[t.c[c]] for c in provenance})
            out.append(ResultRecord(
                question_key=values[q.c.key], outcome=Outcome(values[t.c.outcome]), dataset=values[q.c.dataset],
                clue=values[q.c.clue], answer=values[q.c.answer], category=values[q.c.category],
                round=values[q.c.round], value=values[q.c.value],
                air_date=values[q.c.air_date].isoformat() if values[q.c.air_date] else None,
                show_number=values[q.c.show_number], difficulty=values[q.c.difficulty], **fields,
            ))
        return out

    def count_results(self, run_id: int) -> int:
        with Session(self.engine) as session:
            return session.scalar(select(func.count(ResultRow.id)).where(ResultRow.run_id == run_id)) or 0

    def save_performance(self, run_id: int, rows: Sequence[dict[str, Any]]) -> None:
        try:
            with Session(self.engine) as session, session.begin():
                for old in session.scalars(select(ModelPerformanceRow).where(ModelPerformanceRow.run_id == run_id)):
                    session.delete(old)
                session.flush()
                for values in rows:
                    session.add(ModelPerformanceRow(run_id=run_id, **values))
        except SQLAlchemyError as exc:
            raise self._fail("store the per-model summary", exc) from None


def _question_values(record: ResultRecord) -> dict[str, Any]:
    return {
        "key": record.question_key, "dataset": record.dataset, "category": record.category, "clue": record.clue,
        "answer": record.answer, "value": record.value, "round": record.round,
        "air_date": dt.date.fromisoformat(record.air_date) if record.air_date else None,
        "show_number": record.show_number, "difficulty": record.difficulty,
    }


def _run_info(row: RunRow) -> RunInfo:
    return RunInfo(
        id=row.id, name=row.name, status=row.status, started_at=row.started_at, finished_at=row.finished_at,
        models=list(row.models or []), dataset=row.dataset, dataset_origin=row.dataset_origin, grader=row.grader,
        seed=row.seed, sample=row.sample, totals=row.totals, config=row.config or {},
        environment=row.environment or {}, parent_id=row.parent_id, parent_relation=row.parent_relation,
        shard=row.shard,
    )
