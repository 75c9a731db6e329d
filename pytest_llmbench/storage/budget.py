"""One ``--llm-max-cost`` for the whole run, shared by its xdist workers through the database.

Each worker's engine reserves a request's most expensive cost before sending it and settles it with what was
billed, exactly as the in-process ``engine.costs.Budget`` does, but against one row of ``llmbench_budget``:
a reservation is a single ``UPDATE ... WHERE spent + reserved + amount <= limit`` (SQLite runs writers one at a
time; PostgreSQL re-checks the condition on the locked row), so workers together never reserve more than the
budget, and a worker with work left keeps spending what another did not need. The table is created when first
used (an additional table, no schema version change); a row is per run (``run:ID``).
"""

from __future__ import annotations

import threading

from sqlalchemy import Column, Engine, Float, MetaData, String, Table, case, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from pytest_llmbench.errors import StorageError

_METADATA = MetaData()
BUDGET_TABLE = Table(
    "llmbench_budget", _METADATA,
    Column("pool", String(64), primary_key=True),
    Column("limit_usd", Float, nullable=False),
    Column("spent_usd", Float, nullable=False, default=0.0),
    Column("reserved_usd", Float, nullable=False, default=0.0),
)
_EPSILON = 1e-12


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
            _METADATA.create_all(engine, checkfirst=True)
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
