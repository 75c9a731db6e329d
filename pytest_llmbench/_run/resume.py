"""``--llm-resume=last|ID``: finish an interrupted or killed run without asking again what it already has.

A resumed session continues **the same run row** (it was never finished, so nothing stored is rewritten):
the row goes back to ``running``, results without an answer (stopped, over budget, HTTP errors) are dropped
so those items are asked again, and every item that has an answer is replayed from the database: its test
runs and reports as before, but no request is sent. The unique key (run, node id, repeat) keeps every item
stored exactly once. The items must be the same, so the settings that choose them must match the run's.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pytest_llmbench._run.record import completion_of, grade_of
from pytest_llmbench.config import Settings
from pytest_llmbench.config.values import jsonable
from pytest_llmbench.errors import UsageError
from pytest_llmbench.storage.maintenance import find_resumable, reopen_for_resume
from pytest_llmbench.storage.repository import Repository, RunInfo
from pytest_llmbench.types import Completion, Grade

#: Settings that decide which items a session has; a resume with different ones would be another benchmark.
SAME_ITEMS = ("models", "dataset", "sample", "sample_method", "seed", "stratify", "category", "rounds", "grader",
              "template", "repeat", "shard")


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """An item the run already has: its completion and grade as stored."""

    completion: Completion
    grade: Grade | None
    judges: list[dict[str, Any]] | None = None  # the judge's votes, so a replayed item still counts in judging


def check_same_items(run: RunInfo, settings: Settings) -> None:
    for key in SAME_ITEMS:
        if key not in run.config:
            continue
        now = jsonable(getattr(settings, key))
        if run.config[key] != now:
            option = "--llm-" + key.replace("_", "-")
            raise UsageError(
                f"Run {run.id} was started with {option}={_show(run.config[key])}, this session has "
                f"{_show(now)}: resume with the same settings."
            )


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value) or "(default)"
    if isinstance(value, dict):
        return "/".join(str(v) for v in value.values())
    return str(value)


def reopen(repo: Repository, ref: str, settings: Settings) -> RunInfo:
    """Find the run to resume, check it is the same benchmark, and mark it running again."""
    run = find_resumable(repo, ref)
    check_same_items(run, settings)
    reopen_for_resume(repo, run.id)
    return run


def stored_answers(repo: Repository, run_id: int) -> dict[str, StoredAnswer]:
    """Node id -> the answer the run already has (items that failed without an answer are not included)."""
    return {
        r.nodeid: StoredAnswer(completion_of(r), grade_of(r), r.judges) for r in repo.results(run_id) if r.error is None
    }


def resume_command(args: Sequence[str], run_id: int) -> str:
    """The command that finishes this run: the same arguments, ``--llm-resume`` replaced."""
    kept: list[str] = []
    skip_next = False
    for arg in args:
        if skip_next:
            skip_next = False
            continue
        if arg == "--llm-resume":
            skip_next = True
            continue
        if arg.startswith("--llm-resume="):
            continue
        kept.append(arg)
    return shlex.join(["pytest", *kept, f"--llm-resume={run_id}"])
