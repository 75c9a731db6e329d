"""The response cache in the ``response_cache`` table.

Lookups are done in bulk when jobs are submitted. Writes never run on the engine's event loop: answers are
kept in memory (where lookups see them too) and written in one transaction from a background thread at
least every ``interval`` seconds and at ``flush``. A cache entry lost to a crash costs one repeated request.

Several processes may write at once (xdist workers, parallel runs): rows are inserted with
``ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL, so a key written twice keeps the first answer and no
writer fails; SQLite's WAL and busy timeout (``db.py``) serialise the commits.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from pytest_llmbench.storage.models import Base, CacheRow
from pytest_llmbench.storage.storable import storable_row
from pytest_llmbench.storage.writer import BatchWriter
from pytest_llmbench.types import ChatRequest, Completion, completion_from_json, completion_to_json

_CHUNK = 500

_CACHE_TABLE = Base.metadata.tables[CacheRow.__tablename__]


class DatabaseCache:
    """``get_many`` / ``put`` for the engine; ``flush`` before the process ends (the session does)."""

    def __init__(self, engine: Engine, *, flush_every: int | None = None, interval: float = 0.5) -> None:
        self.engine = engine
        self.flush_every = flush_every  # also write synchronously once this many are pending (tests)
        self._pending: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._writer: BatchWriter[str] = BatchWriter(self._write, interval=interval, name="llmbench-cache")
        self.hits = 0
        self.writes = 0

    def get_many(self, keys: Sequence[str]) -> dict[str, Completion]:
        found: dict[str, Completion] = {}
        unique = list(dict.fromkeys(keys))
        with self._lock:
            pending = {k: self._pending[k]["completion"] for k in unique if k in self._pending}
        found.update((k, completion_from_json(v)) for k, v in pending.items())
        try:
            with Session(self.engine) as session:
                for start in range(0, len(unique), _CHUNK):
                    chunk = unique[start : start + _CHUNK]
                    rows = session.execute(select(CacheRow.key, CacheRow.completion).where(CacheRow.key.in_(chunk)))
                    for key, completion in rows:
                        found[key] = completion_from_json(completion)
        except SQLAlchemyError:
            return found  # a cache that cannot be read is a cache miss, never a failed run
        self.hits += len(found)
        return found

    def put(self, key: str, request: ChatRequest, completion: Completion) -> None:
        if not completion.ok:
            return  # errors are never cached
        row = storable_row(_CACHE_TABLE, {"key": key, "model": request.model, "request": request.body(),
                                          "completion": completion_to_json(completion)})
        with self._lock:
            if key in self._pending:
                return  # the first answer is kept
            self._pending[key] = row
            full = self.flush_every is not None and len(self._pending) >= self.flush_every
        self._writer.add(key)
        if full:
            self.flush()

    def flush(self) -> None:
        """Write every pending answer now."""
        self._writer.flush()

    def close(self) -> None:
        """Write what is pending and stop the background writer."""
        self._writer.close()

    def _write(self, keys: list[str]) -> None:
        with self._lock:
            rows = [self._pending[k] for k in keys if k in self._pending]
        if not rows:
            return
        try:
            with Session(self.engine) as session, session.begin():
                session.execute(_insert_ignoring_duplicates(self.engine), rows)
        except IntegrityError:
            self._write_one_by_one(rows)  # a backend without ON CONFLICT raced with another writer
        except SQLAlchemyError:
            return  # the cache is an optimisation: a failed write costs a repeated request later
        finally:
            with self._lock:
                for key in keys:
                    self._pending.pop(key, None)
        self.writes += len(rows)

    def _write_one_by_one(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            try:
                with Session(self.engine) as session, session.begin():
                    if session.get(CacheRow, row["key"]) is None:
                        session.execute(insert(CacheRow), [row])
            except SQLAlchemyError:
                continue

    def stats(self) -> dict[str, int]:
        with Session(self.engine) as session:
            rows = session.execute(select(CacheRow.model, func.count()).group_by(CacheRow.model))
            return {model: count for model, count in rows}

    def clear(self) -> int:
        with Session(self.engine) as session, session.begin():
            count = session.scalar(select(func.count()).select_from(CacheRow)) or 0
            session.execute(delete(CacheRow))
        return count


def _insert_ignoring_duplicates(engine: Engine) -> Any:
    name = engine.dialect.name
    if name == "sqlite":
        return sqlite.insert(CacheRow).on_conflict_do_nothing(index_elements=["key"])
    if name == "postgresql":
        return postgresql.insert(CacheRow).on_conflict_do_nothing(index_elements=["key"])
    return insert(CacheRow)
