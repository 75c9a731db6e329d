"""Writing to the database off the hot path: small time-bounded batches from a background thread.

A commit per finished item cost more than everything else pytest did for the item (measured: 2,000 items at
concurrency 64 spent 15 s of the main thread's 27 s in per-item commits). ``BatchWriter`` keeps what arrives
and writes it in one transaction at least every ``interval`` seconds (0.2 s by default) and at ``close``.
A killed process therefore loses at most the last ``interval`` of finished items; a normal end, -x, a
failure or Ctrl-C (which all reach ``close``) lose nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

#: Seconds between writes of the pending batch.
DEFAULT_INTERVAL = 0.2


class BatchWriter(Generic[T]):
    """``add`` items from any thread; ``write(batch)`` runs on one background thread, never concurrently.

    An exception from ``write`` is kept and raised by the next ``add``, ``flush`` or ``close``; the batch
    that failed is dropped so that one bad write does not repeat forever.
    """

    def __init__(
        self, write: Callable[[list[T]], None], *, interval: float = DEFAULT_INTERVAL, name: str = "llmbench-writer"
    ) -> None:
        self._write = write
        self.interval = interval
        self.name = name
        self._pending: list[T] = []
        self._lock = threading.Lock()  # guards _pending
        self._writing = threading.Lock()  # one write at a time, in order
        self._wake = threading.Event()
        self._closed = False
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self.batches = 0
        self.written = 0

    def add(self, item: T) -> None:
        self._raise_pending_error()
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

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval)
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
            except BaseException as exc:  # kept and raised on the caller's thread
                self._error = exc
                return
            self.batches += 1
            self.written += len(batch)

    def _raise_pending_error(self) -> None:
        error, self._error = self._error, None
        if error is not None:
            raise error
