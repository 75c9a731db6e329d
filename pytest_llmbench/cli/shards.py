"""Merging the runs of ``--llm-shard=I/N`` into one run, with one summary and one gate over the whole.

Each shard stores its own run (``benchmark_runs.shard = "I/N"``), in a shared database or in its own file.
``merge_runs`` checks that the runs are shards of one benchmark (same dataset, seed, sample and grader; every
shard present exactly once; no item twice), stores a new completed run holding all their results, and
evaluates the gates on it. The shard runs themselves are left as they were.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pytest_llmbench.config import AccuracyGate, Settings
from pytest_llmbench.errors import UsageError
from pytest_llmbench.outcome.gates import evaluate_gates
from pytest_llmbench.outcome.summary import RunSummary, performance_row, totals
from pytest_llmbench.storage.repository import Repository, RunInfo
from pytest_llmbench.types import ResultRecord

#: What must agree between shards of one benchmark (the items of shard I are a function of these).
_SAME = ("dataset", "seed", "sample", "grader")


@dataclass(frozen=True, slots=True)
class MergeResult:
    run_id: int
    sources: tuple[int, ...]
    summary: RunSummary


def check_shards(runs: Sequence[RunInfo]) -> None:
    """Raise ``UsageError`` unless ``runs`` are the complete, finished shards of one benchmark."""
    if not runs:
        raise UsageError("No runs to merge: name them with --run ID, --name NAME or --from DATABASE.")
    first = runs[0]
    for run in runs[1:]:
        for key in _SAME:
            if getattr(run, key) != getattr(first, key):
                raise UsageError(
                    f"Run {run.id} has {key} {getattr(run, key)!r} but run {first.id} has "
                    f"{getattr(first, key)!r}: they are not shards of one benchmark."
                )
    for run in runs:
        if run.status != "completed":
            resumable = run.status in ("running", "interrupted", "stopped")
            hint = f"; finish it with --llm-resume={run.id}" if resumable else ""
            raise UsageError(f"Run {run.id} is {run.status}, not completed{hint}.")
    sharded = [r for r in runs if r.shard]
    if not sharded:
        return
    if len(sharded) != len(runs):
        plain = next(r for r in runs if not r.shard)
        raise UsageError(f"Run {plain.id} is not a shard, but runs {sharded[0].id}... are: merge shards only.")
    totals = {int(r.shard.split("/")[1]) for r in sharded if r.shard}
    if len(totals) != 1:
        raise UsageError(f"The runs split the items differently ({', '.join(sorted({str(r.shard) for r in runs}))}).")
    total = totals.pop()
    seen: dict[int, int] = {}
    for run in sharded:
        index = int(str(run.shard).split("/")[0])
        if index in seen:
            raise UsageError(f"Shard {index}/{total} appears twice (runs {seen[index]} and {run.id}).")
        seen[index] = run.id
    missing = [i for i in range(1, total + 1) if i not in seen]
    if missing:
        names = ", ".join(f"{i}/{total}" for i in missing)
        raise UsageError(f"Shard {names} {'is' if len(missing) == 1 else 'are'} missing; merge all {total} shards.")


def gate_settings(config: Mapping[str, Any], overrides: Settings | None = None) -> Settings:
    """The gates the shards ran with (from the stored config snapshot), unless ``overrides`` sets some."""
    if overrides is not None and overrides.min_accuracy:
        return overrides
    gates = tuple(
        AccuracyGate(float(g["threshold"]), g.get("model")) for g in config.get("min_accuracy") or ()
        if isinstance(g, Mapping)
    )
    base = overrides or Settings()
    sources = dict(base.sources)
    max_errors = base.max_errors if "max_errors" in sources else int(config.get("max_errors") or 0)
    bound = base.gate_bound if "gate_bound" in sources else str(config.get("gate_bound") or "point")
    return dataclasses.replace(base, min_accuracy=gates, max_errors=max_errors, gate_bound=bound)


def merge_runs(
    repo: Repository, runs: Sequence[RunInfo], *, name: str | None = None, settings: Settings | None = None
) -> MergeResult:
    check_shards(runs)
    records: list[ResultRecord] = []
    owner: dict[tuple[str, int], int] = {}
    for run in runs:
        for record in repo.results(run.id):
            key = (record.nodeid, record.repeat)
            if key in owner:
                raise UsageError(f"Item {record.nodeid} is in run {owner[key]} and in run {run.id}.")
            owner[key] = run.id
            records.append(record)
    first = runs[0]
    models: list[str] = []
    for run in runs:
        models += [m for m in run.models if m not in models]
    config = dict(first.config)
    config.update(shard=None, merged_from=[r.id for r in runs])
    run_id = repo.start_run(
        name=name or first.name, models=models, dataset=first.dataset, grader=first.grader, seed=first.seed,
        sample=first.sample, config=config, dataset_origin=first.dataset_origin, parent_relation="merge",
    )
    repo.add_results(run_id, records)
    summary = RunSummary.from_records(
        records, run_id=run_id, run_name=name or first.name, dataset=first.dataset,
        dataset_origin=first.dataset_origin, budget=None,
    )
    summary.gates = evaluate_gates(gate_settings(first.config, settings), summary.models)
    summary.notes.append(f"merged from runs {', '.join(str(r.id) for r in runs)}")
    repo.save_performance(run_id, [performance_row(m) for m in summary.models])
    exit_status = 0 if summary.gates_passed else 1
    repo.finish_run(run_id, status="completed", totals=totals(summary), exit_status=exit_status)
    return MergeResult(run_id, tuple(r.id for r in runs), summary)
