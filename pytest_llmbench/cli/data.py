"""``llmbench data stats|validate|sample``: look at a dataset the way the plugin will load it.

``register`` adds the subcommand; every leaf parser sets ``func``, a callable ``(Namespace) -> int`` that
prints to stdout and returns the exit status (0 ok, 1 the file has problems, 2 bad input).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from pytest_llmbench.data import DataOptions, load_dataset, parse_sample_size, sample_questions
from pytest_llmbench.data.loader import read_questions, resolve_path
from pytest_llmbench.data.sampling import DEFAULT_STRATIFY, METHODS
from pytest_llmbench.errors import LlmBenchError
from pytest_llmbench.types import Question

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2


def _date(text: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a YYYY-MM-DD date") from None


def _add_source_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--include-media", action="store_true", help="keep clues that need a picture or sound"
    )
    parser.add_argument(
        "--offline", action="store_true", help="never download; use the cache or the bundled sample"
    )
    parser.add_argument(
        "--category", metavar="PATTERN", help="substring, glob (*, ?) or regex, case-insensitive"
    )
    parser.add_argument(
        "--round",
        dest="rounds",
        action="append",
        default=[],
        metavar="ROUND",
        help="J, DJ, FJ or TB (repeatable)",
    )
    parser.add_argument("--min-value", type=int, metavar="DOLLARS")
    parser.add_argument("--max-value", type=int, metavar="DOLLARS")
    parser.add_argument("--from", dest="date_from", type=_date, metavar="YYYY-MM-DD", help="first air date")
    parser.add_argument("--to", dest="date_to", type=_date, metavar="YYYY-MM-DD", help="last air date")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``data`` with its ``stats``, ``validate`` and ``sample`` subcommands."""
    data = subparsers.add_parser(
        "data",
        help="inspect, validate and sample question datasets",
        description="Inspect, validate and sample question datasets the way the plugin loads them.",
    )
    commands = data.add_subparsers(dest="data_command", metavar="COMMAND", required=True)

    stats = commands.add_parser(
        "stats",
        help="counts by round, value, decade and category",
        description="Load a dataset and show where it came from, its quality report and its make-up.",
    )
    stats.add_argument(
        "source", nargs="?", default="jeopardy", help="'jeopardy', 'jeopardy-sample' or a file"
    )
    stats.add_argument("--json", action="store_true", help="print the numbers as JSON")
    _add_source_options(stats)
    stats.set_defaults(func=run_stats)

    validate = commands.add_parser(
        "validate",
        help="check a question file and report every problem",
        description="Read a question file and print its data quality report; exit 1 if rows were unusable.",
    )
    validate.add_argument("path", help="a .csv, .json, .jsonl or .yaml question file")
    validate.add_argument(
        "--include-media", action="store_true", help="keep clues that need a picture or sound"
    )
    validate.set_defaults(func=run_validate)

    sample = commands.add_parser(
        "sample",
        help="show the questions a run would ask",
        description="Print the sample that --llm-sample/--llm-seed/--llm-stratify would choose.",
    )
    sample.add_argument(
        "source", nargs="?", default="jeopardy", help="'jeopardy', 'jeopardy-sample' or a file"
    )
    sample.add_argument("--size", default="50", help="a count (50), a fraction (0.1) or 'all' (default 50)")
    sample.add_argument("--seed", type=int, default=42, help="sampling seed (default 42)")
    sample.add_argument("--method", choices=METHODS, default="stratified", help="default stratified")
    sample.add_argument(
        "--stratify", default=",".join(DEFAULT_STRATIFY), metavar="COLS", help="columns, default round,value"
    )
    sample.add_argument("--format", choices=("text", "jsonl"), default="text", help="default text")
    _add_source_options(sample)
    sample.set_defaults(func=run_sample)


def _options(args: argparse.Namespace) -> DataOptions:
    return DataOptions(
        include_media=args.include_media,
        allow_download=not args.offline,
        category=args.category,
        rounds=tuple(args.rounds),
        min_value=args.min_value,
        max_value=args.max_value,
        date_from=args.date_from,
        date_to=args.date_to,
    )


def _fail(exc: Exception, err: TextIO) -> int:
    print(f"llmbench: {exc}", file=err)
    return EXIT_USAGE


def _value(question: Question) -> str:
    return "-" if question.value is None else f"${question.value}"


def _breakdown(questions: Sequence[Question]) -> dict[str, Any]:
    by_round: dict[str, Counter[str]] = {}
    for q in questions:
        by_round.setdefault(q.round or "(none)", Counter())[_value(q)] += 1
    decades = Counter(f"{q.metadata['decade']}s" for q in questions if q.metadata.get("decade") is not None)
    categories = Counter(q.category or "(none)" for q in questions)
    return {
        "rounds": {
            r: dict(sorted(c.items(), key=lambda kv: (len(kv[0]), kv[0])))
            for r, c in sorted(by_round.items())
        },
        "decades": dict(sorted(decades.items())),
        "top_categories": dict(categories.most_common(10)),
    }


def run_stats(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    try:
        loaded = load_dataset(args.source, options=_options(args))
    except LlmBenchError as exc:
        return _fail(exc, err)
    numbers = _breakdown(loaded.questions)
    if args.json:
        report = loaded.report
        payload = {
            "name": loaded.name,
            "origin": loaded.origin,
            "questions": len(loaded.questions),
            "rows_read": report.rows_read,
            "dropped": dict(report.dropped),
            "filtered": report.filtered,
            **numbers,
        }
        print(json.dumps(payload, indent=2), file=out)
        return EXIT_OK
    print(f"Dataset {loaded.name}: {loaded.origin}", file=out)
    print(loaded.report.format(), file=out)
    print("By round and value:", file=out)
    for round_name, values in numbers["rounds"].items():
        print(f"  {round_name}: " + ", ".join(f"{v} {n}" for v, n in values.items()), file=out)
    if numbers["decades"]:
        print("By decade: " + ", ".join(f"{d} {n}" for d, n in numbers["decades"].items()), file=out)
    print("Top categories: " + ", ".join(f"{c} {n}" for c, n in numbers["top_categories"].items()), file=out)
    return EXIT_OK


def run_validate(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    try:
        path = resolve_path(args.path, Path.cwd())
        _, _, report = read_questions(
            path, DataOptions(include_media=args.include_media), stop_when_mostly_bad=False
        )
    except LlmBenchError as exc:
        return _fail(exc, err)
    print(report.format(), file=out)
    if report.ok:
        print("OK: every row is usable.", file=out)
        return EXIT_OK
    print(
        f"{report.bad_rows} of {report.rows_read} rows cannot be used; they are left out of runs.", file=out
    )
    return EXIT_PROBLEMS


def run_sample(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    try:
        size = parse_sample_size(args.size)
        loaded = load_dataset(args.source, options=_options(args))
        columns = [c.strip() for c in args.stratify.split(",") if c.strip()]
        chosen = sample_questions(
            loaded.questions, size, seed=args.seed, method=args.method, stratify=columns
        )
    except LlmBenchError as exc:
        return _fail(exc, err)
    if args.format == "jsonl":
        for q in chosen:
            row = {
                "key": q.key,
                "id": q.id,
                "category": q.category,
                "round": q.round,
                "value": q.value,
                "air_date": q.air_date.isoformat() if q.air_date else None,
                "question": q.clue,
                "answer": q.answer,
            }
            print(json.dumps(row, ensure_ascii=False), file=out)
        return EXIT_OK
    print(f"{len(chosen)} of {len(loaded.questions)} questions from {loaded.origin}", file=out)
    print(f"(seed {args.seed}, method {args.method}, stratify {','.join(columns)})", file=out)
    for q in chosen:
        print(f"{q.key}  {q.round or '-'}  {_value(q)}  {q.category or '-'}", file=out)
        print(f"    {q.clue}", file=out)
        print(f"    -> {q.answer}", file=out)
    return EXIT_OK
