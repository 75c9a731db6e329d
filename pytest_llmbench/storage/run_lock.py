"""One session at a time finishes a run: a second ``--llm-resume`` of the same run is refused in a sentence.

A killed run is left ``running``, so the status cannot tell a live session from a dead one; two resumes
of one run both asked its missing items and the second failed on a raw UNIQUE-constraint message. The
session that resumes a run holds a lock for it until its repository is closed: ``flock`` on a file beside
a SQLite database, a session-level advisory lock on PostgreSQL. Both vanish with the process, so a killed
session never leaves a run locked.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from pytest_llmbench.errors import StorageError

#: Advisory lock keys of runs: a namespace of their own in the 64-bit key space.
_PG_NAMESPACE = 0x6C6C6D62 << 32

Release = Callable[[], None]


def _busy(run_id: int) -> StorageError:
    return StorageError(
        f"Run {run_id} is being resumed by another session right now; let that one finish it "
        f"(or stop it) before resuming it again."
    )


def claim_run(engine_url: str, dialect: str, connect: Callable[[], object], run_id: int) -> Release | None:
    """Lock ``run_id`` for this session; the returned callable releases it. Raises ``StorageError`` when
    another session holds it. None on backends without a lock (the resume then goes on unguarded)."""
    if dialect == "sqlite":
        return _claim_file(engine_url, run_id)
    if dialect == "postgresql":
        return _claim_advisory(connect, run_id)
    return None


def _claim_file(database: str, run_id: int) -> Release | None:
    try:
        import fcntl
    except ImportError:  # Windows: no flock
        return None
    if not database or database == ":memory:":
        return None
    fd = os.open(f"{database}.run-{run_id}.lock", os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise _busy(run_id) from None
    return lambda: os.close(fd)  # closing the descriptor releases the lock


def _claim_advisory(connect: Callable[[], object], run_id: int) -> Release:
    connection = connect()
    try:
        got = connection.execute(  # type: ignore[attr-defined]
            text("select pg_try_advisory_lock(:key)"), {"key": _PG_NAMESPACE + run_id}
        ).scalar()
        connection.commit()  # type: ignore[attr-defined]
    except SQLAlchemyError:
        with contextlib.suppress(SQLAlchemyError):
            connection.close()  # type: ignore[attr-defined]
        return lambda: None  # no lock to be had: resume unguarded rather than not at all
    if not got:
        connection.close()  # type: ignore[attr-defined]
        raise _busy(run_id)
    return connection.close  # type: ignore[attr-defined,no-any-return]
