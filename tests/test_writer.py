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


class FlakyDisk:
    """A write target that is full until ``free`` is set: it fails without storing anything."""

    def __init__(self) -> None:
        self.full = True
        self.stored: list[int] = []
        self.attempts = 0

    def write(self, batch: list[int]) -> None:
        self.attempts += 1
        if self.full:
            raise StorageError("Could not store results in sqlite:///x.db: database or disk is full.")
        self.stored.extend(batch)


def test_a_failed_batch_is_kept_and_written_in_order_once_the_disk_has_room() -> None:
    disk, told = FlakyDisk(), list[BaseException]()
    writer: BatchWriter[int] = BatchWriter(disk.write, interval=60, on_failure=told.append)
    for i in range(3):
        writer.add(i)
    with pytest.raises(StorageError, match="disk is full"):
        writer.flush()
    writer.add(3)  # adding never raises: the item given is kept
    with pytest.raises(StorageError):
        writer.flush()
    assert writer.unwritten() == [0, 1, 2, 3] and disk.stored == []
    assert len(told) == 1 and "disk is full" in str(told[0])  # told once per run of failures, not per attempt
    disk.full = False
    writer.add(4)
    writer.close()  # no stale error from the earlier failures: everything is written now
    assert disk.stored == [0, 1, 2, 3, 4] and writer.unwritten() == [] and writer.written == 5


def test_the_background_thread_retries_a_failed_batch() -> None:
    disk = FlakyDisk()
    writer: BatchWriter[int] = BatchWriter(disk.write, interval=0.01)
    writer.add(7)
    for _ in range(1000):  # it tried, failed, and tries again without being asked
        if disk.attempts >= 2:
            break
        threading.Event().wait(0.01)
    assert disk.attempts >= 2
    disk.full = False
    writer.close()
    assert disk.stored == [7]


def test_what_a_close_could_not_write_is_left_for_the_caller() -> None:
    disk = FlakyDisk()
    writer: BatchWriter[int] = BatchWriter(disk.write, interval=60)
    for i in range(5):
        writer.add(i)
    with pytest.raises(StorageError):
        writer.close()
    assert writer.unwritten() == [0, 1, 2, 3, 4] and disk.stored == []
