"""The spool (``storage/spool.py``): what a run could not store, kept for the resume."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pytest_llmbench.storage import spool
from pytest_llmbench.types import Completion, Outcome, ResultRecord

URL = "sqlite:///.llmbench/results.db"


def _record(i: int) -> ResultRecord:
    return ResultRecord(question_key=f"q{i}", dataset="d", model="m", nodeid=f"t::q{i}", repeat=0,
                        outcome=Outcome.PASSED, response_text=f"What is \x00{i}?",
                        messages=[{"role": "user", "content": "clue"}])


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr("tempfile.gettempdir", lambda: str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    return tmp_path


def test_results_and_answers_round_trip_and_discard(private_tmp: Path) -> None:
    answer = Completion(model="m", text="What is it?", cost_usd=0.002)
    path = spool.save(URL, private_tmp, 1, [_record(1), _record(2)], {"t::q3": answer})
    assert path.parent == private_tmp / ".llmbench"  # beside the database
    loaded = spool.load(URL, private_tmp, 1)
    assert loaded.results == [_record(1), _record(2)] and loaded.answers == {"t::q3": answer}
    assert not spool.load(URL, private_tmp, 2) and not spool.load("sqlite:///other.db", private_tmp, 1)
    spool.discard(loaded.paths)
    assert not spool.load(URL, private_tmp, 1)


def test_a_folder_that_cannot_be_written_falls_back_to_a_private_temporary_folder(private_tmp: Path) -> None:
    (private_tmp / ".llmbench").write_text("a file where the folder should be")
    path = spool.save(URL, private_tmp, 1, [_record(1)], {})
    assert path.parent.parent == private_tmp / "tmp" and oct(os.stat(path.parent).st_mode & 0o777) == "0o700"
    assert spool.load(URL, private_tmp, 1).results == [_record(1)]


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_temporary_folder_others_can_write_is_neither_written_nor_read(private_tmp: Path) -> None:
    (private_tmp / ".llmbench").write_text("not a folder")
    shared = spool.folders(URL, private_tmp)[1]
    shared.mkdir(mode=0o777)
    os.chmod(shared, 0o777)  # as another user could have made it, to plant results or read answers
    with pytest.raises(OSError):
        spool.save(URL, private_tmp, 1, [_record(1)], {})
    planted = shared / spool._name(URL, 1)
    planted.write_text('{"version": 1, "run_id": 1, "results": [], "answers": {"t::q1": {"model": "m"}}}')
    assert not spool.load(URL, private_tmp, 1)
