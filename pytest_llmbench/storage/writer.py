"""Writing to the database off the hot path: small time-bounded batches from a background thread.

A commit per finished item cost more than everything else pytest did for the item (measured: 2,000 items at
concurrency 64 spent 15 s of the main thread's 27 s in per-item commits). ``BatchWriter`` keeps what arrives
and writes it in one transaction at least every ``interval`` seconds (0.2 s by default) and at ``close``.
A killed process therefore loses at most the last ``interval`` of finished items; a normal end, -x, a
failure or Ctrl-C (which all reach ``close``) lose nothing.

A write that fails (a full disk, a database gone for a moment) loses nothing either: its batch is kept, ahead
of what arrived since, and written again with the next batch, the waits between attempts growing to
``MAX_BACKOFF``. ``close`` makes a last attempt; what even that could not write is ``unwritten()`` for the
caller to keep elsewhere (``storage/spool.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

#: Seconds between writes of the pending batch.
DEFAULT_INTERVAL = 0.2
#: Longest wait between two attempts while writes fail: a full disk is not hammered, a freed one is soon used.
MAX_BACKOFF = 5.0


class BatchWriter(Generic[T]):
    """``add`` items from any thread; ``write(batch)`` runs on one background thread, never concurrently.

    A batch whose ``write`` raised is kept and tried again (``write`` must therefore accept items it was given
    before; the results' ``add_results`` skips what is stored). The exception is raised by the next ``flush``
    or ``close`` and told once per run of failures to ``on_failure``, on the writing thread (so the session
    stops asking for answers it cannot store); ``add`` never raises it, so the item given is always kept.
    """

    def __init__(
        self, write: Callable[[list[T]], None], *, interval: float = DEFAULT_INTERVAL, name: str = "llmbench-writer",
        on_failure: Callable[[BaseException], None] | None = None,
    ) -> None:
        self._write = write
        self.interval = interval
        self.name = name
        self.on_failure = on_failure
        self._pending: list[T] = []
        self._lock = threading.Lock()  # guards _pending
        self._writing = threading.Lock()  # one write at a time, in order
        self._wake = threading.Event()
        self._closed = False
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._failures = 0  # writes failed in a row
        self.batches = 0
        self.written = 0

    def add(self, item: T) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError(f"{self.name} is closed.")
            self._pending.append(item)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()

    def flush(self) -> None:
        """Write everything added so far, now, on the calling thread."""
        self._write_pending()
        self._raise_pending_error()

    def close(self) -> None:
        """Write what is left and stop the background thread (idempotent)."""
        with self._lock:
            self._closed = True
            thread = self._thread
        self._wake.set()
        if thread is not None:
            thread.join()
        self.flush()

    def unwritten(self) -> list[T]:
        """What was added and is not written (after a failed ``flush`` or ``close``), in order."""
        with self._lock:
            return list(self._pending)

    def _run(self) -> None:
        while True:
            delay = self.interval if not self._failures else min(self.interval * 2**self._failures, MAX_BACKOFF)
            self._wake.wait(delay)
            self._write_pending()
            with self._lock:
                if self._closed:
                    return

    def _write_pending(self) -> None:
        with self._writing:
            with self._lock:
                batch, self._pending = self._pending, []
            if not batch:
                return
            try:
                self._write(batch)
            except BaseException as exc:  # kept and raised on the caller's thread; the batch is kept too
                with self._lock:
                    self._pending[:0] = batch
                if not isinstance(exc, Exception):
                    raise  # Ctrl-C or a signal during a flush on the main thread: the batch waits for close
                self._error = exc
                self._failures += 1
                if self._failures == 1 and self.on_failure is not None:
                    self.on_failure(exc)
                return
            self._failures, self._error = 0, None  # an earlier failure is over: nothing is lost
            self.batches += 1
            self.written += len(batch)

    def _raise_pending_error(self) -> None:
        error, self._error = self._error, None
        if error is not None:
            raise error
