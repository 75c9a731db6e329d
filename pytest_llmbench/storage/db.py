"""Opening a results database by URL: SQLite (WAL) by default, PostgreSQL or anything SQLAlchemy speaks.

Foreign errors stop here: a path that cannot be created, a server that cannot be reached or a schema from a
newer version become one ``StorageError`` sentence, before anything is spent.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    MetaData,
    create_engine,
    event,
    exists,
    insert,
    inspect,
    null,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session

from pytest_llmbench.errors import StorageError
from pytest_llmbench.storage.models import (
    PROVENANCE_COLUMNS,
    SCHEMA_VERSION,
    UNKNOWABLE_PERFORMANCE_COLUMNS,
    Base,
    ModelPerformanceRow,
    ResultRow,
    RunRow,
    SchemaInfo,
)


def _v1_to_v2(connection: Connection) -> None:
    # Plain ADD COLUMN of a nullable column: the same statement on SQLite and PostgreSQL, no table rewrite.
    connection.execute(text("ALTER TABLE benchmark_runs ADD COLUMN shard VARCHAR(32)"))


def _v2_to_v3(connection: Connection) -> None:
    # Nullable columns again. One already there (a half-finished hand upgrade) is kept, not an error.
    present = {c["name"] for c in inspect(connection).get_columns("benchmark_results")}
    for name, sql_type in PROVENANCE_COLUMNS:
        if name not in present:
            connection.execute(text(f"ALTER TABLE benchmark_results ADD COLUMN {name} {sql_type}"))


def _v3_to_v4(connection: Connection) -> None:
    # Drop NOT NULL from the per-model tokens and cost. PostgreSQL (and standard SQL) alters the column in place;
    # SQLite cannot, so it gets the table rebuilt from the current model and the rows copied (the new table is
    # filled before the old one is dropped: a failure midway leaves the old table whole).
    table = Base.metadata.tables[ModelPerformanceRow.__tablename__]
    if connection.dialect.name == "sqlite":
        scratch = MetaData()
        Base.metadata.tables[RunRow.__tablename__].to_metadata(scratch)  # the foreign key's target, not created
        fresh = table.to_metadata(scratch, name="model_performance_v4")
        present = {c["name"] for c in inspect(connection).get_columns(table.name)}
        names = ", ".join(c.name for c in table.columns if c.name in present)
        connection.execute(text("DROP TABLE IF EXISTS model_performance_v4"))
        fresh.create(connection)
        connection.execute(text(f"INSERT INTO model_performance_v4 ({names}) SELECT {names} FROM {table.name}"))
        connection.execute(text(f"DROP TABLE {table.name}"))
        connection.execute(text(f"ALTER TABLE model_performance_v4 RENAME TO {table.name}"))
    else:
        for name in UNKNOWABLE_PERFORMANCE_COLUMNS:
            connection.execute(text(f"ALTER TABLE {table.name} ALTER COLUMN {name} DROP NOT NULL"))
    _unknown_again(connection)


def _unknown_again(connection: Connection) -> None:
    """Turn the zeros older versions stored for unknown tokens and cost back into NULL, where the stored results
    show that nobody reported them: the same rule the summary applies (``stats.summary.summarize``)."""
    perf = Base.metadata.tables[ModelPerformanceRow.__tablename__]
    results = Base.metadata.tables[ResultRow.__tablename__]
    same = (results.c.run_id == perf.c.run_id) & (results.c.model == perf.c.model)
    for name in ("prompt_tokens", "completion_tokens"):
        reported = exists().where(same, results.c[name].isnot(None))
        connection.execute(update(perf).where(perf.c[name] == 0, ~reported).values({name: null()}))
    billed = exists().where(same, results.c.cached.is_(False), results.c.cost_usd.isnot(None))
    graded = exists().where(same, results.c.grade_cost_usd != 0)
    unpriced = exists().where(same, results.c.correct.isnot(None), results.c.cached.is_(False),
                              results.c.simulated.is_(False), results.c.cost_usd.is_(None))
    connection.execute(update(perf).where(perf.c.cost_usd == 0, ~billed, ~graded, unpriced).values(cost_usd=null()))


#: Upgrade steps: version N -> N+1, each a function of a connection, run in one transaction.
UPGRADES: dict[int, Callable[[Connection], None]] = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers and one writer work at once (xdist workers write the cache while the controller
    # writes results); busy_timeout waits for the lock instead of failing with "database is locked".
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_read_only_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # No journal_mode here: switching it is a write. query_only makes any write an error, not a change.
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def _postgres_read_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    cursor.close()
    dbapi_connection.commit()


#: The oldest schema a read-only reader (the viewer) understands without upgrading: version 2 lacks only the
#: nullable provenance columns, which read as None.
OLDEST_READABLE = 2


def describe(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparsable URL>"


def sqlite_path(url: str, base_dir: Path | None = None) -> Path | None:
    """The file of a SQLite URL (relative paths taken from ``base_dir``); None for other databases, in-memory
    SQLite and URLs that do not parse."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database)
    return base_dir / path if base_dir is not None and not path.is_absolute() else path


#: The folder of the default database; like pytest's own cache folder, it ignores itself in git.
STATE_FOLDER = ".llmbench"


def _make_folder(folder: Path) -> None:
    if folder.is_dir():
        return
    folder.mkdir(parents=True, exist_ok=True)
    if folder.name == STATE_FOLDER:
        # Results are per machine: a fresh clone's `git status` must not list them as untracked files.
        (folder / ".gitignore").write_text("# created by pytest-llmbench automatically\n*\n", encoding="utf-8")


def open_engine(url: str, *, base_dir: Path | None = None, read_only: bool = False) -> Engine:
    """Create the engine, the SQLite folder if needed, the tables, and check the schema version.

    ``read_only``: open an existing database for reading only (SQLite ``mode=ro``, PostgreSQL read-only
    transactions); nothing is created or upgraded, and a write fails instead of changing the file.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StorageError(f"--llm-db {url!r} is not a database URL such as sqlite:///results.db.") from None
    path = sqlite_path(url, base_dir)
    if path is not None and read_only:
        if not path.exists():
            raise StorageError(f"There is no results database at {path}.")
        parsed = parsed.set(database=f"file:{path.resolve()}", query={"mode": "ro", "uri": "true"})
    elif path is not None:
        try:
            _make_folder(path.parent)
        except OSError as exc:
            raise StorageError(f"Cannot create the folder for the results database {path}: {exc.strerror}.") from None
        parsed = parsed.set(database=str(path))
    try:
        engine = create_engine(parsed, pool_pre_ping=parsed.get_backend_name() != "sqlite")
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise StorageError(
            f"No driver for {describe(url)} ({exc}); for PostgreSQL install 'pytest-llmbench[postgres]'."
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_read_only_pragmas if read_only else _sqlite_pragmas)
    elif read_only and engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _postgres_read_only)
    try:
        if read_only:
            _check_readable(engine)
        else:
            _prepare(engine)
    except StorageError:
        engine.dispose()
        raise
    except SQLAlchemyError as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise StorageError(f"Cannot use the results database {describe(url)}: {reason}.") from None
    return engine


def create_tables(metadata: MetaData, engine: Engine | Connection) -> None:
    """``metadata.create_all`` that survives a race: its check-then-create is not atomic, so two processes opening
    one database at once (xdist workers, shards) can both find a table missing, and the loser's CREATE fails
    ('already exists', or a duplicate key in PostgreSQL's catalog). The table then exists: a second pass sees it."""
    for attempt in range(3):
        try:
            metadata.create_all(engine, checkfirst=True)
            return
        except SQLAlchemyError:
            if attempt == 2:
                raise


def _prepare(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    if "llmbench_schema" in tables:
        with Session(engine) as session:
            version = session.scalar(select(SchemaInfo.version).order_by(SchemaInfo.id.desc()).limit(1))
        if version is not None and version > SCHEMA_VERSION:
            raise StorageError(
                f"The results database {describe(str(engine.url))} was written by a newer pytest-llmbench "
                f"(schema {version}; this version knows {SCHEMA_VERSION}); upgrade pytest-llmbench or use "
                f"another --llm-db. It was left untouched."
            )
        if version is not None and version < SCHEMA_VERSION:
            upgrade(engine, version)
            return
    elif tables & {"benchmark_runs", "benchmark_results"}:
        raise StorageError(
            f"The database {describe(str(engine.url))} has benchmark tables but no schema version; "
            f"it was not written by pytest-llmbench. Use another --llm-db. It was left untouched."
        )
    create_tables(Base.metadata, engine)
    with Session(engine) as session, session.begin():
        if session.scalar(select(SchemaInfo.version).limit(1)) is None:
            session.add(SchemaInfo(version=SCHEMA_VERSION))


def _check_readable(engine: Engine) -> None:
    where = describe(str(engine.url))
    tables = set(inspect(engine).get_table_names())
    if "llmbench_schema" not in tables:
        raise StorageError(f"The database {where} holds no pytest-llmbench results.")
    with Session(engine) as session:
        version = session.scalar(select(SchemaInfo.version).order_by(SchemaInfo.id.desc()).limit(1)) or 0
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"The results database {where} was written by a newer pytest-llmbench (schema {version}; this "
            f"version knows {SCHEMA_VERSION}); upgrade pytest-llmbench to read it."
        )
    if version < OLDEST_READABLE:
        raise StorageError(
            f"The results database {where} has schema {version}, too old to read without upgrading it; "
            f"'llmbench runs list' upgrades it in place."
        )


def upgrade(engine: Engine, version: int) -> None:
    """Apply the upgrade steps from ``version`` to ``SCHEMA_VERSION`` in one transaction."""
    with engine.begin() as connection:
        for step in range(version, SCHEMA_VERSION):
            UPGRADES[step](connection)
        Base.metadata.create_all(connection)
        connection.execute(insert(SchemaInfo).values(version=SCHEMA_VERSION))
