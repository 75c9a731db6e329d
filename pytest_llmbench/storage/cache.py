"""The response cache in the ``response_cache`` table.

Lookups are done in bulk when jobs are submitted; writes are buffered and flushed in batches (a cache entry
lost to a crash costs one repeated request, while a write per answer would slow the engine's loop). Several
processes may write at once: a key written twice keeps the first answer.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from pytest_llmbench.storage.models import CacheRow
from pytest_llmbench.types import ChatRequest, Completion, ErrorKind

_CHUNK = 500


def completion_to_json(completion: Completion) -> dict[str, Any]:
    data = asdict(completion)
    data["error_kind"] = completion.error_kind.value if completion.error_kind else None
    data["tool_calls"] = list(completion.tool_calls)
    data["extra"] = dict(completion.extra)
    return data


def completion_from_json(data: dict[str, Any]) -> Completion:
    known = {k: v for k, v in data.items() if k in Completion.__dataclass_fields__}
    if known.get("error_kind"):
        known["error_kind"] = ErrorKind(known["error_kind"])
    known["tool_calls"] = tuple(known.get("tool_calls") or ())
    return Completion(**known)


class DatabaseCache:
    def __init__(self, engine: Engine, *, flush_every: int = 64) -> None:
        self.engine = engine
        self.flush_every = flush_every
        self._pending: dict[str, CacheRow] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.writes = 0

    def get_many(self, keys: Sequence[str]) -> dict[str, Completion]:
        found: dict[str, Completion] = {}
        unique = list(dict.fromkeys(keys))
        try:
            with Session(self.engine) as session:
                for start in range(0, len(unique), _CHUNK):
                    chunk = unique[start : start + _CHUNK]
                    for row in session.scalars(select(CacheRow).where(CacheRow.key.in_(chunk))):
                        found[row.key] = completion_from_json(row.completion)
        except SQLAlchemyError:
            return {}  # a cache that cannot be read is a cache miss, never a failed run
        self.hits += len(found)
        return found

    def put(self, key: str, request: ChatRequest, completion: Completion) -> None:
        if not completion.ok:
            return  # errors are never cached
        row = CacheRow(key=key, model=request.model, request=request.body(), completion=completion_to_json(completion))
        with self._lock:
            self._pending[key] = row
            full = len(self._pending) >= self.flush_every
        if full:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            rows, self._pending = list(self._pending.values()), {}
        if not rows:
            return
        try:
            with Session(self.engine) as session, session.begin():
                existing = set(session.scalars(select(CacheRow.key).where(CacheRow.key.in_([r.key for r in rows]))))
                for row in rows:
                    if row.key not in existing:
                        session.add(row)
            self.writes += len(rows)
        except IntegrityError:
            # Another process wrote some of these keys between our check and commit: add one by one.
            for row in rows:
                try:
                    with Session(self.engine) as session, session.begin():
                        session.merge(row)
                except SQLAlchemyError:
                    continue
        except SQLAlchemyError:
            return

    def stats(self) -> dict[str, int]:
        with Session(self.engine) as session:
            rows = session.execute(select(CacheRow.model)).scalars().all()
        by_model: dict[str, int] = {}
        for model in rows:
            by_model[model] = by_model.get(model, 0) + 1
        return by_model

    def clear(self) -> int:
        with Session(self.engine) as session, session.begin():
            count = len(session.scalars(select(CacheRow.key)).all())
            session.query(CacheRow).delete()
        return count
