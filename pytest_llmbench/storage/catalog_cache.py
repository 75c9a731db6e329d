"""The model catalog, cached in the ``models`` table with a 24-hour TTL, and the tiers that answer for it.

``resolve_catalog`` asks, in order: the cache while it is fresh; the network (``GET /models``), storing what it
gets; the cache however old; the bundled snapshot. ``CatalogAnswer.tier`` says which one answered, so a user
knows whether a price is today's or the snapshot's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from pytest_llmbench.errors import ProviderError, StorageError
from pytest_llmbench.providers.catalog import ModelInfo, load_snapshot, snapshot_payload
from pytest_llmbench.storage.models import CatalogModelRow

TTL = dt.timedelta(hours=24)

#: Tiers, in the order they are asked.
FRESH_CACHE, NETWORK, STALE_CACHE, SNAPSHOT = "cache", "network", "stale cache", "bundled snapshot"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class CatalogCache:
    """The ``models`` table: one row per model id, all written together by one refresh."""

    def __init__(self, engine: Engine, ttl: dt.timedelta = TTL) -> None:
        self.engine = engine
        self.ttl = ttl

    def load(self) -> tuple[dict[str, ModelInfo], dt.datetime | None]:
        """Every cached model and when the cache was last refreshed (None when empty)."""
        try:
            with Session(self.engine) as session:
                rows = list(session.scalars(select(CatalogModelRow)))
        except SQLAlchemyError:
            return {}, None  # an unreadable cache is an empty one: the next tier answers
        if not rows:
            return {}, None
        return {r.id: ModelInfo.from_dict(r.data) for r in rows}, min(r.fetched_at for r in rows)

    def age(self, now: dt.datetime | None = None) -> dt.timedelta | None:
        with Session(self.engine) as session:
            oldest = session.scalar(select(func.min(CatalogModelRow.fetched_at)))
        return None if oldest is None else (now or _now()) - oldest

    def store(self, models: Mapping[str, ModelInfo], fetched_at: dt.datetime | None = None) -> None:
        """Replace the cache with ``models`` (a model gone from the catalog is gone from the cache)."""
        when = fetched_at or _now()
        try:
            with Session(self.engine) as session, session.begin():
                session.execute(delete(CatalogModelRow))
                session.add_all(CatalogModelRow(id=i, data=m.to_dict(), fetched_at=when) for i, m in models.items())
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise StorageError(f"Could not store the model catalog: {reason}.") from None

    def clear(self) -> int:
        with Session(self.engine) as session, session.begin():
            count = session.scalar(select(func.count()).select_from(CatalogModelRow)) or 0
            session.execute(delete(CatalogModelRow))
        return count


@dataclass(frozen=True)
class CatalogAnswer:
    models: dict[str, ModelInfo]
    tier: str
    fetched_at: dt.datetime | None = None  # when the answering data was fetched (snapshot: its date)
    problem: str | None = None  # why a better tier did not answer

    def describe(self, now: dt.datetime | None = None) -> str:
        when = ""
        if self.fetched_at is not None:
            hours = ((now or _now()) - self.fetched_at).total_seconds() / 3600
            when = (
                f", fetched {self.fetched_at:%Y-%m-%d %H:%M} UTC"
                if hours >= 48 or self.tier == SNAPSHOT
                else f", {hours:.1f} h old"
            )
        why = f" ({self.problem})" if self.problem else ""
        return f"{len(self.models)} models from the {self.tier}{when}{why}"


Fetch = Callable[[], dict[str, ModelInfo]]


def snapshot_answer(problem: str | None = None) -> CatalogAnswer:
    raw_date = snapshot_payload().get("snapshot_date")
    try:
        date = dt.datetime.fromisoformat(str(raw_date)) if raw_date else None
    except ValueError:
        date = None
    return CatalogAnswer(load_snapshot(), SNAPSHOT, date, problem)


def resolve_catalog(
    cache: CatalogCache | None,
    fetch: Fetch | None,
    *,
    refresh: bool = False,
    now: dt.datetime | None = None,
    tier: str = NETWORK,
) -> CatalogAnswer:
    """The best catalog available. ``fetch`` None means offline; ``refresh`` skips a fresh cache; ``tier``
    names what ``fetch`` reads (the network, or a saved file)."""
    now = now or _now()
    cached, fetched_at = cache.load() if cache is not None else ({}, None)
    if cached and fetched_at is not None and not refresh and now - fetched_at < (cache.ttl if cache else TTL):
        return CatalogAnswer(cached, FRESH_CACHE, fetched_at)
    problem = "offline" if fetch is None else None
    if fetch is not None:
        try:
            models = fetch()
        except ProviderError as exc:
            problem = f"the catalog could not be fetched: {str(exc).rstrip('.')}"
        else:
            if cache is not None:
                cache.store(models, now)
            return CatalogAnswer(models, tier, now)
    if cached:
        return CatalogAnswer(cached, STALE_CACHE, fetched_at, problem)
    return snapshot_answer(problem)
