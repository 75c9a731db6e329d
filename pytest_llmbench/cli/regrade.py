"""``llmbench regrade RUN --grader NAME``: grade stored answers again, asking no model.

The result is a new run linked to the original (``parent_relation='regrade'``); the original is never changed.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from pytest_llmbench._run.grade import grade_completion
from pytest_llmbench._run.record import completion_of, question_of, with_grade
from pytest_llmbench.cli._shared import open_repository
from pytest_llmbench.errors import UsageError
from pytest_llmbench.grading import Grader, get_grader
from pytest_llmbench.outcome.summary import RunSummary, performance_row, totals
from pytest_llmbench.report.terminal import render
from pytest_llmbench.types import ResultRecord


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "regrade",
        help="grade a stored run again with another grader (no model calls)",
        description="Grade the stored answers of RUN with another grader and store the result as a new run "
        "linked to RUN. No model is asked again.",
    )
    parser.add_argument("run", help="run id, or 'latest'")
    parser.add_argument("--grader", required=True, help="strict, lenient, jeopardy or adaptive")
    parser.set_defaults(func=run_regrade)


def regrade(record: ResultRecord, grader: Grader) -> ResultRecord:
    """The record with ``grader``'s verdict; items that were never answered stay as they were."""
    if record.correct is None:
        return replace(record, grader=grader.name)
    # The same dispatch as the run's grade stage, on the stored answer.
    grade = grade_completion(grader, question_of(record), completion_of(record))
    return with_grade(record, grade, grader.name)


def run_regrade(args: argparse.Namespace) -> int:
    if args.grader.strip().lower() == "judge":
        raise UsageError("Regrading with the judge grader asks a model; run pytest with --llm-grader=judge instead.")
    grader = get_grader(args.grader)
    repo = open_repository(args)
    try:
        original = repo.get_run(args.run)
        before = repo.results(original.id)
        if not before:
            raise UsageError(f"Run {original.id} has no stored results to regrade.")
        records = [regrade(r, grader) for r in before]
        run_id = repo.start_run(
            name=f"{original.name} regraded with {grader.name}", models=original.models, dataset=original.dataset,
            grader=grader.name, seed=original.seed, sample=original.sample,
            config={**original.config, "grader": grader.name}, dataset_origin=original.dataset_origin,
            parent_id=original.id, parent_relation="regrade",
        )
        repo.add_results(run_id, records)
        summary = RunSummary.from_records(records, run_id=run_id, run_name=f"regrade of run {original.id}",
                                          dataset=original.dataset, dataset_origin=original.dataset_origin)
        repo.save_performance(run_id, [performance_row(m) for m in summary.models])
        repo.finish_run(run_id, status="completed", totals=totals(summary), exit_status=None)
    finally:
        repo.close()
    changed = sum(1 for a, b in zip(before, records, strict=True) if a.correct != b.correct)
    print(render(summary, width=160), end="")
    print(f"regraded run {original.id} with {grader.name}: {changed} of {len(records)} verdicts changed; "
          f"stored as run {run_id}")
    return 0
