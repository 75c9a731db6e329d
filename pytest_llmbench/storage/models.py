"""SQLAlchemy 2.0 typed ORM: the tables of DESIGN.md section 6.

Stored runs are never rewritten once finished: a resumed or re-graded run is a new row linked to its parent.
``SCHEMA_VERSION`` is recorded in ``llmbench_schema``; ``storage.db`` upgrades older databases and refuses
newer ones.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

#: 1: the first schema. 2: ``benchmark_runs.shard`` ("I/N" of ``--llm-shard``), so merges can check coverage.
#: 3: provenance of each result (messages sent, finish reason, served model, provider, generation id, judges),
#: all nullable, so rows written before it read as "not recorded". 4: ``model_performance`` tokens and cost
#: nullable (unknown is NULL, not 0; see ``UNKNOWABLE_PERFORMANCE_COLUMNS``).
SCHEMA_VERSION = 4

#: The columns version 3 added to ``benchmark_results`` (name, SQL type), for the upgrade and for reading a
#: version 2 database read-only, where they do not exist.
PROVENANCE_COLUMNS = (
    ("messages_json", "JSON"),
    ("finish_reason", "VARCHAR(64)"),
    ("served_model", "VARCHAR(255)"),
    ("provider", "VARCHAR(255)"),
    ("generation_id", "VARCHAR(255)"),
    ("judge_json", "JSON"),
)

#: The ``model_performance`` columns version 4 made nullable: a server that reports no usage and a model with no
#: price leave them unknown, which a NOT NULL column could only store as 0 (a free run).
UNKNOWABLE_PERFORMANCE_COLUMNS = ("prompt_tokens", "completion_tokens", "cost_usd")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class SchemaInfo(Base):
    __tablename__ = "llmbench_schema"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    upgraded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class QuestionRow(Base):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)  # "<dataset>:<stable id>"
    dataset: Mapped[str] = mapped_column(String(255))
    category: Mapped[str | None] = mapped_column(Text)
    clue: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    value: Mapped[int | None] = mapped_column(Integer)
    round: Mapped[str | None] = mapped_column(String(64))
    air_date: Mapped[dt.date | None] = mapped_column(Date)
    show_number: Mapped[int | None] = mapped_column(Integer)
    difficulty: Mapped[int | None] = mapped_column(Integer)
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class RunRow(Base):
    __tablename__ = "benchmark_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(32))  # running, completed, stopped (402/401/budget), interrupted, failed
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    seed: Mapped[int] = mapped_column(Integer)
    sample: Mapped[str | None] = mapped_column(String(32))
    models: Mapped[list[Any]] = mapped_column(JSON)
    dataset: Mapped[str] = mapped_column(Text)
    dataset_origin: Mapped[str | None] = mapped_column(Text)
    grader: Mapped[str] = mapped_column(String(64))
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    environment: Mapped[dict[str, Any]] = mapped_column(JSON)  # versions, host, platform
    totals: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    exit_status: Mapped[int | None] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("benchmark_runs.id"))
    parent_relation: Mapped[str | None] = mapped_column(String(32))  # resume, regrade, shard
    shard: Mapped[str | None] = mapped_column(String(32))  # "I/N" when the run was one shard of N

    results: Mapped[list[ResultRow]] = relationship(back_populates="run", cascade="all, delete-orphan")


class ResultRow(Base):
    __tablename__ = "benchmark_results"
    __table_args__ = (
        UniqueConstraint("run_id", "nodeid", "repeat", name="uq_result_item"),
        Index("ix_results_run_model", "run_id", "model"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("benchmark_runs.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    model: Mapped[str] = mapped_column(String(255))
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)
    nodeid: Mapped[str] = mapped_column(Text)
    repeat: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str] = mapped_column(String(16))
    response_text: Mapped[str] = mapped_column(Text, default="")
    correct: Mapped[bool | None] = mapped_column(Boolean)
    score: Mapped[float | None] = mapped_column(Float)
    grader: Mapped[str | None] = mapped_column(String(64))
    grade_method: Mapped[str | None] = mapped_column(String(128))
    explanation: Mapped[str | None] = mapped_column(Text)
    matched: Mapped[str | None] = mapped_column(Text)
    verdict: Mapped[str | None] = mapped_column(String(32))
    confidence: Mapped[float | None] = mapped_column(Float)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    ttft_ms: Mapped[float | None] = mapped_column(Float)
    prompt_tokens: Mapped[int | None] = mapped_column(Integer)
    completion_tokens: Mapped[int | None] = mapped_column(Integer)
    cost_usd: Mapped[float | None] = mapped_column(Float)
    cost_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    grade_cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    cached: Mapped[bool] = mapped_column(Boolean, default=False)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    error: Mapped[str | None] = mapped_column(Text)
    error_kind: Mapped[str | None] = mapped_column(String(32))
    # Provenance (schema 3): what was sent and who answered; None in rows written before.
    # none_as_null: a missing value is SQL NULL ("not recorded"), not the JSON text 'null'.
    messages_json: Mapped[list[Any] | None] = mapped_column(JSON(none_as_null=True))
    finish_reason: Mapped[str | None] = mapped_column(String(64))
    served_model: Mapped[str | None] = mapped_column(String(255))
    provider: Mapped[str | None] = mapped_column(String(255))
    generation_id: Mapped[str | None] = mapped_column(String(255))
    judge_json: Mapped[list[Any] | None] = mapped_column(JSON(none_as_null=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)

    run: Mapped[RunRow] = relationship(back_populates="results")
    question: Mapped[QuestionRow] = relationship()


class ModelPerformanceRow(Base):
    __tablename__ = "model_performance"
    __table_args__ = (UniqueConstraint("run_id", "model", name="uq_perf_run_model"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("benchmark_runs.id", ondelete="CASCADE"))
    model: Mapped[str] = mapped_column(String(255))
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)
    items: Mapped[int] = mapped_column(Integer)
    answered: Mapped[int] = mapped_column(Integer)
    correct: Mapped[int] = mapped_column(Integer)
    errors: Mapped[int] = mapped_column(Integer)
    skipped: Mapped[int] = mapped_column(Integer)
    accuracy: Mapped[float | None] = mapped_column(Float)
    ci_low: Mapped[float | None] = mapped_column(Float)
    ci_high: Mapped[float | None] = mapped_column(Float)
    latency_p50_ms: Mapped[float | None] = mapped_column(Float)
    latency_p95_ms: Mapped[float | None] = mapped_column(Float)
    # None: nobody reported the tokens / no answer had a price (schema 4; 0 in rows written before, unless the
    # upgrade could tell from the stored results that it meant unknown).
    prompt_tokens: Mapped[int | None] = mapped_column(Integer)
    completion_tokens: Mapped[int | None] = mapped_column(Integer)
    cost_usd: Mapped[float | None] = mapped_column(Float)
    cost_per_correct: Mapped[float | None] = mapped_column(Float)


class CatalogModelRow(Base):
    """The ``models`` table: a cache of the provider's model catalog."""

    __tablename__ = "models"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    fetched_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class CacheRow(Base):
    __tablename__ = "response_cache"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    model: Mapped[str] = mapped_column(String(255), index=True)
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    completion: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
