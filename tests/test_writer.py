from __future__ import annotations

import threading

import pytest

from pytest_llmbench.errors import StorageError
from pytest_llmbench.storage.writer import BatchWriter


def test_items_are_written_in_batches_in_order_and_close_writes_the_rest() -> None:
    batches: list[list[int]] = []
    writer: BatchWriter[int] = BatchWriter(batches.append, interval=60)  # only close() writes
    for i in range(100):
        writer.add(i)
    assert batches == []
    writer.close()
    assert [i for b in batches for i in b] == list(range(100))
    assert len(batches) == 1 and writer.written == 100


def test_background_thread_writes_without_being_asked() -> None:
    written = threading.Event()
    writer: BatchWriter[str] = BatchWriter(lambda batch: written.set(), interval=0.01)
    writer.add("x")
    assert written.wait(5)  # no flush or close: the background thread wrote it
    writer.close()


def test_a_failed_write_is_raised_on_the_callers_thread() -> None:
    def fail(batch: list[int]) -> None:
        raise StorageError("Could not store results in sqlite:///x.db: disk full.")

    writer: BatchWriter[int] = BatchWriter(fail, interval=60)
    writer.add(1)
    with pytest.raises(StorageError, match="disk full"):
        writer.flush()
    writer.add(2)  # the failed batch was dropped; the writer keeps going
    with pytest.raises(StorageError):
        writer.close()


def test_adding_after_close_is_refused() -> None:
    writer: BatchWriter[int] = BatchWriter(lambda batch: None)
    writer.close()
    with pytest.raises(RuntimeError):
        writer.add(1)
