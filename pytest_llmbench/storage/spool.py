"""What a run was given and could not store, kept in a file until ``--llm-resume`` stores it.

Two things are paid for and would be lost with the process: results the database would not take at the end
(a full disk, a database gone) and answers the provider sent that no test graded before a signal, -x or a
stop ended the run. Both go to one JSON file per run beside the database (``.llmbench/`` for other
backends), or to the temporary folder when that cannot be written either. ``--llm-resume`` stores the
results and grades the answers without asking again; the file is removed once the run no longer needs it.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pytest_llmbench.report._atomic import write_atomic
from pytest_llmbench.storage.db import STATE_FOLDER, sqlite_path
from pytest_llmbench.types import Completion, ResultRecord, completion_from_json, completion_to_json

FORMAT_VERSION = 1


@dataclass
class Spooled:
    results: list[ResultRecord] = field(default_factory=list)
    answers: dict[str, Completion] = field(default_factory=dict)  # node id -> an answer no test graded
    paths: list[Path] = field(default_factory=list)  # the files they were read from

    def __bool__(self) -> bool:
        return bool(self.results or self.answers)


def _name(url: str, run_id: int) -> str:
    # Run ids restart in every database: the URL's digest keeps two databases' run 3 apart (and no password
    # of the URL reaches a file name).
    return f"unstored-run-{run_id}-{hashlib.sha256(url.encode('utf-8')).hexdigest()[:12]}.json"


def folders(url: str, base_dir: Path) -> list[Path]:
    """Where a spool file may be, in the order tried: beside the database, then this user's folder in the
    temporary folder."""
    db_file = sqlite_path(url, base_dir)
    return [db_file.parent if db_file is not None else base_dir / STATE_FOLDER, _temporary_folder()]


def _temporary_folder() -> Path:
    return Path(tempfile.gettempdir()) / f"pytest-llmbench-{os.getuid() if hasattr(os, 'getuid') else 'user'}"


def _private(folder: Path) -> bool:
    """The shared temporary folder is trusted only as this user's own directory, closed to others: another
    user must not read the answers kept there, nor plant results for a resume to store."""
    if folder != _temporary_folder() or not hasattr(os, "getuid"):
        return True
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = os.lstat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077


def save(url: str, base_dir: Path, run_id: int, results: Iterable[ResultRecord],
         answers: Mapping[str, Completion]) -> Path:
    """Write the run's spool (replacing an earlier one) in the first folder that takes it; raises the first
    folder's ``OSError`` when none does."""
    data = json.dumps({
        "version": FORMAT_VERSION, "run_id": run_id, "results": [r.to_dict() for r in results],
        "answers": {nodeid: completion_to_json(c) for nodeid, c in answers.items()},
    })
    first: OSError | None = None
    for folder in folders(url, base_dir):
        path = folder / _name(url, run_id)
        if not _private(folder):
            first = first or PermissionError(errno.EACCES, "not a private folder", str(folder))
            continue
        try:
            write_atomic(path, data)
        except OSError as exc:
            first = first or exc
            continue
        discard(p for p in paths(url, base_dir, run_id) if p != path)  # one file per run
        return path
    assert first is not None
    raise first


def paths(url: str, base_dir: Path, run_id: int) -> list[Path]:
    found = (f / _name(url, run_id) for f in folders(url, base_dir) if not f.exists() or _private(f))
    return [p for p in found if p.is_file()]


def load(url: str, base_dir: Path, run_id: int) -> Spooled:
    """What earlier sessions of the run kept (an unreadable file is left alone and ignored)."""
    spooled = Spooled()
    for path in paths(url, base_dir, run_id):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            results = [ResultRecord.from_dict(r) for r in data["results"]]
            answers = {str(k): completion_from_json(v) for k, v in data["answers"].items()}
        except (OSError, ValueError, KeyError, TypeError):
            continue
        spooled.results += results
        spooled.answers.update(answers)
        spooled.paths.append(path)
    return spooled


def discard(files: Iterable[Path]) -> None:
    for path in files:
        with contextlib.suppress(OSError):
            path.unlink()
