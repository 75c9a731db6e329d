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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from pytest_llmbench._version import __version__
from pytest_llmbench.errors import StorageError
from pytest_llmbench.storage.db import describe, open_engine
from pytest_llmbench.storage.models import Base, ModelPerformanceRow, QuestionRow, ResultRow, RunRow
from pytest_llmbench.storage.run_lock import claim_run
from pytest_llmbench.storage.storable import storable_row, storable_text
from pytest_llmbench.types import ErrorKind, Outcome, ResultRecord

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
_QUESTIONS_TABLE = Base.metadata.tables[QuestionRow.__tablename__]
_RUNS_TABLE = Base.metadata.tables[RunRow.__tablename__]
_PERFORMANCE_TABLE = Base.metadata.tables[ModelPerformanceRow.__tablename__]
_KEY_LENGTH: int = getattr(_QUESTIONS_TABLE.c.key.type, "length", None) or 255
_QUESTION_COLUMNS = ("key", "dataset", "clue", "answer", "category", "round", "value", "air_date", "show_number",
                     "difficulty")
#: Keys per ``IN (...)`` clause, well under every backend's parameter limit.
_CHUNK = 500


def _cannot_write(exc: SQLAlchemyError) -> bool:
    """The database, not a value, is the problem: full, read-only, locked, I/O error, connection lost."""
    return isinstance(exc, OperationalError) or bool(getattr(exc, "connection_invalidated", False))


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
        self._claims: list[Callable[[], None]] = []

    def close(self) -> None:
        claims, self._claims = self._claims, []
        for release in claims:
            release()
        self.engine.dispose()

    def claim_run(self, run_id: int) -> None:
        """Hold run ``run_id`` for this session until ``close`` (see ``run_lock``): a second session
        resuming it at the same time gets a ``StorageError`` sentence."""
        release = claim_run(self.engine.url.database or "", self.engine.dialect.name, self.engine.connect, run_id)
        if release is not None:
            self._claims.append(release)

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
        row = RunRow(**storable_row(_RUNS_TABLE, dict(
            name=name, status="running", seed=seed, sample=sample, models=list(models), dataset=dataset,
            dataset_origin=dataset_origin, grader=grader, config=config, environment=environment_info(),
            parent_id=parent_id, parent_relation=parent_relation, shard=shard,
        )))
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
                for key, value in storable_row(_RUNS_TABLE, values).items():
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
        key = _key(record)
        cached = self._question_ids.get(key)
        if cached is not None:
            return cached
        found = session.scalar(select(QuestionRow.id).where(QuestionRow.key == key))
        if found is None:
            row = QuestionRow(**_question_values(record))
            try:
                with session.begin_nested():
                    session.add(row)
                found = row.id
            except IntegrityError:  # another process added it meanwhile
                found = session.scalar(select(QuestionRow.id).where(QuestionRow.key == key))
                assert found is not None
        self._question_ids[key] = found
        return found

    def add_results(self, run_id: int, records: Iterable[ResultRecord]) -> None:
        """Store finished items; an item already stored for this run is left as it is (stored exactly once).

        One transaction and a few statements per batch, whatever its size: callers batch (see ``writer``).
        Every value is made storable first (``storable``); should the backend still refuse the batch, it is
        stored item by item, and an item the backend refuses is stored as an error naming why, so one bad
        value never costs the other items. A database that cannot be written at all (full, read-only, gone)
        raises at once, with nothing stored as an error: the caller keeps the batch and tries again
        (``writer``), so a real answer is never replaced by the full disk's message.
        """
        batch = list(records)
        if not batch:
            return
        try:
            self._add_batch(run_id, batch)
        except SQLAlchemyError as exc:
            self._question_ids.clear()
            if _cannot_write(exc):
                raise self._fail("store results", exc) from None
            if len(batch) == 1:
                self._add_as_error(run_id, batch[0], exc)
                return
            for record in batch:
                try:
                    self._add_batch(run_id, [record])
                except SQLAlchemyError as one:
                    self._question_ids.clear()
                    if _cannot_write(one):
                        raise self._fail("store results", one) from None
                    self._add_as_error(run_id, record, one)

    def _add_as_error(self, run_id: int, record: ResultRecord, exc: SQLAlchemyError) -> None:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:300]
        failed = replace(
            record, outcome=Outcome.ERROR, correct=None, score=None, verdict=None, matched=None, explanation=None,
            response_text="", error=f"The result could not be stored ({reason}).", error_kind=ErrorKind.STORAGE,
        )
        try:
            self._add_batch(run_id, [failed])
        except SQLAlchemyError as again:
            self._question_ids.clear()
            raise self._fail("store results", again) from None

    def _add_batch(self, run_id: int, batch: list[ResultRecord]) -> None:
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
                rows.append(storable_row(_RESULTS_TABLE, values))
            if rows:
                # One Core executemany: neither an ORM flush per row nor ORM bulk bookkeeping.
                session.connection().execute(insert(_RESULTS_TABLE), rows)

    def _resolve_questions(self, session: Session, batch: Sequence[ResultRecord]) -> None:
        """Find (and on SQLite/PostgreSQL insert) the batch's questions in bulk; ``_question_id`` then hits.

        Looked up first and inserted only when missing: a rerun of known questions (the usual case) then
        writes nothing here, where an insert of every question, conflicts ignored, cost as much as storing
        the results.
        """
        wanted = {_key(r): r for r in batch if _key(r) not in self._question_ids}
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
            self._find_questions(session, [_key(r) for r in missing])

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

    def results(self, run_id: int, *, offset: int = 0, limit: int | None = None) -> list[ResultRecord]:
        """The run's records in the order stored; ``offset``/``limit`` take a slice (the viewer's item page)."""
        t, q = _RESULTS_TABLE, QuestionRow.__table__
        provenance = self._provenance_columns()
        columns = [t.c[name] for name in (*_RESULT_FIELDS, "outcome", *provenance)]
        question = [q.c[name] for name in _QUESTION_COLUMNS]
        query = select(*columns, *question).join(q, q.c.id == t.c.question_id).where(t.c.run_id == run_id)
        if offset or limit is not None:
            # The slice is chosen on ids alone: an OFFSET over whole rows would read every skipped reply
            # (a run of 1 MB replies took a second to reach its 57th item).
            ids = select(t.c.id).where(t.c.run_id == run_id).order_by(t.c.id).offset(offset or None).limit(limit)
            query = query.where(t.c.id.in_(ids.scalar_subquery()))
        query = query.order_by(t.c.id)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        by_column = {column: name for name, column in _PROVENANCE_FIELDS.items()}
        # Record field names in the order of the selected columns: rows are read by position, which for a
        # 10,000-item run is several times faster than looking each value up by column.
        names = (*_RESULT_FIELDS, "outcome", *(by_column[c] for c in provenance),
                 *("question_key" if c == "key" else c for c in _QUESTION_COLUMNS))
        out = []
        for row in rows:
            fields = dict(zip(names, row, strict=True))
            fields["outcome"] = Outcome(fields["outcome"])
            air_date = fields["air_date"]
            fields["air_date"] = air_date.isoformat() if air_date else None
            out.append(ResultRecord(**fields))
        return out

    def count_results(self, run_id: int) -> int:
        with Session(self.engine) as session:
            return session.scalar(select(func.count(ResultRow.id)).where(ResultRow.run_id == run_id)) or 0

    def performance(self, run_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        """The stored per-model summaries of finished runs (model, items, answered, correct, accuracy, cost)."""
        out: dict[int, list[dict[str, Any]]] = {}
        t = ModelPerformanceRow.__table__
        names = ("run_id", "model", "simulated", "items", "answered", "correct", "accuracy", "cost_usd")
        with self.engine.connect() as connection:
            for start in range(0, len(run_ids), _CHUNK):
                query = select(*(t.c[n] for n in names)).where(t.c.run_id.in_(run_ids[start : start + _CHUNK]))
                for row in connection.execute(query.order_by(t.c.id)):
                    out.setdefault(row.run_id, []).append(dict(zip(names[1:], row[1:], strict=True)))
        return out

    def save_performance(self, run_id: int, rows: Sequence[dict[str, Any]]) -> None:
        try:
            with Session(self.engine) as session, session.begin():
                for old in session.scalars(select(ModelPerformanceRow).where(ModelPerformanceRow.run_id == run_id)):
                    session.delete(old)
                session.flush()
                for values in rows:
                    session.add(ModelPerformanceRow(run_id=run_id, **storable_row(_PERFORMANCE_TABLE, values)))
        except SQLAlchemyError as exc:
            raise self._fail("store the per-model summary", exc) from None


def _key(record: ResultRecord) -> str:
    """The question's key as stored: a key over the column's length is cut with a digest of the whole."""
    return storable_text(record.question_key, _KEY_LENGTH)


def _question_values(record: ResultRecord) -> dict[str, Any]:
    return storable_row(_QUESTIONS_TABLE, {
        "key": record.question_key, "dataset": record.dataset, "category": record.category, "clue": record.clue,
        "answer": record.answer, "value": record.value, "round": record.round,
        "air_date": dt.date.fromisoformat(record.air_date) if record.air_date else None,
        "show_number": record.show_number, "difficulty": record.difficulty,
    })


def _run_info(row: RunRow) -> RunInfo:
    return RunInfo(
        id=row.id, name=row.name, status=row.status, started_at=row.started_at, finished_at=row.finished_at,
        models=list(row.models or []), dataset=row.dataset, dataset_origin=row.dataset_origin, grader=row.grader,
        seed=row.seed, sample=row.sample, totals=row.totals, config=row.config or {},
        environment=row.environment or {}, parent_id=row.parent_id, parent_relation=row.parent_relation,
        shard=row.shard,
    )
