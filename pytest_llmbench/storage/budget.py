"""One ``--llm-max-cost`` for the whole run, shared by its xdist workers through the database.

Each worker's engine reserves a request's most expensive cost before sending it and settles it with what was
billed, exactly as the in-process ``engine.costs.Budget`` does, but against one row of ``llmbench_budget``:
a reservation is a single ``UPDATE ... WHERE spent + reserved + amount <= limit`` (SQLite runs writers one at a
time; PostgreSQL re-checks the condition on the locked row), so workers together never reserve more than the
budget, and a worker with work left keeps spending what another did not need. The table is created when first
used (an additional table, no schema version change); a row is per run (``run:ID``).

Shards of one benchmark (``--llm-shard=I/N``, separate processes, each its own run) on one database share one
budget too: each joins a *generation* of its benchmark in ``llmbench_shard_pools`` (the benchmark is what
``llmbench db merge`` requires its shards to share, plus the models and the budget), and the generation
names the budget row (``shards:DIGEST:G``). A shard joins the newest generation unless that one already has
this shard (then the benchmark is being run again: a new generation, a fresh budget) or began more than
``SHARD_GENERATION_HOURS`` ago. So shards 1 and 2 started minutes apart spend at most B together, and
tomorrow's rerun of both gets B again.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Sequence

from sqlalchemy import Column, Engine, Float, Integer, MetaData, String, Table, case, func, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from pytest_llmbench.errors import StorageError
from pytest_llmbench.storage.db import create_tables

_METADATA = MetaData()
BUDGET_TABLE = Table(
    "llmbench_budget", _METADATA,
    Column("pool", String(64), primary_key=True),
    Column("limit_usd", Float, nullable=False),
    Column("spent_usd", Float, nullable=False, default=0.0),
    Column("reserved_usd", Float, nullable=False, default=0.0),
)
SHARD_POOLS_TABLE = Table(
    "llmbench_shard_pools", _METADATA,
    Column("benchmark", String(32), primary_key=True),  # digest of what the shards of one benchmark share
    Column("generation", Integer, primary_key=True),
    Column("shard", Integer, primary_key=True),
    Column("session", String(64), nullable=False),  # who joined: the xdist workers of one shard are one session
    Column("joined_at", Float, nullable=False),  # time.time()
)
_EPSILON = 1e-12
#: A generation of a sharded benchmark that began longer ago than this is not joined any more.
SHARD_GENERATION_HOURS = 24.0


def shard_benchmark(total: int, dataset: str, seed: int, sample: object, grader: str,
                    models: Sequence[str], max_cost: float) -> str:
    """The digest that names one sharded benchmark: what its shards have in common (not the shard index)."""
    blob = json.dumps([total, dataset, seed, sample, grader, sorted(models), max_cost], default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def join_shard_pool(engine: Engine, benchmark: str, shard: int, session: str) -> str:
    """Join (atomically, by primary key) the generation of ``benchmark`` that this shard belongs to; the name
    of its budget row."""
    t = SHARD_POOLS_TABLE
    try:
        create_tables(_METADATA, engine)
        with engine.connect() as connection:
            newest = connection.execute(select(func.max(t.c.generation)).where(t.c.benchmark == benchmark)).scalar()
            generation = int(newest or 1)
            if newest is not None:
                began = connection.execute(select(func.min(t.c.joined_at)).where(
                    t.c.benchmark == benchmark, t.c.generation == generation)).scalar()
                if began is not None and float(began) < time.time() - SHARD_GENERATION_HOURS * 3600:
                    generation += 1
        while True:
            try:
                with engine.begin() as connection:
                    connection.execute(insert(t).values(benchmark=benchmark, generation=generation, shard=shard,
                                                        session=session, joined_at=time.time()))
                break
            except IntegrityError:
                with engine.connect() as connection:
                    holder = connection.execute(select(t.c.session).where(
                        t.c.benchmark == benchmark, t.c.generation == generation, t.c.shard == shard)).scalar()
                if holder == session:
                    break  # another worker of this shard's session joined it already
                generation += 1  # this shard ran in that generation: the benchmark runs again
    except SQLAlchemyError as exc:
        raise StorageError(f"Could not share the budget through the database: {db_reason(exc)}.") from None
    return f"shards:{benchmark[:16]}:{generation}"


class SharedBudget:
    """``Budget``'s interface (reserve, settle, could_ever_fit, spent, remaining) over the database row."""

    #: Seconds between looks at the row while waiting for a reservation to fit: another process's settle does
    #: not wake this one.
    poll = 0.1

    def __init__(self, engine: Engine, pool: str, limit: float) -> None:
        self.engine = engine
        self.pool = pool
        self.limit: float | None = limit
        self.by_model: dict[str, float] = {}
        self.reserved_here = 0.0
        self._lock = threading.Lock()
        try:
            create_tables(_METADATA, engine)
            with engine.begin() as connection:
                connection.execute(insert(BUDGET_TABLE).values(pool=pool, limit_usd=limit, spent_usd=0.0,
                                                               reserved_usd=0.0))
        except IntegrityError:
            pass  # another worker created the row first: the same budget
        except SQLAlchemyError as exc:
            raise StorageError(f"Could not share the budget through the database: {db_reason(exc)}.") from None

    def reserve(self, amount: float) -> bool:
        t = BUDGET_TABLE
        query = update(t).where(t.c.pool == self.pool,
                                t.c.spent_usd + t.c.reserved_usd + amount <= t.c.limit_usd + _EPSILON)
        with self._lock, self.engine.begin() as connection:
            done = connection.execute(query.values(reserved_usd=t.c.reserved_usd + amount)).rowcount == 1
        if done:
            self.reserved_here += amount
        return done

    def settle(self, model: str, reserved: float, actual: float) -> None:
        t = BUDGET_TABLE
        left = case((t.c.reserved_usd > reserved, t.c.reserved_usd - reserved), else_=0.0)
        with self._lock, self.engine.begin() as connection:
            connection.execute(update(t).where(t.c.pool == self.pool)
                               .values(reserved_usd=left, spent_usd=t.c.spent_usd + actual))
        self.reserved_here = max(0.0, self.reserved_here - reserved)
        self.by_model[model] = self.by_model.get(model, 0.0) + actual

    def _row(self) -> tuple[float, float]:
        t = BUDGET_TABLE
        with self.engine.connect() as connection:
            row = connection.execute(select(t.c.spent_usd, t.c.reserved_usd).where(t.c.pool == self.pool)).one()
        return float(row[0]), float(row[1])

    @property
    def spent(self) -> float:
        """What every process of the run has been billed so far."""
        return self._row()[0]

    @property
    def remaining(self) -> float | None:
        return None if self.limit is None else max(0.0, self.limit - self.spent)

    def could_ever_fit(self, amount: float) -> bool:
        spent = self.spent
        return self.limit is None or (spent < self.limit and spent + amount <= self.limit + _EPSILON)


def db_reason(exc: SQLAlchemyError) -> str:
    return str(getattr(exc, "orig", None) or exc).splitlines()[0]
