"""``llmbench runs list|show RUN|compare A B|export RUN``: the stored history, from the plugin's database.

Every number shown is computed from the stored records (the same ``ReportData`` the file reports use).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pytest_llmbench.cli._shared import open_repository, table
from pytest_llmbench.report import fmt
from pytest_llmbench.report.files import render_csv, render_json, write_report
from pytest_llmbench.report.model import load_report
from pytest_llmbench.report.runcompare import compare_reports, model_pairs
from pytest_llmbench.report.terminal import render
from pytest_llmbench.storage.repository import RunInfo


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    runs = subparsers.add_parser(
        "runs",
        help="list, show, compare and export stored runs",
        description="Look at stored benchmark runs. RUN is a run id from 'llmbench runs list', or 'latest'.",
    )
    commands = runs.add_subparsers(dest="runs_command", metavar="COMMAND", required=True)

    listing = commands.add_parser("list", help="the most recent runs", description="List stored runs, newest first.")
    listing.add_argument("--limit", type=int, default=20, help="how many runs (default 20; 0 = all)")
    listing.set_defaults(func=run_list)

    show = commands.add_parser(
        "show", help="one run's summary and gates", description="Show one run: settings, per-model summary and gates."
    )
    show.add_argument("run", metavar="RUN", help="a run id, or 'latest'")
    show.set_defaults(func=run_show)

    cmp = commands.add_parser(
        "compare",
        help="paired differences between two runs, with exact McNemar p-values",
        description="Compare run A with run B on the questions both answered, model by model (the models both "
        "runs have), or one model of A against one of B (--model-a/--model-b). Significance: exact McNemar test.",
    )
    cmp.add_argument("a", metavar="A", help="a run id, or 'latest'")
    cmp.add_argument("b", metavar="B", help="a run id, or 'latest'")
    cmp.add_argument("--model-a", metavar="MODEL", help="the model of run A to compare")
    cmp.add_argument("--model-b", metavar="MODEL", help="the model of run B to compare")
    cmp.add_argument("--format", choices=("text", "json"), default="text",
                     help="text (default) or json, with the flipped questions by id")
    cmp.set_defaults(func=run_compare)

    export = commands.add_parser(
        "export",
        help="every item of a run as CSV or JSON",
        description="Export a run: CSV (one row per item) or JSON (the whole run).",
    )
    export.add_argument("run", metavar="RUN", help="a run id, or 'latest'")
    export.add_argument("--format", choices=("csv", "json"), default="csv", help="default csv")
    export.add_argument("-o", "--output", type=Path, metavar="PATH", help="write here instead of stdout")
    export.set_defaults(func=run_export)


def _accuracy_line(run: RunInfo) -> str:
    totals = run.totals or {}
    items, correct = totals.get("items"), totals.get("correct")
    if not items:
        return "-"
    return f"{correct}/{items}"


def cost_cell(totals: dict[str, object]) -> str:
    """Billed cost; "at least" when answers had no price; a run served from the cache says so, with the saving."""
    spent, unpriced, cached = totals.get("cost_usd"), totals.get("unpriced"), totals.get("cached")
    text = fmt.cost(spent if isinstance(spent, int | float) else None, unpriced if isinstance(unpriced, int) else 0)
    if isinstance(cached, int) and cached:
        saved = totals.get("cost_saved_usd")
        text += f" ({cached} cached, saved {fmt.usd(saved if isinstance(saved, int | float) else None)})"
    return text


def run_list(args: argparse.Namespace) -> int:
    repo = open_repository(args)
    try:
        runs = repo.runs(limit=args.limit or None)
    finally:
        repo.close()
    if not runs:
        print("No stored runs yet.")
        return 0
    rows = []
    for run in runs:
        totals = run.totals or {}
        gates = totals.get("gates_passed")
        rows.append(
            [
                str(run.id),
                run.started_at.strftime("%Y-%m-%d %H:%M"),
                run.status,
                run.name,
                ", ".join(run.models),
                _accuracy_line(run),
                cost_cell(totals),
                "-" if gates is None else ("pass" if gates else "FAIL"),
            ]
        )
    print(
        table(["id", "started (UTC)", "status", "name", "models", "correct", "cost", "gates"], rows, right=(0, 6)),
        end="",
    )
    return 0


def run_show(args: argparse.Namespace) -> int:
    repo = open_repository(args)
    try:
        data = load_report(repo, args.run)
    finally:
        repo.close()
    run = data.run
    assert run is not None
    finished = run.finished_at.strftime("%Y-%m-%d %H:%M:%S") if run.finished_at else "-"
    facts = [
        ("run", f"{run.id} ({run.name})"),
        ("status", run.status),
        ("started / finished (UTC)", f"{run.started_at:%Y-%m-%d %H:%M:%S} / {finished}"),
        ("dataset", f"{run.dataset}" + (f" ({run.dataset_origin})" if run.dataset_origin else "")),
        ("grader / seed / sample", f"{run.grader} / {run.seed} / {run.sample or 'all'}"),
        ("pytest-llmbench", str(run.environment.get("llmbench", "-"))),
    ]
    if run.parent_id is not None:
        facts.append(("parent", f"{run.parent_id} ({run.parent_relation})"))
    width = max(len(k) for k, _ in facts)
    for key, value in facts:
        print(f"{key:<{width}}  {value}")
    print()
    if not data.records:
        print("This run has no stored results.")
        return 0
    print(render(data.summary, width=160), end="")
    return 0


def run_compare(args: argparse.Namespace) -> int:
    repo = open_repository(args)
    try:
        a, b = load_report(repo, args.a), load_report(repo, args.b)
    finally:
        repo.close()
    assert a.run is not None and b.run is not None
    result = compare_reports(a, b, model_pairs(a, b, args.model_a, args.model_b))
    if args.format == "json":
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return 0
    print(f"A = run {a.run.id} ({a.run.name}), B = run {b.run.id} ({b.run.name}); paired on questions both answered.")
    rows = [
        [
            c.model_a,
            c.model_b,
            str(c.pairs),
            fmt.pct(c.accuracy_a),
            fmt.pct(c.accuracy_b),
            str(c.a_only),
            str(c.b_only),
            fmt.signed_pct(c.difference),
            fmt.p_value(c.p_value),
            c.verdict().replace(" @", " in run "),
        ]
        for c in (d.paired for d in result.deltas)
    ]
    print(
        table(
            ["A", "B", "paired", "acc A", "acc B", "only A", "only B", "A - B", "p (McNemar)", "verdict"],
            rows,
            right=(2, 3, 4, 5, 6, 7, 8),
        ),
        end="",
    )
    if any(d.paired.pairs == 0 for d in result.deltas):
        print("Some pairs share no answered question (different samples or seeds?): nothing to compare there.")
    for d in result.deltas:
        label = d.model_a if d.model_a == d.model_b else f"{d.model_a} vs {d.model_b}"
        print(f"\n{label}: cost {fmt.usd(d.cost_a)} -> {fmt.usd(d.cost_b)}; {len(d.flips)} flipped question(s)")
        for f in d.flips:
            repeat = f" #{f.repeat + 1}" if f.repeat else ""
            print(f"  {f.question_key}{repeat}  {'right -> wrong' if f.a_correct else 'wrong -> right'}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    repo = open_repository(args)
    try:
        data = load_report(repo, args.run)
    finally:
        repo.close()
    if args.output is None:
        sys.stdout.write(render_csv(data) if args.format == "csv" else render_json(data))
        return 0
    write_report(args.format, args.output, data)  # atomic; a failure is one sentence (exit 4)
    print(f"wrote {len(data.records)} items of run {args.run} to {args.output}", file=sys.stderr)
    return 0
