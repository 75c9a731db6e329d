"""``llmbench regrade RUN --grader NAME``: grade stored answers again, asking no model but the judge.

The result is a new run linked to the original (``parent_relation='regrade'``); the original is never changed.
It prints how the new grading agrees with the original one (``outcome/agreement.py``). The ``judge`` grader and
``adaptive`` with a judge model ask the judge through the same engine and judge stage as a run (settings from
the same config: base URL, key, concurrency, retries, cache), every judge request sent at once; a failed judge
makes the item an error in the new run, never a wrong answer.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_llmbench._run.grade import grade_completion
from pytest_llmbench._run.record import completion_of, question_of, with_grade
from pytest_llmbench.cli._shared import db_url, open_repository, settings
from pytest_llmbench.errors import LlmBenchError, ProviderError, UsageError
from pytest_llmbench.grading import Grader, get_grader
from pytest_llmbench.grading.structured import kind_grader
from pytest_llmbench.outcome.agreement import GradingAgreement
from pytest_llmbench.outcome.summary import RunSummary, performance_row, totals
from pytest_llmbench.report.terminal import render
from pytest_llmbench.storage.repository import RunInfo
from pytest_llmbench.types import ErrorKind, Outcome, Question, ResultRecord

if TYPE_CHECKING:
    from pytest_llmbench._run.judge import JudgeStage
    from pytest_llmbench._run.session import BenchSession


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "regrade",
        help="grade a stored run again with another grader (no model calls)",
        description="Grade the stored answers of RUN with another grader and store the result as a new run "
        "linked to RUN. No model is asked again.",
    )
    parser.add_argument("run", help="run id, or 'latest'")
    parser.add_argument("--grader", required=True, help="strict, lenient, jeopardy, adaptive or judge")
    parser.add_argument("--judge-model", default=None, metavar="ID[,ID...]",
                        help="judge model(s) for judge / adaptive (default: the config's llm-judge-model)")
    parser.set_defaults(func=run_regrade)


def regrade(record: ResultRecord, grader: Grader, stage: JudgeStage | None = None, *,
            question: Question | None = None) -> ResultRecord:
    """The record with ``grader``'s verdict; items that were never answered stay as they were. ``question``:
    the dataset's own (with its kind fields), else what the record keeps."""
    if record.correct is None:
        return replace(record, grader=grader.name)
    question, completion = question or question_of(record), completion_of(record)
    if stage is None:  # the same dispatch as the run's grade stage, on the stored answer
        return with_grade(record, grade_completion(grader, question, completion), grader.name)
    from pytest_llmbench._run.judge import judge_entries

    with stage.capture() as votes:
        try:
            grade = grade_completion(grader, question, completion)
        except ProviderError as exc:  # the judge failed: an infrastructure error, not a wrong answer
            return replace(record, outcome=Outcome.ERROR, correct=None, score=None, grader=grader.name,
                           verdict=None, error=f"grading failed: {exc}",
                           error_kind=getattr(exc, "kind", ErrorKind.SERVER).value,
                           judges=judge_entries(votes, None, "") or None)
    regraded = replace(with_grade(record, grade, grader.name), grade_cost_usd=grade.cost_usd)
    if not votes:
        return regraded
    rules_name, rules = stage.rules_grade(question, completion, grader.name)
    return replace(regraded, judges=judge_entries(votes, rules, rules_name))


#: Graders of questions of another kind: their schema, expected value or expected call is not stored.
KIND_GRADERS = frozenset({"json", "tool_call"})


def dataset_questions(run: RunInfo, records: Sequence[ResultRecord], base_dir: Path) -> dict[str, Question]:
    """Key -> question of the run's datasets, read again when the run has structured or tool-call items (only
    the dataset holds their kind); a usage error when one of them is not found."""
    if not any(r.grader in KIND_GRADERS for r in records):
        return {}
    from pytest_llmbench import data as data_mod

    benchmarks = run.config.get("benchmarks") or {}
    names = dict.fromkeys([*(str(b["dataset"]) for b in benchmarks.values() if "dataset" in b),
                           *(run.dataset or "").split("; ")])
    known: dict[str, Question] = {}
    for name in filter(None, names):
        try:
            loaded = data_mod.load_dataset(name, base_dir=base_dir, options=data_mod.DataOptions(allow_download=False))
        except LlmBenchError:
            continue  # another of the run's datasets may hold them; a missing item is said below
        known.update((q.key, q) for q in loaded.questions)
    lost = next((r for r in records if r.grader in KIND_GRADERS and r.question_key not in known), None)
    if lost is not None:
        raise UsageError(f"Run {run.id} has structured or tool-call items whose schema and expected values are not "
                         f"stored (first: {lost.question_key}); run llmbench regrade where its dataset "
                         f"({', '.join(filter(None, names)) or '?'}) can be read.")
    return known


def _judging(spec: str | None, db: str) -> BenchSession | None:
    """A session that only judges: its engine and judge stage, built from the config like a run's."""
    if not spec:
        return None
    from pytest_llmbench._run.callers import Hooks
    from pytest_llmbench._run.session import BenchSession

    hooks = Hooks(load_dataset=lambda name: None, build_messages=lambda q, m, t: None,
                  grade=lambda q, c, g: None, on_result=lambda r: None, on_summary=lambda s: None)
    return BenchSession(settings=replace(settings(), judge_model=spec, db=db), rootdir=Path.cwd(), hooks=hooks)


def run_regrade(args: argparse.Namespace) -> int:
    from pytest_llmbench.config.values import parse_judge_models

    try:
        spec = parse_judge_models(args.judge_model) if args.judge_model else settings().judge_model
    except ValueError as exc:
        raise UsageError(f"--judge-model: {exc}.") from exc
    if args.grader.strip().lower() not in ("judge", "adaptive"):
        spec = None  # no other built-in grader asks a judge
    if args.grader.strip().lower() == "judge" and not spec:
        raise UsageError("Regrading with the judge grader needs a judge model: pass --judge-model=MODEL "
                         "(or set llm-judge-model in the config).")
    repo = open_repository(args)
    bench = _judging(spec, db_url(args))
    try:
        stage = bench.judge_stage if bench is not None else None
        grader = get_grader(args.grader, judge=stage.judge if stage else None, judge_model=spec)
        original = repo.get_run(args.run)
        before = repo.results(original.id)
        if not before:
            raise UsageError(f"Run {original.id} has no stored results to regrade.")
        known = dataset_questions(original, before, Path.cwd())
        if stage is not None:  # every judge request at once, through the engine's limits
            for r in before:
                if r.correct is not None:
                    stage.prefetch(question_of(r, known), completion_of(r), grader.name)
        records = []
        for r in before:  # each question graded by its kind's grader when a text grader is asked for, as in a run
            question = question_of(r, known)
            name = kind_grader(question, grader.name)
            records.append(regrade(r, grader if name == grader.name else get_grader(name), stage, question=question))
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
        if bench is not None:
            bench.close()
        repo.close()
    changed = sum(1 for a, b in zip(before, records, strict=True) if a.correct != b.correct)
    print(render(summary, width=160), end="")
    print("\n".join(GradingAgreement.compare(before, records).lines()))
    print(f"regraded run {original.id} with {grader.name}: {changed} of {len(records)} verdicts changed; "
          f"stored as run {run_id}")
    return 0
