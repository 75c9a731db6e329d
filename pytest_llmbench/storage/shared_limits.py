"""One in-flight limit per model for the whole run, shared by its xdist workers through the database.

Each worker's ``AdaptiveLimit`` keeps deciding on its own answers (AIMD, see ``engine.limits``), but the limit
it applies is its share of one row of ``llmbench_limits``: the run's total for the model, the epoch of the
last cut and a Retry-After pause. A cut is one conditional ``UPDATE ... WHERE epoch = seen`` (the first worker
to see a 429 storm cuts for everyone; the others, seeing the epoch moved, follow instead of cutting again), a
recovery step adds one to the total, and a pause holds every worker's new requests. Workers read the row at
most every ``SYNC`` seconds per model when they start a request: the cost per request is bounded (a read per
quarter second, a write per cut, per growth step or per pause), never a round trip per request. The table is
created when first used (an additional table, no schema version change), a row per run and model.
"""

from __future__ import annotations

import os
import threading
import time

from sqlalchemy import Column, Engine, Float, Integer, MetaData, String, Table, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from pytest_llmbench.engine.limits import SharedState
from pytest_llmbench.errors import StorageError
from pytest_llmbench.storage.budget import db_reason
from pytest_llmbench.storage.db import create_tables

_METADATA = MetaData()
LIMITS_TABLE = Table(
    "llmbench_limits", _METADATA,
    Column("pool", String(64), primary_key=True),
    Column("model", String(255), primary_key=True),
    Column("total", Integer, nullable=False),  # the run's in-flight limit for the model, over every worker
    Column("cap", Integer, nullable=False),  # what the user allowed (the sum of the workers' caps)
    Column("epoch", Integer, nullable=False, default=0),  # bumped by every cut, whoever made it
    Column("pause_until", Float, nullable=False, default=0.0),  # time.time() before which no request starts
)


def this_worker() -> tuple[int, int] | None:
    """(index, count) of this pytest-xdist worker, from the variables xdist sets in every worker's environment;
    None in any other process."""
    name, count = os.environ.get("PYTEST_XDIST_WORKER", ""), os.environ.get("PYTEST_XDIST_WORKER_COUNT", "")
    if not name.startswith("gw") or not name[2:].isdigit() or not count.isdigit() or int(count) <= 1:
        return None
    return int(name[2:]), int(count)


def share_of(total: int, index: int, workers: int) -> int:
    """Worker ``index``'s part of ``total`` (the parts add up to it), at least 1: a worker with items keeps
    moving, so the run's in flight exceeds ``total`` only when ``total`` is below the number of workers."""
    return max(1, total // workers + (1 if index < total % workers else 0))


class SharedLimits:
    """Makes each model's ``ModelShare`` for one worker of the run (``pool``)."""

    def __init__(self, engine: Engine, pool: str, index: int, workers: int) -> None:
        self.engine = engine
        self.pool = pool
        self.index = index
        self.workers = max(1, workers)
        self.lock = threading.Lock()
        try:
            create_tables(_METADATA, engine)
        except SQLAlchemyError as exc:
            raise StorageError(f"Could not share the rate limit through the database: {db_reason(exc)}.") from None

    def for_model(self, model: str, local_cap: int) -> ModelShare:
        return ModelShare(self, model, local_cap * self.workers)


class ModelShare:
    """``engine.limits.LimitShare`` over one model's row. Database errors are not fatal: the worker keeps its
    own limit (what it did before limits were shared) rather than failing items."""

    def __init__(self, owner: SharedLimits, model: str, cap: int) -> None:
        self.owner = owner
        self.model = model
        self._where = (LIMITS_TABLE.c.pool == owner.pool) & (LIMITS_TABLE.c.model == model)
        try:
            with owner.engine.begin() as connection:
                connection.execute(insert(LIMITS_TABLE).values(pool=owner.pool, model=model, total=cap, cap=cap,
                                                               epoch=0, pause_until=0.0))
        except IntegrityError:
            pass  # another worker created the row first: the same limit
        except SQLAlchemyError as exc:
            raise StorageError(f"Could not share the rate limit through the database: {db_reason(exc)}.") from None

    def local(self, total: int) -> int:
        return share_of(total, self.owner.index, self.owner.workers)

    def read(self) -> SharedState | None:
        t = LIMITS_TABLE
        try:
            with self.owner.lock, self.owner.engine.connect() as connection:
                row = connection.execute(select(t.c.total, t.c.epoch, t.c.pause_until, t.c.cap)
                                         .where(self._where)).one()
        except SQLAlchemyError:
            return None
        return SharedState(total=int(row[0]), epoch=int(row[1]), pause_until=float(row[2]), cap=int(row[3]))

    def cut(self, seen_epoch: int, factor: float) -> tuple[SharedState | None, bool]:
        """Cut the total to ``factor`` of itself unless someone cut since ``seen_epoch``; (state, whether we did)."""
        state = self.read()
        if state is None or state.epoch != seen_epoch:
            return state, False
        t = LIMITS_TABLE
        query = (update(t).where(self._where, t.c.epoch == seen_epoch)
                 .values(total=max(1, int(state.total * factor)), epoch=t.c.epoch + 1))
        done = self._write(query)
        return self.read(), done

    def grow(self) -> SharedState | None:
        t = LIMITS_TABLE
        self._write(update(t).where(self._where, t.c.total < t.c.cap).values(total=t.c.total + 1))
        return self.read()

    def pause(self, seconds: float) -> None:
        t = LIMITS_TABLE
        until = time.time() + seconds
        self._write(update(t).where(self._where, t.c.pause_until < until).values(pause_until=until))

    def _write(self, query: object) -> bool:
        try:
            with self.owner.lock, self.owner.engine.begin() as connection:
                return bool(connection.execute(query).rowcount == 1)  # type: ignore[call-overload]
        except SQLAlchemyError:
            return False
